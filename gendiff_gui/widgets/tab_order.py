"""Tab order that follows the screen: region by region (e.g. the views, then the side column), and inside each
region row by row, left to right, round from the last control to the first (Qt's default is the order the widgets
were made in)."""
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


def screen_chain(regions: list[QWidget]) -> list[QWidget]:
    """The controls Tab visits in `regions` (the visible ones), region after region, each in reading order."""
    return [widget for region in regions if region.isVisible() for widget in focusable(region)]


def place_in_chain(chain: list[QWidget], focus: QWidget | None) -> int | None:
    """The index of `focus` in `chain`, or of the innermost control of the chain holding it (a spin box's line
    edit counts as the spin box); None outside the chain."""
    if focus is None:
        return None
    index = next((i for i, widget in enumerate(chain) if widget is focus), None)
    if index is None:
        holders = [i for i, widget in enumerate(chain) if widget.isAncestorOf(focus)]
        index = holders[-1] if holders else None
    return index


def next_in_chain(chain: list[QWidget], focus: QWidget | None, forward: bool = True) -> QWidget | None:
    """The control after `focus` in `chain` (before it for Shift+Tab), round from the last to the first; from a
    widget outside the chain (`place_in_chain`), the chain's first (last). None for an empty chain.

    Qt's own focus chain could not hold this ring: QWidget.setTabOrder(a, b) moves b, so closing the ring from the
    last back to the first broke the first's link, and Tab past the last control went on along Qt's chain into
    a hidden tab bar and stopped there."""
    if not chain:
        return None
    index = place_in_chain(chain, focus)
    if index is None:
        return chain[0] if forward else chain[-1]
    return chain[(index + (1 if forward else -1)) % len(chain)]
