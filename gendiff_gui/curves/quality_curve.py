"""Learning you can see: beside the loss, a live curve of sample quality while a diffusion model trains (the energy
distance of a small fixed sample to the data every few seconds for 2-D sets, the Frechet classifier distance for
images, less often), each point measured by core's live_quality in a background job on a frozen copy of the
weights (session/network_copy), never on the training thread or the GUI thread.

`install(window)` puts the curve beside the window's loss curves (shown, hidden and themed with them, and only
for diffusion models) and feeds it from `window.snapshots` while the session trains.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.diffusion.frames import is_image_shape
from core.sample_quality import live_quality
from gendiff_gui.curves.axes import NonOverlappingAxis, log_ticks
from gendiff_gui.curves.plot_fit import PlotFitter
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.network_copy import StoppableNetwork, Stopped
from gendiff_gui.session.training_session import TRAINING
from gendiff_gui.session.view_pace import clamped_pace
from gendiff_gui.session.workers import CallWorker
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

EVERY_S_POINTS = 3.0  # seconds between two measurements for 2-D sets ...
EVERY_S_IMAGES = 20.0  # ... and for images (a Frechet distance needs many more samples)
CURVE_COLOR = "#007A55"


def _tooltip(metric: str) -> str:
    return (f"{metric} of samples drawn with the weights at that step to the data, on a log scale (lower is "
            "closer): it keeps falling while the loss looks flat")


class QualityCurveView(QWidget):
    """numpy in: `add_point(step, value)`, `clear()`, `set_metric(label)`; `points()` -> (steps, values).

    The distance is drawn on a log axis: it falls by two orders of magnitude in the first minute (lesson 6: from
    about 0.4 to 0.003), and on a linear axis everything after that lay flat on the floor of the plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps: list[float] = []
        self._values: list[float] = []
        self._step_range: tuple[float, float] | None = None
        self._theme = NORMAL
        self.title = QLabel("Sample quality")
        self.plot_widget = pg.PlotWidget(axisItems={side: NonOverlappingAxis(side) for side in ("left", "bottom")})
        self.plot_widget.setAccessibleName("Live sample quality curve")
        self.set_metric("the distance")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLogMode(x=False, y=True)
        self.plot.setLabel("bottom", "training step")
        self.plot.getAxis("left").showLabel(False)  # the title names the metric
        self.curve = self.plot.plot([], [], pen=pg.mkPen(CURVE_COLOR, width=2), symbol="o", symbolSize=5,
                                    symbolBrush=CURVE_COLOR, symbolPen=CURVE_COLOR)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot_widget, 1)
        self._fitter = PlotFitter(self.plot_widget)
        self.clear()
        self.apply_theme(NORMAL)

    def set_metric(self, label: str) -> None:
        """The metric's name goes in the tooltips, not on the axis: the plot is often too short for it (at 1280x800
        the window gives it about 60 px, where "energy distance" was cut to "nergy dis"), and the title beside it
        too narrow (a projector's side column)."""
        tip = _tooltip(label)
        self.title.setText("Sample quality")
        self.title.setToolTip(tip)
        self.plot_widget.setToolTip(tip)
        self.plot_widget.setAccessibleDescription(tip)

    def _label(self, side: str, text: str) -> None:
        theme = self._theme
        self.plot.getAxis(side).enableAutoSIPrefix(False)  # the distance as it is, no "(x0.001)"
        self.plot.setLabel(side, text, color=theme.plot_foreground, **{"font-size": f"{theme.plot_font_pt:.0f}pt"})

    def set_note(self, text: str) -> None:
        self.title.setText(f"Sample quality: {text}")

    def add_point(self, step: float, value: float) -> None:
        if not np.isfinite(value) or value <= 0.0:  # (a log axis; a distance of exactly 0 does not occur)
            return
        self._steps.append(float(step))
        self._values.append(float(value))
        self.curve.setData(self._steps, self._values)
        low, high = np.log10(min(self._values)), np.log10(max(self._values))
        margin = max(0.05 * (high - low), 0.1)  # in decades: the range of a log axis is set in log10 units
        self.plot.setYRange(low - margin, high + margin, padding=0)
        self.plot.getAxis("left").setTicks([log_ticks(low, high, margin)])
        if self._step_range is None:  # (beside the loss curves: their steps, set_step_range)
            self.plot.setXRange(0.0, max(self._steps) or 1.0, padding=0.02)

    def set_step_range(self, low: float, high: float) -> None:
        """The training steps the loss plot beside shows: the same x range under both."""
        if self._step_range != (low, high):
            self._step_range = (low, high)
            self.plot.setXRange(low, high, padding=0)

    def clear(self) -> None:
        self._steps, self._values, self._step_range = [], [], None
        self.curve.setData([], [])
        self.plot.getAxis("left").setTicks([[]])  # no distance yet: no made-up decades on an empty axis

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self._steps), np.asarray(self._values)

    def exportable_plots(self) -> dict[str, pg.PlotItem]:
        return {"Sample quality": self.plot}

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        self._theme = theme
        self.plot_widget.setBackground(theme.plot_background)
        # a style sheet, not setFont: the application's style sheet would reset the font when the label is shown
        self.title.setStyleSheet(f"font-size: {theme.font_pt:.0f}pt; font-weight: bold;")
        font = scaled_font(theme.plot_font_pt / theme.font_pt, theme=theme)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.plot_foreground, width=theme.axis_width))
            axis.setTextPen(pg.mkPen(theme.plot_foreground))
            axis.setStyle(tickFont=font)
        self._label("bottom", self.plot.getAxis("bottom").labelText)  # the left axis has no label (see __init__)
        self.curve.setPen(pg.mkPen(CURVE_COLOR, width=theme.line_width))
        self._fitter.refit()


class LiveQuality(QObject):
    """Measures the newest weights now and then while a diffusion model trains, one job at a time.

    `set_experiment(experiment)` (a new model: its process and held-out data; anything else switches it off),
    `on_weights(step, network_copy)` for each new snapshot (a NetworkCopy holding it): when `every_s` seconds
    have passed since the last measurement, no measurement is running and the step is new, a `CallWorker` job
    measures `live_quality` on `network_copy.frozen_copy()` and its result becomes `view`'s point at that step.
    `job_started(job)`: for the window's track_job."""

    job_started = Signal(object)
    measured = Signal(float, float)  # step, value

    def __init__(self, view: QualityCurveView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._process = None
        self._reference: np.ndarray | None = None
        self.every_s = EVERY_S_POINTS
        self._pace = 1.0  # gendiff_gui.session.view_pace: measure every every_s / pace seconds
        self._last_time = -np.inf
        self._last_step: int | None = None
        self._job: Job | None = None
        self._generation = 0  # bumped by every new model: a late result of the old one is dropped

    @property
    def enabled(self) -> bool:
        return self._process is not None

    @property
    def busy(self) -> bool:
        return self._job is not None

    def set_experiment(self, experiment) -> None:
        self._generation += 1
        if self._job is not None:
            self._job.request_stop()  # the old model's measure is of no use any more
        self.view.clear()
        self._last_time, self._last_step = -np.inf, None
        if experiment.config.family != "diffusion":
            self._process, self._reference = None, None
            return
        self._process = experiment.task.process
        self._reference = experiment.test_data.x
        images = is_image_shape(tuple(experiment.train_data.data_shape))
        self.every_s = EVERY_S_IMAGES if images else EVERY_S_POINTS
        self.view.set_metric("FCD" if images else "energy distance")

    def set_pace(self, pace: float) -> None:
        """Measure 1 / `pace` times less often (the cores are contended: training keeps them)."""
        self._pace = clamped_pace(pace)

    def on_weights(self, step: int, network_copy) -> None:
        now = time.monotonic()
        if (not self.enabled or network_copy is None or self._job is not None or step == self._last_step
                or now - self._last_time < self.every_s / self._pace):
            return
        self._last_time, self._last_step = now, int(step)
        process, reference, net = self._process, self._reference, network_copy.frozen_copy()
        generation = self._generation

        def measure() -> float | None:  # None: stopped (a closing window) within one network pass
            try:
                return live_quality(StoppableNetwork(net, lambda: worker.stop_requested), process, reference)
            except Stopped:
                return None

        worker = CallWorker(measure)
        worker.returned.connect(lambda value: self._on_value(generation, step, value))
        worker.failed.connect(lambda text: self._on_failed(generation, text))
        job = Job("live-quality", worker, self)
        job.finished.connect(self._on_job_finished)
        self._job = job
        self.job_started.emit(job)
        job.start()

    def _on_value(self, generation: int, step: int, value) -> None:
        if generation != self._generation or value is None:
            return
        self.view.add_point(step, float(value))
        self.measured.emit(float(step), float(value))

    def _on_failed(self, generation: int, text: str) -> None:
        """No quality figure for this model (e.g. an image measure missing from the build): stop asking."""
        if generation == self._generation:
            self._process = None
            self.view.set_note(f"no quality figure: {text}")

    def _on_job_finished(self, job: Job) -> None:
        if job is self._job:
            self._job = None
        job.deleteLater()


def install(window) -> LiveQuality:
    """The live quality curve beside the loss plot (`LossCurvesView.add_beside`), fed by
    `window.snapshots`; its jobs go to `window.track_job`."""
    curves = window.loss_curves
    view = QualityCurveView()
    live = LiveQuality(view, window)
    # inside the loss curves' widget (wherever the window puts them, it goes too), as much room as the loss plot:
    # at a third of a projector's corner its step labels did not fit at all
    curves.add_beside(view, 2)
    view.apply_theme(window.theme)  # (later themes come through the loss curves' apply_theme)
    view.hide()

    def on_experiment(experiment) -> None:
        live.set_experiment(experiment)
        view.setVisible(live.enabled)

    window.snapshots.experiment_ready.connect(on_experiment)

    def on_weights(_config, _weights) -> None:
        # while training only (a model just opened costs nothing), and never once the window is closing (the last
        # weights of a stopped run arrive after its close has waited for the jobs)
        if window.session.state == TRAINING and window.isVisible():
            live.on_weights(window.snapshots.step, window.snapshots.network)

    window.snapshots.updated.connect(on_weights)
    live.job_started.connect(window.track_job)
    window.view_pace.changed.connect(live.set_pace)
    live.set_pace(window.view_pace.pace)
    if window.session.experiment is not None:  # installed when the first diffusion model is shown
        on_experiment(window.session.experiment)
    return live
