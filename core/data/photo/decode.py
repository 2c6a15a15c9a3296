"""Fast decoding of big photos: JPEG's own reduced decode (Image.draft) and a box reduction to the working size."""
from __future__ import annotations

import numpy as np
from PIL import Image

# The ink and digit steps work on about this many pixels: a 15 %-of-the-page digit keeps ~150 px of height and a
# pencil line 2-3 px, and every step stays a few milliseconds.
WORK_PIXELS = 1_200_000
# A JPEG over this many pixels is decoded reduced (1/2, 1/4 or 1/8 in the DCT itself: a 12 MP photo decodes at
# 1000x750 in ~20 ms instead of 4000x3000 in ~150 ms), never below this size.
DRAFT_PIXELS = 700_000
_JPEG_FORMATS = ("JPEG", "MPO")


def draft_for_speed(img: Image.Image) -> None:
    """Before `img.load()`: ask a big JPEG for the smallest DCT-reduced decode with at least DRAFT_PIXELS pixels,
    in grey where it is colour (luma, ITU-R 601 as convert("L")). Other formats decode whole."""
    width, height = img.size
    if img.format not in _JPEG_FORMATS or width * height <= 2 * DRAFT_PIXELS:
        return
    scale = np.sqrt(DRAFT_PIXELS / (width * height))
    mode = "L" if img.mode in ("RGB", "L", "YCbCr") else img.mode
    img.draft(mode, (max(1, int(width * scale)), max(1, int(height * scale))))


def reduce_for_work(grey: np.ndarray) -> np.ndarray:
    """Box-average an image larger than WORK_PIXELS by an integer factor (thin strokes stay, as grey)."""
    h, w = grey.shape
    factor = int(np.ceil(np.sqrt(h * w / WORK_PIXELS)))
    if factor <= 1:
        return grey
    reduced = Image.fromarray(np.ascontiguousarray(grey, dtype=np.float32)).reduce(factor)
    return np.asarray(reduced, dtype=np.float32)
