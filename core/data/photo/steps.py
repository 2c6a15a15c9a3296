"""The steps from a grey image to the model's input, kept for the window: photo, flattened, ink, crop, 28x28."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.data.photo import digit_crop, ink as ink_step, lighting, mnist_box

_CLEAN_INK = 0.1  # a flat drawing's content: pixels above this (after its contrast stretch)
_CLEAN_CONTRAST = 0.04  # a flat drawing with less contrast than this (about 10/255) is blank
_DENOISE_PX = 1.0  # Gaussian sigma against sensor noise before the ink is looked for (lines are wider)
_REFINE_PASSES = 2  # estimates of the paper with the ink found so far taken out (one was the rule before bold pens)
_STROKE_CORE = 90  # a photo's ink is scaled so that this percentile of its digit's ink is full strength


class NothingDrawn(ValueError):
    """No digit was found: the message says why (the loader adds the file's name)."""


@dataclass(frozen=True)
class DigitSteps:
    """Each step's image, float32 in [0, 1], for showing; `pixels` is what load_image returns."""

    photo: np.ndarray  # the grey image as decoded (turned upright, reduced to the working size)
    flattened: np.ndarray  # the lighting divided out: paper 1 (white), ink dark, whichever way round it was
    ink: np.ndarray  # bool, the ink found; the digit's pieces are those of `kept`
    kept: np.ndarray  # bool, the pieces kept as the digit
    crop: np.ndarray  # the digit's box, light ink on black, as it goes into MNIST's recipe
    pixels: np.ndarray  # (28, 28), MNIST style
    photo_like: bool  # False: a flat drawing or scan, taken as it is (no lighting, no thresholds)

    CAPTIONS = ("photo", "lighting flattened", "ink found", "digit cropped", "28×28 input")

    def images(self) -> tuple[np.ndarray, ...]:
        """The five images in order of CAPTIONS (the ink found shows the kept pieces brighter than the rest)."""
        ink_found = np.where(self.kept, 1.0, np.where(self.ink, 0.35, 0.0)).astype(np.float32)
        return self.photo, self.flattened, ink_found, self.crop, self.pixels


def _box(mask: np.ndarray) -> tuple[slice, slice]:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _fit(crop: np.ndarray) -> np.ndarray:
    pixels = mnist_box.fit_and_centre(crop)
    if pixels is None:
        raise NothingDrawn("image is blank (nothing drawn on it)")
    return pixels


def _clean(grey: np.ndarray) -> DigitSteps:
    """A flat drawing: the paper is the border's median grey, the ink everything brighter (after turning dark
    ink light), stretched so the strongest is 1; the crop is the box of the ink over _CLEAN_INK."""
    background = float(np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])))
    light = grey
    if background > 0.5:  # dark drawing on light paper -> light on dark, as MNIST
        light, background = 1.0 - grey, 1.0 - background
    ink = np.clip(light - background, 0.0, None)
    peak = float(ink.max())
    if peak < _CLEAN_CONTRAST:
        raise NothingDrawn("image is blank (one flat colour, nothing drawn on it)")
    ink /= peak  # contrast stretch: the strongest stroke becomes 1, like MNIST's 255
    found = ink > _CLEAN_INK
    crop = ink[_box(found)]
    flattened = 1.0 - ink
    return DigitSteps(grey, flattened, found, found, crop, _fit(crop), photo_like=False)


def _photo(grey: np.ndarray) -> DigitSteps:
    """A photo: divide out the paper, find the ink (noise-aware hysteresis), keep the digit's pieces, scale its
    ink so the strokes' cores are full strength, widen pen lines thinner than MNIST's, MNIST's recipe."""
    from skimage.filters import gaussian

    smooth = gaussian(grey, sigma=_DENOISE_PX, preserve_range=True).astype(np.float32)  # sensor noise down ~3x
    paper = lighting.estimate_paper(grey)
    dark = _dark_ink(smooth, paper)
    found, strength, support = _read_ink(grey, smooth, paper, dark)
    if dark != _dark_ink(smooth, lighting.estimate_paper(grey, lighting.BOLD_WINDOW_SHARE)):
        # the paper's narrow and wide estimates disagree on which way round the ink is: in the narrow window a
        # bold digit's strokes were the paper, so the paper in its loops stood out as light ink (a felt-tip 8
        # read as three blobs); the wide one smears a shadow's edge, so the lit side stands out as light ink.
        # Both readings are made; the one whose digit stands further out of the noise is the pen.
        other_found, other_strength, other_support = _read_ink(grey, smooth, paper, not dark)
        if other_support > support:
            found, strength = other_found, other_strength
    if not found.any():
        raise NothingDrawn("nothing drawn found: no ink stands out from the paper (a blank page, or too faint)")
    kept = digit_crop.keep_digit(found, strength)
    if kept is None:
        raise NothingDrawn("no digit found: all the ink found touches the photo's edges (a page edge or a "
                           "shadow?); photograph the digit with paper all around it")
    box = _box(kept)
    ink = strength[box]
    line = kept[box] & (ink > ink_step.stroke_threshold(ink))  # the lines' cores, without their blurred rims
    if not line.any():
        line = kept[box]
    core = float(np.percentile(ink[line], _STROKE_CORE))
    crop = np.clip(ink / max(core, 1e-6), 0.0, 1.0) * _grow(line)
    crop = mnist_box.widen_thin_lines(crop, line)
    flattened = np.clip(1.0 - strength, 0.0, 1.0)
    return DigitSteps(grey, flattened, found, kept, crop.astype(np.float32), _fit(crop), photo_like=True)


def _paper_under_bold_lines(grey: np.ndarray, paper: np.ndarray, found: np.ndarray, dark: bool) -> np.ndarray:
    """`paper`, and around the digit the brighter (dark ink; for light ink the darker) of it and an estimate with
    lighting.BOLD_WINDOW_SHARE: in the narrow window a felt-tip line's dense parts were the majority, the
    median was ink there, and the lines came out hollow or cut in two. Only around the digit (its box grown by
    half the wide window): far from it the narrow window follows a shadow's edge that a wide one smears."""
    wide = lighting.estimate_paper(grey, lighting.BOLD_WINDOW_SHARE)
    rows, cols = _box(found)
    margin = int(lighting.BOLD_WINDOW_SHARE * min(grey.shape) / 2)
    near = np.zeros_like(found)
    near[max(0, rows.start - margin): rows.stop + margin, max(0, cols.start - margin): cols.stop + margin] = True
    return np.where(near, np.maximum(paper, wide) if dark else np.minimum(paper, wide), paper)


def _dark_ink(smooth: np.ndarray, paper: np.ndarray) -> bool:
    """Dark ink on light paper, or light on dark, against this estimate of the paper (ink_step.dark_ink)."""
    residual = smooth - paper
    return ink_step.dark_ink(residual, ink_step.noise_sigma(residual))


def _read_ink(grey: np.ndarray, smooth: np.ndarray, paper: np.ndarray,
              dark: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """(ink mask, ink strength, support) for `dark` ink: found against `paper`, then _REFINE_PASSES times against
    the paper estimated with the digit's ink filled by the paper around it (lighting.paper_around; a median
    window was ink inside a bold digit, and each pass finds more of its middle, which the pass before took for
    paper). Other ink (a shadow's or a page's edge) is filled with `paper`, as it was. support: the digit's
    (digit_crop.keep_digit) signal-to-noise summed over its pixels, 0 without a digit."""
    found, strength, snr = _find_ink(smooth, paper, dark)
    for refinement in range(_REFINE_PASSES):
        if not found.any():
            break
        grown = _grow(found, 2)
        digit = digit_crop.keep_digit(found, strength)
        if digit is None and refinement > 0:
            break  # later passes refine a digit: without one, a blank page's shadow grew into one
        without_ink = np.where(grown, paper, grey)
        if digit is not None:
            without_ink = np.where(_grow(digit, 2), lighting.paper_around(grey, grown), without_ink)
        paper = _paper_under_bold_lines(without_ink, lighting.estimate_paper(without_ink), found, dark)
        found, strength, snr = _find_ink(smooth, paper, dark)
    digit = digit_crop.keep_digit(found, strength) if found.any() else None
    support = 0.0 if digit is None else float(np.clip(snr[digit], 0.0, None).sum())
    return found, strength, support


def _find_ink(smooth: np.ndarray, paper: np.ndarray, dark: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ink mask, ink strength, signal-to-noise) of the denoised image against this estimate of the paper, for
    `dark` ink."""
    residual = smooth - paper
    snr = (-residual if dark else residual) / ink_step.noise_sigma(residual)
    strength = ink_step.ink_strength(lighting.flatten(smooth, paper), dark)
    return ink_step.ink_mask(snr, strength), strength, snr


def _grow(mask: np.ndarray, steps: int = 1) -> np.ndarray:
    """The mask and its neighbours `steps` pixels away (a square; the soft edges of a line belong to it)."""
    padded = np.pad(mask, steps)
    rows = np.zeros((padded.shape[0], mask.shape[1]), bool)
    for dx in range(2 * steps + 1):  # a square is a row, then a column: 2(2s+1) shifts instead of (2s+1)^2
        rows |= padded[:, dx: dx + mask.shape[1]]
    out = np.zeros_like(mask)
    for dy in range(2 * steps + 1):
        out |= rows[dy: dy + mask.shape[0]]
    return out


def read_digit(grey: np.ndarray) -> DigitSteps:
    """Grey [0, 1] image (already at the working size) -> its steps; raises NothingDrawn if no digit is in it.

    Flat images (drawings, clean scans, MNIST digits: over half the pixels one exact grey) are taken as they
    are; everything else is read as a photo of paper under uneven light."""
    if min(grey.shape) < 16 or lighting.is_flat(grey):
        return _clean(grey)
    return _photo(grey)
