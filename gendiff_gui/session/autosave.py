"""Autosave: while training, the session is written every minute and when a run ends (off the GUI thread, atomic),
so a crash loses at most the last minute; a marker file says the program is running, and a clean close removes
both. The next start finds marker and autosave left behind by a crash and keeps that file for `recovered`."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core.checkpoint import _process_running as process_running  # the one "is that process alive" check
from core.session_file.content import SessionContent
from core.session_file.format import SESSION_SUFFIX, write_session
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.training_session import TRAINING, TrainingSession
from gendiff_gui.session.workers import CallWorker

AUTOSAVE_EVERY_S = 60
Gather = Callable[[Callable[[SessionContent], None]], bool]  # gather(callback): the session, asynchronously


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


class Autosave(QObject):
    """Writes `gather()`'s session to folder/autosave.gendiff-session every AUTOSAVE_EVERY_S while `session`
    trains and whenever a run ends. `recovered`: the autosave a crashed run left (None if it closed cleanly).
    `written(path)` after each write. Jobs go to `track_job` (the window waits for them when it closes)."""

    written = Signal(str)

    def __init__(self, folder: str | os.PathLike, session: TrainingSession, gather: Gather,
                 track_job: Callable[[Job], None], parent: QObject | None = None, *,
                 every_s: float = AUTOSAVE_EVERY_S) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.path = self.folder / f"autosave{SESSION_SUFFIX}"
        self.marker = self.folder / "running.marker"
        self.recovered = self._take_crash_leftover()
        self._gather, self._track_job = gather, track_job
        self._writing = False
        self._closed = False
        self._timer = QTimer(self, interval=int(every_s * 1000))
        self._timer.timeout.connect(self.save_now)
        session.state_changed.connect(self._on_state)
        session.run_finished.connect(lambda _result: self.save_now())
        self._mark_running()

    def _take_crash_leftover(self) -> Path | None:
        """Marker and autosave both there, and the marker's process gone: the last run did not close cleanly; its
        autosave is moved aside (this run's autosaves would overwrite it) and returned."""
        if not (self.marker.exists() and self.path.is_file()):
            return None
        try:
            pid = int(self.marker.read_text().strip())
        except (OSError, ValueError):
            pid = None
        if pid is not None and pid != os.getpid() and process_running(pid):
            return None  # another gendiff is running and autosaving there: not a crash
        kept = self.folder / f"recovered{SESSION_SUFFIX}"
        try:
            os.replace(self.path, kept)
        except OSError:
            return None
        return kept

    def _mark_running(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.marker.write_text(str(os.getpid()))
        except OSError:
            pass  # a read-only settings folder: no crash detection, nothing else changes

    def discard_recovered(self) -> None:
        if self.recovered is not None:
            _remove(self.recovered)
            self.recovered = None

    def _on_state(self, state: str) -> None:
        if state == TRAINING and not self._closed:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()

    def save_now(self) -> None:
        """Gather the session and write it in a job (skipped while the previous write is still under way)."""
        if self._writing or self._closed:
            return
        self._writing = self._gather(self._write)

    def _write(self, content: SessionContent) -> None:
        if self._closed:
            self._writing = False
            return
        worker = CallWorker(lambda: write_session(self.path, content))
        worker.returned.connect(self._on_returned)
        job = Job("autosave", worker, self)
        job.finished.connect(self._on_written)
        self._track_job(job)
        job.start()

    def _on_returned(self, path) -> None:
        self.written.emit(str(path))

    def _on_written(self, job: Job) -> None:
        self._writing = False
        job.deleteLater()

    def close_cleanly(self) -> None:
        """The window closed normally (its jobs have ended): no marker, no autosave left for the next start."""
        self._closed = True
        self._timer.stop()
        _remove(self.marker)
        _remove(self.path)
