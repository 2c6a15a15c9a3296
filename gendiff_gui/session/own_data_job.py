"""Reading a user's own data set (core.data.own) in a worker: progress while the files load, the data set at the end."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Signal

from core.data.own.registry import load_own
from gendiff_gui.session.workers import Worker

PROGRESS_EVERY_S = 0.1


class OwnDataWorker(Worker):
    """`progress(done, total)` at most ten times a second, `returned(OwnDataset)` when read (not when stopped);
    a folder or file that cannot be used becomes `failed(one line)`."""

    progress = Signal(int, int)
    returned = Signal(object)

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._last = 0.0

    def _report(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            self.progress.emit(done, total)

    def work(self) -> None:
        data = load_own(self.path, progress=self._report, stop=self._stop)
        if data is not None and not self.stop_requested:
            self.returned.emit(data)
