"""The interpolation strip: dec(λ·h₁ + (1 − λ)·h₂) for λ from 0 to 1, a λ slider, linear or spherical (VAE)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QPushButton, QSlider, QWidget

from gendiff_gui.widgets.image_tile import ImageTile
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

LINEAR_FORMULA = "h = λ·h₁ + (1 − λ)·h₂ → dec(h)"
SPHERICAL_FORMULA = ("h = [sin(λΩ)·h₁ + sin((1 − λ)Ω)·h₂] / sin Ω,  cos Ω = h₁·h₂ / (|h₁| |h₂|)"
                     " → dec(h)")
SLIDER_STEPS = 100


class InterpolationView(QWidget):
    """`set_strip(images, lambdas)` and `set_current(image)`; emits `lambda_changed`, `spherical_changed`,
    and `endpoint_requested(i)` when a "h₁ ← marker" / "h₂ ← marker" button is pressed."""

    lambda_changed = Signal(float)
    spherical_changed = Signal(bool)
    endpoint_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.formula = QLabel(LINEAR_FORMULA)
        self.formula.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.strip = ImageTile("", pad=2, min_px=40)
        self.ends = QLabel("h₂  (λ = 0)   →   h₁  (λ = 1)")
        self.ends.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ends.setWordWrap(True)  # beside the map on a projector the column is narrow: wrap, never widen it
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setValue(SLIDER_STEPS // 2)
        self.slider.setMinimumHeight(28)
        self.slider.setAccessibleName("Lambda")
        self.slider.setToolTip("λ: where on the line from h₂ (0) to h₁ (1) to decode")
        self.slider.valueChanged.connect(self._on_slider)
        self.value = QLabel()
        self.current = ImageTile("dec(h) at λ", min_px=70)
        self.spherical = QCheckBox("spherical (slerp)")
        self.spherical.setToolTip("A VAE's prior puts typical codes near a sphere: walk along it, not through it")
        self.spherical.toggled.connect(self._on_spherical)
        self.take = [QPushButton(text) for text in ("h₁ ← marker", "h₂ ← marker")]
        for i, button in enumerate(self.take):
            button.setToolTip("Use the point (or image) under the map's marker as this end")
            button.clicked.connect(lambda _=False, i=i: self.endpoint_requested.emit(i))
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.formula, 0, 0, 1, 5)
        layout.addWidget(self.strip, 1, 0, 1, 4)
        layout.addWidget(self.current, 1, 4, 3, 1)
        layout.addWidget(self.ends, 2, 0, 1, 4)
        layout.addWidget(self.slider, 3, 0, 1, 3)
        layout.addWidget(self.value, 3, 3)
        # the end buttons on a row of their own (h2 left, h1 right, as the strip): the column stays narrow
        layout.addWidget(self.take[1], 4, 0)
        layout.addWidget(self.take[0], 4, 3)
        layout.addWidget(self.spherical, 5, 0, 1, 4, Qt.AlignmentFlag.AlignHCenter)
        layout.setColumnStretch(1, 4)
        layout.setColumnStretch(4, 1)
        layout.setRowStretch(1, 1)
        self._show_value()
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font (bigger in presentation mode)."""
        self.formula.setFont(scaled_font(1.35, bold=True))
        self.value.setFont(scaled_font(1.2, bold=True))
        for widget in (self.ends, self.spherical, *self.take):
            widget.setFont(scaled_font(1.0))
        for tile in (self.strip, self.current):
            tile.apply_theme(theme)

    @property
    def lam(self) -> float:
        return self.slider.value() / SLIDER_STEPS

    def set_lambda(self, lam: float) -> None:
        """Move the slider to λ (emits lambda_changed if it moved)."""
        self.slider.setValue(int(round(float(np.clip(lam, 0.0, 1.0)) * SLIDER_STEPS)))

    @property
    def is_spherical(self) -> bool:
        return self.spherical.isEnabled() and self.spherical.isChecked()

    def set_spherical_available(self, available: bool) -> None:
        """Offer slerp only where it means something (a VAE's Gaussian prior)."""
        self.spherical.setEnabled(available)
        self.spherical.setVisible(available)
        if not available and self.spherical.isChecked():
            self.spherical.setChecked(False)

    def set_strip(self, images: np.ndarray) -> None:
        """Decodings (n, h, w) for λ = 0 … 1, left to right (left: h₂, right: h₁)."""
        self.strip.set_images(images)

    def set_current(self, image: np.ndarray) -> None:
        self.current.set_image(image)

    def _show_value(self) -> None:
        lam = self.lam
        self.value.setText(f"λ = {lam:.2f}")
        self.current.set_caption(f"dec(h), λ = {lam:.2f}")

    def _on_slider(self, _value: int) -> None:
        self._show_value()
        self.lambda_changed.emit(self.lam)

    def _on_spherical(self, on: bool) -> None:
        self.formula.setText(SPHERICAL_FORMULA if on else LINEAR_FORMULA)
        self.spherical_changed.emit(bool(on))
