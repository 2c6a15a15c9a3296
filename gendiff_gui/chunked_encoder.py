"""Re-encoding the map's images with new weights in short slices between events, so clicks and paints never wait long."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gendiff_gui.decoder import SnapshotNet


class ChunkedEncoder(QObject):
    """`submit(x, snapshot)` encodes x with those weights, a slice of about `slice_s` per event-loop turn.

    A pass keeps the weights it started with (its own network copy); a request made during a pass waits and
    the newest one wins, so snapshots arriving faster than passes end cost nothing. Between slices the GUI
    thread rests as long as the slice took (at most half of it goes to encoding). `done(codes)` ends a pass.
    """

    done = Signal(object)  # np.ndarray (n, d)

    def __init__(self, net: SnapshotNet, parent: QObject | None = None, slice_s: float = 0.006) -> None:
        super().__init__(parent)
        self.net = net
        self._slice = slice_s
        self._chunk = 64  # images per encode call, adapted to the slice
        self._queued: tuple[np.ndarray, dict | None] | None = None
        self._x: np.ndarray | None = None
        self._codes: list[np.ndarray] = []
        self._pos = 0
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._step)

    @property
    def busy(self) -> bool:
        return self._x is not None

    def submit(self, x: np.ndarray, snapshot: dict | None = None) -> None:
        """Encode `x` (n, 1, 28, 28) with `snapshot` (None: the weights the network already has)."""
        previous = self._queued[1] if self._queued is not None else None
        self._queued = (x, snapshot if snapshot is not None else previous)
        if not self.busy:
            self._begin()

    def cancel(self) -> None:
        self._timer.stop()
        self._queued, self._x, self._codes = None, None, []

    def _begin(self) -> None:
        x, snapshot = self._queued
        self._queued = None
        if snapshot is not None:
            self.net.load(snapshot)
        self._x, self._codes, self._pos = x, [], 0
        self._timer.start(0)

    def _step(self) -> None:
        if self._x is None:
            return
        t0 = time.perf_counter()
        while self._pos < len(self._x) and time.perf_counter() - t0 < self._slice:
            t1 = time.perf_counter()
            self._codes.append(self.net.encode(self._x[self._pos: self._pos + self._chunk]))
            self._pos += self._chunk
            took = time.perf_counter() - t1
            self._chunk = int(np.clip(self._chunk * self._slice / 2 / max(took, 1e-5), 8, 4096))
        spent = time.perf_counter() - t0
        if self._pos < len(self._x):
            self._timer.start(max(0, int(spent * 1000)))
            return
        codes = np.concatenate(self._codes) if self._codes else np.zeros((0, 0), np.float32)
        self._x, self._codes = None, []
        if self._queued is not None:
            self._begin()
        self.done.emit(codes)
