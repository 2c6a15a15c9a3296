"""The vector field of one run: the denoiser's pull x → x̂₀(x, t) on a grid, computed once per t and kept."""
from __future__ import annotations

import numpy as np
from torch import nn

from core.diffusion.process import NoiseProcess
from core.diffusion.runs import predicted_x0

FIELD_CELLS = 17


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


class FieldCache:
    """(grid points, arrows) at step t for the weights a run samples with (`net`: a frozen copy of its own), the
    run's class `y` and guidance: arrows from x toward x̂₀(x, t) (for DDPM and the lecture's process alike), scaled
    together so the longest is 0.9 of a grid cell. Used on the GUI thread only."""

    def __init__(self, net: nn.Module, process: NoiseProcess, y: int | None = None, guidance: float = 1.0,
                 cells: int = FIELD_CELLS) -> None:
        self._net, self._process = net, process
        self._y, self._guidance, self._cells = y, guidance, cells
        self._fields: dict[tuple[int, tuple[float, ...]], tuple[np.ndarray, np.ndarray]] = {}

    def at(self, t: int, extent: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        """The field at step t on a `cells` x `cells` grid over extent (x0, x1, y0, y1)."""
        key = (int(t), tuple(extent))
        if key not in self._fields:
            origins = grid_points(extent, self._cells)
            target = predicted_x0(self._process, self._net, origins, t, self._y, self._guidance)
            cell = (extent[1] - extent[0]) / self._cells
            self._fields[key] = (origins, fit_lengths(target - origins, 0.9 * cell))
        return self._fields[key]
