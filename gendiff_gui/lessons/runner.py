"""Opens a lesson in the main window: its bundled model through the session's load job (or a fresh one trained
from scratch when the file is missing or unreadable), its view tab, its settings, and its caption.

`install(window)` adds the caption banner, the Lessons menu (Ctrl+1 … Ctrl+9, next / previous, all lessons) and
returns the LessonRunner. A lesson is "on screen" from the moment the session installs its model
(`lesson_opened(number)`); it is left when another model replaces it (the caption hides, the settings forget it).
Later launches reopen the last lesson (`startup_lesson`).
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QComboBox, QTabWidget, QWidget

from core.config import ExperimentConfig
from gendiff_gui.lessons.catalogue import CLICK, LESSONS, Lesson, lesson, plain
from gendiff_gui.lessons.start_page import StartPage
from gendiff_gui.lessons.caption import LessonCaption

log = logging.getLogger(__name__)
SETTINGS_KEY = "lesson/number"
FIRST_LESSON = 4  # first launch: the MNIST VAE, its latent map filled without any training


def same_model(item: Lesson, config: ExperimentConfig) -> bool:
    """True if `config` is the model this lesson shows (the bundled one or its from-scratch twin)."""
    want = item.config
    return (config.model, config.dataset, config.conditional) == (want.model, want.dataset, want.conditional)


def startup_lesson(settings: QSettings, requested: int | None, explicit: bool) -> tuple[int | None, bool]:
    """(lesson to open at start or None, whether this is the first launch): `--lesson N` wins; explicit model
    flags open no lesson; else the last lesson, or lesson 4 on a first launch (no settings yet)."""
    if requested is not None:
        return requested, False
    if explicit:
        return None, False
    last = settings.value(SETTINGS_KEY)
    if last is not None:
        try:
            return lesson(int(last)).number, False
        except (TypeError, ValueError):
            return None, False
    first = settings.value("experiment/config") is None
    return (FIRST_LESSON, True) if first else (None, False)


def apply_control(root: QWidget, path: str, value: object) -> bool:
    """Set the widget at attribute `path` under `root` to `value` in its own units; False if it is not there."""
    widget: object = root
    for part in path.split("."):
        widget = getattr(widget, part, None)
        if widget is None:
            return False
    if isinstance(widget, QComboBox):
        index = widget.findData(value)
        index = index if index >= 0 else widget.findText(str(value))
        if index < 0:
            return False
        widget.setCurrentIndex(index)
    elif isinstance(widget, QAbstractButton):
        if value == CLICK:
            widget.click()
        else:
            widget.setChecked(bool(value))
    elif hasattr(widget, "setValue"):
        widget.setValue(int(value))
    else:
        return False
    return True


def select_tab(root: QWidget, text: str) -> bool:
    """Bring forward the tab called `text` in any tab widget inside `root`."""
    for tabs in root.findChildren(QTabWidget):
        for i in range(tabs.count()):
            if tabs.tabText(i).replace("&", "") == text:
                tabs.setCurrentIndex(i)
                return True
    return False


class LessonRunner(QObject):
    lesson_opened = Signal(int)  # the lesson's model is on screen, its views and settings applied

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.current: Lesson | None = None
        self._pending: Lesson | None = None
        self._from_scratch_note = ""
        self._start_page: StartPage | None = None
        self.caption = LessonCaption()
        self.caption.previous_requested.connect(lambda: self.step(-1))
        self.caption.next_requested.connect(lambda: self.step(+1))
        self.caption.all_requested.connect(self.show_start_page)
        self.session.experiment_changed.connect(self._on_experiment)
        self.session.state_changed.connect(self._on_state)

    # ----- opening -----
    def open(self, number: int) -> Lesson:
        """Stop training and open lesson `number` (ValueError for an unknown number)."""
        item = lesson(number)
        self._pending, self._from_scratch_note = item, ""
        self.caption.show_lesson(item.heading, item.formula, item.idea, "Opening the model…")
        self.caption.set_navigation(number > LESSONS[0].number, number < LESSONS[-1].number)
        if self._start_page is not None:
            self._start_page.mark_current(number)
        self.window.messages.dismiss()
        self.window.settings.setValue(SETTINGS_KEY, number)
        self.session.stop()
        path = item.checkpoint_path
        if path is None:
            self._build(item)
        elif not path.is_file():
            self._build(item, f"The bundled model {path.name} is missing, so this lesson trains one from scratch.")
        else:
            self.session.load(path)
        return item

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) lesson."""
        number = (self.current or self._pending or lesson(FIRST_LESSON)).number + delta
        if LESSONS[0].number <= number <= LESSONS[-1].number:
            self.open(number)

    def _build(self, item: Lesson, note: str = "") -> None:
        self._from_scratch_note = note
        self.session.build(item.config)
        if item.train_on_open or note:
            self.session.train()  # starts once the new model is in place

    def _on_state(self, _state: str) -> None:
        """Nothing installed and no job left: the checkpoint could not be read; train from scratch instead."""
        item = self._pending
        if item is None or self.session.busy:
            return
        if self._from_scratch_note or item.checkpoint is None:  # even the fresh model failed: give up quietly
            self._pending = None
            self.caption.set_note("This lesson's model could not be built (see the message above).")
            return
        self._build(item, f"The bundled model {item.checkpoint_path.name} could not be read, so this lesson "
                          "trains one from scratch.")

    def _on_experiment(self, config: ExperimentConfig) -> None:
        item = self._pending
        if item is not None and same_model(item, config):
            self._arrive(item)
        elif item is not None:  # a newer request (Reset with other settings, Open ...) replaced the lesson
            self._pending = None
            self.leave()
        elif self.current is not None and not same_model(self.current, config):
            self.leave()
        elif self.current is not None:  # Reset within the lesson: the same model, fresh
            self.caption.set_note("A fresh model (Reset): Train learns it from scratch.")

    def _arrive(self, item: Lesson) -> None:
        self._pending, self.current = None, item
        missing = []
        view = self.window.view(item.view)
        if view is None:
            missing.append(item.view)
        else:
            self.window.view_tabs.setCurrentWidget(view)
            if item.subview and not select_tab(view, item.subview):
                missing.append(item.subview)
        for name, path, value in item.controls:
            root = self.window.view(name)
            if root is None or not apply_control(root, path, value):
                missing.append(f"{name}: {path}")
        if missing:
            log.warning("lesson %d: not found in the window: %s", item.number, ", ".join(missing))
        experiment = self.session.experiment
        steps = experiment.steps_done if experiment is not None else 0
        note = self._from_scratch_note
        if not note and item.checkpoint is not None:
            note = f"Bundled weights, trained {steps:,} steps: Train continues from them."
        self.caption.set_note(note)
        self.lesson_opened.emit(item.number)

    def resume(self, number: int) -> None:
        """Lesson `number` for the model already on screen (a reopened session): its caption, no model loaded."""
        item = lesson(number)
        self._pending, self.current = None, item
        self.caption.show_lesson(item.heading, item.formula, item.idea, "Reopened from a session file.")
        self.caption.set_navigation(number > LESSONS[0].number, number < LESSONS[-1].number)
        self.window.settings.setValue(SETTINGS_KEY, number)

    def leave(self) -> None:
        """Another model is on screen: no lesson any more."""
        self.current = None
        self.caption.hide()
        self.window.settings.remove(SETTINGS_KEY)

    # ----- start page and looks -----
    def show_start_page(self) -> StartPage:
        if self._start_page is None:
            self._start_page = StartPage(self.window)
            self._start_page.chosen.connect(self.open)
        page = self._start_page
        page.apply_theme(self.window.theme)
        page.mark_current((self.current or self._pending).number if (self.current or self._pending) else None)
        page.show()
        page.raise_()
        return page

    def apply_theme(self, theme) -> None:
        self.caption.apply_theme(theme)
        if self._start_page is not None:
            self._start_page.apply_theme(theme)


def _add_menu(window, runner: LessonRunner) -> None:
    menu = window.menuBar().addMenu("&Lessons")
    page = QAction("&All lessons…", window)
    page.setShortcut(QKeySequence("Ctrl+L"))
    page.triggered.connect(runner.show_start_page)
    menu.addAction(page)
    menu.addSeparator()
    for item in LESSONS:
        action = QAction(f"&{item.number}  {item.title}", window)
        action.setShortcut(QKeySequence(f"Ctrl+{item.number}"))
        action.setStatusTip(plain(item.formula))
        action.triggered.connect(lambda _=False, n=item.number: runner.open(n))
        menu.addAction(action)
    menu.addSeparator()
    for text, keys, delta in (("&Next lesson", "Ctrl+PgDown", +1), ("&Previous lesson", "Ctrl+PgUp", -1)):
        action = QAction(text, window)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _=False, d=delta: runner.step(d))
        menu.addAction(action)
    caption = QAction("Show the lesson &caption", window)
    caption.triggered.connect(lambda: runner.caption.setVisible(runner.current is not None))
    menu.addAction(caption)
    for action in menu.actions():
        window.addAction(action)  # shortcuts work in presentation mode too (menu bar hidden)


def install(window) -> LessonRunner:
    """The caption above the window's message bar and views, and the Lessons menu."""
    runner = LessonRunner(window)
    window.centralWidget().layout().insertWidget(0, runner.caption)
    _add_menu(window, runner)
    runner.apply_theme(window.theme)  # later: the window's set_theme calls runner.apply_theme
    return runner

