"""Lesson 9's panel: particles of the reverse run moving on the latent map into the clusters of the encoded test set,
the decoded images of a few tracked particles at the scrubber's t, a class and a guidance w, Follow training, the FCD.

The map is the latent panel's LatentMapView (test codes z = enc(x), for d > 2 in the plane of their top-2 principal
directions, latent/plane.py); the runs are the diffusion panel's RunController over the code denoiser
(code_runs.py), with its Follow training, jobs and trajectories, and its Scrubber. Particles are standardised codes
u_t; they are drawn at z_t = u_t * s + m (the model's code mean m and std s) and decoded as dec(z_t).
Background work (encoding the map, the FCD) is a CallWorker in a Job handed to the window (`job_started`).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QPushButton, QVBoxLayout, QWidget)

from core.latent_diffusion.task import encoded_codes
from core.quality.comparison import quick_sampler
from gendiff_gui.diffusion.run_controller import RunController, RunSettings
from gendiff_gui.diffusion.views.particles import TRAIL_COLORS, DotCloudItem
from gendiff_gui.diffusion.views.scrubber import Scrubber
from gendiff_gui.latent.plane import LatentPlane
from gendiff_gui.latent.views.latent_map import LatentMapView
from gendiff_gui.latent_diffusion.code_runs import NO_MODEL, code_space_model, denoiser_weights
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.network_copy import NetworkCopy, frozen_module
from gendiff_gui.session.workers import CallWorker, Worker
from gendiff_gui.widgets.side_column import move_controls
from gendiff_gui.widgets.image_tile import ImageTile
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

PARTICLES = 600  # particles of one reverse run
TRACKED = 6  # particles with a trail and a decoded image
MAP_POINTS = 3000  # encoded test images on the map
FAMILY = "latent-diffusion"


def _encode_map(autoencoder, images: np.ndarray) -> np.ndarray:
    """Raw codes z = enc(x) of the map's test images (in a worker, with its own frozen copy)."""
    with torch.no_grad():
        return autoencoder.encode(torch.from_numpy(images)).numpy()


class _FcdWorker(Worker):
    """(FCD of FCD_SAMPLES unconditional samples to the test set, the test-vs-train floor), stopping between the
    reverse steps when asked; emits `measured((name, tag, result))` like the panel's CallWorker jobs."""

    measured = Signal(object)

    def __init__(self, module, process, dataset: str, seed: int, tag: int) -> None:
        super().__init__()
        self._args = (module, process, dataset, seed, tag)

    def work(self) -> None:
        from core.latent_diffusion.task import LatentDiffusionTask
        from core.quality.comparison import fcd_floor, fcd_to_test
        from core.quality.frechet import FCD_SAMPLES

        module, process, dataset, seed, tag = self._args
        task = LatentDiffusionTask(module, process)
        sampler, steps = quick_sampler(process)
        frame = None
        for frame in task.sample_frames(FCD_SAMPLES, sampler=sampler, steps=steps, seed=seed):
            if self.stop_requested:
                return
        images = task.decode(frame.x_t)
        if not self.stop_requested:  # (the digit classifier trains on first use: seconds, not interruptible)
            self.measured.emit(("FCD", tag, (fcd_to_test(images, dataset), fcd_floor(dataset))))


class _CodeWarmUp(Worker):
    """Encodes the training images into the process's code cache (core.latent_diffusion.task.encoded_codes), in
    chunks, stopping between them when asked (closing the window mid-way exits at once)."""

    def __init__(self, codes, data, sha256: str) -> None:
        super().__init__()
        self._codes, self._data, self._sha = codes, data, sha256

    def work(self) -> None:
        encoded_codes(self._codes, self._data, self._sha, should_stop=lambda: self.stop_requested)


class LatentDiffusionPanel(QWidget):
    message = Signal(str, str)  # level, text
    job_started = Signal(object)  # a jobs.Job (the window stops it when it closes)

    def __init__(self, parent: QWidget | None = None, *, particles: int = PARTICLES, seed: int = 0) -> None:
        super().__init__(parent)
        self._particles, self._seed = int(particles), int(seed)
        self.runs = RunController(self._settings, self._may_follow, parent=self)
        self._net: NetworkCopy | None = None  # the latent model's CPU copy: m, s and the decoder
        self._plane = LatentPlane(2)
        self._dataset = "mnist"
        self._tag = 0  # the model whose background results are still welcome
        self._build()
        self._wire()

    # ----- construction -----
    def _build(self) -> None:
        self.map = LatentMapView()
        self.map.hint.setText("dots: the reverse run's particles z_t, from noise (t = T) into the clusters of the "
                              "encoded test digits; ringed: the tracked particles decoded on the right")
        self.cloud = DotCloudItem(color="#111111", size=5.0, alpha=200)
        self.cloud.setZValue(10)
        self.map.box.addItem(self.cloud, ignoreBounds=True)
        colors = TRAIL_COLORS[:TRACKED]
        self.trails = [pg.PlotCurveItem(pen=pg.mkPen(c, width=2.5)) for c in colors]
        self.tracked = pg.ScatterPlotItem(size=16, symbol="o", pen=pg.mkPen("#000", width=2))
        for item in (*self.trails, self.tracked):
            item.setZValue(12)
            self.map.box.addItem(item, ignoreBounds=True)

        self.class_box = QComboBox()
        self.class_box.setAccessibleName("Class to generate")
        self.class_box.setToolTip("the class y the particles are guided toward (classifier-free guidance)")
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 10.0)
        self.guidance.setSingleStep(0.5)
        self.guidance.setValue(3.0)
        self.guidance.setAccessibleName("Guidance w")
        self.guidance.setToolTip("eps = eps(u, none) + w (eps(u, y) - eps(u, none)): 0 any digit, 1 conditional, "
                                 "3 very typical")
        self.follow = QCheckBox("Follow training")
        self.follow.setChecked(True)
        self.follow.setAccessibleName("Follow training")
        self.follow.setToolTip("sample again with the newest weights whenever a run has played to t = 0")
        self.resample_button = QPushButton("Resample")
        self.resample_button.setAccessibleName("Resample")
        self.resample_button.setToolTip("a new reverse run from fresh noise u_T ~ N(0, I)")
        self.fcd_button = QPushButton("Measure FCD")
        self.fcd_button.setAccessibleName("Measure FCD")
        self.fcd_button.setToolTip("Frechet distance, in the digit classifier's features, between 1,000 unconditional "
                                   "samples and 1,000 test images (beside the test-vs-train floor)")
        self.fcd_label = QLabel("FCD: –")
        self.fcd_label.setWordWrap(True)
        self.fcd_label.setAccessibleName("FCD")
        self.fcd_label.setToolTip(self.fcd_button.toolTip())
        form = QFormLayout()
        form.addRow("Class", self.class_box)
        form.addRow("Guidance w", self.guidance)
        bullets = " ".join(f'<span style="color: {c}">●</span>' for c in colors)
        self.decoded = ImageTile(f"dec(z<sub>t</sub>) of the tracked particles {bullets}", pad=2, min_px=120)
        self.decoded.setToolTip("the tracked particles decoded at the scrubber's t, in the order of their colours "
                                "(left to right, top to bottom)")
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.follow)
        side.addWidget(self.resample_button)
        side.addWidget(self.fcd_button)
        side.addWidget(self.fcd_label)
        side.addStretch(1)
        self.side = QWidget()
        self.side.setLayout(side)
        self.side.setMaximumWidth(300)
        # the decoded particles stay beside the map when the controls go to a projector's side column (in it,
        # under the caption, they made the window 844 px tall on an 800 px screen)
        self._top = top = QHBoxLayout()
        top.addWidget(self.map, 3)
        top.addWidget(self.decoded, 1)
        top.addWidget(self.side)
        self.scrubber = Scrubber()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top, 1)
        layout.addWidget(self.scrubber)
        self.apply_theme(NORMAL)

    def _wire(self) -> None:
        runs = self.runs
        self.class_box.currentIndexChanged.connect(lambda _i: self.resample())
        self.guidance.valueChanged.connect(lambda _v: self.resample())
        self.follow.toggled.connect(lambda _on: runs.schedule_follow())
        self.resample_button.clicked.connect(lambda: self.resample(new_seed=True))
        self.fcd_button.clicked.connect(self.measure_fcd)
        self.scrubber.index_changed.connect(lambda _i: self._show())
        self.scrubber.reached_end.connect(lambda: runs.maybe_follow(ended=True))
        runs.runs_started.connect(self._on_runs_started)
        runs.frames_added.connect(self._on_frames)
        runs.run_finished.connect(lambda _run: self.scrubber.set_times(runs.trajectories[0].ts, True))
        runs.failed.connect(lambda text: self.message.emit("error", f"Sampling failed: {text}"))
        runs.job_started.connect(self.job_started)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        self.map.apply_theme(theme)
        self.scrubber.apply_theme(theme)
        self.decoded.apply_theme(theme)
        self.fcd_label.setFont(scaled_font(0.95))

    def exportable_plots(self) -> dict[str, object]:
        return {"latent diffusion map": self.map.plot}

    # ----- the window's presentation and key hooks (as the diffusion panel's) -----
    def main_picture(self) -> list[QWidget]:
        """The picture the class looks at: the latent map with the particles on it."""
        return [self.map.canvas]

    def place_side(self, layout) -> None:
        """The window's presentation side column takes the controls (`layout`: where), or gives them back (None)."""
        move_controls(self.side, self._top, layout)

    def play_pause(self) -> bool:
        """Space in the window: the reverse run plays or pauses (False without a model)."""
        if not self.has_model:
            return False
        self.scrubber.toggle_play()
        return True

    def step_frames(self, delta: int) -> bool:
        """Page Up / Down in the window: one kept frame back or on (False when there is no run yet)."""
        if not self.scrubber.count:
            return False
        self.scrubber.step(delta)
        return True

    # ----- the window's two calls -----
    def set_experiment(self, experiment) -> None:
        """Show a freshly built or loaded latent diffusion (copies it: call it when no worker trains it)."""
        self._tag += 1
        if experiment.config.family != FAMILY:
            self._net = None
            self.runs.set_experiment(NO_MODEL)  # not a latent model: no runs any more (and no copy of it)
            self.scrubber.pause()
            self.scrubber.clear()
            return
        self._net = NetworkCopy(experiment.module)
        self._dataset = experiment.config.dataset
        self.runs.set_experiment(code_space_model(experiment))
        names = list(experiment.train_data.class_names)
        self.class_box.blockSignals(True)
        self.class_box.clear()
        if experiment.task.conditional:
            for k, name in enumerate(names):
                self.class_box.addItem(str(name), k)
        else:
            self.class_box.addItem("(unconditional)", None)
        self.class_box.blockSignals(False)
        self.guidance.setEnabled(experiment.task.conditional)
        self.map.set_classes(names)
        self._plane = LatentPlane(experiment.module.codes.latent_dim)
        self.map.set_axis_labels(*self._plane.axis_labels)
        self.map.set_title("Latent diffusion on the latent map")
        self.fcd_label.setText("FCD: –")
        test = experiment.test_data
        images, labels = test.floats(slice(MAP_POINTS)), test.y[:MAP_POINTS]
        autoencoder = frozen_module(experiment.module.codes.autoencoder)
        self._map_labels = labels
        self._start_job("map", lambda: _encode_map(autoencoder, images))
        warm_up = _CodeWarmUp(frozen_module(experiment.module.codes), experiment.train_data,
                              experiment.config.autoencoder_sha256)
        self._start_job("warm-up", worker=warm_up)  # Train then finds the training codes ready
        self.resample()

    def set_snapshot(self, snapshot: dict[str, np.ndarray]) -> None:
        """New weights: m, s for drawing and decoding now; the denoiser for the next run (Follow training)."""
        if self._net is not None and self._net.load(snapshot):
            self.runs.set_snapshot(denoiser_weights(snapshot))
            self._show()

    @property
    def has_model(self) -> bool:
        return self._net is not None

    @property
    def trajectories(self):
        return self.runs.trajectories

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop the sampling jobs and wait for their threads."""
        self.scrubber.pause()
        return self.runs.shutdown(timeout_ms)

    # ----- runs -----
    def _settings(self) -> RunSettings:
        sampler, steps = quick_sampler(self.runs.process) if self.runs.process is not None else (None, None)
        run = {"n": self._particles, "sampler": sampler, "steps": steps, "eta": 0.0,
               "y": self.class_box.currentData(), "guidance": float(self.guidance.value()), "seed": self._seed}
        return RunSettings(samplers=(run,), follow=self.follow.isChecked(), seed=self._seed)

    def _may_follow(self, ended: bool) -> bool:
        return (ended or self.scrubber.at_end) and not self.scrubber.slider.isSliderDown()

    def resample(self, new_seed: bool = False) -> None:
        if new_seed:
            self._seed += 1
        self.runs.resample(autoplay=True)

    def _on_runs_started(self, _specs, autoplay: bool) -> None:
        self.scrubber.set_horizon(self.runs.process.timesteps)
        self.scrubber.clear()
        self.scrubber.play() if autoplay else self.scrubber.pause()

    def _on_frames(self, run: int) -> None:
        trajectory = self.runs.trajectories[run]
        self.scrubber.set_times(trajectory.ts, trajectory.complete)
        if len(trajectory) == 1:
            self._show()

    # ----- drawing -----
    def _codes(self):
        return self._net.module().codes if self._net is not None else None

    def _on_map_codes(self, z: np.ndarray) -> None:
        self._plane.fit(z)
        self.map.set_points(self._plane.to_map(z), self._map_labels)
        self.map.scatter.setOpacity(0.45)  # the codes behind, the particles in front
        self.map.fit_view()
        self._show()

    def particles_on_map(self, index: int | None = None) -> np.ndarray:
        """The particles of the shown frame (or frame `index`) as map points (n, 2)."""
        trajectories = self.runs.trajectories
        codes = self._codes()
        if not trajectories or not len(trajectories[0]) or codes is None:
            return np.zeros((0, 2))
        i = self.scrubber.index if index is None else index
        u = trajectories[0][min(i, len(trajectories[0]) - 1)].x_t
        with torch.no_grad():
            z = codes.restore(torch.from_numpy(np.asarray(u, np.float32))).numpy()
        return self._plane.to_map(z)

    def tracked_images(self) -> np.ndarray:
        """dec(z_t) of the tracked particles at the shown frame: (k, 28, 28) in [0, 1]."""
        trajectories = self.runs.trajectories
        codes = self._codes()
        if not trajectories or not len(trajectories[0]) or codes is None:
            return np.zeros((0, 28, 28), np.float32)
        u = trajectories[0][min(self.scrubber.index, len(trajectories[0]) - 1)].x_t[:TRACKED]
        images = codes.decode(torch.from_numpy(np.asarray(u, np.float32))).clamp(0, 1).numpy()
        return images.reshape(len(u), *images.shape[-2:])

    def _show(self) -> None:
        trajectories = self.runs.trajectories
        if not trajectories or not len(trajectories[0]) or self._net is None:
            return
        index = min(self.scrubber.index, len(trajectories[0]) - 1)
        xy = self.particles_on_map(index)
        self.cloud.set_points(xy)
        shown = xy[:TRACKED]
        self.tracked.setData(pos=shown, brush=[pg.mkBrush(c) for c in TRAIL_COLORS[:len(shown)]])
        paths = np.stack([self.particles_on_map(j)[:TRACKED] for j in range(index + 1)], axis=1)
        for trail, path in zip(self.trails, paths):
            trail.setData(path[:, 0], path[:, 1])
        self.decoded.set_images(self.tracked_images(), cols=3)
        frame = trajectories[0][index]
        label = self.class_box.currentText() if self.class_box.currentData() is not None else "any class"
        self.map.set_title(f"t = {frame.t}  ·  {label}, w = {self.guidance.value():g}")

    # ----- background work -----
    def _start_job(self, name: str, fn=None, worker: Worker | None = None) -> None:
        """Run fn() in a worker (or `worker` itself); fn's result comes back to `_on_job_result` on the GUI thread
        (a bound slot: queued), tagged with its name and the model it was started for."""
        tag = self._tag
        if worker is None:
            worker = CallWorker(lambda: (name, tag, fn()))
            worker.returned.connect(self._on_job_result)
        worker.failed.connect(self._on_job_failed)
        job = Job(f"latent-{name}", worker, self)
        job.finished.connect(self._on_job_finished)
        self.job_started.emit(job)
        job.start()

    def _on_job_result(self, result) -> None:
        name, tag, value = result
        if tag != self._tag:
            return  # started for a model replaced meanwhile
        if name == "map":
            self._on_map_codes(value)
        elif name == "FCD":
            self._on_fcd(value)

    def _on_job_failed(self, text: str) -> None:
        self.message.emit("error", f"Latent diffusion: {text}")

    def _on_job_finished(self, job: Job) -> None:
        job.deleteLater()

    def measure_fcd(self) -> None:
        """The FCD of 1,000 unconditional samples of the newest weights, computed in a worker."""
        if self._net is None:
            return
        worker = _FcdWorker(self._net.frozen_copy(), self.runs.process, self._dataset, self._seed, self._tag)
        worker.measured.connect(self._on_job_result)
        self.fcd_label.setText("FCD: measuring (1,000 samples)…")
        self._start_job("FCD", worker=worker)

    def _on_fcd(self, result: tuple[float, float]) -> None:
        fcd, floor = result
        self.fcd_label.setText(f"FCD to the test set: {fcd:.2f}  (test vs train floor {floor:.2f}; "
                                   "1,000 images a side)")


def install(window) -> LatentDiffusionPanel:
    """Add the panel as the "Latent diffusion" view of latent diffusion models and wire it to the window."""
    panel = LatentDiffusionPanel()
    window.add_view("Latent diffusion", panel, families={FAMILY})
    window.snapshots.experiment_ready.connect(panel.set_experiment)
    window.snapshots.updated.connect(lambda _config, snapshot: panel.set_snapshot(snapshot))
    panel.message.connect(window.messages.show_message)
    panel.job_started.connect(window.track_job)
    if window.session.experiment is not None:
        panel.set_experiment(window.session.experiment)
    return panel
