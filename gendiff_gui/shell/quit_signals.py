"""Ctrl+C and SIGTERM in the terminal close the window as cleanly as its close button does.

Python runs signal handlers only between bytecodes, and Qt's event loop runs none while idle, so a QTimer
heartbeat lets Python in a few times a second; the handler then asks the window to close (which stops and waits
for the jobs) and the application to quit.
"""
from __future__ import annotations

import signal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

HEARTBEAT_MS = 100


def install_quit_handlers(app: QApplication, window: QWidget) -> QTimer:
    def close_and_quit() -> None:
        window.close()
        app.quit()

    def handler(signum, frame) -> None:
        QTimer.singleShot(0, close_and_quit)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    heartbeat = QTimer(app)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(HEARTBEAT_MS)
    return heartbeat
