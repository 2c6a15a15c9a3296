"""The vector field of one run on a grid, computed once per (t, kind) and kept: the pull x → x̂₀(x, t), or one of the
three fields of the same network (core.diffusion.fields: predicted noise ε̂, score −ε̂/σ_t, velocity), and a probe."""
from __future__ import annotations

import numpy as np
from torch import nn

from core.diffusion.fields import fields
from core.diffusion.process import NoiseProcess

FIELD_CELLS = 17
PULL = "pull"  # x̂₀(x, t) − x: where the denoiser believes x came from
# The kinds the view switches between, with their labels; the last three are keys of core's `fields`.
FIELD_KINDS = {PULL: "pull x → x̂₀", "eps": "noise ε̂", "score": "score −ε̂/σ_t", "velocity": "velocity v"}


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


def field_vectors(process: NoiseProcess, net: nn.Module, points: np.ndarray, t: int, kind: str,
                  y: int | None = None, guidance: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(vectors of `kind`, x̂₀) at points (n, 2) and step t, unscaled, float64. At t = 0 nothing is noisy: zero
    vectors and x̂₀ = x (the score of the data itself is not defined)."""
    if kind not in FIELD_KINDS:
        raise ValueError(f"unknown field {kind!r}; choose one of {', '.join(FIELD_KINDS)}")
    x = np.asarray(points, np.float32).reshape(-1, 2)
    if t <= 0:
        return np.zeros_like(x), x.copy()
    values = fields(process, net, x, int(t), y, guidance)
    x0 = np.asarray(values["x0"], np.float64)
    vectors = x0 - x if kind == PULL else np.asarray(values[kind], np.float64)
    return vectors, x0


class FieldCache:
    """(grid points, arrows) at step t for the weights a run samples with (`net`: a frozen copy of its own) and the
    run's class `y`, for one field kind (FIELD_KINDS), scaled together so the longest is 0.9 of a grid cell; the
    unscaled vectors (`raw`) and a single point's vector and x̂₀ (`probe`). Used on the GUI thread only."""

    def __init__(self, net: nn.Module, process: NoiseProcess, y: int | None = None, guidance: float = 1.0,
                 cells: int = FIELD_CELLS) -> None:
        self._net, self._process = net, process
        self._y, self._guidance, self._cells = y, guidance, cells
        self._raw: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def raw(self, t: int, extent: tuple[float, float, float, float], kind: str = PULL
            ) -> tuple[np.ndarray, np.ndarray]:
        """(grid points, unscaled vectors of `kind`) at step t on a `cells` x `cells` grid over extent."""
        key = (int(t), tuple(extent), kind)
        if key not in self._raw:
            origins = grid_points(extent, self._cells)
            vectors, _x0 = field_vectors(self._process, self._net, origins, t, kind, self._y, self._guidance)
            self._raw[key] = (origins, vectors)
        return self._raw[key]

    def at(self, t: int, extent: tuple[float, float, float, float], kind: str = PULL
           ) -> tuple[np.ndarray, np.ndarray]:
        """The field at step t as drawn: grid points and arrows scaled so the longest is 0.9 of a cell."""
        origins, vectors = self.raw(t, extent, kind)
        cell = (extent[1] - extent[0]) / self._cells
        return origins, fit_lengths(vectors, 0.9 * cell)

    def probe(self, point: tuple[float, float], t: int, kind: str = PULL) -> tuple[np.ndarray, np.ndarray]:
        """(vector of `kind`, x̂₀) at one point, unscaled, each (2,)."""
        vectors, x0 = field_vectors(self._process, self._net, np.asarray([point], np.float32), t, kind, self._y,
                                    self._guidance)
        return vectors[0], x0[0]
