"""Ink apart from paper: which way round it is (dark pen or light chalk), how strong each pixel's ink is, a mask."""
from __future__ import annotations

import numpy as np

NOISE_FLOOR = 0.002  # the noise estimate never goes below this (about 1/2 of a grey level: JPEG's flat paper)
MIN_INK = 0.08  # ink weaker than this against its paper (8 % of its brightness) is no ink: a blank page
LOW_SNR = 4.0  # ink pixels stand out this many noise sigmas from the paper ...
HIGH_SNR = 8.0  # ... and each piece of ink has a pixel this many sigmas (and MIN_INK) strong
# ... and ink pixels have at least this share of the strong ink's strength (its 90th percentile): a notebook's
# faint ruling (light blue or grey, a tenth as dark as a pen) is not joined to the digit it crosses.
RELATIVE_LOW = 0.3
FRAME_MARGIN = 0.04  # ... measured on the seeds farther than this share of the shorter side from the frame


def ink_strength(ratio: np.ndarray, dark_ink: bool) -> np.ndarray:
    """How much ink, 0 (paper) to 1, from ratio = grey / paper: 1 - ratio for dark ink; for light ink on dark
    paper the same with the roles swapped, 1 - paper / grey = 1 - 1 / ratio."""
    if dark_ink:
        return np.clip(1.0 - ratio, 0.0, 1.0)
    return np.clip(1.0 - 1.0 / np.maximum(ratio, 1e-3), 0.0, 1.0)


def noise_sigma(residual: np.ndarray) -> float:
    """Robust noise level of grey - paper: 1.4826 x its median absolute deviation (a Gaussian's sigma; the ink,
    a minority of pixels, barely moves it)."""
    sample = residual[:: max(1, residual.shape[0] // 400), :: max(1, residual.shape[1] // 400)].ravel()
    mad = float(np.median(np.abs(sample - np.median(sample))))
    return max(NOISE_FLOOR, 1.4826 * mad)


def dark_ink(residual: np.ndarray, sigma: float) -> bool:
    """Dark ink on light paper (True) or light ink on dark paper: whichever side of grey - paper stands out of
    the noise more (judged on every other pixel)."""
    z = residual[::2, ::2] / sigma
    return float(np.clip(-z - LOW_SNR, 0, None).sum()) >= float(np.clip(z - LOW_SNR, 0, None).sum())


def ink_mask(snr: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """Pixels that are ink, by hysteresis on the signal-to-noise map (as skimage.filters.apply_hysteresis_threshold,
    with scipy.ndimage.label, 8-connected): pieces above LOW_SNR (and RELATIVE_LOW of the strong ink) that hold a
    pixel above HIGH_SNR with at least MIN_INK of ink (a pencil line that fades keeps its pieces together; faint
    paper texture starts none). Empty if nothing is that strong."""
    from scipy.ndimage import label

    seeds = (snr > HIGH_SNR) & (strength >= MIN_INK)
    if not seeds.any():
        return np.zeros(snr.shape, bool)
    # The strong ink's strength is judged away from the frame: a table or a page edge there is darker than ink.
    m = max(1, int(FRAME_MARGIN * min(snr.shape)))
    inner = np.zeros_like(seeds)
    inner[m:-m, m:-m] = seeds[m:-m, m:-m]
    floor = RELATIVE_LOW * float(np.percentile(strength[inner if inner.any() else seeds], 90))
    weak = (snr > LOW_SNR) & (strength >= floor)
    labels, _count = label(weak, structure=np.ones((3, 3), bool))
    seeded = np.zeros(int(labels.max()) + 1, bool)
    seeded[np.unique(labels[seeds & weak])] = True  # the pieces holding a seed (a seed under the floor: none)
    seeded[0] = False
    return seeded[labels]


def stroke_threshold(ink: np.ndarray) -> float:
    """Otsu's threshold (skimage.filters.threshold_otsu) of the ink in the digit's box: paper and line are two
    classes of about equal weight there, whatever the ink's strength (pencil or pen)."""
    from skimage.filters import threshold_otsu

    return float(threshold_otsu(ink)) if float(ink.max()) > float(ink.min()) else float(ink.max())
