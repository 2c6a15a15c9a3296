"""The steps of a dropped image's reading (core.data.photo_steps), computed off the GUI thread: a big photo takes
a few tenths of a second."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.data import ImageLoadError, photo_steps
from gendiff_gui.latent.background_jobs import JobOwner
from gendiff_gui.latent.views.photo_steps import for_display
from gendiff_gui.session.jobs import Job


def _read(path: Path):
    """(images for the view, photo-like?) or the loader's one-line refusal."""
    try:
        steps = photo_steps(path)
    except ImageLoadError as exc:
        return str(exc)
    return for_display(steps), steps.photo_like


class PhotoSteps(JobOwner):
    """`request(path)`: `ready(name, images, photo_like)` or `failed(name, message)` on the GUI thread, for the
    newest request only (an older result arriving late is dropped; at most one job runs, the newest waits)."""

    ready = Signal(str, list, bool)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._wanted: Path | None = None
        self._running: Path | None = None

    def request(self, path: Path) -> None:
        self._wanted = Path(path)
        if self._running is None:
            self._start(self._wanted)

    def cancel(self) -> None:
        self._wanted = None
        self.stop_jobs()

    def _start(self, path: Path) -> None:
        self._running = path
        self.start_call("photo-steps", lambda stopped: (path, _read(path)), self._on_read)

    def _on_read(self, result) -> None:
        path, outcome = result
        if path != self._wanted:
            return
        if isinstance(outcome, str):
            self.failed.emit(path.name, outcome)
        else:
            self.ready.emit(path.name, outcome[0], outcome[1])

    def job_ended(self, job: Job) -> None:
        done, self._running = self._running, None
        if self._wanted is not None and self._wanted != done:
            self._start(self._wanted)
