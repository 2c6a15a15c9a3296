"""Read and set the values of named controls (combo boxes, check boxes, sliders, spin boxes, tabs) under a widget:
what a panel's `view_state()` / `restore_view_state(state)` keep of its controls."""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QTabWidget, QWidget

Value = int | float | bool | str | None


def _find(root: QWidget, path: str) -> object | None:
    widget: object = root
    for part in path.split("."):
        widget = getattr(widget, part, None)
        if widget is None:
            return None
    return widget


def read_controls(root: QWidget, paths: Iterable[str]) -> dict[str, Value]:
    """{attribute path: value} of the controls at these paths under `root` (combo boxes: the item's data if it
    has any, else its text; tab widgets: the current index); paths that are not there are left out."""
    values: dict[str, Value] = {}
    for path in paths:
        widget = _find(root, path)
        if isinstance(widget, QComboBox):
            data = widget.currentData()
            values[path] = data if isinstance(data, (int, float, str)) or data is None else widget.currentText()
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            values[path] = widget.isChecked()
        elif isinstance(widget, QTabWidget):
            values[path] = widget.currentIndex()
        elif isinstance(widget, QDoubleSpinBox):
            values[path] = float(widget.value())
        elif hasattr(widget, "value") and hasattr(widget, "setValue"):
            values[path] = int(widget.value())
    return values


def write_controls(root: QWidget, values: dict[str, Value], quiet: QWidget | None = None) -> list[str]:
    """Set each control to its saved value (values that do not fit are skipped); `quiet`'s own signals are
    blocked meanwhile (a panel that would react to every change). Returns the paths that could not be set."""
    missed = []
    blocker = QSignalBlocker(quiet) if quiet is not None else None
    try:
        for path, value in values.items():
            widget = _find(root, str(path))
            try:
                if isinstance(widget, QComboBox):
                    index = widget.findData(value)
                    index = index if index >= 0 else widget.findText(str(value))
                    if index < 0:
                        raise ValueError(value)
                    widget.setCurrentIndex(index)
                elif isinstance(widget, QAbstractButton) and widget.isCheckable():
                    widget.setChecked(bool(value))
                elif isinstance(widget, QTabWidget):
                    widget.setCurrentIndex(int(value))
                elif isinstance(widget, QDoubleSpinBox):
                    widget.setValue(float(value))
                elif hasattr(widget, "setValue"):
                    widget.setValue(int(value))
                else:
                    raise ValueError(value)
            except (TypeError, ValueError, OverflowError):
                missed.append(str(path))
    finally:
        if blocker is not None:
            blocker.unblock()
    return missed
