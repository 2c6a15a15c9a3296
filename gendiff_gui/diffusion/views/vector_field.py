"""Arrows on a grid (one pyqtgraph curve of line pairs): the denoiser's pull at each point of the plane at one t."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

HEAD = 0.3  # arrow-head length as a fraction of the arrow
HEAD_ANGLE = np.deg2rad(25.0)


def grid_points(extent: tuple[float, float, float, float], cells: int) -> np.ndarray:
    """(cells * cells, 2) centres of a cells x cells grid over (x0, x1, y0, y1), row by row from the bottom."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(cells) + 0.5) * (x1 - x0) / cells
    ys = y0 + (np.arange(cells) + 0.5) * (y1 - y0) / cells
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def fit_lengths(vectors: np.ndarray, longest: float) -> np.ndarray:
    """Vectors scaled together so the longest is `longest` long (directions and ratios kept; zeros stay zero)."""
    vectors = np.nan_to_num(np.asarray(vectors, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    top = float(np.sqrt((vectors ** 2).sum(1)).max()) if len(vectors) else 0.0
    return vectors * (longest / top) if top > 0 else vectors


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
