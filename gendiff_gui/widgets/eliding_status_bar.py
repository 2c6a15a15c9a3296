"""A status bar whose temporary message stops where its permanent widgets begin, elided, instead of running under them."""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStatusBar, QStyle, QStyleOption, QWidget

MARGIN_PX = 2  # QStatusBar's own inset of its message
GAP_CHARS = 2  # air between the message and the read-out, in average character widths


def message_room(bar_rect: QRect, permanent: list[QRect], gap: int, margin: int = MARGIN_PX) -> QRect:
    """The part of `bar_rect` from `margin` to `gap` px before the leftmost visible permanent widget
    (`permanent`: their geometries; none: to `margin` before the right end): where a temporary message goes."""
    right = min((r.left() - gap for r in permanent), default=bar_rect.right() + 1 - margin)
    left = bar_rect.left() + margin
    return QRect(left, bar_rect.top(), max(0, right - left), bar_rect.height())


class ElidingStatusBar(QStatusBar):
    """QStatusBar cuts a long `currentMessage()` where the permanent widgets begin, mid-letter and flush against
    them (a button's status tip ran into the state and step read-out as "…kept anctraining step 16,016" in
    presentation mode at 1280x800). This one paints what QStatusBar::paintEvent paints, but the message in
    `message_room`, GAP_CHARS before the read-out and elided with "…"; the whole message is its tooltip meanwhile."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: dict[QWidget, bool] = {}  # the widgets added, and whether each is permanent
        self.messageChanged.connect(self.setToolTip)

    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 (Qt's name)
        self._items[widget] = False
        super().addWidget(widget, stretch)

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 (Qt's name)
        self._items[widget] = True
        super().addPermanentWidget(widget, stretch)

    def removeWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt's name)
        self._items.pop(widget, None)
        super().removeWidget(widget)

    def message_rect(self) -> QRect:
        """Where the temporary message is drawn now."""
        shown = [w.geometry() for w, permanent in self._items.items() if permanent and w.isVisible()]
        return message_room(self.rect(), shown, GAP_CHARS * self.fontMetrics().averageCharWidth())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        message = self.currentMessage()
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        style = self.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        for widget, permanent in self._items.items():
            if not widget.isVisible() or (message and not permanent):
                continue
            frame = widget.geometry().adjusted(-2, -1, 2, 1)
            if event.rect().intersects(frame):
                item = QStyleOption()
                item.rect, item.palette, item.state = frame, self.palette(), QStyle.StateFlag.State_None
                style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, item, painter, widget)
        if message:
            room = self.message_rect()
            painter.setPen(self.palette().windowText().color())
            text = self.fontMetrics().elidedText(message, Qt.TextElideMode.ElideRight, room.width())
            painter.drawText(room, Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
                             | Qt.TextFlag.TextSingleLine, text)
        painter.end()
