"""Reconstructions: rows of x, the noisy input x′ = x + ε (ε ~ N(0, σ²), a live σ slider) and x̃ = dec(enc(x′))."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QWidget

from gendiff_gui.widgets.image_tile import ImageTile, align_captions
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

SIGMA_MAX = 1.0
SIGMA_STEPS = 100
ROW_CAPTIONS = ("x  (test images)", "x′ = x + ε,   ε ~ N(0, σ²)", "x̃ = dec(enc(x′))")


class ReconstructionsView(QWidget):
    """`set_rows(x, x_noisy, x_rec)` (each (n, h, w)); emits `sigma_changed(σ)` as the slider moves."""

    sigma_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = [ImageTile(caption, pad=2, min_px=30, caption_left=True, wrap=True) for caption in ROW_CAPTIONS]
        for row in self.rows:
            row.caption.setWordWrap(False)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SIGMA_STEPS)
        self.slider.setMinimumHeight(28)
        self.slider.setAccessibleName("Noise sigma")
        self.slider.setToolTip("σ of the noise added to the inputs (display only)")
        self.slider.valueChanged.connect(self._on_slider)
        self.value = QLabel()
        self.note = QLabel("display only: training uses the model's own σ")
        self.note.setStyleSheet("color: #444")
        self.note.setWordWrap(True)
        layout = QGridLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setVerticalSpacing(2)
        for r, row in enumerate(self.rows):
            layout.addWidget(row, r, 0, 1, 3)
            layout.setRowStretch(r, 1)
        layout.addWidget(self.slider, 3, 0)
        layout.addWidget(self.value, 3, 1)
        layout.addWidget(self.note, 3, 2)
        layout.setColumnStretch(0, 2)
        self._show_value()
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font (bigger in presentation mode)."""
        self.value.setFont(scaled_font(1.2, bold=True))
        self.note.setFont(scaled_font(0.85))
        for row in self.rows:
            row.apply_theme(theme)
        align_captions(self.rows, theme)  # one column of captions: the three strips line up

    @property
    def sigma(self) -> float:
        return self.slider.value() * SIGMA_MAX / SIGMA_STEPS

    def set_sigma(self, sigma: float) -> None:
        """Move the slider (emits sigma_changed if it moved)."""
        self.slider.setValue(int(round(float(np.clip(sigma, 0.0, SIGMA_MAX)) * SIGMA_STEPS / SIGMA_MAX)))

    def set_rows(self, x: np.ndarray, x_noisy: np.ndarray, x_rec: np.ndarray) -> None:
        for row, images in zip(self.rows, (x, x_noisy, x_rec)):
            row.set_images(images)

    def _show_value(self) -> None:
        self.value.setText(f"σ = {self.sigma:.2f}")

    def _on_slider(self, _value: int) -> None:
        self._show_value()
        self.sigma_changed.emit(self.sigma)
