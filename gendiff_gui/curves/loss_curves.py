"""Live loss curves: one curve per loss part with a legend, log scale, EMA smoothing; flat memory for long runs;
companion plots (the live quality curve) beside or under them, whichever the room's shape suits."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QBoxLayout, QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QSizePolicy, QSlider,
                               QVBoxLayout, QWidget)
from superqt.utils import qthrottled

from gendiff_gui.curves.axes import NonOverlappingAxis, log_ticks
from gendiff_gui.curves.history import DecimatedSeries
from gendiff_gui.curves.plot_fit import PlotFitter
from gendiff_gui.curves.plot_range import x_range, y_range
from gendiff_gui.session.view_pace import clamped_pace
from gendiff_gui.widgets.more_section import MoreSection
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

LABELS = {"total": "total loss", "reconstruction": "reconstruction", "kl": "KL", "denoise": "denoising"}
DEFAULT_SMOOTHING = 0.6
SIDE_BY_SIDE_ASPECT = 1.4  # companions go beside the loss plot where the room is this much wider than tall ...
SIDE_BY_SIDE_CHARS = 18  # ... and each plot keeps this many characters of width


def blend(color: QColor, background: QColor, opacity: float) -> QColor:
    """The opaque colour of `color` painted with `opacity` over `background`."""
    mix = lambda a, b: round(opacity * a + (1 - opacity) * b)  # noqa: E731
    return QColor(mix(color.red(), background.red()), mix(color.green(), background.green()),
                  mix(color.blue(), background.blue()))


def aliased_parts(losses: dict[str, np.ndarray]) -> set[str]:
    """The parts that repeat another one number for number, so one curve (and one legend entry) shows both: the
    total where a part is the whole of it (a diffusion model's "denoise", an AE's reconstruction), then any part
    equal to one before it (the lecture's "bridge" diagnostic when it is also the objective)."""
    values = {key: np.asarray(v) for key, v in losses.items()}
    aliases = set()
    if "total" in values and any(key != "total" and np.array_equal(v, values["total"]) for key, v in values.items()):
        aliases.add("total")
    kept: list[np.ndarray] = []
    for key, v in values.items():
        if key in aliases:
            continue
        if any(np.array_equal(v, other) for other in kept):
            aliases.add(key)
        else:
            kept.append(v)
    return aliases


class LossCurvesView(QWidget):
    """`append_losses(steps, {part: values})` adds points; `clear()` starts over. Redraws at most `redraw_hz`.

    Long runs: each part's history is a `DecimatedSeries` (at most `capacity` bucket means, so memory and the
    cost of a redraw stay flat however long the run). pyqtgraph's own downsampling and clip-to-view were measured
    here and left off: with at most `capacity` points they change no pixel and cost the GUI thread about a quarter
    more per redraw (benchmarks/bench_gui_training.py --profile).
    """

    def __init__(self, parent: QWidget | None = None, *, capacity: int = 512, redraw_hz: float = 8.0) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._theme = NORMAL
        self._smoothing = DEFAULT_SMOOTHING
        self.series: dict[str, DecimatedSeries] = {}
        self.raw_items: dict[str, pg.PlotDataItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}  # the smoothed curve of each part (in the legend)

        self.plot_widget = pg.PlotWidget(axisItems={side: NonOverlappingAxis(side) for side in ("left", "bottom")})
        self.plot = self.plot_widget.getPlotItem()
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # no "(x0.001)": on the log scale it made no sense
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)  # the view follows the run (a drag on a projector is a mistake)
        self.plot.hideButtons()
        self.plot.vb.disableAutoRange()
        self._y_range: tuple[float, float] | None = None
        self._ticks: list | None = None  # the left axis's labelled ticks now (None: pyqtgraph's own)
        self.plot.showGrid(x=True, y=True)
        self.plot.setLabel("bottom", "training step")
        self.plot.setLabel("left", "loss")
        # the legend in a row of its own above the plot (the title's row), its entries side by side: inside the
        # view, in a column a third of a window wide, it covered the newest part of the curves
        self.legend = pg.LegendItem(colCount=2)
        self.plot.layout.removeItem(self.plot.titleLabel)  # (no title: the legend takes its row)
        self.plot.titleLabel.hide()
        self.plot.layout.addItem(self.legend, 0, 1)
        # as wide as its entries, at the left of its row (the row's width stretched it into a box of blank)
        self.legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.plot.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.legend.layout.setContentsMargins(4, 2, 4, 2)
        self.plot.legend = self.legend  # where PlotItem.addItem puts a named curve's entry
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # a blit, not a repaint, per frame

        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("plot log10(loss): parts of very different sizes (reconstruction, KL) side by side")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setMinimumWidth(80)
        self.smoothing.setToolTip("exponential moving average: s_n = w s_{n-1} + (1 - w) loss_n (faint: raw loss)")
        self.smoothing.valueChanged.connect(lambda v: self.set_smoothing(v / 100))
        self.smoothing_label = QLabel()
        smoothing_label = QLabel("Smoothing")
        smoothing_label.setBuddy(self.smoothing)
        self.smoothing.setAccessibleName("Smoothing")
        self.log_scale.setAccessibleName("Log scale")
        smoothing_row = QHBoxLayout()
        for widget in (smoothing_label, self.smoothing, self.smoothing_label):
            smoothing_row.addWidget(widget)
        settings = QWidget()
        self._settings_row = QBoxLayout(QBoxLayout.Direction.LeftToRight, settings)
        self._settings_row.setContentsMargins(0, 0, 0, 0)
        self._settings_row.addWidget(self.log_scale)
        self._settings_row.addSpacing(12)
        self._settings_row.addLayout(smoothing_row)
        self._settings_row.addStretch(1)
        # on a projector the settings fold away (one click: the plot is a corner there); normally always shown
        self.settings = MoreSection("Curve settings", "log scale and smoothing of the loss curves")
        self.settings.addWidget(settings)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.settings)
        # the plot, and below it what `add_beside` adds
        self._plots = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._plots.addWidget(self.plot_widget, 2)
        layout.addLayout(self._plots, 1)
        self._companions: list[QWidget] = []
        self._fitter = PlotFitter(self.plot_widget, self.legend)
        self._aliases: set[str] = set()  # parts not drawn, as the first losses of a model showed (aliased_parts)

        # new points redraw at most redraw_hz times a second, on the trailing edge (superqt's throttle)
        self._redraw_hz = redraw_hz
        self._schedule_redraw = qthrottled(self.redraw, timeout=int(1000 / redraw_hz), leading=False, parent=self)
        self._describe_soon = qthrottled(self._describe, timeout=1000, parent=self)
        self.plot_widget.setAccessibleName("Loss curves")
        self.smoothing.setValue(round(DEFAULT_SMOOTHING * 100))
        self.log_scale.setChecked(True)
        self.apply_theme(NORMAL)

    def add_beside(self, widget: QWidget, stretch: int = 1) -> None:
        """A companion plot (the live quality curve) beside or under the loss plot: it moves, shows, hides and
        takes each theme with it (its `apply_theme`), and shows the same training steps (its `set_step_range`)."""
        self._plots.addWidget(widget, stretch)
        self._companions.append(widget)
        widget.installEventFilter(self)  # shown or hidden: the plots are arranged again

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched in self._companions and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._arrange_plots()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._arrange_plots()

    def _arrange_plots(self) -> None:
        """Side by side in a wide, low room where each plot keeps SIDE_BY_SIDE_CHARS of width (a projector's
        corner: stacked, each plot was a sliver), else stacked, the loss plot then without its step axis (the
        companion under it shows the same steps)."""
        companions = [w for w in self._companions if not w.isHidden()]
        room = self.width() / (1 + len(companions))
        wide = (self.width() >= SIDE_BY_SIDE_ASPECT * max(1, self.height() - self.settings.height())
                and room >= SIDE_BY_SIDE_CHARS * self.fontMetrics().averageCharWidth())
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._plots.direction() != direction:
            self._plots.setDirection(direction)
        self.plot.showAxis("bottom", show=wide or not companions)
        self._fitter.refit()

    # ----- numpy in -----
    def append_losses(self, steps: np.ndarray, losses: dict[str, np.ndarray]) -> None:
        if not self.series:
            self._aliases = aliased_parts(losses)
        for key, values in losses.items():
            if key in self._aliases:
                continue
            if key not in self.series:
                self._add_part(key)
            self.series[key].extend(steps, values)
            if self.log_scale.isChecked() and np.any(values <= 0):
                self.set_log_scale(False)  # a negative log-likelihood (2-D data) has no logarithm
        self._schedule_redraw()

    def set_pace(self, pace: float) -> None:
        """Redraw at most `pace` * redraw_hz times a second (gendiff_gui.session.view_pace: the cores are
        contended, training keeps them)."""
        pace = clamped_pace(pace)
        self._schedule_redraw.setTimeout(int(1000 / (self._redraw_hz * pace)))

    def clear(self) -> None:
        """Forget every point and every loss part (a new model: its parts make the legend anew, so a diffusion
        model after a VAE shows no reconstruction or KL)."""
        self._y_range = None
        self._aliases = set()
        for key in self.series:
            self.legend.removeItem(self.curves[key])
            self.plot.removeItem(self.curves[key])
            self.plot.removeItem(self.raw_items[key])
        self.series, self.curves, self.raw_items = {}, {}, {}

    def set_log_scale(self, on: bool) -> None:
        if self.log_scale.isChecked() != on:
            self.log_scale.setChecked(on)  # re-enters through `toggled`
            return
        # the view's y range is in the old units: a linear 0 .. 50,000 read as decades would be 10^50000 (overflow)
        self.plot.setYRange(0.0, 1.0, padding=0)
        self.plot.setLogMode(x=False, y=on)
        self._y_range = None
        self.plot.setLabel("left", "loss (log scale)" if on else "loss")
        self._fitter.refit()
        self.redraw()

    def set_smoothing(self, w: float) -> None:
        self._smoothing = min(max(w, 0.0), 0.99)
        self.smoothing_label.setText(f"{self._smoothing:.2f}")
        for series in self.series.values():
            series.set_smoothing(self._smoothing)
        self.redraw()

    def exportable_plots(self) -> dict[str, pg.PlotItem]:
        return {"Loss curves": self.plot}

    # ----- drawing -----
    def _add_part(self, key: str) -> None:
        index = len(self.series)
        self.series[key] = DecimatedSeries(self._capacity, self._smoothing)
        self.raw_items[key] = self.plot.plot([], [])
        curve = self.plot.plot([], [], name=LABELS.get(key, key))
        self.curves[key] = curve
        self._style_part(key, index)
        self._fitter.refit()

    def _style_part(self, key: str, index: int) -> None:
        """Parts on top; the total drawn wider beneath them (a casing where it equals a part, as in a plain AE).

        The unsmoothed curve gets the colour already blended into the background: opaque lines paint
        several times faster than translucent ones.
        """
        theme = self._theme
        color = QColor(theme.loss_color(key, index))
        total = key == "total"
        self.curves[key].setPen(pg.mkPen(color, width=theme.line_width * (1.8 if total else 1.0)))
        self.curves[key].setZValue(4 if total else 6)
        self.raw_items[key].setPen(pg.mkPen(blend(color, QColor(theme.plot_background), theme.raw_opacity),
                                            width=theme.raw_line_width))
        self.raw_items[key].setZValue(1)

    def redraw(self) -> None:
        smoothing = self._smoothing > 0
        log = self.log_scale.isChecked()
        first_step, last_step, lows, highs = None, 0.0, [], []
        for key, series in self.series.items():
            steps, means, smooth = series.arrays()
            self.curves[key].setData(steps, smooth if smoothing else means)
            self.raw_items[key].setVisible(smoothing)
            if smoothing:
                self.raw_items[key].setData(steps, means)
            shown = means[means > 0] if log else means
            if len(shown):
                last_step = max(last_step, steps[-1])
                first_step = steps[0] if first_step is None else min(first_step, steps[0])
                lows.append(float(shown.min()))
                highs.append(float(shown.max()))
        if lows:
            lo, hi = min(lows), max(highs)
            if log:
                lo, hi = np.log10(lo), np.log10(hi)
            self._y_range = y_range(lo, hi, self._y_range)
            steps = x_range(last_step, first_step)
            self.plot.setRange(xRange=steps, yRange=self._y_range, padding=0)
            for companion in self._companions:  # the same steps under both (a pyqtgraph X link aligns views by
                if hasattr(companion, "set_step_range"):  # their place on screen: side by side it shifted them)
                    companion.set_step_range(*steps)
            # a log axis labels its decades, or within less than two the data's ends (no minor labels to overprint)
            view_lo, view_hi = self._y_range
            ticks = [log_ticks(lo, hi, max(lo - view_lo, view_hi - hi))] if log else None
            if ticks != self._ticks:
                self._ticks = ticks
                self.plot.getAxis("left").setTicks(ticks)
            self._describe_soon()

    def _describe(self) -> None:
        """The plot's accessible description: each part's latest smoothed value (throttled to once a second)."""
        parts = []
        for key, series in self.series.items():
            steps, _means, smooth = series.arrays()
            if len(steps):
                parts.append(f"{LABELS.get(key, key)} {smooth[-1]:.4g}")
        last = max((int(s.arrays()[0][-1]) for s in self.series.values() if len(s.arrays()[0])), default=0)
        self.plot_widget.setAccessibleDescription(f"Loss at step {last:,}: " + ", ".join(parts))

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        presenting = theme.presentation
        self.setMinimumHeight(120 if presenting else 160)  # room for the plot under its axis text
        self._settings_row.setDirection(QBoxLayout.Direction.TopToBottom if presenting
                                        else QBoxLayout.Direction.LeftToRight)
        self.settings.toggleButton().setVisible(presenting)
        self.settings.setContentsMargins(0, 0, 0, 0)
        self.settings.layout().setContentsMargins(0, 0, 0, 0)
        self.settings.set_expanded(not presenting)
        self.plot_widget.setBackground(theme.plot_background)
        font = scaled_font(theme.plot_font_pt / theme.font_pt, theme=theme)
        label_style = {"color": theme.plot_foreground, "font-size": f"{theme.plot_font_pt:.0f}pt"}
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.plot_foreground, width=theme.axis_width))
            axis.setTextPen(pg.mkPen(theme.plot_foreground))
            axis.setStyle(tickFont=font, tickTextOffset=int(theme.font_pt * 0.6))
            axis.setTickPen(pg.mkPen(theme.grid))
            axis.setStyle(tickAlpha=255, maxTickLevel=0)
            axis.setZValue(-200)  # the grid it draws goes beneath the curves and the legend
            axis.setLabel(axis.labelText, units=axis.labelUnits, **label_style)
        self.legend.setLabelTextColor(theme.plot_foreground)
        self.legend.setLabelTextSize(f"{theme.plot_font_pt:.0f}pt")
        self.legend.setBrush(pg.mkBrush(theme.plot_background))  # opaque: blending costs more than drawing
        self.legend.setPen(pg.mkPen(theme.plot_foreground, width=1))
        for index, key in enumerate(self.series):
            self._style_part(key, index)
        for _sample, label in self.legend.items:
            label.setText(label.text)  # re-render with the new size
        for companion in self._companions:
            if hasattr(companion, "apply_theme"):
                companion.apply_theme(theme)
        self._fitter.refit()
        self.redraw()
