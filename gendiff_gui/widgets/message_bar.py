"""A small non-modal message strip above the plots: errors stay until dismissed, information fades after a while."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from gendiff_gui.widgets.theme import NORMAL, Theme

INFO_SECONDS = 8


class MessageBar(QFrame):
    """`show_message(level, text)`; `text()` is what is shown now ('' when hidden)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self._label = QLabel()
        self._label.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss the message")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(close)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self.dismiss)
        self.level = ""
        self._theme = NORMAL
        self.hide()

    def show_message(self, level: str, text: str) -> bool:
        """Show `text`; returns False (and shows nothing) for information while an error is still on display."""
        if level == "info" and self.level == "error":
            return False
        self.level = level
        self._label.setText(text)
        self._restyle()
        self.show()
        if level == "info":
            self._hide_timer.start(INFO_SECONDS * 1000)
        else:
            self._hide_timer.stop()
        return True

    def text(self) -> str:
        return self._label.text() if self.isVisible() else ""

    def dismiss(self) -> None:
        self.level = ""
        self._hide_timer.stop()
        self.hide()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._restyle()

    def _restyle(self) -> None:
        colors = {"error": ("#FDECEC", self._theme.error), "warning": ("#FFF4E0", "#8A5A00")}
        background, border = colors.get(self.level, ("#EAF2FB", self._theme.accent))
        self.setStyleSheet(f"#messageBar {{ background: {background}; border: 2px solid {border}; "
                           f"border-radius: 4px; }} #messageBar QLabel {{ color: #000000; }}")
