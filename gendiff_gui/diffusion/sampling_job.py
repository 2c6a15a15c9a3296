"""The scrubber's sampling worker: one or more core runs (core.diffusion.runs) streamed as frames from a QThread.

What a run is and how its frames are computed (sampling from noise, the forward chain with x̂₀ guesses, "denoise
from x_t at step t") is core's `RunSpec` / `run_frames`. A `SamplingWorker` runs one or more of them (two for "same
seed, two samplers") in its own QThread through `jobs.Job`, interleaved so that they reach each t at about the same
time, and emits every frame (none is skipped: the scrubber keeps them) in batches at most `emit_hz` times a second.
Each worker gets its own frozen copy of the network (session.network_copy's `NetworkCopy.frozen_copy`), so
nothing it touches is shared.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import Signal

from core.diffusion.frames import Frame
from gendiff_gui.session.workers import Worker


class SamplingWorker(Worker):
    """Runs `factories` (each returns a frame iterator; called in the worker thread), interleaved: the run that
    lags furthest behind in t goes next. Emits `frames(tag, run, [Frame, ...])` with every frame since the last
    emit, at most `emit_hz` times a second, and `run_done(tag, run)` when a run has yielded its last frame."""

    frames = Signal(int, int, object)  # tag, run, [Frame, ...]
    run_done = Signal(int, int)  # tag, run

    def __init__(self, factories: list[Callable[[], Iterator[Frame]]], tag: int = 0, emit_hz: float = 30.0) -> None:
        super().__init__()
        self._factories = list(factories)
        self.tag = int(tag)  # carried by every signal: the receiver drops those of a run it replaced
        self._interval = 1.0 / emit_hz

    def work(self) -> None:
        runs = [factory() for factory in self._factories]
        pending: list[list[Frame]] = [[] for _ in runs]
        progress = [float("inf")] * len(runs)  # how far each run has come: its latest t (reverse runs)
        alive = list(range(len(runs)))
        last_emit = time.perf_counter()
        try:
            while alive and not self.stop_requested:
                i = max(alive, key=lambda r: progress[r]) if len(alive) > 1 else alive[0]
                frame = next(runs[i], None)
                if frame is None:
                    alive.remove(i)
                    self._flush(i, pending)
                    self.run_done.emit(self.tag, i)
                    continue
                pending[i].append(frame)
                progress[i] = frame.t if frame.t < progress[i] else progress[i] - 1e-6
                now = time.perf_counter()
                if now - last_emit >= self._interval:
                    for r in range(len(runs)):
                        self._flush(r, pending)
                    last_emit = now
        finally:
            for run in runs:
                close = getattr(run, "close", None)
                if close is not None:
                    close()

    def _flush(self, run: int, pending: list[list[Frame]]) -> None:
        if pending[run] and not self.stop_requested:
            self.frames.emit(self.tag, run, pending[run])
        pending[run] = []
