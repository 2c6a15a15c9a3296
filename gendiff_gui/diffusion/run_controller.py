"""Which diffusion runs are on screen: their specs, sampling jobs and trajectories, forward mode, Follow training."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from core.data import as_floats
from core.diffusion.runs import DENOISE, FORWARD, SAMPLE, RunSpec, run_frames
from gendiff_gui.diffusion.field_cache import FieldCache
from gendiff_gui.diffusion.sampling_job import SamplingWorker
from gendiff_gui.diffusion.step_mode import StepCall, StepRun
from gendiff_gui.diffusion.trajectory import DEFAULT_BUDGET_BYTES, Trajectory
from gendiff_gui.session.jobs import Job, stop_and_wait
from gendiff_gui.session.network_copy import NetworkCopy

FORWARD_COPIES = 16  # forward mode noises at most this many copies of the chosen image (each its own noise)
FOLLOW_DELAY_MS = 300
STOP_WAIT_MS = 3000


@dataclass(frozen=True)
class RunSettings:
    """What the controls ask for, as plain values (read anew for every run)."""

    samplers: tuple[dict, ...]  # SamplingControls.sampler_settings(): one run's settings, two when comparing
    forward: bool = False  # forward mode: the noising chain of test data (or a dropped image)
    count: int = 1  # samples, or forward copies / test points
    item: int = 0  # the test image forward mode noises
    seed: int = 0
    follow: bool = True  # Follow training


class RunController(QObject):
    """The runs of the diffusion panel, without widgets: the panel forwards its events here and draws what the
    signals report.

    `set_experiment` / `set_snapshot` bring a model and new weights (kept in a NetworkCopy); `resample` starts the
    runs `settings()` describes (`start_runs`, `denoise_from(t)` others). Every start replaces the runs on screen:
    the old worker is asked to stop and its late frames are dropped by tag. Each start is one `SamplingWorker` in
    its own `jobs.Job` with a frozen copy of the weights, announced by `job_started(job)` (the window's
    `track_job`); its frames fill one bounded `Trajectory` per run (`frames_added(run)`, `run_finished(run)`).
    Follow training: new weights and a finished SAMPLE run that `may_follow(ended)` says has played to t = 0 and
    rests there -> sample again, and play.
    Step mode: `start_stepping()` replaces the runs with one sampling run computed on this thread one step per
    `step_once()` (step_mode.StepRun: core's run_frames, each step's inputs kept); Follow training leaves it alone.
    """

    runs_started = Signal(object, bool)  # [RunSpec, ...], autoplay: the job has started, no frame has arrived
    frames_added = Signal(int)  # run: new frames are in trajectories[run]
    run_finished = Signal(int)  # run: trajectories[run] is complete
    stopping = Signal()  # the runs on screen are being stopped or replaced (a recording of them must end)
    failed = Signal(str)  # a worker's error
    job_started = Signal(object)  # a sampling jobs.Job, before it starts

    def __init__(self, settings: Callable[[], RunSettings], may_follow: Callable[[bool], bool], *,
                 budget_bytes: int = DEFAULT_BUDGET_BYTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings, self._may_follow, self._budget = settings, may_follow, budget_bytes
        self._net: NetworkCopy | None = None
        self._weights: dict[str, np.ndarray] = {}
        self._stale = False  # weights newer than those of the runs on screen
        self.process = None
        self.is_image = False
        self.test_x = np.zeros((0, 2), np.float32)
        self.train_x: np.ndarray | None = None
        self.dropped: tuple[str, np.ndarray] | None = None  # (name, (28, 28) image) noised in forward mode
        self.field: FieldCache | None = None  # the vector field of the runs on screen
        self._specs: list[RunSpec] = []
        self._trajectories: list[Trajectory] = []
        self._tag = 0
        self._worker: SamplingWorker | None = None
        self.stepper: StepRun | None = None  # the run of step mode, while it is on screen
        self._jobs: list[Job] = []
        self._closed = False  # after `shutdown` (the window closed) no run starts, not even a late Follow's
        self._follow_timer = QTimer(self, singleShot=True, interval=FOLLOW_DELAY_MS)
        self._follow_timer.timeout.connect(self.maybe_follow)

    # ----- the model -----
    @property
    def has_model(self) -> bool:
        return self._net is not None

    def set_experiment(self, experiment) -> bool:
        """Take a freshly built or loaded model (copies its network: call it when no worker trains it). False, and
        no runs any more, when it is not a diffusion model. Starts nothing (the caller configures, then resamples)."""
        self.stop()
        if experiment.config.family != "diffusion":
            self._net, self.process = None, None
            self._tag += 1  # the old runs cannot be shown without their model: their late frames are dropped
            self._specs, self._trajectories = [], []
            return False
        self._net = NetworkCopy(experiment.module)
        self._weights = {k: v.detach().cpu().numpy().copy() for k, v in experiment.module.state_dict().items()}
        self.process = experiment.task.process
        self.is_image = len(tuple(experiment.train_data.data_shape)) == 3
        self.test_x = experiment.test_data.x
        self.train_x = experiment.train_data.x if not self.is_image else None  # (the 2-D floor of a quality sweep)
        self.dropped = None
        self._stale = False
        return True

    def frozen_network(self):
        """A frozen CPU copy of the network with the newest weights, for one worker thread."""
        return self._net.frozen_copy()

    def set_snapshot(self, snapshot: dict[str, np.ndarray]) -> None:
        """New weights: used by the next run (with Follow training, as soon as the current one has reached t = 0).
        Weights equal to those on screen (the snapshot that comes with a new experiment) change nothing."""
        if self._net is None or not self._net.fits(snapshot):
            return
        if all(np.array_equal(v, self._weights[k]) for k, v in snapshot.items()):
            return
        self._net.load(snapshot)
        self._weights = snapshot
        self._stale = True
        self._follow_timer.start()

    # ----- what to run -----
    def described_specs(self) -> list[RunSpec]:
        """The runs the settings describe: the forward chain in forward mode, else one sampling run, or two (same
        seed, second sampler) when comparing."""
        settings = self._settings()
        if settings.forward:
            return [RunSpec(kind=FORWARD, x0=self.forward_start(settings), seed=settings.seed)]
        return [RunSpec(kind=SAMPLE, **run) for run in settings.samplers]

    def forward_start(self, settings: RunSettings) -> np.ndarray:
        """x_0 of forward mode: for images the chosen test image (or the dropped one), one copy per sample so each
        gets its own noise; for points a seeded subset of the test set."""
        n = settings.count
        if self.is_image:
            image = self.dropped[1] if self.dropped is not None else as_floats(self.test_x[settings.item, 0])
            return np.repeat(image[None, None], min(n, FORWARD_COPIES), axis=0)
        rng = np.random.default_rng(settings.seed)
        idx = rng.choice(len(self.test_x), min(n, len(self.test_x)), replace=False)
        return as_floats(self.test_x[np.sort(idx)])

    def set_dropped(self, image: np.ndarray, name: str) -> None:
        """Noise this (28, 28) image in forward mode from the next run on (until the next model)."""
        self.dropped = (name, np.asarray(image, np.float32))

    # ----- runs -----
    @property
    def specs(self) -> list[RunSpec]:
        """The runs on screen."""
        return list(self._specs)

    @property
    def trajectories(self) -> list[Trajectory]:
        return list(self._trajectories)

    @property
    def running(self) -> bool:
        """True while the current runs are still producing frames."""
        return bool(self._trajectories) and not all(t.complete for t in self._trajectories)

    @property
    def busy(self) -> bool:
        """True while a sampling job's thread is alive."""
        return bool(self._jobs)

    @property
    def denoising(self) -> bool:
        """True while the run on screen denoises from a forward chain's x_t."""
        return bool(self._specs) and self._specs[0].kind == DENOISE

    def resample(self, autoplay: bool = True) -> None:
        """Start the runs the settings describe (replacing the current ones)."""
        if self._net is None:
            return
        self.start_runs(self.described_specs(), autoplay)

    def denoise_from(self, t: int | None, autoplay: bool = True) -> None:
        """Run the reverse sampler (the settings' sampler, steps, class) from the forward chain's x_t at step t."""
        if not self._specs or self._specs[0].kind != FORWARD or t is None:
            return
        forward = self._specs[0]
        sample = RunSpec(kind=SAMPLE, **self._settings().samplers[0])
        spec = RunSpec(kind=DENOISE, x0=forward.x0, seed=forward.seed, t=int(t), sampler=sample.sampler,
                       steps=sample.steps, eta=sample.eta, y=sample.y, guidance=sample.guidance)
        self.start_runs([spec], autoplay)

    def start_runs(self, specs: list[RunSpec], autoplay: bool = True) -> None:
        if self._net is None or self._closed:
            return
        self._replace_runs(specs)
        worker_net, process = self._net.frozen_copy(), self.process
        factories = [lambda spec=spec: run_frames(spec, process, worker_net) for spec in specs]
        worker = SamplingWorker(factories, tag=self._tag)
        worker.frames.connect(self._on_frames)
        worker.run_done.connect(self._on_run_done)
        worker.failed.connect(self.failed)
        job = Job("sample", worker, self)
        job.finished.connect(self._on_job_finished)
        self._worker, self._stale = worker, False
        self._jobs.append(job)
        self.job_started.emit(job)
        job.start()
        self.runs_started.emit(self.specs, autoplay)

    def _replace_runs(self, specs: list[RunSpec]) -> None:
        """`specs` are on screen from now on, with empty trajectories and their own vector field."""
        self.stop()
        self._tag += 1
        self._specs = list(specs)
        self._trajectories = [Trajectory(self._budget // len(specs)) for _ in specs]
        first = specs[0]
        self.field = FieldCache(self._net.frozen_copy(), self.process, first.y, first.guidance)

    # ----- step mode -----
    def start_stepping(self) -> bool:
        """Replace the runs with the settings' first sampling run in step mode, at its start (t = T). False
        without a model."""
        if self._net is None or self._closed:
            return False
        spec = RunSpec(kind=SAMPLE, **self._settings().samplers[0])
        self._replace_runs([spec])
        self.stepper = StepRun(spec, self.process, self._net.frozen_copy())
        self._stale = False
        self._trajectories[0].append(self.stepper.first)
        self.runs_started.emit(self.specs, False)
        self.frames_added.emit(0)
        return True

    @property
    def stepping(self) -> bool:
        """True while step mode's run is on screen and has not reached t = 0."""
        return self.stepper is not None and not self.stepper.done

    def step_once(self) -> StepCall | None:
        """One reverse step of step mode's run: its frame joins the trajectory; returns the step's call (None at
        t = 0 or outside step mode)."""
        result = self.stepper.advance() if self.stepper is not None else None
        if result is None:
            return None
        call, frame = result
        trajectory = self._trajectories[0]
        trajectory.append(frame)
        if self.stepper.done:
            trajectory.finish()
        self.frames_added.emit(0)
        if self.stepper.done:
            self.run_finished.emit(0)
        return call

    def stop(self) -> None:
        """Ask the current worker to stop (its late frames are dropped); no Follow training restart is pending."""
        self._follow_timer.stop()
        if self.stepper is not None:
            self.stepper.close()
            self.stepper = None
        if self._worker is not None:
            self._worker.request_stop()
            self._worker = None
        self.stopping.emit()

    def shutdown(self, timeout_ms: int = STOP_WAIT_MS) -> bool:
        """Stop every sampling job and wait for its thread (closing the window: for good, no run starts after
        it). True if all have ended."""
        self._closed = True
        self.stop()
        return stop_and_wait(self._jobs, timeout_ms)

    # ----- Follow training -----
    def schedule_follow(self) -> None:
        """Look again shortly whether to sample with the newest weights (Follow training was switched on...)."""
        self._follow_timer.start()

    def maybe_follow(self, ended: bool = False) -> None:
        """With Follow training: new weights and a run that has played to its end (`ended`: just now, also when
        looping) or rests there -> sample again, and play."""
        if (self._stale and self._net is not None and not self.running and self._specs and self.stepper is None
                and self._specs[0].kind == SAMPLE and self._settings().follow and self._may_follow(ended)):
            self.resample(autoplay=True)

    # ----- the worker's signals -----
    def _on_frames(self, tag: int, run: int, frames: list) -> None:
        if tag != self._tag:
            return  # a replaced run
        trajectory = self._trajectories[run]
        for frame in frames:
            trajectory.append(frame)
        self.frames_added.emit(run)

    def _on_run_done(self, tag: int, run: int) -> None:
        if tag != self._tag:
            return
        self._trajectories[run].finish()
        self.run_finished.emit(run)
        if all(t.complete for t in self._trajectories):
            self._follow_timer.start()

    def _on_job_finished(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        job.deleteLater()
