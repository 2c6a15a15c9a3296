"""Image tiling, the one way images become a mosaic: the window's strips and grids and the command line's PNG."""
from __future__ import annotations

import math

import numpy as np


def grid_columns(n: int) -> int:
    """Columns of a near-square grid of n images: ceil(sqrt(n)) (8 for 64, 4 for 16, 3 for 8)."""
    return max(1, math.ceil(math.sqrt(n)))


def fitting_columns(n: int, image_h: int, image_w: int, room_w: float, room_h: float, pad: int = 0) -> int:
    """Columns of the tiling of n images (image_h x image_w, `pad` between) that shows them largest in a room of
    room_w x room_h: the c in 1..n maximising min(room_w / W(c), room_h / H(c)), W and H the mosaic's size
    (ties: the fewer rows). A strip of 8 in a room 4 times wider than tall wraps into 2 rows of 4."""
    if n <= 1 or room_w <= 0 or room_h <= 0:
        return max(1, n)
    best, best_scale = n, -1.0
    for cols in range(n, 0, -1):
        rows = -(-n // cols)
        scale = min(room_w / (cols * (image_w + pad) - pad), room_h / (rows * (image_h + pad) - pad))
        if scale > best_scale * (1 + 1e-9):
            best, best_scale = cols, scale
    return best


def tile(images: np.ndarray, cols: int | None = None, pad: int = 0, fill: float = 0.0, border: int = 0) -> np.ndarray:
    """Images (n, h, w) or (rows, cols, h, w) -> one float32 (H, W) array filled row by row.

    `cols` defaults to n (one strip); `pad` pixels of `fill` go between images and `border` pixels around them.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        rows, cols = images.shape[:2]
        images = images.reshape(rows * cols, *images.shape[2:])
    n, h, w = images.shape
    cols = max(1, min(cols or n, n)) if n else 1
    rows = max(1, -(-n // cols))
    out = np.full((rows * (h + pad) - pad + 2 * border, cols * (w + pad) - pad + 2 * border), fill, np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = border + r * (h + pad), border + c * (w + pad)
        out[top: top + h, left: left + w] = images[i]
    return out


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] -> uint8 0..255, rounded to nearest (values outside [0, 1] clipped)."""
    return np.clip(np.asarray(image, np.float32) * 255 + 0.5, 0, 255).astype(np.uint8)
