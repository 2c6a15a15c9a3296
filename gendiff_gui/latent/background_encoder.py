"""Re-encoding the map's images with new weights off the GUI thread, so clicks and paints never wait for it."""
from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gendiff_gui.session.network_copy import SnapshotNet

# Images per encoder call: small enough that a pass's activations stay in a core's own cache (5,000 at once made
# 8 MB of them, which evicted the training thread's weights from the shared cache: in-app/bare 0.935 -> 0.949).
CHUNK = 500


class BackgroundEncoder(QObject):
    """`submit(parts, snapshot)` encodes each array of `parts` with those weights in a short-lived thread and ends
    the pass with `done([codes of each part])` on the GUI thread.

    The pass runs on a network copy of its own (no one else touches it while it runs) and is numpy in, numpy
    out; torch releases the GIL while it computes, so the GUI thread stays free. A request made during a pass
    waits and the newest one wins. Passes start at most once per `min_period_s`, and after a pass the next one
    waits `rest` times as long as it took: a slow encoder (a conv net: ~0.6 s for 5,000 images on one core)
    takes at most a third of a core from training, a fast one refreshes the map a few times a second. A QTimer on
    the GUI thread collects the result: no Qt object is touched from the pass's thread; a pass ends by itself.
    """

    done = Signal(object)  # list of np.ndarray (n_i, d) (None for an empty part), one per part

    def __init__(self, net: SnapshotNet, parent: QObject | None = None, *, min_period_s: float = 0.4,
                 rest: float = 2.0, poll_ms: int = 15) -> None:
        super().__init__(parent)
        self.net = net
        self._min_period, self._rest = min_period_s, rest
        self._queued: tuple[list[np.ndarray], dict | None] | None = None
        self._thread: threading.Thread | None = None
        self._result: list | None = None
        self._generation = 0  # bumped by cancel: a result of an older generation is dropped
        self._last_start = -float("inf")
        self._next_allowed = -float("inf")
        self._start_timer = QTimer(self, singleShot=True)
        self._start_timer.timeout.connect(self._start)
        self._poll = QTimer(self, interval=poll_ms)
        self._poll.timeout.connect(self._collect)

    @property
    def busy(self) -> bool:
        """True while a pass runs or a request waits for its turn."""
        return self._thread is not None or self._queued is not None

    def submit(self, parts: list[np.ndarray], snapshot: dict | None = None) -> None:
        """Encode each of `parts` ((n_i, 1, 28, 28) arrays nobody changes) with `snapshot` (None: the weights the
        network has)."""
        previous = self._queued[1] if self._queued is not None else None
        self._queued = (list(parts), snapshot if snapshot is not None else previous)
        if self._thread is None and not self._start_timer.isActive():
            self._schedule()

    def _schedule(self) -> None:
        wait = max(0.0, self._next_allowed - time.perf_counter())
        self._start_timer.start(int(wait * 1000))

    def cancel(self) -> None:
        """Forget queued work; a pass already running finishes in its thread (the next one waits for it: they
        share the network copy) and its result is dropped."""
        self._start_timer.stop()
        self._queued = None
        self._generation += 1

    def _start(self) -> None:
        if self._queued is None or self._thread is not None:
            return
        (parts, snapshot), self._queued = self._queued, None
        self._last_start = time.perf_counter()
        self._result = None
        # Not a daemon: at exit Python waits for the pass (a fraction of a second) instead of stopping the thread
        # inside torch's C++ code, which aborts the process ("terminate called without an active exception").
        self._thread = threading.Thread(target=self._run, args=(self.net, parts, snapshot, self._generation),
                                        name="gendiff-map-encoder", daemon=False)
        self._thread.start()
        self._poll.start()

    def _run(self, net: SnapshotNet, parts: list[np.ndarray], snapshot: dict | None, generation: int) -> None:
        """The pass's thread: numpy and torch only."""
        if snapshot is not None:
            net.load(snapshot)
        codes = [np.concatenate([net.encode(x[i: i + CHUNK]) for i in range(0, len(x), CHUNK)]) if len(x) else None
                 for x in parts]
        if generation == self._generation:
            self._result = codes

    def _collect(self) -> None:
        if self._thread is None or self._thread.is_alive():
            return
        self._poll.stop()
        codes, self._thread, self._result = self._result, None, None
        now = time.perf_counter()
        self._next_allowed = max(self._last_start + self._min_period, now + self._rest * (now - self._last_start))
        if self._queued is not None:
            self._schedule()
        if codes is not None:
            self.done.emit(codes)
