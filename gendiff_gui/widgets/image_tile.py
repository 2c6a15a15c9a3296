"""A captioned image tile (one picture, or several tiled by core.image_grid) and the grey and signed colour maps."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from core.image_grid import fitting_columns, tile
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font
from gendiff_gui.widgets.wrapping_label import WrappingLabel

GREY_LEVELS = (0.0, 1.0)  # images in [0, 1]: black 0, white 1
SIGNED_LEVELS = (-1.0, 1.0)


def diverging_lut() -> np.ndarray:
    """Blue - white - red (256 x 3 uint8) for signed weights: readable by colour-blind viewers and on projectors."""
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    blue, white, red = np.array([33, 102, 172.0]), np.array([255, 255, 255.0]), np.array([178, 24, 43.0])
    rgb = np.where(t < 0, white + (-t) * (blue - white), white + t * (red - white))
    return rgb.astype(np.uint8)


class ImageTile(QWidget):
    """A caption over one image (pyqtgraph ImageItem, row 0 at the top, square pixels); `set_image` takes numpy.

    With `cols`, `set_images` tiles several images into the one item (a strip or a grid). A `wrap` tile lays a
    strip out in as many rows as show its images largest in the room it has (core.image_grid.fitting_columns),
    and again when it is resized: a strip of 8 beside the projector's map wraps into 2 or 3 rows.
    """

    def __init__(self, caption: str = "", *, levels: tuple[float, float] = GREY_LEVELS, lut: np.ndarray | None = None,
                 pad: int = 0, min_px: int = 96, caption_left: bool = False, wrap: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wrap = wrap
        self._strip: np.ndarray | None = None  # a wrap tile's images (n, h, w), tiled again on a resize
        self._cols = 0
        self.caption = WrappingLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter if not caption_left
                                  else Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.caption.setVisible(bool(caption))
        self.view = pg.GraphicsView(background="w")
        self.view.setMinimumSize(min_px, min_px)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a picture, not a control: no silent Tab stop
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.box = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False,
                              defaultPadding=0.0)
        self.view.setCentralItem(self.box)
        if wrap:
            self.view.installEventFilter(self)
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setLevels(levels)
        if lut is not None:
            self.item.setLookupTable(lut)
        self.box.addItem(self.item)
        self._levels, self._pad = levels, pad
        self._shape: tuple[int, ...] | None = None
        layout = QHBoxLayout(self) if caption_left else QVBoxLayout(self)  # caption left: a row of a table
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font (bigger in presentation mode)."""
        self.caption.setFont(scaled_font(1.0, bold=True))

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def set_image(self, image: np.ndarray) -> None:
        """Show one (h, w) image; values outside the levels are clipped in the display only."""
        image = np.asarray(image, dtype=np.float32)
        self.item.setImage(image, levels=self._levels, autoLevels=False)
        if image.shape != self._shape:  # fit the view only when the size changes (cheap updates)
            self._shape = image.shape
            self.box.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]), padding=0.0)

    def set_images(self, images: np.ndarray, cols: int | None = None) -> None:
        """Show images (n, h, w) side by side (`cols` per row; a wrap tile: the fitting number) or a
        (rows, cols, h, w) grid as one picture."""
        images = np.asarray(images)
        if self._wrap and cols is None and images.ndim == 3:
            self._strip = images
            cols = self._cols = self._fitting_columns()
        fill = self._levels[1] if self._levels == GREY_LEVELS else 0.0  # white gaps in both looks
        self.set_image(tile(images, cols, self._pad, fill=fill))

    def _fitting_columns(self) -> int:
        n, h, w = self._strip.shape
        return fitting_columns(n, h, w, self.view.width(), self.view.height(), self._pad)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        """A wrap tile's view resized: tile its strip again where another number of columns now fits better."""
        if (event.type() == QEvent.Type.Resize and self._strip is not None
                and self._fitting_columns() != self._cols):
            self.set_images(self._strip)
        return False

    def clear(self) -> None:
        self.item.clear()
        self._shape = None
        self._strip = None

    def shown(self) -> np.ndarray | None:
        """The array on screen (for tests and benchmarks)."""
        return self.item.image


def align_captions(rows: list[ImageTile], theme: Theme = NORMAL) -> None:
    """Left captions of a table of strips (`rows`) in one column, as wide as the longest, so the strips line up;
    in presentation mode (beside the big map) at most 10 em, wrapped, so the strips keep their width."""
    width = max(row.caption.fontMetrics().horizontalAdvance(row.caption.text()) for row in rows) + 12
    if theme.presentation:
        width = min(width, round(scaled_font(1.0).pointSizeF() * 10))
    for row in rows:
        row.caption.setWordWrap(theme.presentation)
        row.caption.setFixedWidth(width)
