"""A job: one worker in its own QThread, with start, stop, wait and a `finished` signal once the thread has ended.

Lifecycle (after superqt's thread workers): the worker is moved to a fresh QThread whose `started` runs
`worker.run`; when `run` returns the worker quits the thread itself (a queued quit would wait for a GUI thread
that may be blocked in `wait`). `Job.finished` is emitted on the GUI thread once the thread has really ended,
so the owner can drop it and start the next job without two workers ever touching one model.

The way to run background work: the session's builds and training runs, app.py's start-up dataset prefetch (a
job started as soon as the QApplication exists) and the views' sampling are jobs; those the session does not own
are handed to `window.track_job(job)`, so that closing the window stops and waits for every one (`stop_and_wait`).
The once-per-process torch warm-up is a job too, the application's (`training_session.start_torch_warm_up`).
"""
from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import QObject, QThread, Signal

from gendiff_gui.session.workers import Worker

# Every started job until its thread has ended: a QThread destroyed while it runs aborts the process (Qt's
# qFatal), so no owner's garbage collection (a closed window's views, say) may take a running one with it.
_RUNNING: set[Job] = set()


class Job(QObject):
    """Runs `worker` in a QThread named `gendiff-<name>`; emits `finished(job)` when the thread is gone."""

    finished = Signal(object)

    def __init__(self, name: str, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.worker = worker
        self._thread: QThread | None = QThread()
        self._thread.setObjectName(f"gendiff-{name}")
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker.run)
        self._thread.finished.connect(self._on_thread_finished)
        self._started = False

    def start(self) -> None:
        if self._started:
            raise RuntimeError(f"job {self.name} was already started")
        self._started = True
        _RUNNING.add(self)
        self._thread.start()

    @property
    def alive(self) -> bool:
        """True from start until `finished` has been emitted."""
        return self._started and self._thread is not None

    def request_stop(self) -> None:
        self.worker.request_stop()

    def wait(self, msecs: int) -> bool:
        """Block until the thread has ended (True) or `msecs` passed (False). For shutdown only."""
        return self._thread is None or self._thread.wait(msecs)

    def _on_thread_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.wait()  # `finished` is emitted just before the thread really ends
        _RUNNING.discard(self)
        self.finished.emit(self)


def stop_and_wait(jobs: Iterable[Job], timeout_ms: int) -> bool:
    """Ask every job to stop, then wait for all their threads within `timeout_ms` in total. True if all ended."""
    jobs = list(jobs)
    for job in jobs:
        job.request_stop()
    deadline = time.monotonic() + timeout_ms / 1000
    ended = True
    for job in jobs:
        ended = job.wait(max(0, int((deadline - time.monotonic()) * 1000))) and ended
    return ended
