"""A "More" section: controls a lesson rarely needs, one click (or Space on its button) away (superqt's QCollapsible)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget
from superqt import QCollapsible

QWIDGETSIZE_MAX = 16_777_215  # Qt's largest widget size: no cap

from gendiff_gui.widgets.theme import FOCUS_COLOR


class MoreSection(QCollapsible):
    """A QCollapsible whose hidden content is really hidden (not merely zero high), so Tab skips it and a screen
    reader does not read it; no animation (nothing moves on a projector)."""

    def __init__(self, title: str = "More", tip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent, expandedIcon="▾", collapsedIcon="▸")
        self.setDuration(0)
        button = self.toggleButton()
        button.setToolTip(tip or f"Show or hide the less used settings ({title})")
        button.setAccessibleName(title)
        button.setStyleSheet(f"QPushButton {{ text-align: left; border: 3px solid transparent; outline: none; }}"
                             f"QPushButton:focus {{ border-color: {FOCUS_COLOR}; }}")  # superqt's has no ring
        self.toggled.connect(self._show_content)
        self.collapse(animate=False)
        self.content().setVisible(False)

    def _show_content(self, expanded: bool) -> None:
        self.content().setVisible(expanded)
        if expanded:  # superqt caps the content at its size hint of the moment: what is added later would be cut
            self.content().setMaximumHeight(QWIDGETSIZE_MAX)
        self.updateGeometry()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """superqt's filter re-caps the height when a child resizes; uncapped again while expanded."""
        result = super().eventFilter(watched, event)
        if self.isExpanded():
            self.content().setMaximumHeight(QWIDGETSIZE_MAX)
        return result

    def set_expanded(self, expanded: bool) -> None:
        (self.expand if expanded else self.collapse)(animate=False)
