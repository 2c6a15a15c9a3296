"""How a dropped image became the model's input: its steps side by side (photo, lighting flattened, ink found,
digit cropped, 28x28 input), each captioned, so a student sees why their digit landed where it did."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from core.data.photo import DigitSteps
from gendiff_gui.widgets.image_tile import ImageTile
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

SHORT_CAPTIONS = ("photo", "flattened", "ink", "crop", "input")  # one line each: the tab is short at 1280x800
SHOW_PX = 320  # the photo-sized steps are shown shrunk to this long side (the 28x28 input as it is)
TIPS = (
    "The image as the loader reads it: grey, turned upright (EXIF), reduced for speed",
    "Each pixel divided by the paper's brightness around it: uneven light and shadows are gone, paper is white",
    "Ink that stands out of the paper's noise; the pieces kept as the digit are white, the rest grey",
    "The digit's box, ink light on black as in MNIST, thin lines widened to MNIST's stroke width",
    "What the model sees: fitted in 20x20, centre of mass at the centre of 28x28 (MNIST's recipe)",
)
EMPTY_TEXT = "Drop a photo of a digit: how it is read into the model's 28×28 input shows here, step by step."


def for_display(steps: DigitSteps, side: int = SHOW_PX) -> list[np.ndarray]:
    """The five step images, the large ones shrunk (box filter) to `side` pixels on their long side."""
    shown = []
    for image in steps.images():
        image = np.asarray(image, np.float32)
        k = side / max(image.shape)
        if k < 1.0 and image.shape != steps.pixels.shape:
            size = (max(1, round(image.shape[1] * k)), max(1, round(image.shape[0] * k)))
            image = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX), np.float32)
        shown.append(image)
    return shown


class PhotoStepsView(QWidget):
    """`set_steps(name, images)` shows the five images with DigitSteps.CAPTIONS; `show_text` a line instead."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("How the dropped image was read")
        self.setToolTip("The steps from the dropped file to the model's 28×28 input")
        self.tiles = []
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for i, (short, caption, tip) in enumerate(zip(SHORT_CAPTIONS, DigitSteps.CAPTIONS, TIPS)):
            tile = ImageTile(f"{i + 1} {short}", min_px=60)
            tile.setAccessibleName(f"Step {i + 1} of {len(TIPS)}: {caption}")
            tile.setToolTip(f"{i + 1}. {caption}: {tip}")
            self.tiles.append(tile)
            layout.addWidget(tile, 0, i)
            layout.setColumnStretch(i, 1)
        self.title = QLabel(EMPTY_TEXT)
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Steps caption")
        self.title.setToolTip("Which file the steps above are from")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title, 1, 0, 1, len(TIPS))
        layout.setRowStretch(0, 1)
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font (bigger in presentation mode)."""
        self.title.setFont(scaled_font(0.9))
        for tile in self.tiles:
            tile.apply_theme(theme)
            tile.caption.setFont(scaled_font(0.9, bold=True))

    def set_steps(self, name: str, images: list[np.ndarray], photo_like: bool = True) -> None:
        for tile, image in zip(self.tiles, images):
            tile.set_image(image)
        how = "read as a photo (hover a step: what it does)" if photo_like else "a flat drawing: taken as it is"
        self.title.setText(f"{name}, {how}")

    def show_text(self, text: str) -> None:
        """A line instead of steps (the file could not be read, or nothing is dropped yet)."""
        for tile in self.tiles:
            tile.clear()
        self.title.setText(text)

    def clear(self) -> None:
        self.show_text(EMPTY_TEXT)

    def shown(self) -> list[np.ndarray | None]:
        """The five arrays on screen (for tests)."""
        return [tile.shown() for tile in self.tiles]
