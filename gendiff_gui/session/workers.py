"""Workers: QObjects that each run one core generator or call in their own QThread and report through signals.

A worker is created on the GUI thread, moved to a QThread by `jobs.Job`, and its `run` slot executes there.
Stopping and pausing are `threading.Event`s (a queued "stop" signal would never reach a worker busy in a loop);
every exception is caught and emitted as `failed` with a readable message. When `run` ends the worker emits
`finished`, moves itself back to the GUI thread and ends its thread's event loop.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.cpu_wait import thread_cpu_times, wait_share
from gendiff_gui.session.view_pace import clamped_pace

log = logging.getLogger(__name__)


class Worker(QObject):
    """Base class: subclasses implement `work()`; `run()` wraps it with error handling and thread cleanup."""

    failed = Signal(str)
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()
        self._go = threading.Event()  # set while running, cleared while paused
        self._go.set()

    # --- thread-safe controls (called from the GUI thread) ---
    def request_stop(self) -> None:
        self._stop.set()
        self._go.set()  # a paused worker must wake up to notice the stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._go.clear()

    def resume(self) -> None:
        self._go.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._go.is_set()

    # --- worker thread ---
    def wait_while_paused(self) -> float:
        """Block (without spinning) while paused; returns the seconds spent waiting."""
        if self._go.is_set():
            return 0.0
        t0 = time.perf_counter()
        self._go.wait()
        return time.perf_counter() - t0

    def work(self) -> None:
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            self.work()
        except Exception as exc:  # every failure becomes a message, never a crash or a dialog
            log.exception("worker %s failed", type(self).__name__)
            self.failed.emit(readable_error(exc))
        finally:
            self.finished.emit()
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())  # deleted later on the GUI thread, not in a dead thread
            QThread.currentThread().quit()


def readable_error(exc: BaseException) -> str:
    """One line for a person: ValueError/OSError messages (CheckpointError, missing file...) speak for themselves."""
    text = str(exc).strip()
    if isinstance(exc, (ValueError, OSError)) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class CallWorker(Worker):
    """Runs one function (building or loading an experiment) and emits its result as `returned`."""

    returned = Signal(object)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn = fn

    def work(self) -> None:
        # Let go of the function before calling it: what it holds (a pass's weight snapshot, its images) is freed
        # the moment the call returns, not when the cycle collector next runs. A function that refers back to its
        # worker (StoppableCall's `stopped`) makes a reference cycle; kept, each latent-map pass left one with its
        # snapshot behind, a sawtooth of up to 60 MB (benchmarks/bench_memory.py, lesson 4: peak 484 -> 447 MB).
        fn, self._fn = self._fn, None
        result = fn()
        del fn
        if not self.stop_requested:
            self.returned.emit(result)


def warm_up_torch() -> None:
    """Do the first backward pass and optimiser step of the process (autograd's engine and its thread start, the
    foreach kernels load) now, not in a run's first step. core.adam.Adam, the training loop's, imports no
    torch._dynamo (torch.optim's first step would: 1-2 s and about 80 MB). Run once per process as a `CallWorker`
    job: `training_session.start_torch_warm_up`."""
    import torch  # here, not at the top: app.py starts a job before torch is imported (its start-up prefetch)

    from core.adam import Adam

    param = torch.zeros(1, requires_grad=True)
    (param * 2.0).sum().backward()
    Adam([param]).step()


@dataclass(frozen=True)
class TrainProgress:
    """Training events coalesced between two emits: every step's losses, the newest snapshot only."""

    steps: np.ndarray  # int64, one entry per training step since the previous emit
    losses: dict[str, np.ndarray]  # loss part -> float64 values aligned with `steps`
    step: int  # the newest step
    run_steps: int  # steps done in this run (for the progress bar)
    active_seconds: float  # this run's training time, pauses excluded
    lr: float
    snapshot: dict[str, np.ndarray] | None  # newest weights seen since the previous emit, if any
    # share of the training thread's busy time since the previous emit spent waiting for a core
    # (core.cpu_wait.wait_share: about 0 on a free machine); None where the system does not tell
    core_wait: float | None = None


@dataclass(frozen=True)
class TrainResult:
    """How a training run ended."""

    step: int
    message: str
    diverged: bool


class _Coalescer:
    """Accumulates TrainEvents between emits (worker thread only)."""

    def __init__(self, start_step: int) -> None:
        self.start_step = start_step
        self.last_step = start_step
        self.steps: list[int] = []
        self.losses: dict[str, list[float]] = {}
        self.snapshot: dict[str, np.ndarray] | None = None
        self.last = None
        self.active_seconds = 0.0

    def add(self, event, active_seconds: float) -> None:
        self.last = event
        self.active_seconds = active_seconds
        if event.snapshot is not None:
            self.snapshot = event.snapshot
        repeated = event.done and (event.step == self.last_step or not event.losses)
        if not repeated:  # a stopped or diverged run's final event repeats the last step
            self.last_step = event.step
            self.steps.append(event.step)
            for key, value in event.losses.items():
                self.losses.setdefault(key, []).append(value)

    def take(self, core_wait: float | None = None) -> TrainProgress | None:
        if self.last is None or (not self.steps and self.snapshot is None):
            return None
        progress = TrainProgress(
            steps=np.asarray(self.steps, dtype=np.int64),
            losses={k: np.asarray(v, dtype=np.float64) for k, v in self.losses.items()},
            step=self.last.step, run_steps=self.last.step - self.start_step,
            active_seconds=self.active_seconds, lr=self.last.lr, snapshot=self.snapshot, core_wait=core_wait,
        )
        self.steps, self.losses, self.snapshot = [], {}, None
        return progress


class TrainWorker(Worker):
    """Iterates `experiment.train(...)`, emitting `progress` at most `emit_hz` times a second and `done` at the end.

    `request_capture()` (any thread): between two steps, or at once while paused, the worker copies the weights
    and the optimiser's state (core.session_file.content.capture_training_state) and emits them as `captured`.
    """

    progress = Signal(object)  # TrainProgress
    done = Signal(object)  # TrainResult
    captured = Signal(object)  # core.session_file.content.TrainingState

    def __init__(self, experiment, *, steps: int | None = None, seconds: float | None = None,
                 emit_hz: float = 30.0, snapshot_every_s: float = 0.25) -> None:
        super().__init__()
        self._experiment = experiment
        self._steps, self._seconds = steps, seconds
        self._emit_hz = emit_hz
        self._interval = 1.0 / emit_hz
        self._snapshot_every_s = snapshot_every_s
        self._capture = threading.Event()
        self._nudge = threading.Event()  # wakes a paused worker: resume, stop or a capture
        self._last_event = None
        self._cpu_times = None  # the training thread's core.cpu_wait.CpuTimes at the previous emit

    def set_pace(self, pace: float) -> None:
        """Emit at most `pace` * emit_hz times a second (any thread; gendiff_gui.session.view_pace). Each emit wakes
        the GUI thread, and on a contended machine each wake-up takes the GIL from this thread, which then gives
        its core to the neighbour that was waiting for one (beside two busy processes a loop's steps fell by 12 %
        with its main thread waking 200 times a second, 2 % at 4 times)."""
        self._interval = 1.0 / (self._emit_hz * clamped_pace(pace))

    def request_capture(self) -> None:
        self._capture.set()
        self._nudge.set()

    def request_stop(self) -> None:
        super().request_stop()
        self._nudge.set()

    def resume(self) -> None:
        super().resume()
        self._nudge.set()

    def wait_while_paused(self) -> float:
        """Block while paused, serving capture requests meanwhile; returns the seconds spent waiting."""
        t0 = time.perf_counter()
        while self.paused:
            self._nudge.wait()
            self._nudge.clear()
            self._serve_capture()
        return time.perf_counter() - t0

    def _serve_capture(self) -> None:
        if not self._capture.is_set():
            return
        self._capture.clear()
        from core.session_file.content import capture_training_state

        exp, event = self._experiment, self._last_event
        if event is None or event.done:  # before the first step, or after the last (steps_done counts it)
            self.captured.emit(capture_training_state(exp))
        else:
            self.captured.emit(capture_training_state(exp, event.step, exp.seconds_done + event.seconds))

    def _emit(self, batch: _Coalescer) -> None:
        now = thread_cpu_times()
        progress = batch.take(wait_share(self._cpu_times, now))
        self._cpu_times = now
        if progress is not None:
            self.progress.emit(progress)

    def work(self) -> None:
        exp = self._experiment
        batch = _Coalescer(exp.steps_done)
        self._cpu_times = thread_cpu_times()
        paused_s = 0.0
        last_emit = time.perf_counter()
        events = exp.train(steps=self._steps, seconds=self._seconds, stop=self._stop,
                           snapshot_every_s=self._snapshot_every_s)
        try:
            for event in events:
                self._last_event = event
                batch.add(event, event.seconds - paused_s)
                self._serve_capture()
                if event.done:
                    self._emit(batch)
                    self.done.emit(TrainResult(event.step, event.message, event.diverged))
                    return
                now = time.perf_counter()
                if now - last_emit >= self._interval:
                    self._emit(batch)
                    last_emit = now
                if self.paused:
                    self._emit(batch)  # the curves show every step done before the pause
                    paused_s += self.wait_while_paused()
                    last_emit = time.perf_counter()
                    self._cpu_times = thread_cpu_times()  # a pause is neither run nor wait
        finally:
            events.close()
