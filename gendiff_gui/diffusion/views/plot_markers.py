"""Markers on a particle plot: the field probe (a draggable cross, its vector, its x̂₀) and the picked particle."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from gendiff_gui.diffusion.views.vector_field import VectorFieldItem

PROBE_COLOR = "#C84300"
PICK_COLOR = "#D1005A"


class ProbeMarker(QObject):
    """A draggable cross on `box` (a pyqtgraph ViewBox): `moved(x, y)` while it is dragged; `show_result(vector,
    x0)` draws the arrow from it and a dashed line to its x̂₀ (an x); `set_position` moves it without a signal."""

    moved = Signal(float, float)

    def __init__(self, box: pg.ViewBox, color: str = PROBE_COLOR, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target = pg.TargetItem(pos=(0.0, 0.0), size=16, pen=pg.mkPen(color, width=2.5), movable=True)
        self.arrow = VectorFieldItem(color=color, width=2.6)
        self.link = pg.PlotCurveItem(pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine))
        self.x0_mark = pg.ScatterPlotItem(size=14, symbol="x", pen=pg.mkPen(color, width=1.5),
                                          brush=pg.mkBrush(color), useCache=False)
        for z, item in enumerate((self.link, self.arrow, self.x0_mark, self.target)):
            item.setZValue(40 + z)
            box.addItem(item, ignoreBounds=True)
        self._silent = False
        self.target.sigPositionChanged.connect(self._on_target)
        self.set_visible(False)

    def position(self) -> tuple[float, float]:
        pos = self.target.pos()
        return float(pos.x()), float(pos.y())

    def set_position(self, x: float, y: float) -> None:
        self._silent = True
        try:
            self.target.setPos(QPointF(float(x), float(y)))
        finally:
            self._silent = False

    def show_result(self, vector: np.ndarray, x0: np.ndarray) -> None:
        """The arrow (as drawn: already scaled) and x̂₀ (data coordinates)."""
        origin = np.asarray([self.position()], np.float64)
        self.arrow.set_field(origin, np.asarray(vector, np.float64).reshape(1, 2))
        x0 = np.asarray(x0, np.float64).reshape(1, 2)
        if np.isfinite(x0).all():
            self.link.setData([origin[0, 0], x0[0, 0]], [origin[0, 1], x0[0, 1]])
            self.x0_mark.setData(pos=x0)
        else:
            self.link.setData([], [])
            self.x0_mark.setData([], [])

    def set_visible(self, on: bool) -> None:
        for item in (self.target, self.arrow, self.link, self.x0_mark):
            item.setVisible(on)

    def near(self, x: float, y: float, radius: float) -> bool:
        """True if (x, y) lies within `radius` (data units) of the cross: a click there is a drag, not a pick."""
        px, py = self.position()
        return self.target.isVisible() and (x - px) ** 2 + (y - py) ** 2 <= radius ** 2

    def _on_target(self, *_args) -> None:
        if not self._silent:
            self.moved.emit(*self.position())


class PickedMarker:
    """A ring around the picked particle on `box`: `set_point(xy)` (None hides it)."""

    def __init__(self, box: pg.ViewBox, color: str = PICK_COLOR) -> None:
        self.ring = pg.ScatterPlotItem(size=18, symbol="o", pen=pg.mkPen(color, width=2.5),
                                       brush=pg.mkBrush(None), useCache=False)
        self.ring.setZValue(38)
        box.addItem(self.ring, ignoreBounds=True)

    def set_point(self, xy: np.ndarray | None) -> None:
        if xy is None or not np.isfinite(np.asarray(xy)).all():
            self.ring.setData([], [])
        else:
            self.ring.setData(pos=np.asarray(xy, np.float64).reshape(1, 2))
