"""The scrubber's keys in the diffusion panel: Space plays or pauses, Left/Right step, Home/End jump to the ends;
and the panel's own keys (N: one reverse step in step mode)."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QWidget

from gendiff_gui.diffusion.views.scrubber import KEYS, Scrubber


class ScrubberKeys(QObject):
    """An event filter on `panel`: while `active()` (the page with the scrubber is shown), Space, Left, Right, Home
    and End without modifiers drive `scrubber` when the focus is anywhere in the panel, before the window's
    shortcuts (Space = train/pause) see them, except in fields that edit text or their own slider."""

    def __init__(self, panel: QWidget, scrubber: Scrubber, active: Callable[[], bool],
                 extra: dict[int, Callable[[], None]] | None = None) -> None:
        super().__init__(panel)
        self._panel, self._scrubber, self._active = panel, scrubber, active
        self._extra = dict(extra or {})  # further keys without modifiers: key -> what it does
        panel.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or obj is not self._panel:
            return False
        if event.modifiers() != Qt.KeyboardModifier.NoModifier or not self._active():
            return False
        if kind == QEvent.Type.ShortcutOverride:
            used = (event.key() in KEYS or event.key() in self._extra) and self._focus_allows()
        elif event.key() in self._extra:
            self._extra[event.key()]()
            used = True
        else:
            used = self._scrubber.handle_key(event.key())
        if used:
            event.accept()
        return used

    def _focus_allows(self) -> bool:
        focus = self._panel.focusWidget()
        editing = isinstance(focus, (QAbstractSpinBox, QLineEdit, QAbstractSlider, QComboBox))
        return focus is self._scrubber.slider or not editing
