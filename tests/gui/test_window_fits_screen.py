"""The window never hangs off its screen: a size saved on a bigger monitor, restored on a laptop's, is shrunk and
moved into the screen's available area (compared with the screen's own geometry)."""
from __future__ import annotations

from PySide6.QtCore import QRect


def test_a_geometry_saved_on_a_bigger_monitor_fits_the_screen_it_opens_on(qtbot, window):
    area = window.screen().availableGeometry()
    window.setGeometry(QRect(area.left() + 300, area.top() + 200, area.width() + 400, area.height() + 300))
    window.settings.setValue("window/geometry", window.saveGeometry())
    window.restore_settings()
    qtbot.wait(20)
    geometry = window.frameGeometry()
    assert area.contains(geometry), (area, geometry)
    assert geometry.width() <= area.width() and geometry.height() <= area.height()


def test_a_window_that_fits_is_left_where_it_is(qtbot, window):
    area = window.screen().availableGeometry()
    wanted = QRect(area.left() + 2, area.top() + 2, area.width() - 4, area.height() - 4)  # inside, just
    window.setGeometry(wanted)
    window.fit_to_screen()
    assert window.geometry() == wanted


def test_a_frame_the_window_manager_adds_after_showing_is_fitted_too(qtbot, window, monkeypatch):
    """openbox frames the window after its first event-loop turn: the window fits again when its frame changes
    (a 20 px title bar, emulated here, must not push the status bar off a 1280 x 800 screen)."""
    area = window.screen().availableGeometry()
    window.setGeometry(QRect(area.left(), area.top(), area.width(), area.height()))  # fits without a frame
    window.fit_to_screen()
    own = window.frameGeometry()  # the platform's own frame, if any
    top, extra = window.geometry().top() - own.top(), own.height() - window.height()
    assert window.height() == area.height() - extra

    def framed() -> QRect:  # the client area plus a 20 px title bar more above it
        g = window.geometry()
        return QRect(g.left(), g.top() - top - 20, g.width(), g.height() + extra + 20)

    monkeypatch.setattr(window, "frameGeometry", framed)
    window.move(area.left(), area.top() + top + 20)  # the window manager places the framed window
    qtbot.waitUntil(lambda: window.height() <= area.height() - extra - 20, timeout=2000)
    assert window.height() == area.height() - extra - 20
