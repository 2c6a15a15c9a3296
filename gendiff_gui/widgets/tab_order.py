"""Tab order that follows the screen: region by region (e.g. the views, then the side column), and inside each
region row by row, left to right (Qt's default is the order the widgets were made in)."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

ROW_PX = 12  # controls whose tops are this close count as one row


def focusable(region: QWidget) -> list[QWidget]:
    """The visible widgets under `region` that Tab reaches, in reading order (rows top to bottom, then left to
    right); a widget whose focus goes to a proxy counts once, as its proxy."""
    found = []
    for widget in region.findChildren(QWidget):
        if widget.focusProxy() is not None or not widget.isVisible() or not widget.isEnabled():
            continue
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found.append(widget)

    def place(widget: QWidget) -> tuple[int, int]:
        corner = widget.mapTo(region.window(), QPoint(0, 0))
        return corner.y() // ROW_PX, corner.x()

    return sorted(found, key=place)


def set_screen_tab_order(regions: list[QWidget]) -> list[QWidget]:
    """Chain Tab through `regions` in order, each in reading order; returns the chain."""
    chain = [widget for region in regions if region.isVisible() for widget in focusable(region)]
    for first, second in zip(chain, chain[1:]):
        QWidget.setTabOrder(first, second)
    return chain
