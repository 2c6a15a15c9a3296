"""Drawing your own 2-D data: strokes become points near the stroke, the eraser removes them, clear, standardising."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from gendiff_gui.diffusion.views.draw_canvas import DrawCanvas, standardise


@pytest.fixture
def canvas(shown):
    return shown(DrawCanvas(seed=1), 600, 600)


def _distance_to_segment(p, a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    f = np.clip(((p - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
    return np.linalg.norm(p - (a + f[:, None] * (b - a)), axis=1)


def test_a_stroke_lays_points_within_the_brush_along_it_and_is_seeded(canvas):
    canvas.set_radius(0.05)
    canvas.draw_stroke([(-0.5, 0.0), (0.5, 0.0)])
    points = canvas.points()
    assert len(points) > 40
    assert _distance_to_segment(points, (-0.5, 0.0), (0.5, 0.0)).max() <= 0.05 + 1e-6
    assert points[:, 0].min() < -0.4 and points[:, 0].max() > 0.4  # the whole stroke, not just its ends
    again = DrawCanvas(seed=1)
    again.set_radius(0.05)
    again.draw_stroke([(-0.5, 0.0), (0.5, 0.0)])
    np.testing.assert_array_equal(again.points(), points)
    again.deleteLater()


def test_the_eraser_removes_points_under_the_brush_and_clear_removes_all(canvas):
    canvas.draw_stroke([(-0.5, 0.0), (0.5, 0.0)])
    n = len(canvas.points())
    canvas.set_radius(0.2)
    canvas.erase_stroke([(0.5, 0.0)])
    left = canvas.points()
    assert 0 < len(left) < n and np.hypot(left[:, 0] - 0.5, left[:, 1]).min() > 0.2 - 1e-6
    canvas.clear()
    assert len(canvas.points()) == 0 and not canvas.train_button.isEnabled()


def test_dragging_the_mouse_draws_and_right_dragging_erases(canvas, monkeypatch):
    monkeypatch.setitem(pg.CONFIG_OPTIONS, "mouseRateLimit", 0)  # every move counts, however fast they come
    viewport = canvas.view.viewport()
    centre = viewport.rect().center()

    def drag(button, dx_values):
        buttons = button
        send = QApplication.sendEvent
        start = QPointF(centre.x() + dx_values[0], centre.y())
        send(viewport, QMouseEvent(QEvent.Type.MouseButtonPress, start, start, button, buttons,
                                   Qt.KeyboardModifier.NoModifier))
        for dx in dx_values[1:]:
            pos = QPointF(centre.x() + dx, centre.y())
            send(viewport, QMouseEvent(QEvent.Type.MouseMove, pos, pos, Qt.MouseButton.NoButton, buttons,
                                       Qt.KeyboardModifier.NoModifier))
        end = QPointF(centre.x() + dx_values[-1], centre.y())
        send(viewport, QMouseEvent(QEvent.Type.MouseButtonRelease, end, end, button, Qt.MouseButton.NoButton,
                                   Qt.KeyboardModifier.NoModifier))

    drag(Qt.MouseButton.LeftButton, list(range(-150, 151, 10)))
    points = canvas.points()
    assert len(points) > 40
    assert abs(points[:, 1]).max() < 0.2 and points[:, 0].max() - points[:, 0].min() > 0.5  # a horizontal line
    drag(Qt.MouseButton.RightButton, list(range(-150, 151, 10)))
    assert len(canvas.points()) < len(points) / 4


def test_train_button_emits_the_standardised_drawing(qtbot, canvas):
    canvas.draw_stroke([(0.2, 0.2), (0.8, 0.4)])
    with qtbot.waitSignal(canvas.train_requested) as blocker:
        qtbot.mouseClick(canvas.train_button, Qt.MouseButton.LeftButton)
    points = blocker.args[0]
    np.testing.assert_allclose(points, standardise(canvas.points()), atol=1e-6)
    np.testing.assert_allclose(points.mean(0), 0.0, atol=1e-5)
    assert abs(np.sqrt((points ** 2).sum(1).mean() / 2) - 1.0) < 1e-5


def test_standardise_keeps_the_shape():
    drawing = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 1.0], [0.0, 1.0]])
    z = standardise(drawing)
    ratio = (z[1, 0] - z[0, 0]) / (z[2, 1] - z[1, 1])
    assert ratio == pytest.approx(4.0)
