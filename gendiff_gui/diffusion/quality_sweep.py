"""Quality against steps in a worker: core's steps_sweep (energy distance for 2-D, Frechet classifier distance for
images, per sampler per step count) one point at a time in a session Job, each point a signal, stoppable between
points (and, through core's should_stop, before each of its runs)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.sample_quality import SWEEP_STEPS, SweepStopped, steps_sweep
from gendiff_gui.session.jobs import Job, stop_and_wait
from gendiff_gui.session.network_copy import StoppableNetwork, Stopped
from gendiff_gui.session.workers import Worker

STOP_WAIT_MS = 3000


def sweep_steps(process, steps: tuple[int, ...] | None = None) -> list[int]:
    """The step counts a sweep measures for `process`: those of `steps` (default SWEEP_STEPS) it takes (1..T), or
    just T for a process whose samplers visit every step (no curve to draw: one point per sampler)."""
    if process.fixed_steps:
        return [int(process.timesteps)]
    wanted = SWEEP_STEPS if steps is None else steps
    return [int(s) for s in wanted if 1 <= int(s) <= process.timesteps]


def sweep_points(process, net, reference: np.ndarray, data: np.ndarray | None, samplers: list[str],
                 counts: list[int], n: int | None, seed: int, stopped: Callable[[], bool]):
    """(sampler, steps, value, floor) for each sampler and step count, one core steps_sweep of one run each; the
    data's own floor (2-D) is measured with the first point only (None after it, and for images). Ends early,
    between two runs, once `stopped()`."""
    options = {} if n is None else {"n": int(n)}
    net = StoppableNetwork(net, stopped)  # a stop ends even a 200-step run within one network pass
    first = True
    for sampler in samplers:
        for count in counts:
            if stopped():
                return
            try:
                result = steps_sweep(process, net, reference, data if first else reference[:0], steps=[count],
                                     samplers=[sampler], seed=seed, should_stop=stopped, **options)
            except (SweepStopped, Stopped):
                return
            yield sampler, count, result.distance[sampler][0], result.floor if first else None
            first = False


class SweepWorker(Worker):
    """Iterates `points(stopped)` (an iterator of (sampler, steps, value, floor)) in the worker thread, emitting
    each as `point(tag, sampler, steps, value)` (and a floor as `floor(tag, value)`); a stop request ends it
    between two points."""

    point = Signal(int, str, int, float)
    floor = Signal(int, float)

    def __init__(self, points: Callable[[Callable[[], bool]], object], tag: int) -> None:
        super().__init__()
        self._points, self.tag = points, int(tag)

    def work(self) -> None:
        for sampler, steps, value, floor in self._points(lambda: self.stop_requested):
            if self.stop_requested:
                return
            if floor is not None:
                self.floor.emit(self.tag, float(floor))
            self.point.emit(self.tag, str(sampler), int(steps), float(value))


class QualitySweep(QObject):
    """One sweep at a time for the model on screen: `start(process, net, reference, data, samplers, ...)` (net: a
    frozen copy nobody else uses; data: other points for the 2-D floor, or None), `cancel()`; `point(sampler,
    steps, value)` as each is measured, `floor(value)` (the data's own distance, 2-D), `progress(done, total)`,
    `finished(completed)` when the job has ended, `failed(text)`, `job_started(job)` for the window's track_job."""

    point = Signal(str, int, float)
    floor = Signal(float)
    progress = Signal(int, int)
    finished = Signal(bool)
    failed = Signal(str)
    job_started = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._worker: SweepWorker | None = None
        self._tag = 0
        self._done = self._total = 0

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def busy(self) -> bool:
        """True while a sweep's thread is alive (also one being cancelled)."""
        return bool(self._jobs)

    def start(self, process, net, reference: np.ndarray, data: np.ndarray | None, samplers: list[str], *,
              n: int | None = None, seed: int = 0, steps: tuple[int, ...] | None = None) -> None:
        self.cancel()
        self._tag += 1
        counts = sweep_steps(process, steps)
        self._done, self._total = 0, len(samplers) * len(counts)
        samplers = list(samplers)

        def points(stopped):
            return sweep_points(process, net, reference, data, samplers, counts, n, seed, stopped)

        worker = SweepWorker(points, self._tag)
        worker.point.connect(self._on_point)
        worker.floor.connect(lambda tag, value: self.floor.emit(value) if tag == self._tag else None)
        worker.failed.connect(self.failed)
        job = Job("quality-sweep", worker, self)
        job.finished.connect(self._on_job_finished)
        self._worker = worker
        self._jobs.append(job)
        self.job_started.emit(job)
        job.start()
        self.progress.emit(0, self._total)

    def cancel(self) -> None:
        """Ask the running sweep to stop (its late points are dropped)."""
        if self._worker is not None:
            self._worker.request_stop()
            self._worker = None
            self._tag += 1

    def shutdown(self, timeout_ms: int = STOP_WAIT_MS) -> bool:
        self.cancel()
        return stop_and_wait(self._jobs, timeout_ms)

    def _on_point(self, tag: int, sampler: str, steps: int, value: float) -> None:
        if tag != self._tag:
            return
        self._done += 1
        self.point.emit(sampler, steps, value)
        self.progress.emit(self._done, self._total)

    def _on_job_finished(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        completed = job.worker is self._worker
        if completed:
            self._worker = None
        job.deleteLater()
        self.finished.emit(completed and self._done == self._total)
