"""Arrows on a grid (one pyqtgraph curve of line pairs): the denoiser's pull at each point of the plane at one t."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

HEAD = 0.3  # arrow-head length as a fraction of the arrow
HEAD_ANGLE = np.deg2rad(25.0)


def arrow_segments(origins: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Line pairs (6 n, 2) drawing an arrow from each origin along its vector: the shaft and two head strokes."""
    origins = np.asarray(origins, np.float64)
    vectors = np.asarray(vectors, np.float64)
    tips = origins + vectors
    back = -HEAD * vectors
    cos, sin = np.cos(HEAD_ANGLE), np.sin(HEAD_ANGLE)
    left = np.stack([cos * back[:, 0] - sin * back[:, 1], sin * back[:, 0] + cos * back[:, 1]], 1)
    right = np.stack([cos * back[:, 0] + sin * back[:, 1], -sin * back[:, 0] + cos * back[:, 1]], 1)
    segments = np.stack([origins, tips, tips, tips + left, tips, tips + right], axis=1)
    return segments.reshape(-1, 2)


class VectorFieldItem(pg.PlotCurveItem):
    """`set_field(origins, vectors)` draws the arrows origin -> origin + vector; `clear_field()` hides them."""

    def __init__(self, color: str = "#5A5A5A", width: float = 1.6) -> None:
        super().__init__(pen=pg.mkPen(color, width=width), connect="pairs", antialias=True)
        self._color = color

    def set_width(self, width: float) -> None:
        self.setPen(pg.mkPen(self._color, width=width))

    def set_field(self, origins: np.ndarray, vectors: np.ndarray) -> None:
        segments = arrow_segments(origins, vectors)
        self.setData(segments[:, 0], segments[:, 1], connect="pairs")

    def clear_field(self) -> None:
        self.setData([], [])
