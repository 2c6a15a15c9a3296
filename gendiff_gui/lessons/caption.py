"""The lesson caption: a banner over the views with the lesson's title, its formula (big) and its idea."""
from __future__ import annotations

import re

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

from gendiff_gui.widgets.theme import NORMAL, Theme, themed_style_sheet

TITLE_SCALE, FORMULA_SCALE, IDEA_SCALE, NOTE_SCALE = 1.15, 1.6, 1.0, 0.85  # of the theme's font: 20 pt presentation -> 32 pt formula
STYLE = """
#lessonCaption { background: #EEF4FB; border-left: 6px solid $accent; border-radius: 3px; }
#lessonCaption QLabel { color: #000000; font-size: ${idea}pt; }
#lessonCaption QLabel#lessonFormula { font-size: ${formula}pt;
    font-family: 'DejaVu Serif', 'Cambria Math', 'STIX Two Math', serif; }
#lessonCaption QLabel#lessonNote { color: #7A3300; font-style: italic; font-size: ${note}pt; }
"""  # black on a pale accent; sizes: see themed_style_sheet
TITLE_STYLE = "font-size: ${title}pt; font-weight: bold;"
# In the presentation side column the caption takes at most this share of the column's height; where its text
# would need more, the text is set smaller, in these steps (PowerPoint's autofit), rather than cut at the bottom.
FIT_SHARE = 0.5
FIT_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6)


def rich(text: str) -> str:
    """Qt rich text of a caption line (<sub> kept): runs of spaces stay as wide as typed."""
    return re.sub(r" {2,}", lambda m: "&nbsp;" * len(m[0]), text)


class LessonCaption(QFrame):
    """`show_lesson(heading, formula, idea, note)` (formula and idea may hold <sub>); buttons out: previous, next,
    all lessons (close hides it)."""

    previous_requested = Signal()
    next_requested = Signal()
    all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonCaption")
        self.title = QLabel()
        self.formula = QLabel()
        self.formula.setObjectName("lessonFormula")
        self.idea = QLabel()
        self.note = QLabel()
        self.note.setObjectName("lessonNote")
        for label in (self.title, self.formula, self.idea, self.note):
            label.setWordWrap(True)
            rich_text = label in (self.formula, self.idea)
            label.setTextFormat(Qt.TextFormat.RichText if rich_text else Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.previous = QPushButton("◀")
        self.previous.setToolTip("Previous lesson (Ctrl+PgUp)")
        self.next = QPushButton("▶")
        self.next.setToolTip("Next lesson (Ctrl+PgDown)")
        self.all = QPushButton("All lessons")
        self.all.setToolTip("The lessons in the lecture's order (Ctrl+L)")
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide the caption (the Lessons menu brings it back)")
        for button in (self.previous, self.next, self.all, self.close_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches them; Space stays the window's (key_router)
        self.previous.clicked.connect(self.previous_requested)
        self.next.clicked.connect(self.next_requested)
        self.all.clicked.connect(self.all_requested)
        self.close_button.clicked.connect(self.hide)
        self._source = ("", "")
        self._narrow = False
        self._theme = NORMAL
        self._fit = 1.0  # the text's scale in the side column (FIT_SCALES)
        self._fit_key: tuple[int, int, str] | None = None  # (width, room, text) the scale was chosen for
        self._watched: QWidget | None = None

        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(12, 6, 6, 6)
        self._grid.setVerticalSpacing(2)
        self.set_narrow(False)
        for label, name in ((self.title, "Lesson"), (self.formula, "Formula"), (self.idea, "Idea"),
                            (self.note, "Note")):
            label.setAccessibleName(name)
        for button, name in ((self.previous, "Previous lesson"), (self.next, "Next lesson"),
                             (self.all, "All lessons"), (self.close_button, "Hide the caption")):
            button.setAccessibleName(name)
        self.apply_theme(NORMAL)
        self.hide()

    def set_narrow(self, narrow: bool) -> None:
        """Wide (a banner over the views: the buttons on the right) or narrow (a side column: the buttons in a row
        under the text)."""
        self._narrow = narrow
        if self._watched is not None:
            self._watched.removeEventFilter(self)
        self._watched = self.parentWidget() if narrow else None  # the side column: its height sets the fit
        if self._watched is not None:
            self._watched.installEventFilter(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred,
                           QSizePolicy.Policy.Maximum if narrow else QSizePolicy.Policy.Preferred)
        self.set_note(self.note.text())
        self.apply_theme(self._theme)
        grid = self._grid
        for row, label in enumerate((self.title, self.formula, self.idea, self.note)):
            grid.addWidget(label, row, 0, 1, 4 if narrow else 1)
        if narrow:
            for col, button in enumerate((self.previous, self.next, self.all)):
                grid.addWidget(button, 4, col)
            grid.addWidget(self.close_button, 4, 3, Qt.AlignmentFlag.AlignRight)
            grid.setColumnStretch(0, 0)
            grid.setColumnStretch(2, 0)
            grid.setColumnStretch(3, 1)  # the buttons at their own widths, the close cross at the far right
        else:
            grid.addWidget(self.previous, 0, 1)
            grid.addWidget(self.next, 0, 2)
            grid.addWidget(self.all, 1, 1, 1, 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.close_button, 0, 3, Qt.AlignmentFlag.AlignTop)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(2, 0)
            grid.setColumnStretch(3, 0)
        grid.setHorizontalSpacing(6 if narrow else 16)
        self._fit_key = None
        self.fit()

    def resizeEvent(self, event) -> None:
        """Fit again at the new width: the side column's layout does not pass on the labels' height-for-width, and
        a formula wrapped onto one more line was cut off at the bottom where there was room for it (seen at 1920 x
        1080 in lesson 4)."""
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        """The side column (the parent, when narrow) changed height: fit the text to its share again."""
        if event.type() == QEvent.Type.Resize and obj is self._watched:
            self.fit()
        return False

    def fit(self) -> None:
        """Narrow: the largest FIT_SCALES text scale whose wrapped text fits FIT_SHARE of the column's height (the
        smallest where none does), and that text's height as the caption's minimum, so the column's layout gives
        the caption all of it (squeezed, the formula's last line and the idea's end were cut: lesson 9 at 1920 x
        1080, lesson 8 at 1280 x 800). Wide (the banner): the scale 1, no minimum."""
        parent = self.parentWidget()
        room = round(parent.height() * FIT_SHARE) if self._narrow and parent is not None else 0
        key = (self.width(), room, self.text())
        if key == self._fit_key:
            return
        self._fit_key = key
        if not self._narrow or room <= 0:
            self._set_fit(1.0)
            self.setMinimumHeight(0)
            return
        for scale in FIT_SCALES:
            self._set_fit(scale)
            needed = self._grid.totalHeightForWidth(self.width())
            if needed <= room:
                break
        self.setMinimumHeight(max(needed, 0))  # the text's height: the column's layout gives the caption all of it

    def _set_fit(self, scale: float) -> None:
        if scale != self._fit:
            self._fit = scale
            self.apply_theme(self._theme)

    def show_lesson(self, heading: str, formula: str, idea: str, note: str = "") -> None:
        self.title.setText(heading)
        self.formula.setText(rich(formula))
        self.idea.setText(rich(idea))
        self._source = (formula, idea)
        self.set_note(note)
        self.show()
        self.fit()

    def set_note(self, note: str) -> None:
        """A line under the idea (the model is loading, missing, partly trained ...); '' hides it. Narrow (the
        presentation side column, short of height), the note is the title's tooltip and accessible description."""
        self.note.setText(note)
        narrow = self._narrow
        self.note.setVisible(bool(note) and not narrow)
        self.title.setToolTip(note if narrow else "")
        self.title.setAccessibleDescription(note)

    def set_navigation(self, has_previous: bool, has_next: bool) -> None:
        self.previous.setEnabled(has_previous)
        self.next.setEnabled(has_next)

    def text(self) -> str:
        """Everything the caption says, as given to show_lesson (for tests and the log)."""
        parts = (self.title.text(), *self._source, self.note.text())
        return "\n".join(part for part in parts if part)

    def apply_theme(self, theme: Theme) -> None:
        """Sizes follow the theme (the window calls this on normal / presentation); black on a pale accent."""
        self._theme = theme
        narrow = 0.95 if self._narrow else 1.0  # the side column: a smaller title (the formula keeps its 1.5x+)
        fit = self._fit if self._narrow else 1.0
        self.setStyleSheet(themed_style_sheet(STYLE, theme, idea=IDEA_SCALE * fit, formula=FORMULA_SCALE * fit,
                                              note=NOTE_SCALE))
        self.title.setStyleSheet(themed_style_sheet(TITLE_STYLE, theme, title=TITLE_SCALE * narrow * fit))
        for arrow in (self.previous, self.next):  # both as wide (in the side column's row one was a sliver)
            arrow.setFixedWidth(round(theme.font_pt * (3.5 if theme.presentation else 4.5)))
