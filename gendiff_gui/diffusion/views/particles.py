"""The 2-D particle view of a diffusion: the cloud x_t over a faint picture of the data, a few trails, the field.

Thousands of particles change every frame, so the cloud is one item (`DotCloudItem`) that stores the array and
paints it as pixmap fragments of one pre-drawn dot (about 1 ms for 5,000 points), instead of a ScatterPlotItem
whose setData rebuilds a record per point (about 17 ms). Every item is created once and updated with set/setData.
The plot is kept square, so what is shown is exactly the fixed extent; what lies outside it is left out of
vector exports too (Qt's SVG generator ignores the view's clipping).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from superqt.utils import qthrottled
from pyqtgraph.Qt import internals
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEngine, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font
from gendiff_gui.diffusion.views.vector_field import VectorFieldItem

PARTICLE_COLOR = "#0B4F9C"
DATA_COLOR = (196, 203, 214)  # the faint data picture at its densest
TRAIL_COLORS = ("#C84300", "#007A55", "#A0307A", "#B07800", "#4B3C9E", "#D1005A", "#00798C", "#5A5A5A")
DENSITY_BINS = 160
LIMIT = 1e6  # device coordinates beyond this are clipped (Qt misbehaves on huge ones; a diverged model's x_t)


class DotCloudItem(pg.GraphicsObject):
    """Many equal round dots at data coordinates (pixel-sized): `set_points(xy)` stores the array, paint draws it."""

    def __init__(self, color: str = PARTICLE_COLOR, size: float = 4.5, alpha: int = 170) -> None:
        super().__init__()
        self._xy = np.zeros((0, 2), np.float64)
        self._bounds = QRectF()
        self._fragments = internals.PrimitiveArray(QPainter.PixmapFragment, 10)
        self._color, self._alpha = QColor(color), alpha
        self._size = size
        self._dot = self._render_dot()

    def set_style(self, size: float | None = None, color: str | None = None, alpha: int | None = None) -> None:
        self._size = size if size is not None else self._size
        self._color = QColor(color) if color is not None else self._color
        self._alpha = alpha if alpha is not None else self._alpha
        self._dot = self._render_dot()
        self.update()

    def _render_dot(self) -> QPixmap:
        side = int(np.ceil(self._size)) + 2
        dot = QPixmap(side, side)
        dot.fill(Qt.GlobalColor.transparent)
        painter = QPainter(dot)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        color = QColor(self._color)
        color.setAlpha(self._alpha)
        painter.setBrush(color)
        painter.drawEllipse(QRectF((side - self._size) / 2, (side - self._size) / 2, self._size, self._size))
        painter.end()
        return dot

    def set_points(self, xy: np.ndarray) -> None:
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        xy = xy[np.isfinite(xy).all(1)]
        self._xy = xy
        if len(xy):
            lo, hi = np.clip(xy.min(0), -LIMIT, LIMIT), np.clip(xy.max(0), -LIMIT, LIMIT)
            bounds = QRectF(lo[0], lo[1], max(hi[0] - lo[0], 1e-9), max(hi[1] - lo[1], 1e-9))
        else:
            bounds = QRectF()
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def points(self) -> np.ndarray:
        return self._xy.copy()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def paint(self, painter: QPainter, *_args) -> None:
        if not len(self._xy):
            return
        m = painter.transform()
        x, y = self._xy[:, 0], self._xy[:, 1]
        px = np.clip(m.m11() * x + m.m21() * y + m.dx(), -LIMIT, LIMIT)
        py = np.clip(m.m12() * x + m.m22() * y + m.dy(), -LIMIT, LIMIT)
        painter.resetTransform()
        engine = painter.paintEngine()
        if engine is not None and engine.type() != QPaintEngine.Type.Raster:  # SVG, PDF: real circles ...
            box = self.getViewBox()
            if box is not None:  # ... of the points in view only (vector engines do not clip)
                view = box.viewRect()
                inside = ((x >= view.left()) & (x <= view.right()) & (y >= view.top()) & (y <= view.bottom()))
                px, py = px[inside], py[inside]
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.WindingFill)  # overlapping dots stay filled
            r = self._size / 2
            for cx, cy in zip(px, py):
                path.addEllipse(QRectF(cx - r, cy - r, self._size, self._size))
            color = QColor(self._color)
            color.setAlpha(self._alpha)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.fillPath(path, color)
            return
        side = float(self._dot.width())
        self._fragments.resize(len(px))
        fragments = self._fragments.ndarray()
        fragments[:, 0] = px
        fragments[:, 1] = py
        fragments[:, 2:6] = (0.0, 0.0, side, side)
        fragments[:, 6:10] = (1.0, 1.0, 0.0, 1.0)
        painter.drawPixmapFragments(*self._fragments.drawargs(), self._dot)


def density_image(points: np.ndarray, extent: tuple[float, float, float, float],
                  bins: int = DENSITY_BINS) -> np.ndarray:
    """A (bins, bins) histogram of the points over extent (row 0 = lowest y), scaled to [0, 1] (99th percentile)."""
    x0, x1, y0, y1 = extent
    counts, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=bins, range=[[x0, x1], [y0, y1]])
    counts = counts.T
    top = np.percentile(counts[counts > 0], 99) if np.any(counts > 0) else 1.0
    return np.clip(counts / max(top, 1e-9), 0.0, 1.0).astype(np.float32)


def _faint_lut() -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, 256)[:, None]
    white = np.array([255.0, 255.0, 255.0])
    return (white + ramp ** 0.6 * (np.array(DATA_COLOR) - white)).astype(np.uint8)


DESCRIBE_MS = 500  # the accessible description follows the particles at most twice a second


class SquareHolder(QWidget):
    """Holds one widget as the largest square that fits, centred."""

    def __init__(self, child: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.child = child
        child.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(child.minimumSize())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        side = min(self.width(), self.height())
        self.child.setGeometry((self.width() - side) // 2, (self.height() - side) // 2, side, side)
        super().resizeEvent(event)


class ParticlesView(QWidget):
    """numpy in: `set_extent`, `set_data_picture`, `set_particles`, `set_trails`, `set_field` / `clear_field`,
    `set_title`. The plot (for export) is `plot`; the view never changes its range by itself."""

    def __init__(self, trails: int = len(TRAIL_COLORS), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(160, 160)
        self.plot = self.canvas.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        for side in ("left", "bottom"):
            self.plot.hideAxis(side)
        self.box: pg.ViewBox = self.plot.getViewBox()
        self.box.setAspectLocked(True)
        self.box.setMouseEnabled(False, False)
        self.box.enableAutoRange(enable=False)
        self.box.setBorder(pg.mkPen("#9A9A9A", width=1))
        self.data_picture = pg.ImageItem(axisOrder="row-major")
        self.data_picture.setLookupTable(_faint_lut())
        self.data_picture.setZValue(-10)
        # drawn once per size into a device pixmap, then blitted (scaling the image every frame cost ~8 ms)
        self.data_picture.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.field = VectorFieldItem()
        self.field.setZValue(-5)
        self.cloud = DotCloudItem()
        self.trails = [pg.PlotCurveItem(pen=pg.mkPen(c, width=2.5), antialias=True, connect="finite")
                       for c in TRAIL_COLORS[:trails]]
        # a handful of symbols drawn one by one (the pixmap atlas of the default comes out wrong in SVG)
        self.heads = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#000", width=1.5), useCache=False)
        self._head_brushes = [pg.mkBrush(c) for c in TRAIL_COLORS[:trails]]
        for z, item in enumerate((self.data_picture, self.field, self.cloud, *self.trails, self.heads)):
            if item.zValue() == 0:
                item.setZValue(z)
            self.box.addItem(item, ignoreBounds=True)
        self._extent = (-3.0, 3.0, -3.0, 3.0)
        self.box.sigResized.connect(lambda _box: self._fit())  # a locked aspect crops the range when resized
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(SquareHolder(self.canvas), 1)
        self.canvas.setAccessibleName("Particles")
        self._describe_soon = qthrottled(self._describe, timeout=DESCRIBE_MS, parent=self)
        self.apply_theme(NORMAL)

    # ----- numpy in -----
    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_extent(self, extent: tuple[float, float, float, float]) -> None:
        """The region shown (x0, x1, y0, y1); fixed, so the class sees the cloud move, not the axes."""
        self._extent = tuple(float(v) for v in extent)
        self._fit()

    def _fit(self) -> None:
        x0, x1, y0, y1 = self._extent
        self.box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)

    def set_data_picture(self, points: np.ndarray | None) -> None:
        """The faint picture of the data set behind the particles (None: none)."""
        if points is None or not len(points):
            self.data_picture.clear()
            return
        x0, x1, y0, y1 = self._extent
        self.data_picture.setImage(density_image(np.asarray(points), self._extent), levels=(0.0, 1.0),
                                   autoLevels=False)
        self.data_picture.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def set_particles(self, xy: np.ndarray) -> None:
        self.cloud.set_points(xy)
        self._describe_soon()

    def _describe(self) -> None:
        """The accessible description, e.g. "2,000 particles, spread 1.42; t = 120 · DDPM" (throttled)."""
        xy = self.cloud.points()
        spread = float(np.sqrt(np.mean(np.sum((xy - xy.mean(0)) ** 2, axis=1)))) if len(xy) else 0.0
        self.canvas.setAccessibleDescription(f"{len(xy):,} particles, spread {spread:.2f}; {self.title.text()}")

    def set_trails(self, paths: np.ndarray | None) -> None:
        """paths (k, m, 2): the positions of k tracked particles over the m frames so far (None: no trails)."""
        if paths is None or paths.shape[1] == 0:
            for curve in self.trails:
                curve.setData([], [])
            self.heads.setData([], [])
            return
        x0, x1, y0, y1 = self._extent
        outside = (paths[..., 0] < x0) | (paths[..., 0] > x1) | (paths[..., 1] < y0) | (paths[..., 1] > y1)
        shown = np.where(outside[..., None], np.nan, paths)  # cut where a trail leaves the view
        for i, curve in enumerate(self.trails):
            if i < len(paths):
                curve.setData(shown[i, :, 0], shown[i, :, 1])
            else:
                curve.setData([], [])
        heads = paths[: len(self.trails), -1]
        finite = np.isfinite(heads).all(1)  # a diverged sampler's NaN would upset the scatter's bounds
        heads, brushes = heads[finite], [b for b, ok in zip(self._head_brushes, finite) if ok]
        self.heads.setData(pos=heads, brush=brushes)

    def set_field(self, origins: np.ndarray, vectors: np.ndarray) -> None:
        self.field.set_field(origins, vectors)

    def clear_field(self) -> None:
        self.field.clear_field()

    def extent(self) -> tuple[float, float, float, float]:
        return self._extent

    # ----- looks -----
    def apply_theme(self, theme: Theme = NORMAL) -> None:
        presentation = theme.presentation
        """Follow the application's font; bigger dots and thicker lines for a projector."""
        self.title.setFont(scaled_font(1.05, bold=True))
        self.cloud.set_style(size=6.5 if presentation else 4.5)
        for curve, color in zip(self.trails, TRAIL_COLORS):
            curve.setPen(pg.mkPen(color, width=4.0 if presentation else 2.5))
        self.heads.setSize(16 if presentation else 11)
        self.field.set_width(2.4 if presentation else 1.6)
