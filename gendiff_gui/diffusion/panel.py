"""The diffusion half of the lecture on one panel: a scrubber over sampling (or forward noising) runs, particles or
image grids at x_t beside x̂₀, two samplers side by side, the vector field, a canvas to draw your own data, exports.

Wiring (like the latent panel): `set_experiment(experiment)` when a model is built or loaded (not while a worker
trains it), `set_snapshot(weights)` whenever new weights arrive. Out: `message(level, text)` for a status bar,
`train_on_points(points)` when the user asks to train on a drawing (standardised (n, 2) points). `install(window)`
does all of it for the main window, adds the File menu entries and stops the sampling jobs when the window closes.

Runs: every sampling run is a `sampling_job.SamplingWorker` in its own QThread (`jobs.Job`) with a private copy of
the weights; its frames fill bounded `Trajectory`s while it runs, so playing starts before sampling ends. A new run
(new settings, new weights) replaces the current one: the old worker is asked to stop and its late frames are
dropped by tag. With "Follow training" on, a finished run that has reached t = 0 starts again with the newest
weights, so a class watches noise become the data better and better while the model trains.
The vector field (2-D) shows, on a grid, arrows from x toward x̂₀(x, t): the denoiser's predicted x₀ at the
frame's t (for DDPM and the lecture's process alike), scaled together so the longest fits one grid cell.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractSlider, QAbstractSpinBox, QComboBox, QFileDialog, QFrame, QHBoxLayout,
                               QLineEdit, QScrollArea, QStackedWidget, QVBoxLayout, QWidget)

from core.config import DIFFUSION_MODELS, ExperimentConfig
from core.diffusion.runs import DENOISE, FORWARD, SAMPLE, RunSpec, predicted_x0, run_frames
from gendiff_gui.session.network_copy import SnapshotNet
from gendiff_gui.widgets.drop import DropLoader, DropTarget
from gendiff_gui.diffusion.exports import FRAME_FILTER, GIF_FILTER, GIF_FRAMES, GifRecorder, gif_indices, save_widget
from gendiff_gui.session.jobs import Job
from gendiff_gui.diffusion.sampling_job import SamplingWorker, private_copy
from gendiff_gui.diffusion.trajectory import DEFAULT_BUDGET_BYTES, Trajectory
from gendiff_gui.diffusion.views.draw_canvas import DrawCanvas
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font
from gendiff_gui.diffusion.views.particles import ParticlesView
from gendiff_gui.diffusion.views.sample_grid import X0_CAPTION, SampleGridView
from gendiff_gui.diffusion.views.sampling_controls import SamplingControls
from gendiff_gui.diffusion.views.scrubber import KEYS, Scrubber
from gendiff_gui.diffusion.views.vector_field import fit_lengths, grid_points
from gendiff_gui.widgets.tab_sizing import CurrentPageTabs

PARTICLES, IMAGES = 2000, 16  # default sample counts
TRACKED = 6  # particles with a trail ...
TRAIL_FRAMES = 40  # ... over their last 40 kept frames (a whole DDPM path is a tangle)
FIELD_CELLS = 17
FORWARD_COPIES = 16  # forward mode noises at most this many copies of the chosen image (each its own noise)
FOLLOW_DELAY_MS = 300
STOP_WAIT_MS = 3000


class _ControlsArea(QScrollArea):
    """A scroll area that asks for its widget's whole width (plus a vertical scroll bar), so it only scrolls
    sideways when the window is narrower than the controls."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        extra = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(widget.minimumWidth() + extra, hint.height())


class DiffusionPanel(QWidget):
    message = Signal(str, str)  # level, text
    train_on_points = Signal(object)  # (n, 2) float32, standardised
    job_started = Signal(object)  # a sampling jobs.Job (the window stops it when it closes)

    def __init__(self, parent: QWidget | None = None, *, particles: int = PARTICLES, images: int = IMAGES,
                 seed: int = 0, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        super().__init__(parent)
        self._defaults = {"points": particles, "images": images}
        self._seed0, self._budget = seed, budget_bytes
        self._net: SnapshotNet | None = None
        self._process = None
        self._is_image = False
        self._test_x = np.zeros((0, 2), np.float32)
        self._dropped: tuple[str, np.ndarray] | None = None
        self._specs: list[RunSpec] = []
        self._trajectories: list[Trajectory] = []
        self._trails: list[np.ndarray] = []
        self._tag = 0
        self._worker: SamplingWorker | None = None
        self._jobs: list[Job] = []
        self._field_net = None
        self._field_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._stale = False
        self._weights: dict[str, np.ndarray] = {}
        self._recorder: GifRecorder | None = None
        self._build()
        self._wire()
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    # ----- construction -----
    def _build(self) -> None:
        self.controls = SamplingControls()
        self.particles = [ParticlesView(), ParticlesView()]
        self.grids = [SampleGridView(), SampleGridView()]
        self.stage = QStackedWidget()
        for views in (self.particles, self.grids):
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            for view in views:
                row.addWidget(view, 1)
            self.stage.addWidget(page)
        self.scrubber = Scrubber()
        for view in (self.particles[1], self.grids[1]):
            view.hide()  # shown when two samplers are compared
        side = _ControlsArea()  # the controls keep their width; a narrow window scrolls them instead
        side.setWidget(self.controls)
        side.setWidgetResizable(True)
        side.setFrameShape(QFrame.Shape.NoFrame)
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        side.setMinimumWidth(120)
        self._side = side
        watch = QWidget()
        top = QHBoxLayout()
        top.addWidget(self.stage, 1)
        top.addWidget(side)
        page = QVBoxLayout(watch)
        page.setContentsMargins(0, 0, 0, 0)
        page.addLayout(top, 1)
        page.addWidget(self.scrubber)
        self.canvas = DrawCanvas(seed=self._seed0)
        self.tabs = CurrentPageTabs()
        self.tabs.addTab(watch, "Watch diffusion")
        self.tabs.addTab(self.canvas, "Draw your data")
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

        self._follow_timer = QTimer(self, singleShot=True, interval=FOLLOW_DELAY_MS)
        self._follow_timer.timeout.connect(self._maybe_follow)
        self.loader = DropLoader(self)
        self.drop_target = DropTarget(self)
        self.drop_target.attach(self)
        for view in (*self.particles, *self.grids):
            view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a click on a view focuses the panel: keys to the scrubber
            for child in view.findChildren(QWidget):
                child.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                self.drop_target.attach(child)
        self.apply_theme(NORMAL)

    def _wire(self) -> None:
        c = self.controls
        c.changed.connect(lambda: self.resample(autoplay=True))
        c.display_changed.connect(self._show)
        c.follow_toggled.connect(lambda _on: self._follow_timer.start())
        c.resample_requested.connect(lambda: self.resample(autoplay=True))
        c.denoise_requested.connect(self._on_denoise_button)
        c.save_frame_requested.connect(lambda: self.save_frame())
        c.save_gif_requested.connect(lambda: self.export_gif())
        self.scrubber.index_changed.connect(lambda _i: self._show())
        self.scrubber.reached_end.connect(lambda: self._maybe_follow(ended=True))
        self.canvas.train_requested.connect(self.train_on_points)
        self.drop_target.dropped.connect(self._on_drop)
        self.loader.loaded.connect(self._on_dropped_image)
        self.loader.failed.connect(lambda text: self.show_message("error", text))

    # ----- the window's hooks -----
    def apply_theme(self, theme: Theme = NORMAL) -> None:
        self.controls.apply_theme(theme)
        self._side.updateGeometry()  # its size hint follows the controls' new width
        self.tabs.tabBar().setFont(scaled_font(1.0))
        for view in self.particles:
            view.apply_theme(theme)
        for view in self.grids:
            view.apply_theme(theme)
        self.scrubber.apply_theme(theme)
        self.canvas.apply_theme(theme)

    def exportable_plots(self) -> dict[str, object]:
        """What File > Export plot offers (Save frame… exports the whole stage, titles and captions included)."""
        if self._is_image:
            return {"x_t grid": self.grids[0].x_t.box, "x̂₀ grid": self.grids[0].x0.box}
        return {"particles": self.particles[0].plot}

    def event(self, event: QEvent) -> bool:
        """Space, Left, Right, Home and End drive the scrubber while the focus is in this panel (not the window's
        Space = train/pause), except in fields that edit text or their own slider."""
        if (event.type() == QEvent.Type.ShortcutOverride and event.key() in KEYS
                and event.modifiers() == Qt.KeyboardModifier.NoModifier and self._keys_for_scrubber()):
            event.accept()
            return True
        return super().event(event)

    def _keys_for_scrubber(self) -> bool:
        focus = self.focusWidget()
        editing = isinstance(focus, (QAbstractSpinBox, QLineEdit, QAbstractSlider, QComboBox))
        return self.tabs.currentIndex() == 0 and (focus is self.scrubber.slider or not editing)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if (event.modifiers() == Qt.KeyboardModifier.NoModifier and self.tabs.currentIndex() == 0
                and self.scrubber.handle_key(event.key())):
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Close and obj is self.window():
            self.shutdown()
        return False

    def show_message(self, level: str, text: str) -> None:
        self.message.emit(level, text)

    # ----- the two calls -----
    def set_experiment(self, experiment) -> None:
        """Show a freshly built or loaded diffusion model (copies its network: call it when no worker trains it)."""
        self._stop_runs()
        config = experiment.config
        if config.family != "diffusion":
            self._net, self._process = None, None
            self._tag += 1  # the old runs cannot be shown without their model: their late frames are dropped
            self._specs, self._trajectories, self._trails = [], [], []
            self.scrubber.pause()
            self.scrubber.clear()
            return
        self._net = SnapshotNet(experiment.module)
        self._weights = {k: v.detach().cpu().numpy().copy() for k, v in experiment.module.state_dict().items()}
        self._process = experiment.task.process
        shape = tuple(experiment.train_data.data_shape)
        self._is_image = len(shape) == 3
        self._test_x = experiment.test_data.x
        self._dropped = None
        self._configure(experiment)
        self._stale = False
        self.resample(autoplay=True)

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

    def _configure(self, experiment) -> None:
        """Controls for this model: its process's samplers (and whether they take a step count or η), steps 1..T,
        its classes, a forward source of the right kind."""
        process, data = self._process, experiment.train_data
        classes = None
        if getattr(experiment.task, "conditional", False):
            classes = list(data.class_names) or [str(i) for i in range(data.num_classes)]
        count = self._defaults["images" if self._is_image else "points"]
        self.controls.configure([(n, process.sampler_label(n)) for n in process.samplers], process.timesteps, classes,
                                self._is_image, len(self._test_x), count, self._seed0,
                                fixed_steps=process.fixed_steps, eta_samplers=process.eta_samplers)
        self.stage.setCurrentIndex(1 if self._is_image else 0)
        if not self._is_image:
            self._set_extent()

    def _set_extent(self) -> None:
        """A fixed square view holding the data and most of x_T (2.2 prior std: ~91 % of a 2-D Gaussian; more would
        shrink the data to a speck with the lecture's sigma = 2), the faint data behind."""
        data = self._test_x
        spread = float(np.abs(data).max()) * 1.1 if len(data) else 3.0
        prior = float(getattr(self._process, "sigma", 1.0))
        half = max(spread, 2.2 * prior)
        extent = (-half, half, -half, half)
        for view in self.particles:
            view.set_extent(extent)
            view.set_data_picture(data)

    # ----- runs -----
    def specs(self) -> list[RunSpec]:
        """The runs the controls describe: the forward chain in forward mode, else one sampling run, or two (same
        seed, second sampler) when comparing."""
        if self.controls.forward:
            return [RunSpec(kind=FORWARD, x0=self.forward_start(), seed=self.controls.seed.value())]
        return self.sampling_specs()

    def sampling_specs(self) -> list[RunSpec]:
        return [RunSpec(kind=SAMPLE, **settings) for settings in self.controls.sampler_settings()]

    def forward_start(self) -> np.ndarray:
        """x_0 of forward mode: for images the chosen test image (or the dropped one), one copy per sample so each
        gets its own noise; for points a seeded subset of the test set."""
        n = self.controls.count.value()
        if self._is_image:
            image = self._dropped[1] if self._dropped is not None else self._test_x[self.controls.item.value(), 0]
            return np.repeat(image[None, None].astype(np.float32), min(n, FORWARD_COPIES), axis=0)
        rng = np.random.default_rng(self.controls.seed.value())
        idx = rng.choice(len(self._test_x), min(n, len(self._test_x)), replace=False)
        return self._test_x[np.sort(idx)]

    def resample(self, autoplay: bool = True) -> None:
        """Start the runs the controls describe (replacing the current ones)."""
        if self._net is None:
            return
        self.start_runs(self.specs(), autoplay)

    def start_runs(self, specs: list[RunSpec], autoplay: bool = True) -> None:
        if self._net is None:
            return
        self._stop_runs()
        self._tag += 1
        self._specs = list(specs)
        self._trajectories = [Trajectory(self._budget // len(specs)) for _ in specs]
        self._trails = [np.zeros((0, 0, 2), np.float32) for _ in specs]
        net = self._net.module()
        self._field_net, self._field_cache = private_copy(net), {}
        worker_net, process = private_copy(net), self._process
        factories = [lambda spec=spec: run_frames(spec, process, worker_net) for spec in specs]
        worker = SamplingWorker(factories, tag=self._tag)
        worker.frames.connect(self._on_frames)
        worker.run_done.connect(self._on_run_done)
        worker.failed.connect(self._on_failed)
        job = Job("sample", worker, self)
        job.finished.connect(self._on_job_finished)
        self._worker, self._stale = worker, False
        self._jobs.append(job)
        self.job_started.emit(job)
        for view in (self.particles[1], self.grids[1]):
            view.setVisible(len(specs) > 1)
        self.scrubber.set_horizon(self._process.timesteps)
        self.scrubber.clear()
        self.controls.set_denoising(specs[0].kind == DENOISE)
        self._show_source()
        job.start()
        if autoplay:
            self.scrubber.play()
        else:
            self.scrubber.pause()

    def _stop_runs(self) -> None:
        self._follow_timer.stop()
        if self._worker is not None:
            self._worker.request_stop()
            self._worker = None
        if self._recorder is not None:
            self._recorder.cancel()
            self._recorder = None

    def _on_frames(self, tag: int, run: int, frames: list) -> None:
        if tag != self._tag:
            return  # a replaced run
        trajectory = self._trajectories[run]
        for frame in frames:
            trajectory.append(frame)
        if not self._is_image:
            k = min(TRACKED, trajectory[0].x_t.shape[0])
            self._trails[run] = np.stack([f.x_t[:k] for f in trajectory], axis=1)
        if run == 0:
            self.scrubber.set_times(trajectory.ts, trajectory.complete)
        if run > 0 or len(trajectory) == 1:
            self._show()

    def _on_run_done(self, tag: int, run: int) -> None:
        if tag != self._tag:
            return
        trajectory = self._trajectories[run]
        trajectory.finish()
        if run == 0:
            self.scrubber.set_times(trajectory.ts, True)
        if all(t.complete for t in self._trajectories):
            self._follow_timer.start()

    def _on_failed(self, text: str) -> None:
        self.show_message("error", f"Sampling failed: {text}")

    def _on_job_finished(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        job.deleteLater()

    @property
    def running(self) -> bool:
        """True while the current runs are still producing frames."""
        return bool(self._trajectories) and not all(t.complete for t in self._trajectories)

    @property
    def trajectories(self) -> list[Trajectory]:
        return list(self._trajectories)

    def _maybe_follow(self, ended: bool = False) -> None:
        """With Follow training: new weights and a run that has played to its end (`ended`: just now, also when
        looping) or rests there -> sample again, and play."""
        at_end = ended or self.scrubber.at_end
        if (self.controls.follow.isChecked() and self._stale and self._net is not None and not self.running
                and self._recorder is None and at_end and not self.scrubber.slider.isSliderDown()
                and self._specs and self._specs[0].kind == SAMPLE):
            self.resample(autoplay=True)

    def shutdown(self, timeout_ms: int = STOP_WAIT_MS) -> bool:
        """Stop every sampling job and wait for its thread (closing the window). True if all have ended."""
        self._stop_runs()
        self.scrubber.pause()
        ok = True
        for job in list(self._jobs):
            job.request_stop()
            ok = job.wait(timeout_ms) and ok
        return ok

    @property
    def busy(self) -> bool:
        """True while a sampling job's thread is alive."""
        return bool(self._jobs)

    # ----- forward mode -----
    def _on_denoise_button(self) -> None:
        if self._specs and self._specs[0].kind == DENOISE:
            self.resample(autoplay=True)  # back to the forward chain
            return
        self.denoise_from_here()

    def denoise_from_here(self, autoplay: bool = True) -> None:
        """Run the reverse sampler (the chosen sampler, steps, class) from the forward chain's x_t at the current t."""
        t = self.scrubber.t
        if not self._specs or self._specs[0].kind != FORWARD or t is None:
            return
        forward = self._specs[0]
        sample = self.sampling_specs()[0]
        spec = RunSpec(kind=DENOISE, x0=forward.x0, seed=forward.seed, t=int(t), sampler=sample.sampler,
                       steps=sample.steps, eta=sample.eta, y=sample.y, guidance=sample.guidance)
        self.start_runs([spec], autoplay)

    def _on_drop(self, request) -> None:
        for note in request.notes:
            self.show_message("warning", note)
        if request.files and self._is_image:
            self.loader.add(request.files[:1])
        elif request.files:
            self.show_message("warning", "Dropped images are noised by image models; this one is 2-D.")

    def _on_dropped_image(self, names: list[str], pixels: np.ndarray) -> None:
        self.set_forward_image(pixels[0], names[0])

    def set_forward_image(self, image: np.ndarray, name: str = "dropped image") -> None:
        """Noise this (28, 28) image in forward mode (what a dropped file does)."""
        self._dropped = (name, np.asarray(image, np.float32))
        self.controls.set_forward(True)
        self.resample(autoplay=True)

    def _show_source(self) -> None:
        spec = self._specs[0] if self._specs else None
        if spec is None or spec.kind == SAMPLE:
            text = ""
        elif not self._is_image:
            text = f"x₀: {len(spec.x0):,} test points"
        elif self._dropped is not None:
            text = f"x₀: {self._dropped[0]}"
        else:
            text = f"x₀: test image {self.controls.item.value()}"
        self.controls.set_source(text)

    # ----- showing a frame -----
    def _show(self) -> None:
        if not self._trajectories or not len(self._trajectories[0]):
            return
        index = min(self.scrubber.index, len(self._trajectories[0]) - 1)
        frame = self._trajectories[0][index]
        shown = [(frame, index)]
        for trajectory in self._trajectories[1:]:
            if len(trajectory):
                j = trajectory.index_at(frame.t)
                shown.append((trajectory[j], j))
        for run, (f, j) in enumerate(shown):
            title = self._title(run, f)
            if self._is_image:
                grid = self.grids[run]
                grid.set_title(title)
                grid.set_captions(f"x_t at t = {f.t}", X0_CAPTION)
                grid.set_frame(f.x_t, f.x0_pred)
            else:
                view = self.particles[run]
                view.set_title(title)
                view.set_particles(f.x_t)
                trail = self._trails[run][:, max(0, j + 1 - TRAIL_FRAMES): j + 1]
                view.set_trails(trail if self.controls.trails.isChecked() else None)
                self._show_field(view, f.t)

    def _title(self, run: int, frame) -> str:
        spec = self._specs[run]
        return f"t = {frame.t}  ·  {spec.describe(self._process)}"

    def _show_field(self, view: ParticlesView, t: int) -> None:
        if not self.controls.field.isChecked() or self._field_net is None:
            view.clear_field()
            return
        view.set_field(*self.field_at(t))

    def field_at(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """(grid points, arrows) of the vector field at step t: toward x̂₀(x, t) of the weights being sampled,
        scaled together so the longest arrow is 0.9 of a grid cell (cached per t for the current run)."""
        if t not in self._field_cache:
            extent = self.particles[0].extent()
            origins = grid_points(extent, FIELD_CELLS)
            spec = self._specs[0]
            target = predicted_x0(self._process, self._field_net, origins, t, spec.y, spec.guidance)
            cell = (extent[1] - extent[0]) / FIELD_CELLS
            self._field_cache[t] = (origins, fit_lengths(target - origins, 0.9 * cell))
        return self._field_cache[t]

    def shown_frame(self, run: int = 0):
        """The Frame on screen for run `run` (tests, benchmarks)."""
        index = self.scrubber.index if run == 0 else self._trajectories[run].index_at(self.scrubber.t)
        return self._trajectories[run][index]

    # ----- exports -----
    def save_frame(self, path: str | Path | None = None) -> Path | None:
        """The frame on screen (views, titles and captions) as PNG or SVG."""
        if path is None:
            t = self.scrubber.t
            path, _ = QFileDialog.getSaveFileName(self, "Save the frame", f"diffusion-t{t}.png", FRAME_FILTER)
            if not path:
                return None
        try:
            written = save_widget(self.stage, path)
        except OSError as exc:
            self.show_message("error", f"Could not save the frame: {exc}")
            return None
        self.show_message("info", f"Saved the frame at t = {self.scrubber.t} to {written}.")
        return written

    def export_gif(self, path: str | Path | None = None, max_frames: int | None = None,
                   width: int | None = None) -> GifRecorder | None:
        """Record the kept frames (at most `max_frames`, evenly spaced, first and last included) as a GIF; the
        recorder's `finished(path)` says when it is written."""
        if not self._trajectories or not len(self._trajectories[0]):
            self.show_message("warning", "Nothing to record yet: no frames.")
            return None
        if self.running:
            self.show_message("warning", "Sampling is still running: wait for t = 0, then save the GIF.")
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save the animation", "diffusion.gif", GIF_FILTER)
            if not path:
                return None
        self.scrubber.pause()
        kwargs = {"width": width} if width else {}
        indices = gif_indices(len(self._trajectories[0]), max_frames or GIF_FRAMES)
        back = self.scrubber.index
        recorder = GifRecorder(indices, self._render_frame, path, parent=self, **kwargs)
        recorder.finished.connect(lambda written: self._on_recorded(written, back))
        recorder.failed.connect(lambda text: self._on_recorded(None, back, text))
        self._recorder = recorder
        self.controls.gif_button.setEnabled(False)
        recorder.start()
        return recorder

    def _render_frame(self, index: int):
        self.scrubber.set_index(index)
        return self.stage.grab(self.gif_region()).toImage()

    def gif_region(self) -> QRect:
        """The part of the stage a GIF shows: for points, from the titles down, only as wide as the square plots
        (no empty margins); for images, the whole stage."""
        if self._is_image:
            return self.stage.rect()
        views = [v for v in self.particles if v.isVisible()]
        boxes = [QRect(v.canvas.mapTo(self.stage, QPoint(0, 0)), v.canvas.size()) for v in views]
        top = min(v.title.mapTo(self.stage, QPoint(0, 0)).y() for v in views)
        left, right = min(b.left() for b in boxes), max(b.right() for b in boxes)
        return QRect(QPoint(left, top), QPoint(right, max(b.bottom() for b in boxes)))

    def _on_recorded(self, path, back: int, error: str = "") -> None:
        self._recorder = None
        self.controls.gif_button.setEnabled(True)
        self.scrubber.set_index(back)
        if path is None:
            self.show_message("error", f"Could not save the GIF: {error}")
        else:
            self.show_message("info", f"Saved the animation to {path}.")


def install(window) -> DiffusionPanel:
    """Add the panel to the main window as the "Diffusion" tab of diffusion models and wire it: experiments and
    snapshots from the window, messages to its bar, training on a drawing, File menu entries, and its sampling jobs
    stopped when the window closes (`window.track_job`, or the panel's own `shutdown` on the window's Close)."""
    panel = DiffusionPanel()
    window.add_view("Diffusion", panel, families={"diffusion"})
    window.snapshots.experiment_ready.connect(panel.set_experiment)
    window.snapshots.updated.connect(lambda _config, snapshot: panel.set_snapshot(snapshot))
    panel.message.connect(window.messages.show_message)
    panel.train_on_points.connect(lambda points: train_on_drawing(window, points))
    track = getattr(window, "track_job", None)
    if track is not None:
        panel.job_started.connect(track)
    else:
        window.installEventFilter(panel)
    _add_menu_entries(window, panel)
    if window.session.experiment is not None:
        panel.set_experiment(window.session.experiment)
    return panel


def train_on_drawing(window, points: np.ndarray) -> None:
    """Build a diffusion model on the drawn points (the panel's diffusion settings if it shows a diffusion model)
    and train it live."""
    config = window.panel.config()
    if config.model not in DIFFUSION_MODELS:
        config = ExperimentConfig(model="diffusion")
    config = config.replace(dataset="points", conditional=False)
    window.session.stop()
    window.session.build(config, points=points)
    window.session.train()
    window.messages.show_message("info", f"Training a {config.model} model on your {len(points):,} points…")


def _add_menu_entries(window, panel: DiffusionPanel) -> None:
    """File > Export diffusion frame… / Export diffusion animation (GIF)…, before Quit."""
    quit_action = window.commands.quit
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    file_menu = next((m for m in menus if quit_action in m.actions()), None)
    if file_menu is None:
        return
    frame = QAction("Export diffusion frame (PNG, SVG)…", window)
    gif = QAction("Export diffusion animation (GIF)…", window)
    frame.triggered.connect(lambda: panel.save_frame())
    gif.triggered.connect(lambda: panel.export_gif())
    file_menu.insertAction(quit_action, frame)
    file_menu.insertAction(quit_action, gif)
    file_menu.insertSeparator(quit_action)
    file_menu.aboutToShow.connect(lambda: [a.setEnabled(panel._net is not None) for a in (frame, gif)])
