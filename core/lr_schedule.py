"""Learning-rate decay over a run of known length: cosine annealing (Loshchilov & Hutter 2017, eq. 5, one cycle)."""
from __future__ import annotations

import math
from collections.abc import Callable

LR_DECAYS = ("none", "cosine")


def cosine_lr(base: float, steps: int) -> Callable[[int], float]:
    """k -> lr_k = base * (1 + cos(pi k / K)) / 2 for the k-th update of a run of K = `steps` (eta_min = 0):
    `base` on the first update, falling to base * (1 - cos(pi / K)) / 2 on the last; K itself is never reached."""
    if steps < 1:
        raise ValueError("a decaying learning rate needs the run's number of steps (at least 1)")
    return lambda k: base * 0.5 * (1.0 + math.cos(math.pi * min(max(k, 0), steps) / steps))


def lr_schedule(decay: str, base: float, steps: int | None) -> Callable[[int], float] | None:
    """The schedule for `decay` ("none": None, a constant lr) over a run of `steps` updates."""
    if decay == "none":
        return None
    if decay == "cosine":
        if steps is None:
            raise ValueError("lr_decay 'cosine' needs a run of a fixed number of steps")
        return cosine_lr(base, steps)
    raise ValueError(f"lr_decay must be one of {', '.join(LR_DECAYS)}, not {decay!r}")
