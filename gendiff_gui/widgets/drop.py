"""Drag and drop of image files: file paths from the dropped data (folders expanded), loaded in chunks off a QTimer.

Every file goes through `core.data.load_image_info` (the one hardened path from a user's file to a model input); a file
it refuses becomes a one-line message naming the file and the reason, never a dialog or a traceback. Loading
happens a few files per event-loop turn, so a thousand files dropped at once never freeze the window.
"""
from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QMimeData, QObject, QTimer, Signal

from core.data import ImageLoadError, LoadedImage, load_image_info

# In a dropped folder only files that look like images are tried (a folder holds .DS_Store, notes...);
# a file dropped by itself is always tried: its content decides, not its name.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
MAX_FILES = 5000  # per drop, folders included
TICK_BUDGET_S = 0.012  # load files for at most this long per event-loop turn (always at least one)


@dataclass
class DropRequest:
    """What a drop asked for: the files to load, and messages about what was left out."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expand(paths: list[Path], limit: int = MAX_FILES) -> DropRequest:
    """Files as given, folders replaced by the image files inside them (recursively, sorted, hidden ones skipped)."""
    request = DropRequest()
    skipped = 0
    for path in paths:
        if not path.is_dir():
            request.files.append(path)
            continue
        found = 0
        for root, dirs, names in os.walk(path):  # does not follow links to folders
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith("."):
                    continue
                if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                    request.files.append(Path(root) / name)
                    found += 1
                else:
                    skipped += 1
        if found == 0:
            request.notes.append(f"folder {path.name!r} holds no image files (PNG, JPEG, BMP, GIF, TIFF, WebP)")
    if skipped:
        request.notes.append(f"{skipped} file(s) in dropped folders skipped: not image files by their names")
    if len(request.files) > limit:
        request.notes.append(f"{len(request.files)} files dropped: only the first {limit} are loaded")
        del request.files[limit:]
    return request


def request_from_mime(mime: QMimeData) -> DropRequest:
    """The local files (and folders) of a drop; web addresses and plain text become messages."""
    if mime.hasUrls():
        paths, notes = [], []
        for url in mime.urls():
            if url.isLocalFile():
                paths.append(Path(url.toLocalFile()))
            else:
                notes.append(f"dropped a web address ({_short(url.toString())}): save the image as a file, "
                             "then drop the file")
        request = expand(paths)
        request.notes[:0] = notes
        return request
    if mime.hasText():
        return DropRequest(notes=[f"dropped text ({_short(mime.text(), 40)!r}), not files: "
                                  "drop image files or a folder"])
    return DropRequest(notes=["nothing usable was dropped: drop image files or a folder"])


def accepts(mime: QMimeData) -> bool:
    """Whether a drag may be dropped (files, web addresses or text: the latter two to say why not)."""
    return mime.hasUrls() or mime.hasText()


class DropLoader(QObject):
    """Loads queued files with `load_image_info`, a time-boxed chunk per event-loop turn.

    loaded(names, pixels (k, 28, 28)) after each chunk with at least one good file; failed(message) per bad file;
    noted(name, notes) per good file that needed explaining (e.g. "first frame of 12 (animated GIF)");
    progress(done, total) after each chunk; finished(ok, failed) when the queue is empty.
    """

    loaded = Signal(list, object)
    failed = Signal(str)
    noted = Signal(str, list)
    progress = Signal(int, int)
    finished = Signal(int, int)

    def __init__(self, parent: QObject | None = None, budget_s: float = TICK_BUDGET_S,
                 load: Callable[[Path], np.ndarray | LoadedImage] = load_image_info) -> None:
        super().__init__(parent)
        self._queue: deque[Path] = deque()
        self._budget = budget_s
        self._load = load
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._tick)
        self._done = self._total = self._ok = self._bad = 0
        self.chunk_paths: list[Path] = []  # the files of the latest `loaded` chunk, in order (names are theirs)

    @property
    def busy(self) -> bool:
        return bool(self._queue)

    def add(self, files: list[Path]) -> None:
        if not files:
            return
        if not self._queue:
            self._done = self._total = self._ok = self._bad = 0
        self._queue.extend(files)
        self._total += len(files)
        self.progress.emit(self._done, self._total)
        self._timer.start()

    def cancel(self) -> None:
        self._queue.clear()
        self._timer.stop()

    def _tick(self) -> None:
        names: list[str] = []
        paths: list[Path] = []
        pixels: list[np.ndarray] = []
        t0 = time.perf_counter()
        while self._queue:  # at least one file per turn, then as many as fit the budget
            path = self._queue.popleft()
            self._done += 1
            try:
                result = self._load(path)
                if isinstance(result, LoadedImage):
                    if result.notes:
                        self.noted.emit(path.name, list(result.notes))
                    result = result.pixels
                pixels.append(result)
                names.append(path.name)
                paths.append(path)
            except ImageLoadError as exc:
                self._bad += 1
                self.failed.emit(str(exc))
            if time.perf_counter() - t0 >= self._budget:
                break
        self._ok += len(names)
        if names:
            self.chunk_paths = paths
            self.loaded.emit(names, np.stack(pixels))
        self.progress.emit(self._done, self._total)
        if self._queue:
            self._timer.start()
        else:
            self.finished.emit(self._ok, self._bad)


class DropTarget(QObject):
    """Event filter that makes a widget (and everything in it) a drop zone: `dropped(DropRequest)` on a drop.

    Install it on the top widget and on views that take drags themselves (pyqtgraph's viewports).
    """

    dropped = Signal(object)

    def attach(self, widget) -> None:
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if accepts(event.mimeData()):
                event.acceptProposedAction()
                return True
            return False
        if kind == QEvent.Type.Drop:
            if not accepts(event.mimeData()):
                return False
            event.acceptProposedAction()
            self.dropped.emit(request_from_mime(event.mimeData()))
            return True
        return False
