"""The benchmarks' one way to wait: run the Qt event loop (as app.exec() would) until a condition holds."""
from __future__ import annotations

import time


def run_until(condition, timeout_s: float, poll_ms: int = 20, signal=None) -> bool:
    """Serve the event loop until `condition()` is true or `timeout_s` has passed; returns `condition()`.

    `condition` is checked every `poll_ms` and, with `signal`, whenever it is emitted: a wait for something a
    signal brings need not poll often (each poll wakes the GUI thread, which on a contended machine costs the
    training thread its core: the benchmark would measure its own polling)."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    poll = QTimer()

    def check(*_args) -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    poll.timeout.connect(check)
    if signal is not None:
        signal.connect(check)
    poll.start(poll_ms)
    if not condition():
        loop.exec()
    poll.stop()
    if signal is not None:
        signal.disconnect(check)
    return bool(condition())
