"""The widget-tree audit behind the projector check and benchmark: the main picture's share of the screen, controls
cut off by an ancestor, text squeezed into less room than it needs, controls a screen reader cannot name, and text
contrast (WCAG 2.x relative luminance); inside plots, plot_audit's text past the plot's edge and too short a data area."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QAccessible, QColor, QPalette
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QComboBox,
                               QLabel, QLineEdit, QScrollBar, QTabBar, QWidget)

from gendiff_gui.widgets.plot_audit import plot_problems

CONTROL_TYPES = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QTabBar,
                 QAbstractItemView)
TEXT_TYPES = (QLabel, QAbstractButton, QComboBox, QAbstractSpinBox, QTabBar)
BUTTON_TEXT_MARGIN = 3  # px a button's text keeps from its edge, inside its contents rectangle
TOOLBAR_OVERFLOW = "qt_toolbar_ext_button"  # Qt's » button: a toolbar too narrow for its actions


def relative_luminance(color: QColor | str) -> float:
    """WCAG 2.x relative luminance: L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels,
    c_lin = c / 12.92 for c <= 0.03928, else ((c + 0.055) / 1.055) ** 2.4 (c = channel / 255)."""
    c = QColor(color)

    def linear(value: int) -> float:
        s = value / 255.0
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(c.red()) + 0.7152 * linear(c.green()) + 0.0722 * linear(c.blue())


def contrast_ratio(a: QColor | str, b: QColor | str) -> float:
    """WCAG contrast ratio (L_lighter + 0.05) / (L_darker + 0.05), from 1 (same colour) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _is_internal(widget: QWidget) -> bool:
    """Parts of another control (a spin box's line edit, a tab bar's scroll arrows, a scroll area's bars)."""
    parent = widget.parentWidget()
    return isinstance(parent, (QAbstractSpinBox, QComboBox, QTabBar)) or (
        isinstance(widget, QScrollBar) and widget.objectName() != "")


def controls(root: QWidget) -> list[QWidget]:
    """Every visible control under `root` (including it), parts of other controls left out."""
    found = [root, *root.findChildren(QWidget)]
    return [w for w in found if isinstance(w, CONTROL_TYPES) and w.isVisible() and not _is_internal(w)
            and w.objectName() != TOOLBAR_OVERFLOW]


def accessible_name(widget: QWidget) -> str:
    """What a screen reader says for `widget`: Qt's accessible name (its own, its text, or its label buddy's)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    name = interface.text(QAccessible.Text.Name) if interface is not None else ""
    return (name or widget.accessibleName() or "").strip()


def cut_off(widget: QWidget, tolerance: int = 1) -> QWidget | None:
    """The first ancestor whose rectangle does not hold all of `widget` (None when every one does)."""
    rect = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size()).adjusted(tolerance, tolerance,
                                                                             -tolerance, -tolerance)
    ancestor = widget.parentWidget()
    while ancestor is not None:
        if not QRect(ancestor.mapToGlobal(QPoint(0, 0)), ancestor.size()).contains(rect):
            return ancestor
        ancestor = ancestor.parentWidget()
    return None


def squeezed(widget: QWidget, tolerance: int = 2) -> str | None:
    """How a label or button shows less of its text than it needs ("needs 153 px of height, has 129"), else None:
    a wrapping label shorter than its height for its width, any other one (or a button) narrower than its text.
    Such text is cut by the widget itself, inside its own rectangle, so `cut_off` does not see it (a projected
    "Guida" for "Guidance w", a formula's last line gone)."""
    text = getattr(widget, "text", None)
    if not callable(text) or not text() or (isinstance(widget, QLabel) and widget.pixmap() is not None
                                             and not widget.pixmap().isNull()):
        return None
    if isinstance(widget, QLabel) and widget.wordWrap():
        needed = widget.heightForWidth(widget.width())
        if needed > widget.height() + tolerance:
            return f"needs {needed} px of height, has {widget.height()}"
        return None
    if isinstance(widget, QAbstractButton):  # its text (and icon) against its contents, the style's padding aside
        needed = widget.fontMetrics().horizontalAdvance(widget.text().replace("&", "")) + widget.iconSize().width() * (
            not widget.icon().isNull())
        room = widget.contentsRect().width() - 2 * BUTTON_TEXT_MARGIN
    else:
        needed, room = widget.minimumSizeHint().width(), widget.width()
    if needed > room + tolerance:
        return f"needs {needed} px of width, has {room}"
    return None


def describe(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    text = text() if callable(text) else ""
    name = widget.objectName() or text or widget.accessibleName() or widget.toolTip()[:30]
    return f"{type(widget).__name__}({name!r})"


def text_contrast(widget: QWidget) -> float | None:
    """Contrast of `widget`'s text colour (its palette's foreground role, style sheets applied) against the colour
    most of its pixels have on screen (its background); None for a widget without text or a disabled one."""
    text = getattr(widget, "text", None)
    has_text = bool(text()) if callable(text) else isinstance(widget, (QComboBox, QAbstractSpinBox, QTabBar))
    if not has_text or not widget.isEnabled() or widget.width() < 2 or widget.height() < 2:
        return None
    image = widget.grab().toImage()
    step = max(1, min(image.width(), image.height()) // 40)
    counts = Counter(image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step))
    background = QColor.fromRgb(counts.most_common(1)[0][0])
    role = widget.foregroundRole()
    if isinstance(widget, (QAbstractSpinBox, QComboBox)) and role == QPalette.ColorRole.WindowText:
        role = QPalette.ColorRole.Text
    return contrast_ratio(widget.palette().color(role), background)


@dataclass
class Audit:
    """What one look at the window found."""

    screen_height: int
    main_side: int  # the main picture's square side, px (the smallest square among its parts)
    cut: list[str] = field(default_factory=list)  # "control in ancestor" for every control cut off
    squeezed: list[str] = field(default_factory=list)  # "label: needs ... has ..." for text cut by its own widget
    unnamed: list[str] = field(default_factory=list)
    lowest_contrast: float = 21.0
    lowest_contrast_at: str = ""
    scroll_bars: list[str] = field(default_factory=list)  # visible scroll bars: something needs scrolling

    @property
    def main_share(self) -> float:
        return self.main_side / max(1, self.screen_height)

    def figures(self) -> dict:
        return {"main_side_px": self.main_side, "main_share": round(self.main_share, 3), "cut_off": len(self.cut),
                "squeezed": len(self.squeezed), "unnamed": len(self.unnamed), "scroll_bars": len(self.scroll_bars),
                "lowest_text_contrast": round(self.lowest_contrast, 2), "lowest_contrast_at": self.lowest_contrast_at}


def main_picture_side(pictures: list[QWidget]) -> int:
    """The side of the largest square each part of the main picture can show, the smallest over the parts."""
    sides = [min(w.width(), w.height()) for w in pictures if w.isVisible()]
    return min(sides) if sides else 0


def audit(window: QWidget, pictures: list[QWidget], screen_height: int, contrast: bool = True) -> Audit:
    """Walk every visible widget of `window`: the main picture (`pictures`), cut-off and unnamed controls, visible
    scroll bars and the lowest text contrast."""
    result = Audit(screen_height, main_picture_side(pictures))
    if window.height() > screen_height + 1:  # its minimum size outgrew the screen: the bottom runs off it
        result.cut.append(f"{describe(window)}: {window.height()} px tall on a screen of {screen_height}")
    for widget in controls(window):
        ancestor = cut_off(widget)
        if ancestor is not None:
            result.cut.append(f"{describe(widget)} in {describe(ancestor)}")
        if isinstance(widget, QScrollBar):
            result.scroll_bars.append(describe(widget.parentWidget() or widget))
        elif not accessible_name(widget):
            result.unnamed.append(describe(widget))
    for widget in [window, *window.findChildren(QWidget)]:
        if isinstance(widget, (QLabel, QAbstractButton)) and widget.isVisible() and not _is_internal(widget):
            short = squeezed(widget)
            if short is not None:
                result.squeezed.append(f"{describe(widget)}: {short}")
        elif isinstance(widget, pg.PlotWidget) and widget.isVisible():
            cut, short = plot_problems(widget)
            result.cut += [f"{text} in {describe(widget)}" for text in cut]
            result.squeezed += [f"{describe(widget)}: {text}" for text in short]
    if contrast:
        for widget in [window, *window.findChildren(QWidget)]:
            if isinstance(widget, TEXT_TYPES) and widget.isVisible() and not _is_internal(widget):
                ratio = text_contrast(widget)
                if ratio is not None and ratio < result.lowest_contrast:
                    result.lowest_contrast, result.lowest_contrast_at = ratio, describe(widget)
    return result


def audit_window(window, screen_height: int, contrast: bool = True) -> Audit:
    """The audit of a main window (its `main_picture()` hook names the picture the lesson is about)."""
    return audit(window, window.main_picture(), screen_height, contrast)
