"""The start page: the lessons in the lecture's order as big buttons (first launch, Lessons > All lessons)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from gendiff_gui.lessons.catalogue import LESSONS, Lesson, plain
from gendiff_gui.widgets.theme import NORMAL, Theme, themed_style_sheet

COLUMNS = 2
STYLE = """
QLabel#startHeading { font-size: ${heading}pt; font-weight: bold; }
QPushButton#lessonButton { min-height: ${button}px; border: 2px solid #B8C4D2; border-radius: 6px;
    background: #FFFFFF; }
QPushButton#lessonButton:hover { background: #EEF4FB; }
QPushButton#lessonButton[current="true"] { border: 3px solid $accent; }
QLabel#lessonButtonTitle { font-size: ${title}pt; font-weight: bold; }
"""  # sizes: see themed_style_sheet


class LessonButton(QPushButton):
    """A big button: the lesson's number and title, and under it (wrapped) what the class will see."""

    def __init__(self, item: Lesson, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonButton")
        self.title = QLabel(f"{item.number}   {item.title}")
        self.title.setObjectName("lessonButtonTitle")
        self.sees = QLabel(item.sees)
        self.sees.setTextFormat(Qt.TextFormat.RichText)
        for label in (self.title, self.sees):
            label.setWordWrap(True)
        for label in (self.title, self.sees):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # clicks reach the button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.sees, 1)
        self.setToolTip(f"{plain(item.formula)}\n{plain(item.idea)}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)


class StartPage(QDialog):
    """Non-modal; `chosen(number)` when a lesson's button is pressed (then it closes); keys 1 … 8 do the same."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None, lessons: tuple[Lesson, ...] = LESSONS) -> None:
        super().__init__(parent)
        self.setWindowTitle("gendiff — lessons")
        self.setModal(False)
        self.heading = QLabel("Auto-encoders & diffusion models, idea by idea")
        self.heading.setObjectName("startHeading")
        self.hint = QLabel("Each lesson opens its model, data and views in one click. The Lessons menu "
                           f"(Ctrl+{lessons[0].number} … Ctrl+{lessons[-1].number}) switches lessons any time; Esc "
                           "closes this page.")
        self.hint.setWordWrap(True)
        self.buttons: dict[int, LessonButton] = {}
        grid = QGridLayout()
        grid.setSpacing(10)
        rows = (len(lessons) + COLUMNS - 1) // COLUMNS
        for i, item in enumerate(lessons):  # down the first column, then the second: the lecture's order
            button = LessonButton(item)
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
        self.setStyleSheet(themed_style_sheet(STYLE, theme, heading=1.5, button=6.0, title=1.2))
        self.place()

    def place(self) -> None:
        """About 85 % of the window it belongs to, centred on it."""
        parent = self.parentWidget()
        if parent is None:
            return
        area = parent.geometry()
        self.resize(int(area.width() * 0.85), int(area.height() * 0.8))
        self.move(area.center() - self.rect().center())

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """1 … 8 opens that lesson; Esc closes (QDialog's own)."""
        text = event.text()
        if text.isdigit() and int(text) in self.buttons:
            self._choose(int(text))
            return
        super().keyPressEvent(event)
