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
