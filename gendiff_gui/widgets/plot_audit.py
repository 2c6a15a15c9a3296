"""Inside a pyqtgraph plot, what the widget audit cannot see: tick labels, axis titles and legends drawn outside the
plot widget's visible rectangle (cut at its edge), and a data area too short to show a curve."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetrics, QImage, QPainter

MIN_AREA_LINES = 3.0  # a data area shorter than this many lines of its tick font shows no shape of a curve
TOLERANCE_PX = 1.0


def _visible_scene_rect(widget: pg.PlotWidget) -> QRectF:
    """The part of the widget's scene its viewport shows, in scene coordinates."""
    return widget.mapToScene(widget.viewport().rect()).boundingRect().adjusted(
        -TOLERANCE_PX, -TOLERANCE_PX, TOLERANCE_PX, TOLERANCE_PX)


def _tick_texts(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels the axis would draw now, as (scene rectangle, text): its own draw specs, painted nowhere."""
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    return [(axis.mapRectToScene(rect), text) for rect, _flags, text in specs[2]]


def _title_rect(label) -> QRectF:
    """An axis title's text in scene coordinates: its item's box less the document's margin (blank around the
    text, which pyqtgraph lets run past the plot's edge)."""
    margin = label.document().documentMargin()
    return label.mapRectToScene(label.boundingRect().adjusted(margin, margin, -margin, -margin))


def _text_outside(rect: QRectF, visible: QRectF) -> bool:
    return rect.width() > 0 and rect.height() > 0 and not visible.contains(rect)


def plot_problems(widget: pg.PlotWidget) -> tuple[list[str], list[str]]:
    """(cut, squeezed) for one visible plot widget: each text of its plot item that runs past the visible rectangle
    ("tick '400' of the bottom axis"), and its data area when shorter than MIN_AREA_LINES of the tick font."""
    cut: list[str] = []
    squeezed: list[str] = []
    plot = widget.getPlotItem()
    visible = _visible_scene_rect(widget)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        if not axis.isVisible():
            continue
        cut += [f"tick {text!r} of the {name} axis" for rect, text in _tick_texts(axis) if _text_outside(rect, visible)]
        if axis.label.isVisible() and axis.labelText and _text_outside(_title_rect(axis.label), visible):
            cut.append(f"the {name} axis title {axis.labelText!r}")
    for item in widget.scene().items():
        if isinstance(item, pg.LegendItem) and item.isVisible() and item.items:
            if _text_outside(item.sceneBoundingRect(), visible):
                cut.append("the legend (" + ", ".join(label.text for _sample, label in item.items) + ")")
    font = plot.getAxis("bottom").style.get("tickFont") or widget.font()
    needed = MIN_AREA_LINES * QFontMetrics(font).height()
    height = plot.vb.sceneBoundingRect().height()
    if height + TOLERANCE_PX < needed:
        squeezed.append(f"data area {height:.0f} px tall, needs {needed:.0f}")
    return cut, squeezed
