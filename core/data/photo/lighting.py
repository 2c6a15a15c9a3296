"""The paper under uneven light: its brightness estimated at a scale larger than the strokes, then divided out."""
from __future__ import annotations

import numpy as np
from PIL import Image

SMALL_SIDE = 160  # the paper is estimated on the image shrunk so that its shorter side has this many pixels
# Median window, as a share of the shorter side: wider than any stroke of a digit up to half the page wide (its
# pen line is at most ~5 % of the page), so inside a window the paper is the majority and the median is paper.
WINDOW_SHARE = 0.16
BOLD_WINDOW_SHARE = 0.4  # around the digit, also this window: a felt-tip line (6-9 % of the page) fills a 16 % one
FILL_SIGMA_SHARE = 0.06  # the paper under a bold digit interpolated from around it at this scale (paper_around)
_FLOOR = 1e-3  # no division by (almost) zero where the paper is black


def is_flat(grey: np.ndarray) -> bool:
    """A drawing or clean scan, not a photo: over half the pixels have exactly the most common grey (+-1/255)."""
    sample = grey[:: max(1, grey.shape[0] // 256), :: max(1, grey.shape[1] // 256)]
    levels = np.clip(np.rint(sample * 255), 0, 255).astype(np.int64)
    counts = np.bincount(levels.ravel(), minlength=256)
    mode = int(counts.argmax())
    return counts[max(0, mode - 1): mode + 2].sum() > 0.5 * levels.size


def estimate_paper(grey: np.ndarray, window_share: float = WINDOW_SHARE) -> np.ndarray:
    """The paper's brightness under the light at every pixel: a median filter (skimage.filters.rank) on the
    shrunk image with a window (`window_share` of the shorter side) wider than the strokes (ink is a minority in
    it, whether dark or light; the median also keeps a shadow's sharp edge), smoothed a little and enlarged back
    (bilinear)."""
    from skimage.filters import gaussian
    from skimage.filters.rank import median
    from skimage.morphology import disk

    h, w = grey.shape
    k = SMALL_SIDE / min(h, w)
    if k >= 1.0:
        small = grey
    else:
        size = (max(1, round(w * k)), max(1, round(h * k)))
        small = np.asarray(Image.fromarray(np.ascontiguousarray(grey, np.float32)).resize(
            size, Image.Resampling.BOX), np.float32)
    radius = max(2, int(window_share * min(small.shape) / 2))
    levels = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)  # rank filters count levels: 8 bits is fast
    paper = median(levels, disk(radius)).astype(np.float32) / 255.0
    paper = gaussian(paper, sigma=1.0, preserve_range=True).astype(np.float32)  # the median's 1/255 steps
    if paper.shape != grey.shape:
        paper = np.asarray(Image.fromarray(paper).resize((w, h), Image.Resampling.BILINEAR), np.float32)
    return np.maximum(paper, _FLOOR)


def _shrunk(image: np.ndarray) -> np.ndarray:
    """`image` box-averaged so that its shorter side has SMALL_SIDE pixels (as it is if already smaller)."""
    h, w = image.shape
    k = SMALL_SIDE / min(h, w)
    if k >= 1.0:
        return image.astype(np.float32)
    size = (max(1, round(w * k)), max(1, round(h * k)))
    return np.asarray(Image.fromarray(np.ascontiguousarray(image, np.float32)).resize(
        size, Image.Resampling.BOX), np.float32)


def paper_around(grey: np.ndarray, ink: np.ndarray, sigma_share: float = FILL_SIGMA_SHARE) -> np.ndarray:
    """The paper under the ink from the paper around it: normalized convolution (Knutsson & Westin 1993),
    G * (grey w) / G * w with w = 1 off the ink and 0 on it, G a Gaussian of `sigma_share` of the shorter side
    (light varies slowly), on the shrunk image and enlarged back. A median window is ink wherever a bold digit
    fills it; this sees only the paper, however much ink there is."""
    from skimage.filters import gaussian

    h, w = grey.shape
    weight = 1.0 - _shrunk(ink.astype(np.float32))  # the share of paper in each shrunk pixel
    small = _shrunk(grey)
    sigma = max(1.0, sigma_share * min(small.shape))
    num = gaussian(small * weight, sigma=sigma, preserve_range=True)
    den = gaussian(weight, sigma=sigma, preserve_range=True)
    fill = np.where(den > 1e-3, num / np.maximum(den, 1e-3), float(np.median(small[weight > 0.5])) if
                    (weight > 0.5).any() else float(np.median(small))).astype(np.float32)
    if fill.shape != grey.shape:
        fill = np.asarray(Image.fromarray(fill).resize((w, h), Image.Resampling.BILINEAR), np.float32)
    return np.maximum(fill, _FLOOR)


def flatten(grey: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Reflectance relative to the paper, grey / paper (light falls off multiplicatively: I = R * L), so the
    paper is 1 everywhere whatever the light was."""
    return grey / paper
