"""A word-wrapped label that asks its layout for the height its text needs at the width it was given."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel


class WrappingLabel(QLabel):
    """QLabel with word wrap whose minimum height follows its text's height for its current width.

    Qt's box layouts ask a label its height for a width only where the whole chain of layouts above it does; in a
    tab page beside stretched plots the label got its one-line height and the rest of its text was cut at the
    bottom (lesson 1's principal-angle line at 1280 x 800 in presentation mode: 92 px for 124 px of text).
    """

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._fitted = (-1, "")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name (a new font changes the height)
        super().changeEvent(event)
        self._fitted = (-1, "")
        self._fit()

    def _fit(self) -> None:
        key = (self.width(), self.text())
        if key != self._fitted and self.width() > 0:
            self._fitted = key
            # QLabel's heightForWidth is at least the minimum height: without letting it go first, a label once
            # narrow (many lines) stayed that tall when it widened (lesson 8's x0 caption: 192 px for 2 lines)
            self.setMinimumHeight(0)
            self.setMinimumHeight(max(0, self.heightForWidth(self.width())) if self.text() else 0)
