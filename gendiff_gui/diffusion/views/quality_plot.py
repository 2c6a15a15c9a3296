"""Quality against steps, drawn small for the side panel: one curve per sampler over step counts (log x), with the
buttons that start and cancel the sweep and its progress."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

CURVE_COLORS = ("#0B4F9C", "#C84300", "#007A55", "#A0307A")


class QualityPlot(QWidget):
    """numpy in: `set_metric(label)`, `add_point(sampler, steps, value)`, `clear()`, `set_progress(done, total)`,
    `set_running(on)`; out: `measure_requested`, `cancel_requested`. `points(sampler)` -> (steps, values)."""

    measure_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: dict[str, dict[int, float]] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setAccessibleName("Quality against steps plot")
        self.plot_widget.setToolTip("sample quality of each sampler against its number of steps (log scale); "
                                    "lower is closer to the data")
        self.plot_widget.setMinimumHeight(150)
        self.plot_widget.setBackground("w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLogMode(x=True, y=False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "steps")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-4, 4), labelTextSize="7pt")
        self.floor_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#777", width=1.5, style=Qt.PenStyle.DashLine),
                                          label="data floor", labelOpts={"position": 0.15, "color": "#555"})
        self.plot.addItem(self.floor_line, ignoreBounds=False)
        self.floor_line.hide()
        self.measure = QPushButton("Measure")
        self.measure.setAccessibleName("Measure quality against steps")
        self.measure.setToolTip("sample with each sampler at 1, 2, 5 … 200 steps and measure how close the samples "
                                "are to the data (in the background; the window stays live)")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel the quality measurement")
        self.cancel.setToolTip("stop measuring (the points so far stay)")
        for button in (self.measure, self.cancel):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Quality measurement progress")
        self.bar.setToolTip("points measured of all sampler and step-count pairs")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%v / %m")
        self.note = QLabel("")
        self.note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.measure)
        buttons.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        layout.addLayout(buttons)
        layout.addWidget(self.bar)
        layout.addWidget(self.note)
        self.measure.clicked.connect(self.measure_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        self.set_running(False)
        self.apply_theme(NORMAL)

    # ----- numpy in -----
    def set_floor(self, value: float | None) -> None:
        """The data's own distance (a dashed line: as close as a perfect model gets); None hides it."""
        self.floor_line.setVisible(value is not None)
        if value is not None:
            self.floor_line.setValue(float(value))

    def set_metric(self, label: str) -> None:
        self.plot.setLabel("left", label)

    def clear(self) -> None:
        self._points = {}
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.curves = {}
        self.legend.clear()
        self.set_floor(None)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.note.setText("")

    def add_point(self, sampler: str, steps: int, value: float) -> None:
        points = self._points.setdefault(sampler, {})
        points[int(steps)] = float(value)
        if sampler not in self.curves:
            color = CURVE_COLORS[len(self.curves) % len(CURVE_COLORS)]
            self.curves[sampler] = self.plot.plot([], [], name=sampler, pen=pg.mkPen(color, width=2),
                                                  symbol="o", symbolSize=5, symbolBrush=color, symbolPen=color)
        xs, ys = self.points(sampler)
        self.curves[sampler].setData(xs, ys)

    def points(self, sampler: str) -> tuple[np.ndarray, np.ndarray]:
        """(step counts, values) measured for `sampler` so far, by step count."""
        points = self._points.get(sampler, {})
        steps = np.asarray(sorted(points), np.float64)
        return steps, np.asarray([points[int(s)] for s in steps], np.float64)

    def set_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, int(total)))
        self.bar.setValue(int(done))

    def set_running(self, on: bool) -> None:
        self.measure.setEnabled(not on)
        self.cancel.setEnabled(on)

    def set_note(self, text: str) -> None:
        self.note.setText(text)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        font = scaled_font(0.85)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setStyle(tickFont=font)
            axis.setPen(pg.mkPen("#333"))
            axis.setTextPen(pg.mkPen("#333"))
