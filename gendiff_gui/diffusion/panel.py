"""The diffusion half of the lecture on one panel: a scrubber over sampling (or forward noising) runs, particles or
image grids at x_t beside x̂₀, two samplers side by side, the vector field, a canvas to draw your own data, exports.

Wiring (like the latent panel): `set_experiment(experiment)` when a model is built or loaded (not while a worker
trains it), `set_snapshot(weights)` whenever new weights arrive. Out: `message(level, text)` for a status bar,
`train_on_points(points)` when the user asks to train on a drawing (standardised (n, 2) points), `job_started(job)`
for every sampling job. `install(window)` does all of it for the main window (install.py).

This file is the layout and the glue: the runs (which are on screen, their sampling jobs and trajectories, forward
mode, "Denoise from here", Follow training) are the widget-free `run_controller.RunController`, which the panel
tells what the controls say and whose signals it draws; the vector field is `field_cache.FieldCache` (arrows from
x toward x̂₀(x, t), scaled together so the longest fits one grid cell), the keys `keys.ScrubberKeys`, Save frame…
and Save GIF… `exports.StageExports`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from core.diffusion.runs import SAMPLE, RunSpec
from gendiff_gui.diffusion.exports import GifRecorder, StageExports
from gendiff_gui.diffusion.inspect_tools import InspectTools
from gendiff_gui.diffusion.install import wire
from gendiff_gui.diffusion.keys import ScrubberKeys
from gendiff_gui.diffusion.run_controller import STOP_WAIT_MS, RunController, RunSettings
from gendiff_gui.diffusion.trajectory import DEFAULT_BUDGET_BYTES, Trajectory
from gendiff_gui.diffusion.view_state import diffusion_view_state, restore_diffusion_view_state
from gendiff_gui.diffusion.views.draw_canvas import DrawCanvas
from gendiff_gui.diffusion.views.particles import ParticlesView
from gendiff_gui.diffusion.views.sample_grid import X0_CAPTION, SampleGridView
from gendiff_gui.diffusion.views.sampling_controls import SamplingControls
from gendiff_gui.diffusion.views.scrubber import Scrubber
from gendiff_gui.widgets.side_column import move_controls
from gendiff_gui.widgets.drop import DropLoader, DropTarget
from gendiff_gui.widgets.tab_sizing import CurrentPageTabs
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

PARTICLES, IMAGES = 2000, 16  # default sample counts
TRACKED = 6  # particles with a trail ...
TRAIL_FRAMES = 40  # ... over their last 40 kept frames (a whole DDPM path is a tangle)


class _ControlsArea(QScrollArea):
    """A scroll area that asks for its widget's whole width (plus a vertical scroll bar) and height, so it only
    scrolls when the window is smaller than the controls."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        extra = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(widget.minimumWidth() + extra, widget.sizeHint().height() + 2 * self.frameWidth())

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The controls re-laid out (rows shown or hidden, More opened, a new font): ask for their new height."""
        if obj is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(obj, event)


class DiffusionPanel(QWidget):
    message = Signal(str, str)  # level, text
    train_on_points = Signal(object)  # (n, 2) float32, standardised
    job_started = Signal(object)  # a sampling jobs.Job (the window stops it when it closes)

    def __init__(self, parent: QWidget | None = None, *, particles: int = PARTICLES, images: int = IMAGES,
                 seed: int = 0, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        super().__init__(parent)
        self._defaults = {"points": particles, "images": images}
        self._seed0 = seed
        self.window_waits_for_jobs = False  # True once the window tracks the jobs it starts (install.wire)
        self.scrub_to_when_complete: int | None = None  # the scrubber's frame once the run under way is complete
        self.runs = RunController(self._settings, self._may_follow, budget_bytes=budget_bytes, parent=self)
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
        side.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own (one with no visible focus): its controls
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        side.setMinimumWidth(120)
        self._side = side
        watch = QWidget()
        self._top_row = top = QHBoxLayout()
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
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.tabs.tabBar().setAccessibleName("Diffusion pages")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

        self.tools = InspectTools(self)  # fields and probe, step mode, quality against steps
        self.keys = ScrubberKeys(self, self.scrubber, active=lambda: self.tabs.currentIndex() == 0,
                                 extra={Qt.Key.Key_N: self.tools.step})
        self.exports = StageExports(self.stage, self.scrubber, self.controls.gif_button, self.gif_region, self)
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
        c, runs = self.controls, self.runs
        c.changed.connect(lambda: self.resample(autoplay=True))
        c.display_changed.connect(self._show)
        c.follow_toggled.connect(lambda _on: runs.schedule_follow())
        c.resample_requested.connect(lambda: self.resample(autoplay=True))
        c.denoise_requested.connect(self._on_denoise_button)
        c.save_frame_requested.connect(lambda: self.save_frame())
        c.save_gif_requested.connect(lambda: self.export_gif())
        self.scrubber.index_changed.connect(lambda _i: self._show())
        self.scrubber.reached_end.connect(lambda: runs.maybe_follow(ended=True))
        self.canvas.train_requested.connect(self.train_on_points)
        self.drop_target.dropped.connect(self._on_drop)
        self.loader.loaded.connect(lambda names, pixels: self.set_forward_image(pixels[0], names[0]))
        self.loader.failed.connect(lambda text: self.show_message("error", text))
        runs.runs_started.connect(self._on_runs_started)
        runs.frames_added.connect(self._on_frames_added)
        runs.run_finished.connect(self._on_run_finished)
        runs.stopping.connect(self.exports.cancel)
        runs.failed.connect(lambda text: self.show_message("error", f"Sampling failed: {text}"))
        runs.job_started.connect(self.job_started)
        self.exports.message.connect(self.message)

    def _settings(self) -> RunSettings:
        """What the controls ask the runs for."""
        c = self.controls
        return RunSettings(samplers=tuple(c.sampler_settings()), forward=c.forward, count=c.count.value(),
                           item=c.item.value(), seed=c.seed.value(), follow=c.follow.isChecked())

    def _may_follow(self, ended: bool) -> bool:
        """Follow training may sample again: the run has played to its end (`ended`: just now) or rests there, the
        slider is not held and no GIF is being recorded."""
        return ((ended or self.scrubber.at_end) and not self.scrubber.slider.isSliderDown()
                and not self.exports.recording)

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

    def main_picture(self) -> list[QWidget]:
        """The picture the class looks at: the particles' square, or the x_t and x̂₀ grids."""
        if self.runs.is_image:
            return [self.grids[0].x_t.view, self.grids[0].x0.view]
        return [self.particles[0].canvas]

    def place_side(self, layout) -> None:
        """The window's presentation side column takes the controls (`layout`: where), or gives them back (None)."""
        move_controls(self._side, self._top_row, layout)

    def play_pause(self) -> bool:
        """Space in the window: the timeline plays or pauses (False on the drawing tab or without a model)."""
        if self.tabs.currentIndex() != 0 or not self.has_model:
            return False
        self.scrubber.toggle_play()
        return True

    def step_frames(self, delta: int) -> bool:
        """Page Up / Down in the window: one kept frame back or on (False when there is no timeline on screen)."""
        if self.tabs.currentIndex() != 0 or not self.scrubber.count:
            return False
        self.scrubber.step(delta)
        return True

    def exportable_plots(self) -> dict[str, object]:
        """What File > Export plot offers (Save frame… exports the whole stage, titles and captions included)."""
        if self.runs.is_image:
            return {"x_t grid": self.grids[0].x_t.box, "x̂₀ grid": self.grids[0].x0.box}
        return {"particles": self.particles[0].plot}

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The window's Close shuts the panel down; it waits for the jobs only where the window does not
        (`window_waits_for_jobs`: install.wire hands them to the window's track_job)."""
        if event.type() == QEvent.Type.Close and obj is self.window():
            self.shutdown(0 if self.window_waits_for_jobs else STOP_WAIT_MS)
        return False

    def show_message(self, level: str, text: str) -> None:
        self.message.emit(level, text)

    # ----- the two calls -----
    def set_experiment(self, experiment) -> None:
        """Show a freshly built or loaded diffusion model (copies its network: call it when no worker trains it)."""
        if not self.runs.set_experiment(experiment):
            self.scrubber.pause()
            self.scrubber.clear()
            return
        self._configure(experiment)
        self.resample(autoplay=True)

    def set_snapshot(self, snapshot: dict[str, np.ndarray]) -> None:
        """New weights: used by the next run (with Follow training, as soon as the current one has reached t = 0)."""
        self.runs.set_snapshot(snapshot)

    @property
    def has_model(self) -> bool:
        return self.runs.has_model

    def _configure(self, experiment) -> None:
        """Controls for this model: its process's samplers (and whether they take a step count or η), steps 1..T,
        its classes, a forward source of the right kind."""
        process, data, is_image = self.runs.process, experiment.train_data, self.runs.is_image
        classes = None
        if getattr(experiment.task, "conditional", False):
            classes = list(data.class_names) or [str(i) for i in range(data.num_classes)]
        count = self._defaults["images" if is_image else "points"]
        self.controls.configure([(n, process.sampler_label(n)) for n in process.samplers], process.timesteps, classes,
                                is_image, len(self.runs.test_x), count, self._seed0,
                                fixed_steps=process.fixed_steps, eta_samplers=process.eta_samplers)
        self.stage.setCurrentIndex(1 if is_image else 0)
        if not is_image:
            self._set_extent()
        self.tools.configure(experiment)

    def _set_extent(self) -> None:
        """A fixed square view holding the data and most of x_T (2.2 prior std: ~91 % of a 2-D Gaussian; more would
        shrink the data to a speck with the lecture's sigma = 2), the faint data behind."""
        data = self.runs.test_x
        spread = float(np.abs(data).max()) * 1.1 if len(data) else 3.0
        half = max(spread, 2.2 * self.runs.process.prior_std)
        extent = (-half, half, -half, half)
        for view in self.particles:
            view.set_extent(extent)
            view.set_data_picture(data)

    # ----- runs (run_controller.RunController) -----
    def specs(self) -> list[RunSpec]:
        """The runs the controls describe (forward chain, one sampling run, or two when comparing)."""
        return self.runs.described_specs()

    def resample(self, autoplay: bool = True) -> None:
        """Start the runs the controls describe (replacing the current ones)."""
        self.runs.resample(autoplay)

    def denoise_from_here(self, autoplay: bool = True) -> None:
        """Run the reverse sampler (the chosen sampler, steps, class) from the forward chain's x_t at the current t."""
        self.runs.denoise_from(self.scrubber.t, autoplay)

    def _on_denoise_button(self) -> None:
        if self.runs.denoising:
            self.resample(autoplay=True)  # back to the forward chain
        else:
            self.denoise_from_here()

    def set_forward_image(self, image: np.ndarray, name: str = "dropped image") -> None:
        """Noise this (28, 28) image in forward mode (what a dropped file does)."""
        self.runs.set_dropped(image, name)
        self.controls.set_forward(True)
        self.resample(autoplay=True)

    @property
    def running(self) -> bool:
        """True while the current runs are still producing frames."""
        return self.runs.running

    @property
    def busy(self) -> bool:
        """True while a sampling (or quality measuring) job's thread is alive."""
        return self.runs.busy or self.tools.busy

    @property
    def trajectories(self) -> list[Trajectory]:
        return self.runs.trajectories

    def shutdown(self, timeout_ms: int = STOP_WAIT_MS) -> bool:
        """Stop every sampling job and wait for its thread (closing the window). True if all have ended."""
        self.scrubber.pause()
        tools_ended = self.tools.shutdown(timeout_ms)
        return self.runs.shutdown(timeout_ms) and tools_ended

    def _on_runs_started(self, specs: list[RunSpec], autoplay: bool) -> None:
        for view in (self.particles[1], self.grids[1]):
            view.setVisible(len(specs) > 1)
        self.scrubber.set_horizon(self.runs.process.timesteps)
        self.scrubber.clear()
        self.controls.set_denoising(self.runs.denoising)
        self.controls.set_source(self._source_text(specs[0]))
        if autoplay:
            self.scrubber.play()
        else:
            self.scrubber.pause()

    def _on_frames_added(self, run: int) -> None:
        trajectory = self.runs.trajectories[run]
        if run == 0:
            self.scrubber.set_times(trajectory.ts, trajectory.complete)
        if run > 0 or len(trajectory) == 1:
            self._show()

    def _on_run_finished(self, run: int) -> None:
        if run == 0:
            self.scrubber.set_times(self.runs.trajectories[0].ts, True)
            if self.scrub_to_when_complete is not None:  # a reopened session's frame
                self.scrubber.set_index(self.scrub_to_when_complete)
                self.scrub_to_when_complete = None

    # ----- sessions (gendiff_gui/shell/session_files.py) -----
    def view_state(self) -> dict:
        """Tab, sampling controls, the dropped image, the scrubber's run and frame (diffusion/view_state.py)."""
        return diffusion_view_state(self)

    def restore_view_state(self, state: dict) -> None:
        restore_diffusion_view_state(self, state)

    def _source_text(self, spec: RunSpec) -> str:
        if spec.kind == SAMPLE:
            return ""
        if not self.runs.is_image:
            return f"x₀: {len(spec.x0):,} test points"
        if self.runs.dropped is not None:
            return f"x₀: {self.runs.dropped[0]}"
        return f"x₀: test image {self.controls.item.value()}"

    def _on_drop(self, request) -> None:
        for note in request.notes:
            self.show_message("warning", note)
        if request.files and self.runs.is_image:
            self.loader.add(request.files[:1])
        elif request.files:
            self.show_message("warning", "Dropped images are noised by image models; this one is 2-D.")

    # ----- showing a frame -----
    def refresh_frame(self) -> None:
        """Draw the frame on screen again (what is drawn over it has changed)."""
        self._show()

    def _show(self) -> None:
        trajectories = self.runs.trajectories
        if not trajectories or not len(trajectories[0]):
            return
        index = min(self.scrubber.index, len(trajectories[0]) - 1)
        frame = trajectories[0][index]
        shown = [(frame, index)]
        for trajectory in trajectories[1:]:
            if len(trajectory):
                j = trajectory.index_at(frame.t)
                shown.append((trajectory[j], j))
        specs = self.runs.specs
        for run, (f, j) in enumerate(shown):
            title = f"t = {f.t}  ·  {specs[run].describe(self.runs.process)}"
            if self.runs.is_image:
                grid = self.grids[run]
                grid.set_title(title)
                grid.set_captions(f"x_t at t = {f.t}", X0_CAPTION)
                grid.set_frame(f.x_t, f.x0_pred)
            else:
                view = self.particles[run]
                view.set_title(title)
                view.set_particles(f.x_t)
                view.set_trails(self._trail(trajectories[run], j) if self.controls.trails.isChecked() else None)
                self._show_field(view, f.t)
        if not self.runs.is_image:
            self.tools.frame_shown(frame)

    @staticmethod
    def _trail(trajectory: Trajectory, index: int) -> np.ndarray:
        """(TRACKED, frames, 2): the first particles over the last TRAIL_FRAMES kept frames up to `index`."""
        k = min(TRACKED, trajectory[0].x_t.shape[0])
        return np.stack([trajectory[i].x_t[:k] for i in range(max(0, index + 1 - TRAIL_FRAMES), index + 1)], axis=1)

    def _show_field(self, view: ParticlesView, t: int) -> None:
        if not self.controls.field.isChecked() or self.runs.field is None:
            view.clear_field()
            return
        view.set_field(*self.field_at(t))

    def field_at(self, t: int, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(grid points, arrows) of the vector field at step t of the weights being sampled: the chosen kind
        (default: the one the Fields section shows; the pull toward x̂₀(x, t), the noise, the score or the
        velocity), scaled together so the longest arrow is 0.9 of a grid cell (cached per t for the current run)."""
        return self.runs.field.at(t, self.particles[0].extent(), kind or self.tools.field_kind)

    def shown_frame(self, run: int = 0):
        """The Frame on screen for run `run` (tests, benchmarks)."""
        trajectory = self.runs.trajectories[run]
        return trajectory[self.scrubber.index if run == 0 else trajectory.index_at(self.scrubber.t)]

    # ----- exports (exports.StageExports) -----
    def save_frame(self, path: str | Path | None = None) -> Path | None:
        """The frame on screen (views, titles and captions) as PNG or SVG."""
        return self.exports.save_frame(path)

    def export_gif(self, path: str | Path | None = None, max_frames: int | None = None,
                   width: int | None = None) -> GifRecorder | None:
        """Record the kept frames (at most `max_frames`, evenly spaced, first and last included) as a GIF; the
        recorder's `finished(path)` says when it is written."""
        trajectories = self.runs.trajectories
        if not trajectories or not len(trajectories[0]):
            self.show_message("warning", "Nothing to record yet: no frames.")
            return None
        if self.running:
            self.show_message("warning", "Sampling is still running: wait for t = 0, then save the GIF.")
            return None
        return self.exports.record_gif(len(trajectories[0]), path, max_frames, width)

    def gif_region(self) -> QRect:
        """The part of the stage a GIF shows: for points, from the titles down, only as wide as the square plots
        (no empty margins); for images, the whole stage."""
        if self.runs.is_image:
            return self.stage.rect()
        views = [v for v in self.particles if v.isVisible()]
        boxes = [QRect(v.canvas.mapTo(self.stage, QPoint(0, 0)), v.canvas.size()) for v in views]
        top = min(v.title.mapTo(self.stage, QPoint(0, 0)).y() for v in views)
        left, right = min(b.left() for b in boxes), max(b.right() for b in boxes)
        return QRect(QPoint(left, top), QPoint(right, max(b.bottom() for b in boxes)))


def install(window) -> DiffusionPanel:
    """The main window's "Diffusion" tab: a new DiffusionPanel, wired to the window by install.wire."""
    panel = DiffusionPanel()
    wire(window, panel)
    return panel
