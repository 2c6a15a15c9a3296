"""The benchmarks' one way to wait: run the Qt event loop (as app.exec() would) until a condition holds."""
from __future__ import annotations

import time


def run_until(condition, timeout_s: float, poll_ms: int = 20) -> bool:
    """Serve the event loop until `condition()` is true or `timeout_s` has passed; returns `condition()`."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    poll.start(poll_ms)
    if not condition():
        loop.exec()
    poll.stop()
    return bool(condition())
