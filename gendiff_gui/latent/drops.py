"""The images a user dropped on the window: their names, model inputs and codes, loaded through `drop.py`."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from gendiff_gui.widgets.drop import DropLoader, DropRequest, DropTarget, expand

Encode = Callable[[np.ndarray], np.ndarray]  # images (n, 1, 28, 28) -> codes (n, d)


class DroppedImages(QObject):
    """`names` (and `paths`), `x` (k, 28, 28) and `z` (k, d), appended to as files load; messages say what went wrong.

    added(first, count) after each loaded chunk; message(level, text) for a status line; errors_changed(list of
    the latest problems) for the list's footer.
    """

    added = Signal(int, int)
    message = Signal(str, str)
    errors_changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.paths: list[Path] = []  # the file each name came from
        self.x = np.zeros((0, 28, 28), np.float32)
        self.z = np.zeros((0, 2), np.float32)
        self.errors: list[str] = []
        self.notes: list[str] = []  # what loading did to files of the latest drop ("first frame of 12 ...")
        self._encode: Encode | None = None
        self.loader = DropLoader(self)
        self.target = DropTarget(self)
        self.target.dropped.connect(self.handle)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.noted.connect(lambda name, notes: self.notes.append(f"{name}: {'; '.join(notes)}"))
        self.loader.finished.connect(self._on_finished)

    def __len__(self) -> int:
        return len(self.names)

    def set_encoder(self, encode: Encode | None, latent_dim: int) -> None:
        """Encode with this from now on; the images held so far are re-encoded at once (a new model)."""
        self._encode = encode
        if encode is not None and len(self.x):
            self.z = encode(self.x[:, None])
        else:
            self.z = np.zeros((len(self.x), latent_dim), np.float32)

    def update_codes(self, codes: np.ndarray) -> None:
        """Codes of the first len(codes) images, from a re-encoding that began before later drops arrived."""
        self.z[: len(codes)] = codes

    def add_files(self, paths: list[str | Path]) -> None:
        """Load these image files (folders: the image files inside) as if dropped."""
        self.handle(expand([Path(p) for p in paths]))

    def handle(self, request: DropRequest) -> None:
        if request.notes:  # one message: a second one would hide the first
            self.message.emit("warning", "; ".join(request.notes))
        if request.files:
            if not self.loader.busy:
                self.errors, self.notes = [], []
            if len(request.files) > 1:
                self.message.emit("info", f"Loading {len(request.files)} dropped files…")
            self.loader.add(request.files)

    def replace_images(self, names: list[str], pixels: np.ndarray) -> None:
        """These images (k, 28, 28) in [0, 1] instead of those held (a reopened session's), as if just dropped."""
        self.loader.cancel()
        self.names, self.errors, self.notes = [], [], []
        self.x = np.zeros((0, 28, 28), np.float32)
        self.z = np.zeros((0, self.z.shape[1]), np.float32)
        if names:
            self._on_loaded(names, pixels)

    def _on_loaded(self, names: list[str], pixels: np.ndarray) -> None:
        first = len(self.names)
        pixels = pixels.astype(np.float32)
        self.names.extend(names)
        self.paths.extend(self.loader.chunk_paths)
        self.x = np.concatenate([self.x, pixels])
        if self._encode is not None:
            self.z = np.concatenate([self.z, self._encode(pixels[:, None])])
        self.added.emit(first, len(names))

    def _on_failed(self, text: str) -> None:
        self.errors.append(text)
        self.message.emit("error", text)
        self.errors_changed.emit(self.errors[-4:])

    def _on_finished(self, ok: int, bad: int) -> None:
        if ok + bad > 1:
            last = f" Last problem: {self.errors[-1]}" if bad else ""
            noted = f" {len(self.notes)} adjusted, e.g. {self.notes[-1]}." if self.notes else ""
            self.message.emit("warning" if bad else "info", f"Loaded {ok} of {ok + bad} dropped files.{noted}{last}")
        elif ok == 1:
            noted = f" ({self.notes[-1].split(': ', 1)[1]})" if self.notes else ""
            self.message.emit("info", f"Loaded {self.names[-1]}{noted}: it is marked ◆ on the map.")
