"""Image diffusion at one t: the grid of samples x_t beside the model's estimate of x_0 from them (two ImageTiles)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from core.image_grid import grid_columns
from gendiff_gui.widgets.image_tile import ImageTile
from gendiff_gui.widgets.wrapping_label import WrappingLabel
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

X_T_CAPTION = "x_t: the samples now"
X0_CAPTION = "x̂₀: what the denoiser believes the noise hides"
SAFE_FLASH_MS = 334  # presentation mode: at most 3 new noise pictures a second (WCAG 2.3.1, three flashes)


class SampleGridView(QWidget):
    """`set_frame(x_t, x0_pred)` with images (n, 1, h, w) or (n, h, w) in [0, 1]; `set_title`, `set_captions`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # the captions in a row of their own, over tiles without one: a caption that wraps to two lines leaves
        # both grids the same height (inside each tile it shrank the x0 grid alone, to 0.48 of a 800 px screen)
        self.x_t_caption, self.x0_caption = WrappingLabel(X_T_CAPTION), WrappingLabel(X0_CAPTION)
        self.x_t = ImageTile(pad=2, min_px=96)
        self.x0 = ImageTile(pad=2, min_px=96)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        for column, (caption, tile) in enumerate(((self.x_t_caption, self.x_t), (self.x0_caption, self.x0))):
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(caption, 0, column)
            grid.addWidget(tile, 1, column)
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(grid, 1)
        self._presenting = False
        self._pending: tuple[np.ndarray, np.ndarray] | None = None
        self._show_pending = qthrottled(self._draw_pending, timeout=SAFE_FLASH_MS, leading=True, parent=self)
        self.x_t.setAccessibleName("Samples x_t")
        self.x0.setAccessibleName("Predicted x0")
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        self._presenting = theme.presentation
        self.title.setFont(scaled_font(1.05, bold=True))
        for caption in (self.x_t_caption, self.x0_caption):
            caption.setFont(scaled_font(1.0, bold=True))
        self.x_t.apply_theme(theme)
        self.x0.apply_theme(theme)

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_captions(self, x_t: str, x0: str) -> None:
        self.x_t_caption.setText(x_t)
        self.x0_caption.setText(x0)

    def set_frame(self, x_t: np.ndarray, x0_pred: np.ndarray) -> None:
        """Show x_t beside x̂₀; in presentation mode at most three new pictures a second (the newest wins), so
        noise never flashes faster than WCAG 2.3.1 allows."""
        x_t = np.asarray(x_t).reshape(-1, *np.shape(x_t)[-2:])
        x0_pred = np.asarray(x0_pred).reshape(-1, *np.shape(x0_pred)[-2:])
        if not self._presenting:
            self._draw(x_t, x0_pred)
            return
        self._pending = (x_t, x0_pred)
        self._show_pending()

    def _draw_pending(self) -> None:
        if self._pending is not None:
            self._draw(*self._pending)
            self._pending = None

    def _draw(self, x_t: np.ndarray, x0_pred: np.ndarray) -> None:
        cols = grid_columns(len(x_t))
        text = f"{len(x_t)} images x_t beside their predicted x0"
        if text != self.accessibleDescription():  # a string compare per frame, an accessibility event per change
            self.setAccessibleDescription(text)
        self.x_t.set_images(x_t, cols=cols)
        self.x0.set_images(x0_pred, cols=cols)

    def clear(self) -> None:
        self.x_t.clear()
        self.x0.clear()

    def shown(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The two pictures on screen (tiled), for tests."""
        return self.x_t.shown(), self.x0.shown()
