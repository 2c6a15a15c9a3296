"""Draw your own 2-D data set: mouse strokes become points (brush size, eraser, clear); emits the standardised set.

Drawing deposits points uniformly in a disc of the brush's radius every half radius along the stroke (seeded, so a
scripted stroke always gives the same points); erasing removes the points within the brush. Right-dragging erases
too. The canvas spans [-1, 1] x [-1, 1]; `train_requested` carries the points centred and divided by their standard
deviation (one scale for both axes, so the shape is kept), the roughly unit scale the diffusion models expect.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QVBoxLayout,
                               QWidget)

from core.data.own.point_files import standardise  # the one standardisation of 2-D data
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font
from gendiff_gui.diffusion.views.particles import DotCloudItem

EXTENT = 1.0  # the canvas is [-EXTENT, EXTENT]^2
PER_DAB = 4  # points added per dab of the brush
MAX_POINTS = 20000
MIN_POINTS = 20  # fewer cannot be called a data set
DEFAULT_RADIUS = 0.05
HINT = "Drag to draw points · right-drag (or Erase) to remove them · then train a diffusion model on your drawing"


def circle(centre: tuple[float, float], radius: float, n: int = 48) -> np.ndarray:
    angles = np.linspace(0.0, 2.0 * np.pi, n)
    return np.stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)], 1)


class _InkBox(pg.ViewBox):
    """A fixed view box that reports mouse strokes (view coordinates) instead of panning."""

    stroke = Signal(float, float, bool, bool)  # x, y, first point of a stroke, erase (right button)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph's name
        if ev.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            ev.ignore()
            return
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        self.stroke.emit(p.x(), p.y(), ev.isStart(), ev.button() == Qt.MouseButton.RightButton)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's name
        if ev.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            ev.accept()
            p = self.mapSceneToView(ev.scenePos())
            self.stroke.emit(p.x(), p.y(), True, ev.button() == Qt.MouseButton.RightButton)


class DrawCanvas(QWidget):
    """numpy out: `points()`; `changed(n)` after every edit; `train_requested(standardised points)` from the button.

    Scripted drawing (tests, demos): `draw_stroke(path)`, `erase_stroke(path)`, `clear()`."""

    changed = Signal(int)
    train_requested = Signal(object)

    def __init__(self, seed: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rng = np.random.default_rng(seed)
        self._points = np.zeros((0, 2), np.float64)
        self._last: tuple[float, float] | None = None
        self.box = _InkBox(lockAspect=True, enableMenu=False, enableMouse=False)
        self.view = pg.GraphicsView(background="w")
        self.view.setCentralItem(self.box)
        self.view.setMinimumSize(160, 160)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.box.setRange(xRange=(-EXTENT, EXTENT), yRange=(-EXTENT, EXTENT), padding=0.02)
        self.box.setBorder(pg.mkPen("#9A9A9A", width=1))
        self.area = pg.PlotCurveItem([-EXTENT, EXTENT, EXTENT, -EXTENT, -EXTENT],
                                     [-EXTENT, -EXTENT, EXTENT, EXTENT, -EXTENT],
                                     pen=pg.mkPen("#B8B8B8", width=1.5, style=Qt.PenStyle.DashLine))
        self.box.addItem(self.area, ignoreBounds=True)  # where points can go
        self.cloud = DotCloudItem(color="#111111", size=5.0, alpha=200)
        self.cursor = pg.PlotCurveItem(pen=pg.mkPen("#C84300", width=2))
        self.box.addItem(self.cloud, ignoreBounds=True)
        self.box.addItem(self.cursor, ignoreBounds=True)
        self.box.stroke.connect(self._on_stroke)
        self.view.scene().sigMouseMoved.connect(self._on_hover)

        self.draw_button = QPushButton("Draw")
        self.erase_button = QPushButton("Erase")
        self._tools = QButtonGroup(self)
        for button in (self.draw_button, self.erase_button):
            button.setCheckable(True)
            self._tools.addButton(button)
        self.draw_button.setChecked(True)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.brush = QSlider(Qt.Orientation.Horizontal)
        self.brush.setRange(1, 30)
        self.brush.setValue(round(DEFAULT_RADIUS * 100))
        self.brush.setToolTip("Brush radius")
        self.brush.setAccessibleName("Brush radius")
        self.brush_label = QLabel("Brush")
        self.count = QLabel("")
        self.train_button = QPushButton("Train on this drawing")
        self.train_button.setToolTip("Build a diffusion model on these points (standardised) and train it live")
        self.train_button.clicked.connect(self._request_training)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #444")
        self.hint.setMinimumWidth(1)
        tools = QVBoxLayout()  # a column beside the canvas, like the controls beside the scrubber's views
        pair = QHBoxLayout()
        pair.addWidget(self.draw_button)
        pair.addWidget(self.erase_button)
        tools.addLayout(pair)
        brush = QHBoxLayout()
        brush.addWidget(self.brush_label)
        brush.addWidget(self.brush, 1)
        tools.addLayout(brush)
        tools.addWidget(self.clear_button)
        tools.addWidget(self.count)
        tools.addWidget(self.hint)
        tools.addStretch(1)
        tools.addWidget(self.train_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addLayout(tools)
        self.apply_theme(NORMAL)
        self._update()

    # ----- numpy out, scripted drawing -----
    @property
    def radius(self) -> float:
        return self.brush.value() / 100.0 * EXTENT

    def set_radius(self, radius: float) -> None:
        self.brush.setValue(int(round(radius / EXTENT * 100)))

    @property
    def erasing(self) -> bool:
        return self.erase_button.isChecked()

    def points(self) -> np.ndarray:
        return self._points.astype(np.float32)

    def set_points(self, points: np.ndarray) -> None:
        self._points = np.asarray(points, np.float64).reshape(-1, 2)[:MAX_POINTS]
        self._update()

    def draw_stroke(self, path: np.ndarray) -> None:
        """Draw through the canvas points of `path` (m, 2) as one stroke."""
        self._scripted(path, erase=False)

    def erase_stroke(self, path: np.ndarray) -> None:
        self._scripted(path, erase=True)

    def clear(self) -> None:
        self._points = np.zeros((0, 2), np.float64)
        self._update()

    # ----- drawing -----
    def _scripted(self, path: np.ndarray, erase: bool) -> None:
        for i, (x, y) in enumerate(np.asarray(path, np.float64).reshape(-1, 2)):
            self._apply(float(x), float(y), i == 0, erase)
        self._update()

    def _on_stroke(self, x: float, y: float, start: bool, right_button: bool) -> None:
        self._apply(x, y, start, right_button or self.erasing)
        self._update()
        self._show_cursor(x, y)

    def _apply(self, x: float, y: float, start: bool, erase: bool) -> None:
        r = self.radius
        if start or self._last is None:
            centres = np.array([[x, y]])
        else:  # dabs every r / 2 along the segment from the previous mouse position (a fast stroke leaves no gap)
            x0, y0 = self._last
            dabs = max(1, int(np.ceil(np.hypot(x - x0, y - y0) / (r / 2))))
            f = np.arange(1, dabs + 1)[:, None] / dabs
            centres = np.array([[x0, y0]]) + f * np.array([[x - x0, y - y0]])
        self._last = (x, y)
        if erase:
            if len(self._points):
                near = np.zeros(len(self._points), bool)
                for cx, cy in centres:
                    near |= np.hypot(self._points[:, 0] - cx, self._points[:, 1] - cy) <= r
                self._points = self._points[~near]
            return
        room = MAX_POINTS - len(self._points)
        if room <= 0:
            return
        angle = self._rng.uniform(0, 2 * np.pi, (len(centres), PER_DAB))
        dist = r * np.sqrt(self._rng.uniform(0, 1, (len(centres), PER_DAB)))  # uniform in the disc
        new = centres[:, None, :] + np.stack([dist * np.cos(angle), dist * np.sin(angle)], -1)
        new = np.clip(new.reshape(-1, 2), -EXTENT, EXTENT)[:room]
        self._points = np.concatenate([self._points, new])

    def _on_hover(self, scene_pos) -> None:
        if self.box.sceneBoundingRect().contains(scene_pos):
            p = self.box.mapSceneToView(scene_pos)
            self._show_cursor(p.x(), p.y())
        else:
            self.cursor.setData([], [])

    def _show_cursor(self, x: float, y: float) -> None:
        ring = circle((x, y), self.radius)
        self.cursor.setData(ring[:, 0], ring[:, 1])

    def _update(self) -> None:
        self.cloud.set_points(self._points)
        n = len(self._points)
        self.count.setText(f"{n:,} points")
        self.train_button.setEnabled(n >= MIN_POINTS)
        self.changed.emit(n)

    def _request_training(self) -> None:
        if len(self._points) >= MIN_POINTS:
            self.train_requested.emit(standardise(self._points))

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        presentation = theme.presentation
        font = scaled_font(1.0)
        for widget in (self.draw_button, self.erase_button, self.clear_button, self.brush_label, self.count,
                       self.train_button, self.hint):
            widget.setFont(font)
        self.hint.setFixedWidth(self.train_button.sizeHint().width())
        self.cloud.set_style(size=7.0 if presentation else 5.0)
