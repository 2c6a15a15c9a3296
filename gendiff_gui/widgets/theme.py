"""The two looks of the program: `normal` for a laptop and `presentation` for a projector (big, thick, contrasted)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from string import Template

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# Colour per loss part: Okabe-Ito hues (colour-blind safe), darkened to survive a washed-out projector.
LOSS_COLORS = {
    "total": "#111111",
    "reconstruction": "#0060B0",
    "kl": "#C84300",
    "denoise": "#007A55",
}
EXTRA_COLORS = ("#A0307A", "#B07800", "#4B3C9E", "#5A5A5A")
FOCUS_COLOR = "#0050A0"  # the focus ring (and the latent map's keyboard cursor)


@dataclass(frozen=True)
class Theme:
    """Font scale, line widths and palette of one look."""

    name: str
    font_pt: float  # the application's base font size
    line_width: float  # main (smoothed) curves
    raw_line_width: float  # the faint unsmoothed curves behind them
    raw_opacity: float  # how strongly the unsmoothed curves show through (0..1, pre-blended: opaque pens)
    axis_width: float
    window: str
    panel: str
    text: str
    plot_background: str
    plot_foreground: str
    accent: str
    error: str
    grid: str  # opaque grid colour (translucent grid lines cost more to paint than the curves)
    icon_px: int

    @property
    def plot_font_pt(self) -> float:
        return self.font_pt * 1.1

    def loss_color(self, key: str, index: int = 0) -> str:
        return LOSS_COLORS.get(key, EXTRA_COLORS[index % len(EXTRA_COLORS)])

    @property
    def presentation(self) -> bool:
        """True for the projector's look (bigger dots, thicker lines where a view draws them itself)."""
        return self.name == "presentation"


NORMAL = Theme(
    name="normal", font_pt=11, line_width=2.2, raw_line_width=1.0, raw_opacity=0.3, axis_width=1.0,
    window="#F3F4F6", panel="#FFFFFF", text="#1A1A1A", plot_background="#FFFFFF", plot_foreground="#222222",
    accent="#0060B0", error="#B00020", grid="#E3E3E3", icon_px=22,
)
# For the back of a room: about twice the size, black on white (dark themes wash out to grey on projectors).
PRESENTATION = Theme(
    name="presentation", font_pt=20, line_width=5.0, raw_line_width=2.0, raw_opacity=0.35, axis_width=2.5,
    window="#FFFFFF", panel="#FFFFFF", text="#000000", plot_background="#FFFFFF", plot_foreground="#000000",
    accent="#0050A0", error="#C00000", grid="#C4C4C4", icon_px=40,
)
THEMES = {t.name: t for t in (NORMAL, PRESENTATION)}
PRESENTATION_SCREEN_PX = 1080  # the screen height PRESENTATION's sizes are made for


def presentation_for(screen_height_px: int) -> Theme:
    """The presentation look for a screen `screen_height_px` logical pixels high: PRESENTATION itself from 1080 px
    up, proportionally smaller below (text keeps the same share of the projected picture, so it reads the same
    from the back of the room, and a 1280x800 projector still shows the views), never under 12 pt."""
    k = min(1.0, max(int(screen_height_px), 1) / PRESENTATION_SCREEN_PX)
    if k >= 1.0:
        return PRESENTATION
    return replace(PRESENTATION, font_pt=max(12.0, round(PRESENTATION.font_pt * k, 1)),
                   icon_px=max(24, round(PRESENTATION.icon_px * k)),
                   line_width=max(3.0, PRESENTATION.line_width * k), axis_width=max(1.5, PRESENTATION.axis_width * k))


def palette(theme: Theme) -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.Base: theme.panel,
        QPalette.ColorRole.AlternateBase: theme.window,
        QPalette.ColorRole.Button: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.ToolTipBase: "#FFFFE8",
        QPalette.ColorRole.ToolTipText: "#000000",
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.Link: theme.accent,
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    return pal


def scaled_font(scale: float = 1.0, bold: bool = False, theme: Theme | None = None) -> QFont:
    """The one font helper: the application's font (`style_application` sets it from the theme), or `theme`'s
    base size before the application has it, times `scale`."""
    font = QFont(QApplication.font())
    base = theme.font_pt if theme is not None else font.pointSizeF()
    font.setPointSizeF(max(6.0, base * scale))
    font.setBold(bold)
    return font


def themed_style_sheet(template: str, theme: Theme, **scales: float) -> str:
    """A widget's style sheet for `theme`, from a Qt style sheet `template` in which `$accent` is the theme's accent
    colour and each `$name` (or `${name}`) of `scales` that multiple of the theme's font size, rounded to whole
    units (`font-size: ${title}pt`, `min-height: ${button}px`): what an `apply_theme` hook sets."""
    sizes = {name: f"{theme.font_pt * scale:.0f}" for name, scale in scales.items()}
    return Template(template).substitute(accent=theme.accent, **sizes)


_APPLIED = "gendiffTheme"  # the application's property: repr of the theme style_application applied last


def style_application(app: QApplication, theme: Theme) -> None:
    """Style, palette and base font of the whole application; the window then calls every widget's one hook,
    `apply_theme(theme)`, whose fonts follow from `scaled_font`. The theme already applied is not applied again
    (each call restyles every widget: the window's first set_theme, after app.py's, cost 0.2-0.4 s of start-up)."""
    if app.property(_APPLIED) == repr(theme):
        return
    app.setProperty(_APPLIED, repr(theme))
    app.setStyle("Fusion")
    app.setPalette(palette(theme))
    app.setFont(scaled_font(theme=theme))
    box = round(theme.font_pt * 1.3)  # check boxes and radio buttons grow with the text
    app.setStyleSheet(f"QCheckBox::indicator {{ width: {box}px; height: {box}px; }}\n" + focus_ring(theme))


FOCUS_TYPES = ("QPushButton", "QToolButton", "QCheckBox", "QComboBox", "QAbstractSpinBox", "QSlider",
               "QListWidget", "QTabBar")


def focus_ring(theme: Theme) -> str:
    """The keyboard focus, visible: a solid accent border on the focused control (the accent against the white
    window is about 8:1, over WCAG 2.4.7 / 1.4.11's 3:1); 3 px wide on a projector, 2 px otherwise."""
    width = 3 if theme.presentation else 2
    selectors = ", ".join(f"{name}:focus" for name in FOCUS_TYPES)
    return f"{selectors} {{ border: {width}px solid {FOCUS_COLOR}; border-radius: 3px; }}"
