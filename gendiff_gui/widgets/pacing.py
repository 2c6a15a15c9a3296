"""Calls coalesced by one single-shot QTimer: `throttled` (at most once per period, on the trailing edge) and
`debounced` (once the calls have rested for a period). What superqt's qthrottled / qdebounced did here, without
importing superqt (its package import took 0.2-0.6 s and 10 MB of the start-up)."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class _Paced:
    """`self()` asks for `fn()`; the timer decides when it runs (on the GUI thread, once per burst of asks)."""

    def __init__(self, fn: Callable[[], object], timeout_ms: int, parent: QObject, restart: bool) -> None:
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(fn)
        self._restart = restart

    def __call__(self) -> None:
        if self._restart or not self._timer.isActive():
            self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()


def throttled(fn: Callable[[], object], timeout_ms: int, parent: QObject) -> _Paced:
    """`fn` at most once per `timeout_ms`: the first ask of a burst starts the period, `fn` runs at its end."""
    return _Paced(fn, timeout_ms, parent, restart=False)


def debounced(fn: Callable[[], object], timeout_ms: int, parent: QObject) -> _Paced:
    """`fn` once `timeout_ms` have passed without another ask (every ask starts the wait again)."""
    return _Paced(fn, timeout_ms, parent, restart=True)
