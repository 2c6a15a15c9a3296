"""The latent panel's background work: stoppable calls, each a session Job (its own QThread), results by signal."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from gendiff_gui.session.jobs import Job
from gendiff_gui.session.workers import CallWorker

Stopped = Callable[[], bool]  # True once the job running the call has been asked to stop


class StoppableCall(CallWorker):
    """A CallWorker for `fn(stopped)`: `fn` looks at `stopped()` between pieces of its work and returns early once
    it is True (CallWorker then emits no `returned`), so a stop or a closing window waits for one piece at most."""

    def __init__(self, fn: Callable[[Stopped], Any]) -> None:
        super().__init__(lambda: fn(lambda: self.stop_requested))


class JobOwner(QObject):
    """Starts stoppable calls as Jobs and keeps them until their threads end.

    Each job is announced by `job_started(job)` before it starts: the main window's `track_job` then stops and
    waits for it at close (gendiff_gui/latent/panel.py's `install` connects them). A call's result reaches the
    `on_returned` slot given to `start_call` on the GUI thread (a queued signal: no polling); `job_ended(job)`
    runs once its thread is gone, after any result.
    """

    job_started = Signal(object)  # Job

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []

    def jobs(self) -> list[Job]:
        """The jobs whose threads have not ended yet."""
        return list(self._jobs)

    def start_call(self, name: str, fn: Callable[[Stopped], Any], on_returned: Callable[[Any], None]) -> Job:
        """Run `fn(stopped)` in a new Job named `name`; its result goes to `on_returned` (a slot of this object)."""
        worker = StoppableCall(fn)
        worker.returned.connect(on_returned)
        job = Job(name, worker, self)
        job.finished.connect(self._on_job_finished)
        self._jobs.append(job)
        self.job_started.emit(job)
        job.start()
        return job

    def stop_jobs(self) -> None:
        """Ask every job to stop (their results, if any arrive, are dropped by CallWorker or by the owner)."""
        for job in self._jobs:
            job.request_stop()

    def job_ended(self, job: Job) -> None:
        """Called once `job`'s thread has ended; subclasses react here."""

    def _on_job_finished(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        self.job_ended(job)
        job.deleteLater()
