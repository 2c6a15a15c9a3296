"""Re-encoding the map's images with new weights in short slices between events, so clicks and paints never wait long."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gendiff_gui.decoder import SnapshotNet


class ChunkedEncoder(QObject):
    """`submit(parts, snapshot)` encodes each array of `parts` with those weights, in slices of about `slice_s`
    between events, and ends the pass with `done([codes of each part])`.

    A pass keeps the weights it started with (its own network copy); a request made during a pass waits and the
    newest one wins, so snapshots arriving faster than passes cost nothing. After each slice the GUI thread rests
    `rest` times as long as the slice took, and passes start at most once per `min_period_s`: re-encoding takes
    at most a third of the GUI thread and a click waits for one slice at most.
    """

    done = Signal(object)  # list of np.ndarray (n_i, d) (None for an empty part), one per part

    def __init__(self, net: SnapshotNet, parent: QObject | None = None, *, slice_s: float = 0.005,
                 rest: float = 2.0, min_period_s: float = 0.4) -> None:
        super().__init__(parent)
        self.net = net
        self._slice, self._rest, self._min_period = slice_s, rest, min_period_s
        self._chunk = 64  # images per encode call, adapted to the slice
        self._queued: tuple[list[np.ndarray], dict | None] | None = None
        self._parts: list[np.ndarray] | None = None
        self._codes: list[list[np.ndarray]] = []
        self._part = self._pos = 0
        self._last_start = -float("inf")
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._step)

    @property
    def busy(self) -> bool:
        """True while a pass runs or a request waits for its turn."""
        return self._parts is not None or self._queued is not None

    def submit(self, parts: list[np.ndarray], snapshot: dict | None = None) -> None:
        """Encode each of `parts` ((n_i, 1, 28, 28) arrays) with `snapshot` (None: the network's current weights)."""
        previous = self._queued[1] if self._queued is not None else None
        self._queued = (list(parts), snapshot if snapshot is not None else previous)
        if self._parts is None and not self._timer.isActive():
            self._schedule_next_pass()

    def cancel(self) -> None:
        self._timer.stop()
        self._queued, self._parts, self._codes = None, None, []

    def _schedule_next_pass(self) -> None:
        wait = max(0.0, self._last_start + self._min_period - time.perf_counter())
        self._timer.start(int(wait * 1000))

    def _begin(self) -> None:
        parts, snapshot = self._queued
        self._queued = None
        if snapshot is not None:
            self.net.load(snapshot)
        self._parts, self._codes, self._part, self._pos = parts, [[] for _ in parts], 0, 0
        self._last_start = time.perf_counter()

    def _step(self) -> None:
        if self._parts is None:
            if self._queued is None:
                return
            self._begin()
        t0 = time.perf_counter()
        while self._part < len(self._parts) and time.perf_counter() - t0 < self._slice:
            x = self._parts[self._part]
            if self._pos < len(x):
                t1 = time.perf_counter()
                self._codes[self._part].append(self.net.encode(x[self._pos: self._pos + self._chunk]))
                self._pos += self._chunk
                took = time.perf_counter() - t1
                self._chunk = int(np.clip(self._chunk * self._slice / 2 / max(took, 1e-5), 8, 4096))
            if self._pos >= len(x):
                self._part, self._pos = self._part + 1, 0
        if self._part < len(self._parts):
            self._timer.start(int(self._rest * (time.perf_counter() - t0) * 1000))
            return
        codes = [np.concatenate(c) if c else None for c in self._codes]
        self._parts, self._codes = None, []
        if self._queued is not None:
            self._schedule_next_pass()
        self.done.emit(codes)
