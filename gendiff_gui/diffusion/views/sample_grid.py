"""Image diffusion at one t: the grid of samples x_t beside the model's estimate of x_0 from them (two ImageTiles)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.image_grid import grid_columns
from gendiff_gui.widgets.image_tile import ImageTile
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

X_T_CAPTION = "x_t: the samples now"
X0_CAPTION = "x̂₀: what the denoiser believes the noise hides"


class SampleGridView(QWidget):
    """`set_frame(x_t, x0_pred)` with images (n, 1, h, w) or (n, h, w) in [0, 1]; `set_title`, `set_captions`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.x_t = ImageTile(X_T_CAPTION, pad=2, min_px=96)
        self.x0 = ImageTile(X0_CAPTION, pad=2, min_px=96)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.x_t, 1)
        row.addWidget(self.x0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(row, 1)
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        self.title.setFont(scaled_font(1.05, bold=True))
        self.x_t.apply_theme(theme)
        self.x0.apply_theme(theme)

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_captions(self, x_t: str, x0: str) -> None:
        self.x_t.set_caption(x_t)
        self.x0.set_caption(x0)

    def set_frame(self, x_t: np.ndarray, x0_pred: np.ndarray) -> None:
        x_t = np.asarray(x_t).reshape(-1, *np.shape(x_t)[-2:])
        x0_pred = np.asarray(x0_pred).reshape(-1, *np.shape(x0_pred)[-2:])
        cols = grid_columns(len(x_t))
        self.x_t.set_images(x_t, cols=cols)
        self.x0.set_images(x0_pred, cols=cols)

    def clear(self) -> None:
        self.x_t.clear()
        self.x0.clear()

    def shown(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The two pictures on screen (tiled), for tests."""
        return self.x_t.shown(), self.x0.shown()
