"""Keys that must work whatever has the focus: Space (play / pause) and Page Up / Down (a presenter's clicker) reach
the window's actions even from a spin box or a button, and Enter presses the focused button or check box."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from shiboken6 import isValid as shiboken_valid
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit, QTextEdit,
                               QWidget)

WINDOW_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
PRESS_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _types_text(widget: QObject) -> bool:
    """A field where Space is a character (a free text line; a spin box's line edit takes only numbers)."""
    if isinstance(widget, QLineEdit):
        return not isinstance(widget.parentWidget(), QAbstractSpinBox)
    return isinstance(widget, (QPlainTextEdit, QTextEdit)) and not widget.isReadOnly()


class KeyRouter(QObject):
    """An event filter on the focused widget of `window` (key events go to the focus widget first): a control
    that would keep Space or Page Up/Down for itself (by accepting the ShortcutOverride) does not get to, so the
    window's shortcut fires; Enter on a focused button clicks it (Space is the window's).

    It follows the focus rather than filtering the whole application: an application filter is called from C++
    into Python for every event of every object (about 400 a second while a model trains, each taking the GIL
    from the training thread), where only key events of the focused widget matter.
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._watched: QWidget | None = None
        app = QApplication.instance()
        app.focusChanged.connect(self._follow_focus)
        self._follow_focus(None, app.focusWidget())
        window.destroyed.connect(lambda *_: self._uninstall())

    def _follow_focus(self, _old: QWidget | None, now: QWidget | None) -> None:
        self._unwatch()
        if isinstance(now, QWidget) and shiboken_valid(now) and now.window() is self._window:
            now.installEventFilter(self)
            self._watched = now

    def _unwatch(self) -> None:
        watched, self._watched = self._watched, None
        if watched is not None and shiboken_valid(watched):
            watched.removeEventFilter(self)

    def _uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            try:
                app.focusChanged.disconnect(self._follow_focus)
            except (RuntimeError, TypeError):
                pass
        self._watched = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(obj, QWidget) or obj.window() is not self._window:
            return False
        if event.modifiers() not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            return False
        key = event.key()
        if kind == QEvent.Type.ShortcutOverride:
            return key in WINDOW_KEYS and not _types_text(obj)  # not accepted: the window's shortcut fires
        if key in PRESS_KEYS and isinstance(obj, QAbstractButton) and obj.isEnabled():
            obj.click()
            return True
        return False
