"""The manifold view: decodings of a grid of map points as one picture over the same axes (the 2-D VAE classic)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.image_grid import tile
from gendiff_gui.widgets.image_tile import GREY_LEVELS
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

TITLE = "decoded grid"  # short: the plot cannot be narrower than its title


def grid_shape(aspect: float, cells: int = 15) -> tuple[int, int]:
    """(rows, cols) with `cells` along the longer side of a picture `aspect` = width / height, cells square on it."""
    if aspect >= 1.0:
        return int(np.clip(round(cells / aspect), 3, cells)), cells
    return cells, int(np.clip(round(cells * aspect), 3, cells))


def grid_points(extent: tuple[float, float, float, float], rows: int, cols: int) -> np.ndarray:
    """Cell centres (rows*cols, 2) in reading order: row 0 is the top (largest b), column 0 the left (smallest a)."""
    x0, x1, y0, y1 = extent
    a = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    b = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows
    bb, aa = np.meshgrid(b, a, indexing="ij")
    return np.stack([aa.ravel(), bb.ravel()], axis=1)


class ManifoldView(QWidget):
    """`set_grid(images (rows, cols, h, w), extent)`: the picture spans `extent` on axes shared with the map's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.plot = self.canvas.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        for side in ("bottom", "left"):
            axis = self.plot.getAxis(side)
            axis.setTextPen("#111")
            axis.enableAutoSIPrefix(False)
        self.box = self.plot.getViewBox()  # not aspect-locked: the picture spans the map's visible region
        self.item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.item)
        self.extent: tuple[float, float, float, float] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font (bigger in presentation mode)."""
        # a short title: the plot cannot be narrower than its title, and a longer one ("... over the visible map")
        # pushed the grid's right half out of its column (seen at 1280 x 800 and 1920 x 1080)
        self.plot.setTitle(TITLE, size=f"{scaled_font().pointSizeF():.0f}pt", color="#111")
        self.canvas.setToolTip("the decoder's images on a grid over the part of the latent map in view")
        for side in ("bottom", "left"):
            self.plot.getAxis(side).setTickFont(scaled_font(0.8))

    def set_grid(self, images: np.ndarray, extent: tuple[float, float, float, float]) -> None:
        """images[r, c] decoded at grid_points(extent, rows, cols)[r * cols + c]."""
        picture = tile(images)[::-1]  # the plot's y axis points up: the top row goes last
        self.item.setImage(picture, levels=GREY_LEVELS, autoLevels=False)
        x0, x1, y0, y1 = extent
        self.item.setRect(x0, y0, x1 - x0, y1 - y0)
        if extent != self.extent:
            self.extent = extent
            self.box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)

    def aspect(self) -> float:
        """Width / height of the picture's area on screen (so that its cells can be square)."""
        rect = self.box.sceneBoundingRect()
        return rect.width() / rect.height() if rect.height() > 0 else 1.0

    def shown(self) -> np.ndarray | None:
        return self.item.image
