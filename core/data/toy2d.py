"""Seeded 2-D toy point sets (moons, swiss roll, 8 Gaussians, ...) and validation of user-drawn points."""
from __future__ import annotations

from collections.abc import Callable
from typing import Literal, overload

import numpy as np

Generator = Callable[[np.random.Generator, int], tuple[np.ndarray, "np.ndarray | None"]]


def _moons(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as sklearn.datasets.make_moons), noise 0.1; label = moon."""
    labels = rng.integers(0, 2, n)
    t = rng.uniform(0.0, np.pi, n)
    x = np.where(labels == 0, np.cos(t), 1.0 - np.cos(t))
    y = np.where(labels == 0, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x, y], axis=1) + rng.normal(0.0, 0.1, (n, 2))
    return pts, labels


def _swiss_roll(rng: np.random.Generator, n: int) -> tuple[np.ndarray, None]:
    """2-D swiss roll (the x/z plane of sklearn.datasets.make_swiss_roll), noise 0.5; no labels."""
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.uniform(0.0, 1.0, n))
    pts = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) + rng.normal(0.0, 0.5, (n, 2))
    return pts, None


def _eight_gaussians(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Eight Gaussians (std 0.5) on a circle of radius 4 (as FFJORD's toy data); label = which one."""
    labels = rng.integers(0, 8, n)
    angle = labels * (np.pi / 4.0)
    centres = 4.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres + rng.normal(0.0, 0.5, (n, 2)), labels


def _checkerboard(rng: np.random.Generator, n: int) -> tuple[np.ndarray, None]:
    """Uniform points on the 8 dark squares of a 4x4 checkerboard (as FFJORD's toy data)."""
    x1 = rng.uniform(-2.0, 2.0, n)
    x2 = rng.uniform(0.0, 1.0, n) - 2.0 * rng.integers(0, 2, n) + np.floor(x1) % 2
    return np.stack([x1, x2], axis=1), None


def _spirals(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two intertwined spirals (1.5 turns each, noise 0.5); label = which spiral."""
    labels = rng.integers(0, 2, n)
    t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3.0 * np.pi
    sign = np.where(labels == 0, 1.0, -1.0)[:, None]
    pts = sign * np.stack([-np.cos(t) * t, np.sin(t) * t], axis=1)
    return pts + rng.normal(0.0, 0.5, (n, 2)), labels


def _rings(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Four concentric circles, radii 1, 2.2, 3.3, 4 (as FFJORD's 'rings'), noise 0.08; label = ring."""
    radii = np.array([1.0, 2.2, 3.3, 4.0])
    labels = rng.integers(0, len(radii), n)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    pts = radii[labels, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return pts + rng.normal(0.0, 0.08, (n, 2)), labels


# name -> (generator, centre, scale). Centre and (isotropic) scale are fixed constants measured
# once on 10^6 samples (mean, and the root-mean-square std over both axes), so that every draw,
# whatever its size, is mapped the same way to roughly zero mean and unit std (diffusion models
# add unit-variance noise, so the data should live on that scale).
_TOYS: dict[str, tuple[Generator, tuple[float, float], float]] = {
    "moons": (_moons, (0.5, 0.25), 0.71),
    "swiss-roll": (_swiss_roll, (2.0, 0.22), 6.81),
    "8gaussians": (_eight_gaussians, (0.0, 0.0), 2.87),
    "checkerboard": (_checkerboard, (0.0, 0.0), 1.155),
    "spirals": (_spirals, (0.0, 0.0), 4.74),
    "rings": (_rings, (0.0, 0.0), 2.03),
}
TOY_NAMES: tuple[str, ...] = tuple(_TOYS)
# Toy sets whose generator returns a meaningful label (the others give None).
TOY_CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "moons": ("moon 0", "moon 1"),
    "8gaussians": tuple(f"gaussian {i}" for i in range(8)),
    "spirals": ("spiral 0", "spiral 1"),
    "rings": tuple(f"ring {i}" for i in range(4)),
}


@overload
def make_toy(name: str, n: int, seed: int, return_labels: Literal[False] = ...) -> np.ndarray: ...
@overload
def make_toy(name: str, n: int, seed: int,
             return_labels: Literal[True]) -> tuple[np.ndarray, np.ndarray | None]: ...


def make_toy(name: str, n: int, seed: int, return_labels: bool = False
             ) -> np.ndarray | tuple[np.ndarray, np.ndarray | None]:
    """Draw n points (float32 (n,2), ~zero mean, ~unit std) of the named toy set with a seed.

    With return_labels=True also return int64 labels (moon / gaussian / spiral / ring index),
    or None for sets without a meaningful label (swiss-roll, checkerboard).
    """
    if name not in _TOYS:
        raise ValueError(f"unknown toy dataset {name!r}; valid: {', '.join(TOY_NAMES)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    generator, centre, scale = _TOYS[name]
    pts, labels = generator(np.random.default_rng(seed), int(n))
    pts = ((pts - np.asarray(centre)) / scale).astype(np.float32)
    if not return_labels:
        return pts
    return pts, (None if labels is None else labels.astype(np.int64))


def points_dataset(points: object) -> np.ndarray:
    """Validate user-drawn points: an (n,2) array of finite numbers with n >= 2 -> float32 copy."""
    try:
        arr = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points must be numbers in an (n, 2) array: {exc}") from exc
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {arr.shape}")
    if arr.shape[0] < 2:
        raise ValueError(f"need at least 2 points, got {arr.shape[0]}")
    with np.errstate(over="ignore"):  # too-large values become inf and are refused below
        out = arr.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError("points contain NaN, infinite or out-of-float32-range values")
    return out
