"""The live views' pace while a model trains: full speed on a free machine, slower when the cores are contended.

On a 2-core laptop with a browser or a video call running, every CPU-second the views spend (the map's
re-encoding, the refreshes, the loss curves' repaints) is taken from training. The training worker reports which
share of its busy time it waited for a core (`TrainProgress.core_wait`, core.cpu_wait); this object smooths it and
turns it into a pace in [MIN_PACE, 1] that the views multiply their budgets by: 1 while the wait stays under
FREE_WAIT (a core is there for each thread), MIN_PACE from BUSY_WAIT on (with two spinning neighbours on two
cores the pace sat at MIN_PACE in nearly every segment of benchmarks/bench_busy.py), linear between. When training stops the pace is 1 again.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

FREE_WAIT = 0.1
BUSY_WAIT = 0.3
MIN_PACE = 0.25
SMOOTHING = 0.8  # weight of the previous average per report (reports come about 20 times a second)


def clamped_pace(pace: float) -> float:
    """A pace a view may divide by: `pace` limited to [0.001, 1]."""
    return min(1.0, max(float(pace), 1e-3))


def pace_for(wait: float) -> float:
    """The pace for a smoothed core wait: 1 up to FREE_WAIT, MIN_PACE from BUSY_WAIT, linear between."""
    if wait <= FREE_WAIT:
        return 1.0
    if wait >= BUSY_WAIT:
        return MIN_PACE
    return 1.0 - (1.0 - MIN_PACE) * (wait - FREE_WAIT) / (BUSY_WAIT - FREE_WAIT)


class ViewPace(QObject):
    """`observe(progress)` for each training report; `pace` is the current pace, `changed(pace)` tells when it
    moves by a tenth or more (or reaches 1 or MIN_PACE); `reset()` (training stopped) goes back to 1."""

    changed = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._wait: float | None = None
        self.pace = 1.0

    def observe(self, progress) -> None:
        wait = getattr(progress, "core_wait", None)
        if wait is None:
            return
        self._wait = wait if self._wait is None else SMOOTHING * self._wait + (1.0 - SMOOTHING) * wait
        self._set(pace_for(self._wait))

    def reset(self) -> None:
        self._wait = None
        self._set(1.0)

    def _set(self, pace: float) -> None:
        at_end = pace in (1.0, MIN_PACE) and pace != self.pace
        if abs(pace - self.pace) >= 0.1 or at_end:
            self.pace = pace
            self.changed.emit(pace)
