"""Axis ranges that move in round jumps instead of every frame (no Qt): steadier to read, and an axis is
re-laid out only when its range changes, which is most of a live plot's painting cost."""
from __future__ import annotations

import math


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= x (x > 0)."""
    exponent = math.floor(math.log10(x))
    for mantissa in (1, 2, 5, 10):
        value = mantissa * 10.0 ** exponent
        if value >= x * (1 - 1e-12):
            return value
    return 10.0 ** (exponent + 1)


def x_range(last_step: float, first_step: float = 0.0) -> tuple[float, float]:
    """From the first step to a round number past the last (1000, 2000, 5000 ...)."""
    return first_step, max(first_step + 10.0, nice_ceiling(max(last_step, 1.0) * 1.02))


def y_range(lo: float, hi: float, current: tuple[float, float] | None,
            min_fill: float = 0.4) -> tuple[float, float]:
    """Keep `current` while it holds [lo, hi] and they fill at least `min_fill` of it; else a padded round range."""
    if current is not None:
        c_lo, c_hi = current
        if c_lo <= lo and hi <= c_hi and (hi - lo) >= min_fill * (c_hi - c_lo):
            return current
    span = max(hi - lo, 1e-9 * max(abs(hi), abs(lo), 1.0), 1e-12)
    step = nice_ceiling(span / 8)
    return math.floor((lo - 0.08 * span) / step) * step, math.ceil((hi + 0.08 * span) / step) * step
