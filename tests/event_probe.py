"""EventProbe: asserts by event order, not by time, that a long job yields to the event loop (tests only)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject


class EventProbe(QObject):
    """`post()` posts an event, as a click or a paint request arrives; when the event loop delivers it, `lags` gets
    how far `count()` went on meanwhile (0: delivered before anything else counted ran)."""

    def __init__(self, count) -> None:
        super().__init__()
        self._count = count
        self._posted: list[int] = []
        self.lags: list[int] = []

    def post(self) -> None:
        self._posted.append(self._count())
        QCoreApplication.postEvent(self, QEvent(QEvent.Type.User))

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.User:
            self.lags.append(self._count() - self._posted.pop(0))
            return True
        return super().event(event)
