"""A plot fitted to the room it gets (a projector's side-column corner, a laptop's left column): its axis titles only
where they fit beside a readable data area, its legend in as many columns as its width holds, and room at the
right for the x axis's last tick label. `PlotFitter(plot_widget, legend)` refits whenever the widget or its data area is
resized."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, QTimer
from PySide6.QtGui import QFont, QFontMetrics

READABLE_LINES = 4.0  # a data area this many lines of tick text tall or more keeps the axis titles as well
LEGEND_SLACK_PX = 8  # of the plot's width, kept free beside a legend row


def last_tick_margin(font: QFont, last_value: float) -> int:
    """The right margin a plot needs so that the tick label of `last_value` (the x axis's end), centred on its last
    pixel, is not cut: half the label's width. (A fixed margin for "20,000" made a 40-step corner plot wider than its
    widget, and its own "80" was cut at the edge.)"""
    return QFontMetrics(font).horizontalAdvance(f"{last_value:g}") // 2 + 4


def legend_columns(entry_widths: list[float], room: float, gap: float) -> int:
    """The most columns (at least 1) whose rows fit in `room` px, entries filled in row by row: each column as wide
    as its widest entry, `gap` px between two columns."""
    for columns in range(len(entry_widths), 1, -1):
        widths = [max(entry_widths[c::columns]) for c in range(columns)]
        if sum(widths) + gap * (columns - 1) <= room:
            return columns
    return 1


def _fit_legend(legend: pg.LegendItem, room: float) -> None:
    """`legend` in as many columns as `room` px hold, its box shrunk to its entries."""
    spacing = legend.layout.horizontalSpacing()
    entries = [sample.boundingRect().width() + spacing + label.item.boundingRect().width()
               for sample, label in legend.items]
    left, _top, right, _bottom = legend.layout.getContentsMargins()
    columns = legend_columns(entries, room - left - right, spacing)
    if columns != legend.columnCount:
        legend.setColumnCount(columns)
        legend.layout.invalidate()
        legend.adjustSize()
        legend.updateSize()


def titles_fit(area_height: float, left_title_px: float, bottom_title_px: float, line_px: float) -> tuple[bool, bool]:
    """(left title shown, bottom title shown) for a data area `area_height` px tall without the bottom title: the
    bottom title while the area keeps READABLE_LINES lines under it, the left (rotated) one where it is no longer
    than the area it runs along."""
    bottom = area_height - bottom_title_px >= READABLE_LINES * line_px
    left = left_title_px <= area_height - (bottom_title_px if bottom else 0.0)
    return left, bottom


class PlotFitter(QObject):
    """Refits `plot_widget`'s plot (see the module's docstring) after each resize and on `refit()`."""

    def __init__(self, plot_widget: pg.PlotWidget, legend: pg.LegendItem | None = None) -> None:
        super().__init__(plot_widget)
        self._widget = plot_widget
        self._legend = legend
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)  # once the plot's graphics layout has taken the new size
        self._timer.timeout.connect(self.fit)
        plot_widget.installEventFilter(self)
        # and whenever the data area changes for a reason of its own (an axis widened by longer tick labels)
        plot_widget.getPlotItem().vb.sigResized.connect(lambda _vb: self._timer.start())
        plot_widget.getPlotItem().vb.sigXRangeChanged.connect(lambda *_: self._timer.start())  # a longer last label

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self._timer.start()
        return False

    def refit(self) -> None:
        """Fit again soon (new legend entries, a new font, a title set anew)."""
        self._timer.start()

    def fit(self) -> None:
        plot = self._widget.getPlotItem()
        left, bottom = plot.getAxis("left"), plot.getAxis("bottom")
        font = bottom.style.get("tickFont") or self._widget.font()
        margins = list(plot.layout.getContentsMargins())
        right = last_tick_margin(font, plot.vb.viewRange()[0][1]) if bottom.isVisible() else 2
        if abs(margins[2] - right) >= 1:
            plot.layout.setContentsMargins(margins[0], margins[1], right, margins[3])
        if self._legend is not None and self._legend.items:
            right_margin = plot.layout.getContentsMargins()[2]
            _fit_legend(self._legend, self._widget.width() - left.width() - right_margin - LEGEND_SLACK_PX)
        line = QFontMetrics(font).height()
        bottom_title = bottom.label.boundingRect().height() * 0.8 if bottom.labelText else 0.0  # AxisItem's share
        area = plot.vb.height() + (bottom_title if bottom.label.isVisible() else 0.0)
        left_title = left.label.boundingRect().width() if left.labelText else 0.0  # its length (it is rotated)
        show_left, show_bottom = titles_fit(area, left_title, bottom_title, line)
        if bool(left.labelText) and left.label.isVisible() != show_left:
            left.showLabel(show_left)
        if bool(bottom.labelText) and bottom.label.isVisible() != show_bottom:
            bottom.showLabel(show_bottom)
        # the plot back to its widget's size: a plot item grows to its minimum (a two-column legend) but never
        # shrinks when that minimum falls, and ran 74 px past a 240 px widget, its last step label cut
        room = QRectF(self._widget.viewport().rect())
        if plot.geometry() != room:
            plot.setGeometry(room)
