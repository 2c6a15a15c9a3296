"""Seeded synthetic phone photos of a handwritten digit on paper, made from a 28x28 MNIST digit (for bench_photos).

A photo here is: the digit's centre line (skeleton of the smoothly upscaled MNIST shape) drawn again with a pen,
a ball-point or a pencil, on white, grey or dark paper, at 15-50 % of the page's width anywhere on it; lit
unevenly (a linear falloff, a vignette, a hand's shadow as a soft half-plane or blob), tilted and seen in mild
perspective, blurred, upscaled smoothly to 3-12 megapixels, with sensor noise, saved as a JPEG of quality 70-95
whose pixels are stored rotated as its EXIF orientation tag says. `PhotoStyle` holds the ranges every draw
comes from; the named variations (`STYLES`) change them (a stronger shadow, grey paper, a thin pencil, ...).
"""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageFilter

# EXIF orientation -> how the stored pixels are turned from the upright photo (a viewer undoes it).
_STORED_TURN = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
                8: Image.Transpose.ROTATE_270}
NOISE_TILE = 1024
RENDER_LONG_SIDE = 1100  # the scene is drawn at this size, then upscaled smoothly to the photo's size


@dataclass(frozen=True)
class PhotoStyle:
    """The ranges a photo's settings are drawn from (uniformly unless said otherwise)."""

    megapixels: tuple[float, float] = (3.0, 12.0)
    twelve_mp_share: float = 0.3  # this share of photos is exactly 4000x3000 (the timing figure's case)
    digit_width: tuple[float, float] = (0.15, 0.5)  # digit box height as a share of the page's width
    inks: tuple[str, ...] = ("black", "blue", "pencil")
    pen_width: tuple[float, float] = (0.035, 0.09)  # stroke width as a share of the digit's height
    pencil_width: tuple[float, float] = (0.025, 0.06)
    white_paper: tuple[float, float] = (0.78, 0.95)
    grey_paper: tuple[float, float] = (0.5, 0.72)
    grey_paper_share: float = 0.25
    dark_paper_share: float = 0.1  # light ink (chalk, white gel pen) on dark paper
    ruled_share: float = 0.1  # faint ruled lines across the page
    table_share: float = 0.15  # the page does not fill the frame: a table shows at one side
    gradient: tuple[float, float] = (0.1, 0.55)  # light lost from one side of the frame to the other
    vignette: tuple[float, float] = (0.0, 0.4)
    shadow_share: float = 0.75
    shadow_depth: tuple[float, float] = (0.2, 0.55)  # share of the light a hand's shadow takes away
    shadow_softness: tuple[float, float] = (0.01, 0.12)  # edge width as a share of the frame
    tilt_deg: float = 8.0
    perspective: float = 0.04  # corner displacement as a share of the frame
    blur_px: tuple[float, float] = (0.3, 1.2)  # Gaussian sigma at the render size
    noise: tuple[float, float] = (0.008, 0.035)  # sensor noise sigma (share of full scale) at the photo's size
    jpeg_quality: tuple[int, int] = (70, 95)
    rotated_share: float = 0.5  # photos stored turned, with an EXIF orientation tag 3, 6 or 8


STYLES: dict[str, PhotoStyle] = {
    "mixed": PhotoStyle(),
    # Hand-made variations, outside what the loader was tuned on:
    "strong-shadow": PhotoStyle(shadow_share=1.0, shadow_depth=(0.55, 0.75), shadow_softness=(0.003, 0.03)),
    "grey-paper": PhotoStyle(grey_paper_share=1.0, grey_paper=(0.42, 0.6), dark_paper_share=0.0),
    "thin-pencil": PhotoStyle(inks=("pencil",), pencil_width=(0.015, 0.03), dark_paper_share=0.0),
    "dark-paper": PhotoStyle(dark_paper_share=1.0),
    "ruled-and-table": PhotoStyle(ruled_share=1.0, table_share=1.0, dark_paper_share=0.0),
    # a bold felt-tip digit filling much of the frame (its lines wider than the paper estimate's first window)
    "felt-tip": PhotoStyle(digit_width=(0.45, 0.75), pen_width=(0.12, 0.2), inks=("black", "blue"),
                           dark_paper_share=0.0),
    "small-and-dim": PhotoStyle(digit_width=(0.12, 0.2), gradient=(0.4, 0.7), vignette=(0.3, 0.5),
                                noise=(0.02, 0.045), jpeg_quality=(60, 75)),
}


@dataclass(frozen=True)
class Photo:
    """A made photo: the JPEG file's bytes and what was drawn."""

    jpeg: bytes
    size: tuple[int, int]  # (width, height) as stored
    orientation: int
    settings: dict


def _u(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(*lo_hi))


def _stroke_coverage(digit: np.ndarray, height_px: int, width_frac: float) -> np.ndarray:
    """Coverage in [0, 1] of the digit redrawn as a pen line of `width_frac` x height along its centre line."""
    from scipy import ndimage
    from skimage.morphology import skeletonize

    big = np.asarray(Image.fromarray(digit.astype(np.float32)).resize((224, 224), Image.Resampling.BICUBIC))
    line = skeletonize(big > 0.45 * big.max())
    scale = height_px / 20.0 / 8.0  # MNIST's digit box is 20 of its 28 pixels; `big` is 8x
    size = max(8, int(round(224 * scale)))
    line_img = Image.fromarray((line * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)
    distance = ndimage.distance_transform_edt(np.asarray(line_img) < 40)
    radius = max(0.6, width_frac * height_px / 2.0)
    return np.clip(radius + 0.5 - distance, 0.0, 1.0).astype(np.float32)


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """A smooth random field in [0, 1] (a few cells across, bicubic)."""
    coarse = rng.uniform(0, 1, (cells, cells)).astype(np.float32)
    return np.clip(np.asarray(Image.fromarray(coarse).resize(shape[::-1], Image.Resampling.BICUBIC)), 0, 1)


def _ink_colour(rng: np.random.Generator, ink: str, dark_paper: bool, paper: np.ndarray) -> np.ndarray:
    if dark_paper:
        return np.array([rng.uniform(0.75, 0.95)] * 3) * rng.uniform(0.95, 1.05, 3)
    if ink == "black":
        return np.array([rng.uniform(0.06, 0.2)] * 3)
    if ink == "blue":
        return np.array([rng.uniform(0.08, 0.25), rng.uniform(0.12, 0.3), rng.uniform(0.45, 0.75)])
    return np.full(3, float(paper.mean()) * rng.uniform(0.35, 0.65))  # pencil graphite: darker than its paper


def _paper_colour(rng: np.random.Generator, style: PhotoStyle, dark_paper: bool) -> np.ndarray:
    if dark_paper:
        base = np.array([rng.uniform(0.08, 0.22)] * 3)
        return base * rng.uniform(0.8, 1.2, 3)  # black, green or blue-ish board
    grey = rng.random() < style.grey_paper_share
    level = _u(rng, style.grey_paper if grey else style.white_paper)
    return level * rng.uniform(0.96, 1.03, 3)  # a slight tint


def _scene(rng: np.random.Generator, digit: np.ndarray, style: PhotoStyle, w: int, h: int,
           frame: tuple[int, int, int, int], settings: dict) -> np.ndarray:
    """Reflectance (h, w, 3) of the page with the digit inside `frame` (x0, y0, width, height: what the photo
    keeps), maybe ruling and a table, before light and camera."""
    dark = rng.random() < style.dark_paper_share
    ink = str(rng.choice(style.inks))
    paper = _paper_colour(rng, style, dark)
    colour = _ink_colour(rng, ink, dark, paper)
    page = np.empty((h, w, 3), np.float32)
    page[:] = paper
    page *= 1.0 + 0.03 * (_smooth_field(rng, (h, w), 24)[..., None] - 0.5)  # paper texture
    if rng.random() < style.ruled_share and not dark:
        gap = int(w * rng.uniform(0.035, 0.06))
        line_colour = np.array([0.55, 0.7, 0.9]) * paper
        strength = rng.uniform(0.25, 0.6)
        for y in range(int(rng.uniform(0, gap)), h, gap):
            page[y: y + max(1, w // 700)] = (1 - strength) * page[y: y + max(1, w // 700)] + strength * line_colour
    fx, fy, fw, fh = frame
    digit_h = int(_u(rng, style.digit_width) * min(fw, fh))
    width_frac = _u(rng, style.pencil_width if ink == "pencil" else style.pen_width)
    cover = _stroke_coverage(digit, digit_h, width_frac)
    if ink == "pencil":  # graphite grain and uneven pressure
        cover = cover * np.clip(rng.uniform(0.45, 1.0, cover.shape), 0, 1).astype(np.float32)
    cover = cover * (0.75 + 0.25 * _smooth_field(rng, cover.shape, 4))
    side = cover.shape[0]  # the digit's 28-pixel field (its box is 20/28 of it)
    top = fy + int(rng.uniform(0, max(1, fh - side)))
    left = fx + int(rng.uniform(0, max(1, fw - side)))
    patch = page[top: top + side, left: left + side]
    c = cover[: patch.shape[0], : patch.shape[1], None]
    patch[:] = patch * (1 - c) + colour * c
    if rng.random() < style.table_share:  # the page ends before the frame does: a table at one side
        table = np.array([rng.uniform(0.15, 0.45)] * 3) * rng.uniform(0.8, 1.1, 3)
        where = int(rng.integers(4))
        edge = int(rng.uniform(0.03, 0.1) * (fw if where < 2 else fh))
        region = [np.s_[:, :fx + edge], np.s_[:, fx + fw - edge:], np.s_[:fy + edge, :], np.s_[fy + fh - edge:, :]][where]
        page[region] = table * (1.0 + 0.1 * (_smooth_field(rng, page[region].shape[:2], 16)[..., None] - 0.5))
    settings.update(ink=ink, dark_paper=bool(dark), paper=float(paper.mean()), digit_share=digit_h / min(fw, fh),
                    stroke_share=round(width_frac, 4), digit_box=(left, top, side))
    return page


def _light(rng: np.random.Generator, style: PhotoStyle, w: int, h: int, settings: dict) -> np.ndarray:
    """Illumination (h, w): linear falloff x vignette x a hand's shadow, in (0, 1]."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs, ys = xs / w - 0.5, ys / h - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    along = xs * np.cos(angle) + ys * np.sin(angle)  # -0.7..0.7
    g = _u(rng, style.gradient)
    light = 1.0 - g * (along - along.min()) / (along.max() - along.min())
    v = _u(rng, style.vignette)
    cx, cy = rng.uniform(-0.2, 0.2, 2)
    light *= 1.0 - v * ((xs - cx) ** 2 + (ys - cy) ** 2) / 0.5
    shadow = "none"
    if rng.random() < style.shadow_share:
        depth, soft = _u(rng, style.shadow_depth), _u(rng, style.shadow_softness)
        if rng.random() < 0.5:  # half-plane: the edge of a hand or a phone
            a = rng.uniform(0, 2 * np.pi)
            d = (xs * np.cos(a) + ys * np.sin(a)) - rng.uniform(0.15, 0.45)
            shade = 1.0 / (1.0 + np.exp(-d / soft))
            shadow = "half-plane"
        else:  # a blob: the hand itself, near an edge of the frame
            bx, by = rng.uniform(-0.6, 0.6, 2)
            r = rng.uniform(0.2, 0.4)
            dist = np.sqrt(((xs - bx) / 1.3) ** 2 + (ys - by) ** 2) - r
            shade = 1.0 / (1.0 + np.exp(dist / max(soft, 0.02)))
            shadow = "blob"
        light *= 1.0 - depth * shade
        settings.update(shadow_depth=round(depth, 3))
    settings.update(gradient=round(g, 3), vignette=round(v, 3), shadow=shadow)
    return np.clip(light, 0.05, 1.0) * rng.uniform(0.85, 1.05)


def _tilt(rng: np.random.Generator, img: Image.Image, style: PhotoStyle, settings: dict) -> Image.Image:
    """Rotate by up to +-tilt_deg and warp by a mild perspective, in one resampling (a homography)."""
    w, h = img.size
    deg = rng.uniform(-style.tilt_deg, style.tilt_deg)
    t = np.deg2rad(deg)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], float)
    centred = dst - [w / 2, h / 2]
    turned = centred @ np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]).T + [w / 2, h / 2]
    src = turned + rng.uniform(-style.perspective, style.perspective, (4, 2)) * [w, h]
    # The 8 coefficients of the map from output (dst) corners to input (src) corners: u = (ax+by+c)/(gx+hy+1), ...
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    coeffs = np.linalg.solve(np.array(rows), np.array(rhs))
    settings.update(tilt_deg=round(deg, 2))
    return img.transform((w, h), Image.Transform.PERSPECTIVE, tuple(coeffs), Image.Resampling.BICUBIC)


def _photo_size(rng: np.random.Generator, style: PhotoStyle) -> tuple[int, int]:
    """(width, height) of the upright photo: 4:3, 3:2 or 16:9, portrait or landscape, 3-12 megapixels."""
    if rng.random() < style.twelve_mp_share:
        w, h = 4000, 3000
    else:
        aspect = float(rng.choice([4 / 3, 3 / 2, 16 / 9]))
        mp = _u(rng, style.megapixels) * 1e6
        w = int(np.sqrt(mp * aspect))
        h = int(w / aspect)
    return (h, w) if rng.random() < 0.5 else (w, h)


def _grain(rng: np.random.Generator, size: tuple[int, int], sigma: float) -> Image.Image:
    """Gaussian sensor noise of `sigma` (in 0..255 units) around 128, as RGB: a seeded 1024x1024 tile repeated
    (numpy draws the tile, Pillow's C code tiles it; a fresh 12 MP draw costs 0.5 s a photo)."""
    tile = np.clip(128 + rng.standard_normal((NOISE_TILE, NOISE_TILE, 3), dtype=np.float32) * sigma, 0, 255)
    tile_img = Image.fromarray(tile.astype(np.uint8))
    out = Image.new("RGB", size)
    for y in range(0, size[1], NOISE_TILE):
        for x in range(0, size[0], NOISE_TILE):
            out.paste(tile_img, (x, y))
    return out


def make_photo(digit: np.ndarray, seed: int, style: PhotoStyle = PhotoStyle()) -> Photo:
    """A JPEG 'phone photo' of `digit` (uint8 or float (28, 28), light on dark as in MNIST), from `seed`."""
    rng = np.random.default_rng(seed)
    settings: dict = {}
    width, height = _photo_size(rng, style)
    k = RENDER_LONG_SIDE / max(width, height)
    w, h = int(round(width * k)), int(round(height * k))
    margin = 0.3  # drawn larger, then cut, so tilting leaves no empty corners
    W, H = int(w * (1 + margin)), int(h * (1 + margin))
    x0, y0 = (W - w) // 2, (H - h) // 2
    page = _scene(rng, np.asarray(digit, np.float32), style, W, H, (x0, y0, w, h), settings)
    page *= _light(rng, style, W, H, settings)[..., None]
    scene = Image.fromarray((np.clip(page, 0, 1) * 255).astype(np.uint8))
    scene = _tilt(rng, scene, style, settings)
    scene = scene.crop((x0, y0, x0 + w, y0 + h))
    blur = _u(rng, style.blur_px)
    scene = scene.filter(ImageFilter.GaussianBlur(blur)).resize((width, height), Image.Resampling.BICUBIC)
    sigma = _u(rng, style.noise) * 255
    photo = ImageChops.add(scene, _grain(rng, (width, height), sigma), 1.0, -128)
    orientation = 1
    if rng.random() < style.rotated_share:
        orientation = int(rng.choice([3, 6, 8]))
        photo = photo.transpose(_STORED_TURN[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    quality = int(rng.integers(style.jpeg_quality[0], style.jpeg_quality[1] + 1))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=quality, exif=exif)
    settings.update(blur=round(blur, 2), noise=round(sigma / 255, 4), quality=quality, size=(width, height))
    return Photo(buf.getvalue(), photo.size, orientation, settings)


def style_named(name: str, **overrides: object) -> PhotoStyle:
    """A named style with some ranges replaced (e.g. megapixels=(0.3, 0.3) for small test photos)."""
    return dataclasses.replace(STYLES[name], **overrides)
