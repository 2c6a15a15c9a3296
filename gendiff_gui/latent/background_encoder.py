"""Re-encoding the map's images with new weights off the GUI thread, so clicks and paints never wait for it."""
from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gendiff_gui.latent.background_jobs import JobOwner, Stopped
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.network_copy import NetworkCopy
from gendiff_gui.session.view_pace import clamped_pace

# Images per encoder call: small enough that a pass's activations stay in a core's own cache (5,000 at once made
# 8 MB of them, which evicted the training thread's weights from the shared cache: in-app/bare 0.935 -> 0.949).
CHUNK = 500
# Passes start at most this often. 0.4 s gave about 1.4 passes a second in this job-based encoder (the thread-based
# one made about 1.0 at 0.4 s) and cost training: in-app/bare 0.71-0.76 against 0.82-0.84 at 0.6 s, measured back
# to back with benchmarks/bench_gui_training.py --rounds 6 under the same load.
MIN_PERIOD_S = 0.6


def encode_parts(net: NetworkCopy, parts: list[np.ndarray], snapshot: dict | None,
                 stopped: Stopped) -> list[np.ndarray | None] | None:
    """One pass (in its job's thread: numpy and torch only): load `snapshot` (None: keep the weights `net` has),
    then the codes of each part, CHUNK images per call (None for an empty part); None if stopped meanwhile."""
    if snapshot is not None:
        net.load(snapshot)
    codes: list[np.ndarray | None] = []
    for x in parts:
        chunks = []
        for i in range(0, len(x), CHUNK):
            if stopped():
                return None
            chunks.append(net.encode(x[i: i + CHUNK]))
        codes.append(np.concatenate(chunks) if chunks else None)
    return codes


class BackgroundEncoder(JobOwner):
    """`submit(parts, snapshot)` encodes each array of `parts` with those weights in a job of its own and ends the
    pass with `done([codes of each part])` on the GUI thread.

    Passes run on a network copy of the encoder's own (`set_network`; only one pass at a time touches it) and are
    numpy in, numpy out; torch releases the GIL while it computes, so the GUI thread stays free. A request made
    during a pass waits and the newest one wins. Passes start at most once per `min_period_s`, and after a pass
    the next one waits `rest` times as long as it took: a slow encoder (a conv net: ~0.6 s for 5,000 images on one
    core) takes at most a third of a core from training, a fast one refreshes the map a few times a second. Each
    pass is a session Job announced by `job_started` (the window stops and waits for it at close); its codes come
    back by a queued signal, and `done` is emitted once its thread has ended.
    """

    done = Signal(object)  # list of np.ndarray (n_i, d) (None for an empty part), one per part

    def __init__(self, parent: QObject | None = None, *, min_period_s: float = MIN_PERIOD_S, rest: float = 2.0) -> None:
        super().__init__(parent)
        self.net: NetworkCopy | None = None
        self._min_period, self._rest = min_period_s, rest
        self._pace = 1.0  # gendiff_gui.session.view_pace: below 1, passes are spaced 1 / pace times as far
        self._queued: tuple[list[np.ndarray], dict | None] | None = None
        self._job: Job | None = None
        self._codes: list | None = None  # the running pass's result, once it has come back
        self._last_start = -float("inf")
        self._next_allowed = -float("inf")
        self._start_timer = QTimer(self, singleShot=True)
        self._start_timer.timeout.connect(self._start)

    @property
    def busy(self) -> bool:
        """True while a pass runs or a request waits for its turn."""
        return self._job is not None or self._queued is not None

    def set_network(self, net: NetworkCopy | None) -> None:
        """Encode with `net` (a copy for the passes alone) from the next pass on; queued work is forgotten and a
        new network starts without waiting for the previous one's rest."""
        self.cancel()
        self.net = net
        self._next_allowed = -float("inf")

    def set_pace(self, pace: float) -> None:
        """Space the passes out 1 / `pace` times as far (the next one on): the map refreshes less often while the
        cores are contended, and training keeps them (gendiff_gui.session.view_pace)."""
        self._pace = clamped_pace(pace)

    def submit(self, parts: list[np.ndarray], snapshot: dict | None = None) -> None:
        """Encode each of `parts` ((n_i, 1, 28, 28) arrays nobody changes) with `snapshot` (None: the weights the
        network has)."""
        previous = self._queued[1] if self._queued is not None else None
        self._queued = (list(parts), snapshot if snapshot is not None else previous)
        if self._job is None and not self._start_timer.isActive():
            self._schedule()

    def _schedule(self) -> None:
        wait = max(0.0, self._next_allowed - time.perf_counter())
        self._start_timer.start(math.ceil(wait * 1000))  # rounded up: a timer may not end a wait early

    def cancel(self) -> None:
        """Forget queued work and stop a running pass (at its next chunk; the next pass waits for its thread to
        end, and its result is dropped)."""
        self._start_timer.stop()
        self._queued = None
        self.stop_jobs()

    def _start(self) -> None:
        if self._queued is None or self._job is not None or self.net is None:
            return
        if time.perf_counter() < self._next_allowed:  # a timer that fired early (Qt's coarse timers may, by 5 %)
            self._schedule()
            return
        (parts, snapshot), self._queued = self._queued, None
        self._last_start = time.perf_counter()
        net = self.net
        self._job = self.start_call("map-encoder", lambda stopped: encode_parts(net, parts, snapshot, stopped),
                                    self._on_codes)

    def _on_codes(self, codes: list) -> None:
        self._codes = codes

    def job_ended(self, job: Job) -> None:
        if job is not self._job:
            return
        codes, self._job, self._codes = self._codes, None, None
        if job.worker.stop_requested:
            codes = None  # cancelled: a result that came back before the stop is dropped too
        else:
            now = time.perf_counter()
            took = now - self._last_start
            self._next_allowed = max(self._last_start + self._min_period / self._pace,
                                     now + self._rest / self._pace * took)
        if self._queued is not None:
            self._schedule()
        if codes is not None:
            self.done.emit(codes)
