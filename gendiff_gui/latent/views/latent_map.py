"""The latent map: test-set codes coloured by class, a probe marker to decode, h1/h2, dropped images, VAE ellipses."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget
from superqt.utils import qdebounced, qthrottled

from gendiff_gui.widgets.theme import FOCUS_COLOR, NORMAL, Theme, scaled_font

# Okabe-Ito's eight colour-blind-safe hues (Okabe & Ito 2008), then two greys, each class with its own marker
# shape and a black outline (so every marker has 3:1 or more against the white map, WCAG 1.4.11); each class also
# gets its name written at the middle of its cluster, so colour is never the only cue.
CLASS_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                "#D55E00", "#CC79A7", "#000000", "#999999", "#5A5A5A")
CLASS_SYMBOLS = ("o", "s", "t", "d", "t1", "p", "h", "star", "t2", "+")
CLASS_OUTLINE = "#000000"
DESCRIBE_MS = 500  # the accessible description follows the map at most twice a second
CURSOR_STEPS = 25  # an arrow key moves the keyboard cursor 1/25 of the visible range
MARKER_LABELS = 8  # dropped images labelled with their file name at once: the selected one and the newest
LEGEND_GAP_PX = 12  # room kept between the plot and a legend beside it
HINT = ("click: decode here  ·  drag ✛: decode as you move  ·  Shift+click: h₁  ·  Ctrl+click: h₂  ·  "
        "keys: arrows move the cursor, Enter decodes (Shift+Enter: h₁, Ctrl+Enter: h₂)")


def class_color(index: int) -> str:
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def class_symbol(index: int) -> str:
    return CLASS_SYMBOLS[index % len(CLASS_SYMBOLS)]


def ellipse_polyline(centres: np.ndarray, covs: np.ndarray, scales=(1.0, 2.0), n: int = 48) -> np.ndarray:
    """One (k, 2) polyline of every ellipse {c + s * L u : |u| = 1} (L L^T = cov), rings separated by NaN rows."""
    t = np.linspace(0.0, 2.0 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])  # (2, n)
    rings = []
    for centre, cov in zip(np.asarray(centres, float), np.asarray(covs, float)):
        vals, vecs = np.linalg.eigh(cov)
        shape = vecs @ np.diag(np.sqrt(np.clip(vals, 0.0, None)))
        for s in scales:
            rings.append((centre[:, None] + s * shape @ circle).T)
            rings.append(np.full((1, 2), np.nan))
    return np.concatenate(rings) if rings else np.zeros((0, 2))


class LatentMapView(QWidget):
    """numpy in (`set_points`, `set_probe`, ...), signals out (`clicked`, `probe_dragged`, `hovered`, ...).

    Every plot item is created here once; updates only call setData / setPos.
    """

    clicked = Signal(float, float)  # a plain left click at map point (a, b)
    probe_dragged = Signal(float, float)  # the probe marker moved by the mouse
    endpoint_picked = Signal(int, float, float)  # h1 (0) or h2 (1) set by Shift/Ctrl+click or by dragging it
    hovered = Signal(int)  # index of the data point nearest the pointer
    view_range_changed = Signal(object)  # (x0, x1, y0, y1), debounced

    def __init__(self, parent: QWidget | None = None, debounce_ms: int = 150) -> None:
        super().__init__(parent)
        self._point_size = 7.0
        self._axis_titles = ("", "")
        self._title = ""
        self._class_names: tuple[str, ...] = ()
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.plot = self.canvas.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        # No grid: pyqtgraph draws it with the axes, which then repaint (text and all, ~4 ms) at every move of
        # the points while a model trains.
        self.box: pg.ViewBox = self.plot.getViewBox()
        self.box.disableAutoRange()
        self._following = True  # the view follows the codes (see _follow_codes) until the user zooms or pans
        self.box.sigRangeChangedManually.connect(lambda *_: setattr(self, "_following", False))
        for side in ("bottom", "left"):
            axis = self.plot.getAxis(side)
            axis.setPen(pg.mkPen("#222", width=1.5))
            axis.setTextPen("#111")
            axis.enableAutoSIPrefix(False)
        self.legend = pg.LegendItem(labelTextColor="#111",
                                    brush=pg.mkBrush(255, 255, 255, 230), pen=pg.mkPen("#999"))
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # a block, not a column
        self._legend_shown = False  # beside the plot where there is room for both (_place_legend)
        self._legend_samples: list[pg.ScatterPlotItem] = []

        self.scatter = pg.ScatterPlotItem(size=self._point_size, pen=None, symbol="o")
        self.hover_ring = pg.ScatterPlotItem(size=self._point_size * 2.6, symbol="o", brush=None,
                                             pen=pg.mkPen("#000", width=3))
        self.ellipses = pg.PlotCurveItem(pen=pg.mkPen("#000", width=2.5), connect="finite")
        self.path = pg.PlotCurveItem(pen=pg.mkPen("#333", width=3, style=Qt.PenStyle.DashLine))
        self.prior = pg.ScatterPlotItem(size=22, symbol="star", brush=pg.mkBrush("#FFD400"),
                                        pen=pg.mkPen("#000", width=2))
        self.markers = pg.ScatterPlotItem(size=18, symbol="d", brush=pg.mkBrush("#FFFFFF"),
                                          pen=pg.mkPen("#000", width=2.5))
        self.selected_marker = pg.ScatterPlotItem(size=28, symbol="d", brush=pg.mkBrush("#FFD400"),
                                                  pen=pg.mkPen("#000", width=3.5))
        self.plot.addItem(self.scatter)
        for item in (self.hover_ring, self.ellipses, self.path, self.prior, self.markers, self.selected_marker):
            self.box.addItem(item, ignoreBounds=True)
        self._class_labels: list[pg.TextItem] = []
        self._marker_labels = [self._text_item("#000", 0.95) for _ in range(MARKER_LABELS)]
        label_opts = {"color": "#000", "fill": pg.mkBrush(255, 255, 255, 220), "offset": (14, -14), "anchor": (0, 1)}
        self.endpoints = [pg.TargetItem(size=20, symbol="s", pen=pg.mkPen("#000", width=3),
                                        brush=pg.mkBrush(255, 255, 255, 160), label=name, labelOpts=label_opts)
                          for name in ("h₁", "h₂")]
        self.probe = pg.TargetItem(size=30, symbol="crosshair", pen=pg.mkPen("#000", width=4),
                                   hoverPen=pg.mkPen("#D00", width=4), brush=pg.mkBrush(255, 212, 0, 200))
        for item in (*self.endpoints, self.probe):
            item.setZValue(20)
            item.setVisible(False)
            self.box.addItem(item, ignoreBounds=True)
        self.probe.sigPositionChanged.connect(self._on_probe_moved)
        for i, target in enumerate(self.endpoints):
            target.sigPositionChanged.connect(lambda item, i=i: self._on_endpoint_moved(i, item))

        self._xy = np.zeros((0, 2))
        self._labels = np.zeros(0, dtype=np.int64)
        self._brush_table = np.zeros(0, dtype=object)
        self._symbol_table = np.zeros(0, dtype=object)
        self._brushes: list | None = None
        self._hover_index = -1
        # one view_range_changed once a pan or zoom has rested for debounce_ms (superqt's debounce)
        self._range_rested = qdebounced(lambda: self.view_range_changed.emit(self.view_range()),
                                        timeout=debounce_ms, parent=self)
        self.box.sigRangeChanged.connect(lambda *_: self._range_rested())
        scene = self.canvas.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_mouse_moved)

        # the keyboard's cursor (arrows move it, Enter decodes there), shown while the map has the focus
        self.cursor = pg.ScatterPlotItem(size=34, symbol="+", brush=pg.mkBrush(FOCUS_COLOR),
                                         pen=pg.mkPen("#FFFFFF", width=1.5))
        self.cursor.setZValue(25)
        self.cursor.setVisible(False)
        self.box.addItem(self.cursor, ignoreBounds=True)
        self._cursor_ab: tuple[float, float] | None = None
        self._probe_ab: tuple[float, float] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.canvas.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Latent map")
        self._describe_soon = qthrottled(self._describe, timeout=DESCRIBE_MS, parent=self)

        self.hint = QLabel(HINT)
        self.hint.setStyleSheet("color: #444")
        self.hint.setWordWrap(True)
        self.hint.setMinimumWidth(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hint)
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font: text, ticks and point sizes grow in presentation mode."""
        pt = scaled_font().pointSizeF()
        self._point_size = float(np.clip(0.55 * pt, 5, 12))
        self.scatter.setSize(self._point_size)
        self.hover_ring.setSize(self._point_size * 2.6)
        for side in ("bottom", "left"):
            self.plot.getAxis(side).setTickFont(scaled_font(0.9))
        if any(self._axis_titles):
            self.set_axis_labels(*self._axis_titles)
        self.plot.setTitle(self._title, size=f"{pt:.0f}pt", color="#111")
        self.legend.setLabelTextSize(f"{0.85 * pt:.0f}pt")
        self._build_legend()
        self._place_legend()
        for item in self._class_labels:
            item.setFont(scaled_font(1.5, bold=True))
        for item in self._marker_labels:
            item.setFont(scaled_font(0.95, bold=True))
        for target in self.endpoints:
            target.label().setFont(scaled_font(1.1, bold=True))
        self.hint.setFont(scaled_font(0.85))

    def _text_item(self, color: str, scale: float, anchor=(0.5, 0.5)) -> pg.TextItem:
        item = pg.TextItem(color=color, anchor=anchor, fill=pg.mkBrush(255, 255, 255, 190))
        item.setFont(scaled_font(scale, bold=True))
        item.setZValue(15)
        item.setVisible(False)
        self.box.addItem(item, ignoreBounds=True)
        return item

    # ----- numpy in -----
    def set_classes(self, class_names: tuple[str, ...] | list[str]) -> None:
        """Colours, legend entries and cluster labels for these classes (call once per dataset)."""
        self._class_names = tuple(class_names)
        for item in self._class_labels:
            self.box.removeItem(item)
        self._build_legend()
        self._place_legend()
        brushes = [pg.mkBrush(class_color(i)) for i in range(len(class_names))]
        self._brush_table = np.array(brushes + [pg.mkBrush("#555")], dtype=object)  # last: unlabelled
        self._symbol_table = np.array([class_symbol(i) for i in range(len(class_names))] + ["o"], dtype=object)
        self._class_labels = [self._text_item(class_color(i), 1.5) for i in range(len(class_names))]
        for item, name in zip(self._class_labels, class_names):
            item.setText(str(name))
        self._brushes = None

    def _build_legend(self) -> None:
        """One entry per class (rebuilt when the font changes: pyqtgraph's labels take a new size only then)."""
        self.legend.clear()
        short = all(len(str(name)) <= 3 for name in self._class_names)
        self.legend.setColumnCount(2 if short and len(self._class_names) > 5 else 1)  # digits: a compact block
        size = 1.2 * scaled_font().pointSizeF()
        self._legend_samples = [pg.ScatterPlotItem(symbol=class_symbol(i), size=size, brush=pg.mkBrush(class_color(i)),
                                                   pen=pg.mkPen(CLASS_OUTLINE)) for i in range(len(self._class_names))]
        for sample, name in zip(self._legend_samples, self._class_names):
            self.legend.addItem(sample, str(name))

    def _place_legend(self) -> None:
        """The legend beside the plot where the canvas is wide enough for both; on a narrower one it goes, and the
        class labels at the clusters' centres name them (1280 x 800, normal look, lesson 4: beside a plot that its
        title keeps wide, its second column was cut off; under the plot it left the map 90 px tall)."""
        plot_min = self.plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        fits = self.canvas.width() >= plot_min + self.legend.boundingRect().width() + LEGEND_GAP_PX
        if fits == self._legend_shown:
            return
        self._legend_shown = fits
        if fits:
            self.canvas.addItem(self.legend, row=0, col=1)
            self.canvas.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        else:
            self.canvas.ci.removeItem(self.legend)
        self.legend.setVisible(fits)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place_legend()

    def set_title(self, text: str) -> None:
        self._title = text
        self.plot.setTitle(text, size=f"{scaled_font().pointSizeF():.0f}pt", color="#111")

    def set_axis_labels(self, x: str, y: str) -> None:
        self._axis_titles = (x, y)
        size = f"{scaled_font().pointSizeF():.0f}pt"
        self.plot.setLabel("bottom", x, **{"font-size": size, "color": "#111"})
        self.plot.setLabel("left", y, **{"font-size": size, "color": "#111"})

    def set_points(self, xy: np.ndarray, labels: np.ndarray | None = None) -> None:
        """The data codes on the map (n, 2); `labels` (class indices) only when they change."""
        self._xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if labels is not None or len(self._labels) != len(self._xy):
            self._labels = (np.asarray(labels, dtype=np.int64) if labels is not None
                            else np.full(len(self._xy), -1, dtype=np.int64))
            self._brushes = None
        if self._brushes is None:
            idx = np.where((self._labels >= 0) & (self._labels < len(self._brush_table) - 1), self._labels, -1)
            self._brushes = list(self._brush_table[idx]) if len(self._brush_table) else None
            symbols = list(self._symbol_table[idx]) if len(self._symbol_table) else "o"
            self.scatter.setData(pos=self._xy, brush=self._brushes, symbol=symbols,
                                 pen=pg.mkPen(CLASS_OUTLINE, width=0.8))
        else:
            self._move_points()
        self._follow_codes()
        for k, item in enumerate(self._class_labels):
            members = self._xy[self._labels == k]
            item.setVisible(len(members) > 0)
            if len(members):
                item.setPos(*np.median(members, axis=0))
        if 0 <= self._hover_index < len(self._xy):
            self.hover_ring.setData(pos=self._xy[self._hover_index: self._hover_index + 1])
        self._describe_soon()

    def _move_points(self) -> None:
        """Same points and colours, new places: write x and y into the item's record array (pyqtgraph's public
        `data`) instead of setData, which rebuilds every point's style (13 ms for 5,000 points, at every
        snapshot); the colours and the symbol atlas stay valid."""
        data = self.scatter.data
        if len(data) != len(self._xy):  # cannot happen (same labels, same count); setData is always right
            self.scatter.setData(pos=self._xy, brush=self._brushes)
            return
        self.scatter.prepareGeometryChange()
        data["x"], data["y"] = self._xy[:, 0], self._xy[:, 1]
        self.scatter.bounds = [None, None]
        self.scatter.informViewBoundsChanged()
        self.scatter.update()

    def points(self) -> np.ndarray:
        """The data points as the scatter item holds them (what is drawn), (n, 2)."""
        x, y = self.scatter.getData()
        return np.stack([x, y], axis=1).astype(np.float64) if x is not None else np.zeros((0, 2))

    def set_probe(self, ab: tuple[float, float] | None) -> None:
        """Move the probe marker (no signal); None hides it."""
        self.probe.setVisible(ab is not None)
        self._probe_ab = None if ab is None else (float(ab[0]), float(ab[1]))
        self._describe_soon()
        if ab is not None and not self.probe.moving:
            self.probe.setPos(float(ab[0]), float(ab[1]))

    def set_endpoints(self, h1: np.ndarray | None, h2: np.ndarray | None, path: np.ndarray | None = None) -> None:
        """Map points of h1 and h2 (None hides one) and the interpolation's path between them (k, 2)."""
        for target, ab in zip(self.endpoints, (h1, h2)):
            target.setVisible(ab is not None)
            if ab is not None and not target.moving:
                target.setPos(float(ab[0]), float(ab[1]))
        if path is None or len(path) < 2:
            self.path.setData([], [])
        else:
            self.path.setData(path[:, 0], path[:, 1])

    def set_markers(self, xy: np.ndarray, names: list[str], selected: int = -1) -> None:
        """Dropped images at their codes; the selected one and the newest few carry their file name."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        self.markers.setData(pos=xy)
        valid = 0 <= selected < len(xy)
        self.selected_marker.setData(pos=xy[selected: selected + 1] if valid else np.zeros((0, 2)))
        newest = range(len(xy) - 1, max(len(xy) - 1 - MARKER_LABELS, -1), -1)
        shown = ([selected] if valid else []) + [i for i in newest if i != selected]
        x0, x1, _, _ = self.view_range()
        for item, i in zip(self._marker_labels, shown + [None] * MARKER_LABELS):
            item.setVisible(i is not None)
            if i is not None:
                item.setText(names[i])
                item.setAnchor((1.1, 1.2) if xy[i, 0] > (x0 + x1) / 2 else (-0.1, 1.2))  # the name stays inside
                item.setPos(*xy[i])

    def set_prior_samples(self, xy: np.ndarray | None) -> None:
        self.prior.setData(pos=np.zeros((0, 2)) if xy is None else np.asarray(xy, float).reshape(-1, 2))

    def set_ellipses(self, centres: np.ndarray, covs: np.ndarray) -> None:
        """Posteriors N(mu, cov) as their 1- and 2-sigma ellipses (centres (k, 2), covs (k, 2, 2))."""
        line = ellipse_polyline(centres, covs)
        self.ellipses.setData(line[:, 0], line[:, 1], connect="finite")

    def view_range(self) -> tuple[float, float, float, float]:
        (x0, x1), (y0, y1) = self.box.viewRange()
        return float(x0), float(x1), float(y0), float(y1)

    def fit_view(self) -> None:
        """Frame the codes and follow them again (after the user zoomed or panned)."""
        self._following = True
        self._follow_codes(force=True)

    def _follow_codes(self, force: bool = False) -> None:
        """Keep the codes in view without rescaling at every move: the range changes only when the codes (but the
        farthest 0.5 %) leave it, or fill less than half of it both ways; then it frames them with a margin.
        A steady frame is easier to watch than axes that breathe with every snapshot, and cheaper to paint."""
        if not (self._following or force) or len(self._xy) == 0:
            return
        xy = self._xy[np.isfinite(self._xy).all(axis=1)]
        if len(xy) == 0:
            return
        lo, hi = np.percentile(xy, [0.25, 99.75], axis=0)
        (x0, x1), (y0, y1) = self.box.viewRange()
        view_lo, view_hi = np.array([x0, y0]), np.array([x1, y1])
        outside = bool(np.any(lo < view_lo) or np.any(hi > view_hi))
        small = bool(np.all(hi - lo < 0.5 * (view_hi - view_lo)))
        if force or outside or small:
            pad = 0.08 * np.maximum(hi - lo, 1e-3)
            self.box.setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]), yRange=(lo[1] - pad[1], hi[1] + pad[1]),
                              padding=0.0)

    # ----- signals out -----
    def _scene_to_map(self, scene_pos) -> tuple[float, float] | None:
        if not self.box.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.box.mapSceneToView(scene_pos)
        return float(p.x()), float(p.y())

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        ab = self._scene_to_map(event.scenePos())
        if ab is None:
            return
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ShiftModifier:
            self.endpoint_picked.emit(0, *ab)
        elif mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier):
            self.endpoint_picked.emit(1, *ab)
        else:
            self.clicked.emit(*ab)

    # ----- keyboard and screen readers -----
    def description(self) -> str:
        """What the map shows, in words (its accessible description), e.g. "5,000 codes in 10 classes; marker at
        z = (1.80, 0.35)"."""
        classes = len(set(self._labels[self._labels >= 0].tolist())) if len(self._labels) else 0
        text = f"{len(self._xy):,} codes in {classes} classes" if classes else f"{len(self._xy):,} codes"
        if self._probe_ab is not None:
            text += f"; marker at z = ({self._probe_ab[0]:.2f}, {self._probe_ab[1]:.2f})"
        if self._cursor_ab is not None and self.hasFocus():
            text += f"; keyboard cursor at ({self._cursor_ab[0]:.2f}, {self._cursor_ab[1]:.2f})"
        return text

    def _describe(self) -> None:
        self.setAccessibleDescription(self.description())

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Arrows move the cursor (1/25 of the view, Shift: 1/5), Enter decodes there, Shift+Enter sets h₁,
        Ctrl+Enter h₂."""
        key, mods = event.key(), event.modifiers()
        x0, x1, y0, y1 = self.view_range()
        if self._cursor_ab is None:
            self._cursor_ab = self._probe_ab or ((x0 + x1) / 2, (y0 + y1) / 2)
        a, b = self._cursor_ab
        step = 5 if mods & Qt.KeyboardModifier.ShiftModifier else 1
        moves = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}
        if key in moves:
            dx, dy = moves[key]
            a = min(max(a + dx * step * (x1 - x0) / CURSOR_STEPS, x0), x1)
            b = min(max(b + dy * step * (y1 - y0) / CURSOR_STEPS, y0), y1)
            self._show_cursor(a, b)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.endpoint_picked.emit(0, a, b)
            elif mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier):
                self.endpoint_picked.emit(1, a, b)
            else:
                self.clicked.emit(a, b)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _show_cursor(self, a: float, b: float) -> None:
        self._cursor_ab = (a, b)
        self.cursor.setData(pos=[(a, b)])
        self.cursor.setVisible(self.hasFocus())
        index = self.nearest(a, b)
        if index >= 0:
            self._hover_index = index
            self.hover_ring.setData(pos=self._xy[index: index + 1])
            self.hovered.emit(index)
        self._describe_soon()

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """The focus ring: a thick accent border round the plot, and the cursor."""
        super().focusInEvent(event)
        self.box.setBorder(pg.mkPen(FOCUS_COLOR, width=4))
        if self._cursor_ab is None:
            x0, x1, y0, y1 = self.view_range()
            self._cursor_ab = self._probe_ab or ((x0 + x1) / 2, (y0 + y1) / 2)
        self._show_cursor(*self._cursor_ab)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self.box.setBorder(None)
        self.cursor.setVisible(False)

    def _on_probe_moved(self, item) -> None:
        if item.moving:  # dragged by the mouse, not moved by set_probe
            p = item.pos()
            self.probe_dragged.emit(float(p.x()), float(p.y()))

    def _on_endpoint_moved(self, i: int, item) -> None:
        if item.moving:
            p = item.pos()
            self.endpoint_picked.emit(i, float(p.x()), float(p.y()))

    def nearest(self, a: float, b: float) -> int:
        """Index of the data point nearest (a, b), distances measured as on screen (per visible width/height)."""
        if not len(self._xy):
            return -1
        x0, x1, y0, y1 = self.view_range()
        d = ((self._xy[:, 0] - a) / max(x1 - x0, 1e-12)) ** 2 + ((self._xy[:, 1] - b) / max(y1 - y0, 1e-12)) ** 2
        return int(np.argmin(d))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        ab = self._scene_to_map(scene_pos)
        if ab is None:
            return
        index = self.nearest(*ab)
        if index != self._hover_index and index >= 0:
            self._hover_index = index
            self.hover_ring.setData(pos=self._xy[index: index + 1])
            self.hovered.emit(index)
