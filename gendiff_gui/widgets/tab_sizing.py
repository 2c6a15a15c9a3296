"""A tab widget that asks only for the room its current page needs (Qt's default is the largest page's)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy, QTabWidget, QWidget


class CurrentPageTabs(QTabWidget):
    """QTabWidget whose minimum and preferred sizes are those of the page on top.

    QStackedLayout sizes itself to the largest of its pages except those whose size policy is Ignored, so a big
    page in a hidden tab (the latent panel while a diffusion lesson shows) would keep the window from shrinking
    to a laptop's or a projector's screen. The page put on top gets the Preferred policy back.

    Every tab stays in sight: where the bar is narrower than its tabs (lesson 4 in presentation mode at 1280x800)
    their labels are elided, each with its full name as its tooltip, instead of Qt's default of scroll arrows
    that hid the last tab ("Dropped images") behind them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUsesScrollButtons(False)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.currentChanged.connect(lambda _index: self._follow())

    def tabInserted(self, index: int) -> None:  # noqa: N802 - Qt's name
        super().tabInserted(index)
        if not self.tabToolTip(index):
            self.setTabToolTip(index, self.tabText(index))
        self._follow()

    def _follow(self) -> None:
        current = self.currentWidget()
        for i in range(self.count()):
            page = self.widget(i)
            policy = QSizePolicy.Policy.Preferred if page is current else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.updateGeometry()
