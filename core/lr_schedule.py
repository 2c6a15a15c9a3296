"""Learning-rate decay over a run of known length: cosine annealing (Loshchilov & Hutter 2017, eq. 5, one cycle)."""
from __future__ import annotations

import math
from collections.abc import Callable

LR_DECAYS = ("none", "cosine")


def cosine_lr(base: float) -> Callable[[float], float]:
    """p -> lr = base * (1 + cos(pi p)) / 2, p in [0, 1] the share of the run done before the update (eta_min = 0).

    A run of K steps gives its k-th update p = k / K (eq. 5 with T_cur = k, T_max = K): `base` first, falling
    to base * (1 - cos(pi / K)) / 2 on the last. A run of S seconds gives p = (seconds elapsed) / S, so a timed
    run anneals too, however many steps the machine makes of it; with both, the nearer end counts."""
    return lambda p: base * 0.5 * (1.0 + math.cos(math.pi * min(max(p, 0.0), 1.0)))


def lr_schedule(decay: str, base: float) -> Callable[[float], float] | None:
    """The schedule for `decay` ("none": None, a constant lr), as a function of the share of the run done."""
    if decay == "none":
        return None
    if decay == "cosine":
        return cosine_lr(base)
    raise ValueError(f"lr_decay must be one of {', '.join(LR_DECAYS)}, not {decay!r}")


def run_progress(updates_done: int, seconds_done: float, steps: int | None, seconds: float | None) -> float:
    """The share of a run done: updates over `steps`, seconds over `seconds`, the larger where both are set."""
    shares = [updates_done / steps] if steps else []
    if seconds:
        shares.append(seconds_done / seconds)
    if not shares:
        raise ValueError("a decaying learning rate needs the run's length (steps or seconds)")
    return max(shares)
