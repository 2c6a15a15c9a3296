"""The teaching session: the experiment on screen and the jobs that build, load and train it (no widgets).

The main window owns one session and wires buttons to it. Invariants the session keeps:
- at most one training job exists; Train pressed while the previous job is still stopping waits for it
  (the start is remembered and happens when that job's thread has ended), so two workers never train one model;
- a new experiment (Reset, new settings, opened checkpoint) is built in a worker and only replaces the current
  one once no job trains it any more; a failed build or load keeps the current experiment;
- saving writes the latest snapshot (what the views show), never the module a worker is changing;
- the first backward pass and optimiser step of the process are done once by a warm-up job soon after the first
  model is on screen (`start_torch_warm_up`), so a run's first step does not pay for their set-up. That job belongs to
  the application, not to a session: it holds nothing of a window and an import cannot be stopped, so closing a
  window does not wait for it (the program's exit ends it if it is still importing).
"""
from __future__ import annotations

import dataclasses
import os
import types
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from core.checkpoint import CheckpointError
from core.config import ExperimentConfig
from core.experiment import Experiment
from gendiff_gui.session.jobs import Job, stop_and_wait
from gendiff_gui.session.snapshots import SnapshotModel
from gendiff_gui.session.workers import CallWorker, TrainProgress, TrainResult, TrainWorker, warm_up_torch

# Settings that can change between runs of one model; any other change needs a new model.
TRAINING_FIELDS = frozenset({"lr", "batch_size", "steps", "seconds"})

EMPTY, LOADING, IDLE, TRAINING, PAUSED, STOPPING = "empty", "loading", "idle", "training", "paused", "stopping"
WARM_UP_DELAY_MS = 400  # after the first model is on screen: its views paint first, then torch warms up
_warm_up_started = False  # once per process, whichever session asks first
_warm_up_job: Job | None = None  # the warm-up while it runs


def start_torch_warm_up() -> None:
    """`workers.warm_up_torch` in a job of the application's, the first time this process asks (soon after the
    first model is on screen, not during the start-up); a Train pressed meanwhile does that set-up in its first
    step."""
    global _warm_up_started, _warm_up_job
    app = QCoreApplication.instance()
    if _warm_up_started or app is None:
        return
    _warm_up_started = True
    _warm_up_job = Job("torch-warm-up", CallWorker(warm_up_torch), app)  # never destroyed while it runs
    _warm_up_job.finished.connect(_forget_warm_up)
    _warm_up_job.start()


def _forget_warm_up(job: Job) -> None:
    global _warm_up_job
    _warm_up_job = None
    job.deleteLater()


def torch_warm_up_running() -> bool:
    """True from the warm-up's start until its thread has ended (tests wait for it: no QThread outlives a test)."""
    return _warm_up_job is not None


def needs_new_model(new: ExperimentConfig, old: ExperimentConfig) -> bool:
    """True if `new` differs from `old` in anything but the training settings."""
    changed = {k for k, v in new.to_dict().items() if old.to_dict().get(k) != v}
    return bool(changed - TRAINING_FIELDS)



class TrainingSession(QObject):
    """Owns the experiment, its SnapshotModel and the build/train jobs; reports through signals (GUI thread)."""

    experiment_changed = Signal(object)  # ExperimentConfig: a new model is in place, curves start over
    progress = Signal(object)  # TrainProgress
    run_finished = Signal(object)  # TrainResult
    state_changed = Signal(str)  # one of EMPTY, LOADING, IDLE, TRAINING, PAUSED, STOPPING
    message = Signal(str, str)  # level ("info", "warning", "error"), text

    def __init__(self, parent: QObject | None = None, *, emit_hz: float = 20.0,
                 snapshot_every_s: float = 0.25) -> None:
        super().__init__(parent)
        self.experiment: Experiment | None = None
        self.snapshots = SnapshotModel(self)
        self.last_result: TrainResult | None = None
        self._emit_hz, self._snapshot_every_s = emit_hz, snapshot_every_s
        self._pace = 1.0  # gendiff_gui.session.view_pace: progress comes pace * emit_hz times a second
        self._train_job: Job | None = None
        self._build_job: Job | None = None
        self._queued_build: tuple[str, Callable[[], Experiment], ExperimentConfig | None] | None = None
        self._build_request: tuple[str, ExperimentConfig | None] = ("", None)
        self._pending_experiment: Experiment | None = None
        self._start_when_ready: ExperimentConfig | bool | None = None  # a Train press waiting for a job to end
        self._warm_up_timer = QTimer(self, singleShot=True, interval=WARM_UP_DELAY_MS)
        self._warm_up_timer.timeout.connect(start_torch_warm_up)
        self._state = EMPTY
        self._capture_waiters: list[Callable[[object], None]] = []

    # ----- queries -----
    @property
    def state(self) -> str:
        return self._state

    @property
    def busy(self) -> bool:
        """True while any job is alive."""
        return bool(self._train_job or self._build_job)

    def jobs(self) -> list[Job]:
        return [job for job in (self._train_job, self._build_job) if job is not None]

    # ----- building and loading -----
    def build(self, config: ExperimentConfig, points=None) -> None:
        """Build a fresh model for `config` (Reset); the current one stays until the new one is ready.
        `points`: the user's (n, 2) drawing for the "points" dataset (default: the current model's drawing)."""
        try:
            config = config.validate()
        except ValueError as exc:
            self.message.emit("error", f"Invalid settings: {exc}")
            return
        if points is None and config.dataset == "points" and self.experiment is not None:
            points = self.experiment.train_data.x if self.experiment.config.dataset == "points" else None
        what = f"Building {config.model} on {config.dataset}"
        self._request_experiment(what, lambda: Experiment.create(config, points=points), None)

    def load(self, path: str | os.PathLike, fallback: ExperimentConfig | None = None) -> None:
        """Open a checkpoint; if it fails the current model stays (or `fallback` is built when there is none)."""
        path = Path(path)
        self._request_experiment(f"Opening {path.name}", lambda: Experiment.from_checkpoint(path), fallback)

    def open_experiment(self, what: str, fn: Callable[[], Experiment]) -> None:
        """Build the experiment `fn` returns (in a worker: a session file's, shell/session_files.py); if it fails
        the current one stays. `what` starts the messages ("Opening lesson.gendiff-session")."""
        self._request_experiment(what, fn, None)

    def _request_experiment(self, what: str, fn: Callable[[], Experiment],
                            fallback: ExperimentConfig | None) -> None:
        if self._build_job is not None:  # one build at a time; the newest request wins
            self._queued_build = (what, fn, fallback)
            self._build_job.request_stop()
            return
        worker = CallWorker(fn)
        job = Job("build", worker, self)
        worker.returned.connect(self._on_built)
        worker.failed.connect(self._on_build_failed)
        job.finished.connect(self._on_build_job_finished)
        self._build_job = job
        self._build_request = (what, fallback)
        self.message.emit("info", f"{what}…")
        job.start()
        self._refresh_state()

    def _on_built(self, experiment: Experiment) -> None:
        if self._queued_build is not None:
            return  # superseded by a newer request
        self._pending_experiment = experiment
        if self._train_job is not None:
            self._train_job.request_stop()  # installed when that job has ended
        # else installed when the build job's thread has ended (see _on_build_job_finished)

    def _on_build_failed(self, text: str) -> None:
        what, fallback = self._build_request
        kept = " The current model is kept." if self.experiment is not None else ""
        self.message.emit("error", f"{what} failed: {text.rstrip('.')}.{kept}")
        if self._queued_build is not None:
            return  # a newer request follows anyway
        if self.experiment is None and fallback is not None:
            what = f"Building {fallback.model} on {fallback.dataset}"
            self._queued_build = (what, lambda: Experiment.create(fallback), None)  # a pending Train applies to it
        else:
            self._start_when_ready = None  # that Train press was for the model that could not be built

    def _on_build_job_finished(self, job: Job) -> None:
        self._build_job = None
        if self._queued_build is not None:
            what, fn, fallback = self._queued_build
            self._queued_build = None
            self._request_experiment(what, fn, fallback)
        elif self._pending_experiment is not None and self._train_job is None:
            self._install(self._pending_experiment)
        self._refresh_state()

    def _install(self, experiment: Experiment) -> None:
        self._warm_up_timer.start()  # start_torch_warm_up: once per process
        self._pending_experiment = None
        self.experiment = experiment
        self.last_result = None
        self.snapshots.set_experiment(experiment)
        self.experiment_changed.emit(experiment.config)
        cfg = experiment.config
        self.message.emit("info", f"Ready: {cfg.model} on {cfg.dataset}, step {experiment.steps_done}.")
        self._refresh_state()
        self._start_pending()

    # ----- training -----
    def train(self, config: ExperimentConfig | None = None) -> None:
        """Start (or resume) training; with `config`, its training settings apply and other changes build anew."""
        if self._train_job is not None:
            worker = self._train_job.worker
            if worker.stop_requested:
                self._start_when_ready = config or True  # starts once the stopping job has ended
            elif worker.paused:
                self.resume()
            return
        if config is not None and self.experiment is not None and needs_new_model(config, self.experiment.config):
            self.build(config)
        if self._build_job is not None or self.experiment is None or self._pending_experiment is not None:
            self._start_when_ready = config or True
            return
        if config is not None:
            self.experiment.config = self.experiment.config.replace(
                **{k: getattr(config, k) for k in TRAINING_FIELDS})
        self._start_training()

    def _start_pending(self) -> None:
        pending, self._start_when_ready = self._start_when_ready, None
        if pending:
            self.train(pending if isinstance(pending, ExperimentConfig) else None)

    def _start_training(self) -> None:
        exp = self.experiment
        worker = TrainWorker(exp, steps=exp.config.steps, seconds=exp.config.seconds, emit_hz=self._emit_hz,
                             snapshot_every_s=self._snapshot_every_s)
        worker.set_pace(self._pace)
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_train_failed)
        worker.captured.connect(self._on_captured)
        job = Job("train", worker, self)
        job.finished.connect(self._on_train_job_finished)
        self._train_job = job
        job.start()
        self._refresh_state()

    def set_pace(self, pace: float) -> None:
        """Progress reports at `pace` times their rate (the cores are contended: each report wakes the GUI)."""
        self._pace = pace
        if self._train_job is not None:
            self._train_job.worker.set_pace(pace)

    def pause(self) -> None:
        if self._train_job is not None and not self._train_job.worker.stop_requested:
            self._train_job.worker.pause()
            self._refresh_state()

    def resume(self) -> None:
        if self._train_job is not None:
            self._train_job.worker.resume()
            self._refresh_state()

    def toggle(self, config: ExperimentConfig | None = None) -> None:
        """Space: pause a run, resume a paused one, or start one."""
        if self._state == TRAINING:
            self.pause()
        elif self._state == PAUSED:
            self.resume()
        else:
            self.train(config)

    def stop(self) -> None:
        """Ask the training job to stop after its current step (the weights are kept; Train continues)."""
        self._start_when_ready = None
        if self._train_job is not None:
            self._train_job.request_stop()
            self._refresh_state()

    def reset(self, config: ExperimentConfig) -> None:
        """Stop training and build a fresh model from `config`."""
        self.stop()
        self.build(config)

    def _on_progress(self, progress: TrainProgress) -> None:
        if progress.snapshot is not None:
            self.snapshots.update(progress.snapshot, progress.step)
        self.progress.emit(progress)

    def _on_done(self, result: TrainResult) -> None:
        self.last_result = result
        self.run_finished.emit(result)
        level = "error" if result.diverged else "info"
        self.message.emit(level, result.message[:1].upper() + result.message[1:] + ("" if result.diverged else "."))

    def _on_train_failed(self, text: str) -> None:
        self.message.emit("error", f"Training failed: {text}")

    def _on_train_job_finished(self, job: Job) -> None:
        self._train_job = None
        if self._capture_waiters:  # asked for after the worker's last step: nothing trains the module now
            self.capture(None)
        if self._pending_experiment is not None and self._build_job is None:
            self._install(self._pending_experiment)
        else:
            self._refresh_state()
            if self._build_job is None:
                self._start_pending()

    # ----- saving -----
    def save(self, path: str | os.PathLike) -> bool:
        """Write the latest snapshot as a checkpoint; errors become a message. Returns True on success."""
        if self.experiment is None:
            self.message.emit("error", "Nothing to save yet: the model is still being built.")
            return False
        shown = dataclasses.replace(self.experiment, task=types.SimpleNamespace(module=self.snapshots.module()),
                                    steps_done=self.snapshots.step)
        try:
            shown.save(path)
        except (CheckpointError, OSError, ValueError) as exc:
            self.message.emit("error", f"Could not save {Path(path).name}: {exc}")
            return False
        self.message.emit("info", f"Saved step {self.snapshots.step} to {path}.")
        return True

    # ----- capturing (session files, autosave) -----
    def capture(self, callback: Callable[[object], None] | None) -> bool:
        """Call `callback(TrainingState)` (core/session_file/content.py) with a consistent copy of the weights and
        the optimiser: at once when nothing trains the model, else from the training worker between two steps
        (on the GUI thread, through a signal). False (and no call) when there is no model yet."""
        if callback is not None:
            self._capture_waiters.append(callback)
        if self.experiment is None:
            self._capture_waiters.clear()
            return False
        if self._train_job is not None:
            self._train_job.worker.request_capture()
            return True
        from core.session_file.content import capture_training_state

        self._on_captured(capture_training_state(self.experiment))
        return True

    def _on_captured(self, state) -> None:
        waiters, self._capture_waiters = self._capture_waiters, []
        for callback in waiters:
            callback(state)

    # ----- shutdown -----
    def shutdown(self, timeout_ms: int = 1500, others: Iterable[Job] = ()) -> bool:
        """Closing: forget pending work, stop every job (and `others`) and wait for their threads. True if all ended."""
        self._start_when_ready = None
        self._queued_build = None
        self._warm_up_timer.stop()  # a warm-up not started yet is left to a later session
        return stop_and_wait([*self.jobs(), *others], timeout_ms)

    def _refresh_state(self) -> None:
        job = self._train_job
        if job is not None:
            state = STOPPING if job.worker.stop_requested else PAUSED if job.worker.paused else TRAINING
        elif self._build_job is not None or self._pending_experiment is not None:
            state = LOADING
        else:
            state = IDLE if self.experiment is not None else EMPTY
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)
