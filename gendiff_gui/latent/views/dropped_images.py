"""Dropped images: the list of files the user dropped, the selected one's model input, reconstruction and the
steps of its reading (photo_steps.py), progress."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QGridLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar, QWidget)

from gendiff_gui.latent.views.photo_steps import PhotoStepsView
from gendiff_gui.widgets.image_tile import ImageTile
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

ICON_PX = 42
EMPTY_TEXT = "Drop image files or a folder anywhere on the window: each is shown here, on the map, and rebuilt."


def thumbnail(image: np.ndarray, px: int = ICON_PX) -> QIcon:
    """A grey (h, w) array in [0, 1] as an icon."""
    grey = np.ascontiguousarray((np.clip(image, 0.0, 1.0) * 255).astype(np.uint8))
    qimage = QImage(grey.data, grey.shape[1], grey.shape[0], grey.strides[0], QImage.Format.Format_Grayscale8)
    return QIcon(QPixmap.fromImage(qimage.copy()).scaled(px, px))


class DroppedImagesView(QWidget):
    """`add_entries(names, images)`, `set_pair(input, reconstruction)`, `set_progress`, `show_message`;
    emits `selected(index)` when an entry is clicked."""

    selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setIconSize(QSize(ICON_PX, ICON_PX))
        self.list.setUniformItemSizes(True)
        self.list.setAccessibleName("Dropped images")
        self.list.currentRowChanged.connect(self._on_row)
        self.input = ImageTile("model input (28×28, MNIST-style)", min_px=80)
        self.output = ImageTile("reconstruction dec(enc(x))", min_px=80)
        self.progress = QProgressBar()
        self.progress.setFormat("loading %v / %m files")
        self.progress.setVisible(False)
        self.steps = PhotoStepsView()  # how the selected file was read, step by step
        self.message = QLabel(EMPTY_TEXT)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QGridLayout(self)
        layout.addWidget(self.list, 0, 0, 2, 1)
        layout.addWidget(self.input, 0, 1)
        layout.addWidget(self.output, 0, 2)
        layout.addWidget(self.steps, 0, 3, 2, 1)
        layout.addWidget(self.progress, 1, 1, 1, 2)
        layout.addWidget(self.message, 2, 0, 1, 4)
        layout.setColumnStretch(0, 2)
        layout.setColumnStretch(1, 2)
        layout.setColumnStretch(2, 2)
        layout.setColumnStretch(3, 7)
        layout.setRowStretch(0, 1)
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font (bigger in presentation mode)."""
        self.list.setFont(scaled_font(0.95))
        self.message.setFont(scaled_font(0.95))
        for tile in (self.input, self.output, self.steps):
            tile.apply_theme(theme)

    def count(self) -> int:
        return self.list.count()

    def add_entries(self, names: list[str], images: np.ndarray) -> None:
        """Append one entry per (file name, preprocessed image (h, w))."""
        for name, image in zip(names, images):
            item = QListWidgetItem(thumbnail(image), name)
            item.setToolTip(name)
            self.list.addItem(item)

    def clear(self) -> None:
        self.list.clear()
        self.input.clear()
        self.output.clear()
        self.steps.clear()
        self.message.setText(EMPTY_TEXT)

    def select(self, index: int) -> None:
        """Make `index` the current entry (emits `selected` if it changed)."""
        self.list.setCurrentRow(index)

    def set_pair(self, image: np.ndarray, reconstruction: np.ndarray, name: str = "") -> None:
        self.input.set_image(image)
        self.output.set_image(reconstruction)
        self.input.set_caption(f"{name}: model input (28×28)" if name else "model input (28×28)")

    def set_progress(self, done: int, total: int) -> None:
        """Show 'loading done / total'; hidden once everything is loaded."""
        self.progress.setVisible(done < total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.selected.emit(row)
