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
    """From the first step shown (a round number at or below it) over a round span past the last: 0 .. 2000 for
    a run from 0 to 1,500; 15,000 .. 15,500 for one continued from step 15,000 to 15,400 (not 0 .. 20,000)."""
    first = float(first_step)
    span = nice_ceiling(max(last_step - first, 1.0) * 1.02)
    start = math.floor(first / span) * span if first > 0 else 0.0
    while start + span < last_step * (1 + 1e-12):  # rounding the start down may leave the end short
        span = nice_ceiling(span * 1.02)
        start = math.floor(first / span) * span if first > 0 else 0.0
    return start, max(start + 10.0, start + span)


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
