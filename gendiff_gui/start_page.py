"""The start page: the lessons in the lecture's order as big buttons (first launch, Lessons > All lessons)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from gendiff_gui.lessons import LESSONS, Lesson, plain
from gendiff_gui.theme import NORMAL, Theme

COLUMNS = 2


class StartPage(QDialog):
    """Non-modal; `chosen(number)` when a lesson's button is pressed (then it closes)."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None, lessons: tuple[Lesson, ...] = LESSONS) -> None:
        super().__init__(parent)
        self.setWindowTitle("gendiff — lessons")
        self.setModal(False)
        self.heading = QLabel("Auto-encoders & diffusion models, idea by idea")
        self.heading.setObjectName("startHeading")
        self.hint = QLabel("Each lesson opens its model, data and views in one click; the Lessons menu "
                           "(Ctrl+1 … Ctrl+8) switches lessons any time.")
        self.hint.setWordWrap(True)
        self.buttons: dict[int, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(10)
        rows = (len(lessons) + COLUMNS - 1) // COLUMNS
        for i, item in enumerate(lessons):  # down the first column, then the second: the lecture's order
            button = QPushButton(f"{item.number}   {item.title}\n{plain(item.sees)}")
            button.setObjectName("lessonButton")
            button.setToolTip(f"{plain(item.formula)}\n{plain(item.idea)}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.clicked.connect(lambda _=False, n=item.number: self._choose(n))
            grid.addWidget(button, i % rows, i // rows)
            self.buttons[item.number] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addLayout(grid, 1)
        self.apply_theme(NORMAL)

    def _choose(self, number: int) -> None:
        self.chosen.emit(number)
        self.close()

    def mark_current(self, number: int | None) -> None:
        """Outline the lesson on screen behind the page."""
        for n, button in self.buttons.items():
            button.setProperty("current", n == number)
            button.style().unpolish(button)
            button.style().polish(button)

    def apply_theme(self, theme: Theme) -> None:
        pt = theme.font_pt
        self.setStyleSheet(
            f"QLabel#startHeading {{ font-size: {pt * 1.5:.0f}pt; font-weight: bold; }}"
            f" QPushButton#lessonButton {{ font-size: {pt * 1.1:.0f}pt; text-align: left; padding: 10px 14px;"
            f" min-height: {pt * 4:.0f}px; border: 2px solid #B8C4D2; border-radius: 6px; background: #FFFFFF; }}"
            f" QPushButton#lessonButton:hover {{ background: #EEF4FB; }}"
            f" QPushButton#lessonButton[current=\"true\"] {{ border: 3px solid {theme.accent}; }}")
        width = int(pt * 95)
        self.resize(width, int(width * 0.55))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """1 … 8 opens that lesson; Esc closes (QDialog's own)."""
        text = event.text()
        if text.isdigit() and int(text) in self.buttons:
            self._choose(int(text))
            return
        super().keyPressEvent(event)

