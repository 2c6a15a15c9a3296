"""Time-share pacing of view refreshes: small steps, one per event-loop turn, within a share of the GUI thread."""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from gendiff_gui.session.view_pace import clamped_pace

# While a model trains, every view follows the map: each pass of the background encoder (a few a second) moves the
# points, the marker and the ellipses in one repaint of the map, then the other views refresh in small steps,
# spending at most this share of the GUI thread (their measured cost spaces the refreshes out).
REFRESH_SHARE = 0.1

Step = Callable[[], None]


class RefreshScheduler(QObject):
    """`request()` runs the steps that `make_steps()` returns, one per event-loop turn (a click waits for one step
    at most): now, or once the previous refresh's measured cost has been paid back at `share` of the GUI thread.

    A request while one is waiting or under way adds nothing (the one on its way uses the newest state).
    `then(make)` queues `make()`'s steps after those under way (computed when they start); `cancel()` drops all.
    """

    def __init__(self, make_steps: Callable[[], list[Step]], parent: QObject | None = None,
                 share: float = REFRESH_SHARE) -> None:
        super().__init__(parent)
        self._make_steps = make_steps
        self._share = share
        self._pace = 1.0  # gendiff_gui.session.view_pace: the share is multiplied by it
        self._steps: list[Step] = []
        self._then: Callable[[], list[Step]] | None = None
        self._cost = 0.0  # seconds the last complete refresh took
        self._started = -float("inf")
        self._spent = 0.0
        self._wait_timer = QTimer(self, singleShot=True)
        self._wait_timer.timeout.connect(self._begin)
        self._step_timer = QTimer(self, singleShot=True, interval=0)
        self._step_timer.timeout.connect(self._run_step)

    @property
    def waiting(self) -> bool:
        """A refresh is due and will start when its wait ends."""
        return self._wait_timer.isActive()

    @property
    def running(self) -> bool:
        """A refresh is under way (steps remain)."""
        return bool(self._steps)

    def request(self) -> None:
        if self.waiting or self.running:
            return
        wait = self._cost / (self._share * self._pace) - (time.perf_counter() - self._started)
        self._wait_timer.start(int(max(0.0, wait) * 1000))

    def set_pace(self, pace: float) -> None:
        """Spend `pace` times the share (from the next wait on): less of the cores while they are contended."""
        self._pace = clamped_pace(pace)

    def then(self, make_steps: Callable[[], list[Step]]) -> None:
        """Once the steps under way have run, run `make_steps()`'s (its latest call wins)."""
        self._then = make_steps

    def cancel(self) -> None:
        self._wait_timer.stop()
        self._steps, self._then = [], None

    def _begin(self) -> None:
        self._steps = self._make_steps()
        self._started = time.perf_counter()
        self._then = None  # these steps already see the state of now
        self._spent = 0.0
        self._step_timer.start()

    def _run_step(self) -> None:
        if not self._steps:
            return
        t0 = time.perf_counter()
        self._steps.pop(0)()
        self._spent += time.perf_counter() - t0
        if not self._steps and self._then is not None:
            make, self._then = self._then, None
            self._steps = make()
        if self._steps:
            self._step_timer.start()
        else:
            self._cost = self._spent
