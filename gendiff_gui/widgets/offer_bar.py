"""A non-modal strip that offers a choice (e.g. "Restore" / "Discard" the work a crash left): never a dialog."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from gendiff_gui.widgets.theme import NORMAL, Theme


class OfferBar(QFrame):
    """`offer(text, accept, decline)` shows it; a click emits `accepted` or `declined` and hides it."""

    accepted = Signal()
    declined = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offerBar")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.accept_button = QPushButton()
        self.decline_button = QPushButton()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.accept_button)
        layout.addWidget(self.decline_button)
        self.accept_button.clicked.connect(lambda: self._answer(self.accepted))
        self.decline_button.clicked.connect(lambda: self._answer(self.declined))
        self.apply_theme(NORMAL)
        self.hide()

    def offer(self, text: str, accept: str, decline: str, accept_tip: str = "", decline_tip: str = "") -> None:
        self.label.setText(text)
        for button, name, tip in ((self.accept_button, accept, accept_tip), (self.decline_button, decline, decline_tip)):
            button.setText(name)
            button.setAccessibleName(name)
            button.setToolTip(tip or name)
        self.show()

    def _answer(self, signal) -> None:
        self.hide()
        signal.emit()

    def apply_theme(self, theme: Theme) -> None:
        self.setStyleSheet(f"#offerBar {{ background: #FFF4E0; border: 2px solid {theme.accent}; border-radius: 4px; }}"
                           " #offerBar QLabel { color: #000000; }")
