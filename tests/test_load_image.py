"""Tests for load_image: every colour mode, EXIF, frames, MNIST-style layout and refusals."""
from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile, ImageOps

from core.data import ImageLoadError, LoadedImage, load_image, load_image_info
from core.data import image_file

# A tall bar (24 wide, 70 high) on a 100x100 canvas: after loading it must be a bright,
# upright stroke on black, 20 pixels tall, centred by mass.
BAR = (38, 15, 61, 84)


def _com(x: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[: x.shape[0], : x.shape[1]]
    return float((ys * x).sum() / x.sum()), float((xs * x).sum() / x.sum())


def _extent(x: np.ndarray, threshold: float = 0.3) -> tuple[int, int]:
    """(height, width) of the pixels above threshold."""
    rows = np.flatnonzero((x > threshold).any(axis=1))
    cols = np.flatnonzero((x > threshold).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def assert_upright_bar(x: np.ndarray) -> None:
    """A bright vertical bar on black, fitted to 20 px high, centre of mass near (14, 14)."""
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() > 0.99
    cy, cx = _com(x)
    assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0, (cy, cx)
    h, w = _extent(x)
    assert 19 <= h <= 21 and 5 <= w <= 9, (h, w)
    assert x[:3].max() < 0.05 and x[-3:].max() < 0.05  # background is black
    assert x[:, :5].max() < 0.05 and x[:, -5:].max() < 0.05


def bar_image(mode: str, ink: object, paper: object, size: tuple[int, int] = (100, 100)
              ) -> Image.Image:
    img = Image.new(mode, size, paper)
    ImageDraw.Draw(img).rectangle(BAR, fill=ink)
    return img


def save(img: Image.Image, path: Path, **kwargs: object) -> Path:
    img.save(path, **kwargs)
    return path


def grey16(ink: int, paper: int, dtype: str) -> Image.Image:
    arr = np.full((100, 100), paper, dtype=dtype)
    arr[BAR[1]:BAR[3] + 1, BAR[0]:BAR[2] + 1] = ink
    return Image.fromarray(arr)


# (case id, file name, builder, mode Pillow must report when it reads the file back)
MODE_CASES: list[tuple[str, str, Callable[[], Image.Image], str]] = [
    ("1", "bar.png", lambda: bar_image("1", 0, 1), "1"),
    ("L", "bar.png", lambda: bar_image("L", 0, 255), "L"),
    ("L-light-on-dark", "bar.png", lambda: bar_image("L", 255, 0), "L"),
    ("RGB", "bar.png", lambda: bar_image("RGB", (20, 0, 60), (250, 250, 240)), "RGB"),
    ("RGB-jpeg", "bar.jpg", lambda: bar_image("RGB", (0, 0, 0), (255, 255, 255)), "RGB"),
    ("P", "bar.gif", lambda: bar_image("RGB", (0, 0, 90), (255, 255, 0)).quantize(4), "P"),
    ("CMYK", "bar.tif", lambda: bar_image("CMYK", (0, 0, 0, 255), (0, 0, 0, 0)), "CMYK"),
    ("CMYK-jpeg", "bar.jpg", lambda: bar_image("CMYK", (0, 0, 0, 255), (0, 0, 0, 0)), "CMYK"),
    ("LA", "bar.png", lambda: bar_image("LA", (0, 255), (0, 0)), "LA"),
    ("RGBA", "bar.png", lambda: bar_image("RGBA", (0, 0, 0, 255), (0, 0, 0, 0)), "RGBA"),
    ("RGBA-webp", "bar.webp", lambda: bar_image("RGBA", (0, 0, 0, 255), (0, 0, 0, 0)), "RGBA"),
    ("I;16", "bar.png", lambda: grey16(0, 65535, "<u2"), "I;16"),
    ("I;16B", "bar.tif", lambda: grey16(0, 65535, ">u2"), "I;16B"),
    ("I", "bar.tif", lambda: bar_image("I", 0, 65535), "I"),
    ("F", "bar.tif", lambda: bar_image("F", 0.0, 1.0), "F"),
    ("BMP", "bar.bmp", lambda: bar_image("RGB", (0, 0, 0), (255, 255, 255)), "RGB"),
]


@pytest.mark.parametrize("case, filename, build, mode", MODE_CASES, ids=[c[0] for c in MODE_CASES])
def test_every_mode_becomes_an_mnist_style_stroke(tmp_path: Path, case: str, filename: str,
                                                  build: Callable[[], Image.Image],
                                                  mode: str) -> None:
    path = save(build(), tmp_path / filename, **({"lossless": True} if case.endswith("webp")
                                                  else {}))
    with Image.open(path) as check:
        assert check.mode == mode  # the test really exercises this mode
    assert_upright_bar(load_image(path))


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_with_transparent_background(tmp_path: Path, fmt: str) -> None:
    # Index 0 (the background) is black but transparent; index 1 (the bar) is opaque black.
    # Ignoring transparency would give black on black, i.e. a blank image.
    img = Image.new("P", (100, 100), 0)
    img.putpalette([0, 0, 0, 0, 0, 0] + [128] * (3 * 254))
    ImageDraw.Draw(img).rectangle(BAR, fill=1)
    path = save(img, tmp_path / f"pal.{fmt.lower()}", transparency=0)
    info = load_image_info(path)
    assert_upright_bar(info.pixels)
    assert any("transparent" in note for note in info.notes)


def test_rgba_ignoring_alpha_would_be_blank(tmp_path: Path) -> None:
    # Transparent pixels hold black RGB: only compositing onto white reveals the bar.
    info = load_image_info(save(bar_image("RGBA", (0, 0, 0, 255), (0, 0, 0, 0)),
                                tmp_path / "glass.png"))
    assert_upright_bar(info.pixels)
    assert info.notes == ("transparent areas treated as white background",)


def test_sixteen_bit_is_not_saturated(tmp_path: Path) -> None:
    arr = np.zeros((100, 100), dtype=np.uint16)
    arr[15:85, 30:45] = 20_000  # dim bar
    arr[15:85, 55:70] = 60_000  # bright bar, three times brighter
    path = save(Image.fromarray(arr), tmp_path / "deep.png")
    with Image.open(path) as check:
        assert check.mode == "I;16"
    x = load_image(path)
    left, right = x[:, :14].max(), x[:, 14:].max()
    assert right > 0.99
    assert 0.25 < left < 0.42, left  # clipping at 255 would make both bars 1.0


def test_sixteen_bit_white_paper_is_inverted(tmp_path: Path) -> None:
    # A 16-bit scan: white paper (65535) with a mid-grey stroke. Scaling by 255 (or clipping)
    # would misjudge the paper; scaling by 65535 inverts it to a dark background.
    x = load_image(save(grey16(30_000, 65_535, "<u2"), tmp_path / "scan.png"))
    assert_upright_bar(x)


def _asymmetric_shape() -> Image.Image:
    """A thick block on the left with a thin tail to the right (mass on the left)."""
    img = Image.new("RGB", (120, 80), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 20, 40, 60), fill="black")
    draw.rectangle((40, 38, 110, 42), fill="black")
    return img


def _mass_sides(x: np.ndarray) -> dict[str, float]:
    return {"left": float(x[:, :14].sum()), "right": float(x[:, 14:].sum()),
            "top": float(x[:14].sum()), "bottom": float(x[14:].sum())}


@pytest.mark.parametrize("orientation, heavy, light", [
    (1, "left", "right"),   # no rotation
    (3, "right", "left"),   # rotated 180 degrees
    (6, "top", "bottom"),   # shown rotated 90 degrees clockwise: the left edge goes up
    (8, "bottom", "top"),   # shown rotated 90 degrees counter-clockwise: the left edge goes down
])
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int, heavy: str,
                                     light: str) -> None:
    img = _asymmetric_shape()
    exif = img.getexif()
    exif[0x0112] = orientation
    info = load_image_info(save(img, tmp_path / f"photo{orientation}.jpg", exif=exif, quality=95))
    sides = _mass_sides(info.pixels)
    assert sides[heavy] > 1.5 * sides[light], sides
    assert any("EXIF orientation" in n for n in info.notes) == (orientation != 1)


def test_corrupt_exif_does_not_crash(tmp_path: Path) -> None:
    # An EXIF block whose directory claims more data than there is.
    bad = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\xff\xff\xff\xff"
    info = load_image_info(save(bar_image("L", 0, 255), tmp_path / "bad_exif.jpg", exif=bad))
    assert_upright_bar(info.pixels)
    assert any("EXIF" in note for note in info.notes)


def test_exif_transpose_failure_falls_back_to_no_rotation(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise struct.error("unpack requires a buffer of 4 bytes")

    monkeypatch.setattr(ImageOps, "exif_transpose", broken)
    img = bar_image("L", 0, 255)
    exif = img.getexif()
    exif[0x0112] = 6
    info = load_image_info(save(img, tmp_path / "exif.jpg", exif=exif))
    assert_upright_bar(info.pixels)  # not rotated: still upright
    assert "EXIF data unreadable: orientation not applied" in info.notes


def _frames() -> list[Image.Image]:
    """First frame: the upright bar; later frames: wide bars, so using another frame shows."""
    first = bar_image("L", 0, 255)
    later = []
    for k in range(4):
        img = Image.new("L", (100, 100), 255)
        ImageDraw.Draw(img).rectangle((10, 20 + 15 * k, 90, 30 + 15 * k), fill=0)
        later.append(img)
    return [first] + later


def test_animated_gif_gives_first_frame_and_a_note(tmp_path: Path) -> None:
    frames = _frames()
    path = save(frames[0], tmp_path / "anim.gif", save_all=True, append_images=frames[1:],
                duration=100, loop=0)
    info = load_image_info(path)
    assert_upright_bar(info.pixels)
    assert info.notes == ("first frame of 5 (animated GIF)",)
    assert info.format == "GIF" and info.original_size == (100, 100)


def test_multipage_tiff_gives_first_page_and_a_note(tmp_path: Path) -> None:
    frames = _frames()
    path = save(frames[0], tmp_path / "pages.tiff", save_all=True, append_images=frames[1:3])
    info = load_image_info(path)
    assert_upright_bar(info.pixels)
    assert info.notes == ("first page of 3 (multi-page TIFF)",)


def test_format_is_decided_by_content_not_extension(tmp_path: Path) -> None:
    path = save(bar_image("L", 0, 255), tmp_path / "really_a_png.jpg", format="PNG")
    info = load_image_info(path)
    assert isinstance(info, LoadedImage)
    assert info.format == "PNG" and info.original_size == (100, 100) and info.notes == ()
    assert_upright_bar(info.pixels)


def test_wide_image_is_fitted_keeping_aspect(tmp_path: Path) -> None:
    img = Image.new("L", (200, 100), 255)
    ImageDraw.Draw(img).rectangle((20, 40, 179, 59), fill=0)  # 160 x 20 -> 20 x 2.5
    x = load_image(save(img, tmp_path / "wide.png"))
    h, w = _extent(x)
    assert w == 20 and 2 <= h <= 4
    cy, cx = _com(x)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


def test_off_centre_content_is_cropped_and_centred(tmp_path: Path) -> None:
    img = Image.new("L", (300, 300), 255)
    ImageDraw.Draw(img).ellipse((220, 10, 290, 80), outline=0, width=8)  # a ring, top right
    x = load_image(save(img, tmp_path / "corner.png"))
    assert _extent(x) in {(20, 20), (21, 21), (20, 21), (21, 20)}
    cy, cx = _com(x)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    assert x[14, 14] < 0.2  # the hole of the ring is in the middle


@pytest.mark.parametrize("dark_on_light", [False, True])
def test_mnist_digit_round_trips(tmp_path: Path, dark_on_light: bool) -> None:
    from core.data import load_image_dataset

    digit = load_image_dataset("mnist").test_images[0]
    pixels = 255 - digit if dark_on_light else digit  # as if drawn in black on white paper
    x = load_image(save(Image.fromarray(pixels), tmp_path / "digit.png"))
    # already MNIST-style: same content, at most a pixel of shift and resampling differences
    best = min(np.abs(np.roll(x, (dy, dx), axis=(0, 1)) - digit / 255.0).mean()
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    assert best < 0.05


def test_one_by_one_image_is_blank_not_a_crash(tmp_path: Path) -> None:
    for value in (0, 255):
        path = save(Image.new("L", (1, 1), value), tmp_path / f"dot{value}.png")
        with pytest.raises(ImageLoadError, match=rf"dot{value}\.png.*blank"):
            load_image(path)


def test_tiny_two_pixel_image_works(tmp_path: Path) -> None:
    img = Image.new("L", (2, 1), 0)
    img.putpixel((1, 0), 255)
    x = load_image(save(img, tmp_path / "two.png"))
    assert x.shape == (28, 28) and x.max() == pytest.approx(1.0)


@pytest.mark.parametrize("horizontal", [True, False])
def test_extremely_thin_content_keeps_a_pixel(tmp_path: Path, horizontal: bool) -> None:
    img = Image.new("L", (10_000, 20), 255)
    line = (0, 10, 9_999, 10) if horizontal else (5_000, 0, 5_000, 19)
    ImageDraw.Draw(img).line(line, fill=0)
    x = load_image(save(img, tmp_path / "thin.png"))
    assert x.max() == pytest.approx(1.0)
    h, w = _extent(x, 0.5)
    assert (h, w) == ((1, 20) if horizontal else (20, 1))


def test_shrunk_antialiased_stroke_stays_at_full_brightness(tmp_path: Path) -> None:
    arr = np.full((100, 1000), 255, dtype=np.uint8)
    arr[49], arr[50], arr[51] = 110, 0, 110  # a long stroke with grey (anti-aliased) edges
    x = load_image(save(Image.fromarray(arr), tmp_path / "stroke.png"))
    assert _extent(x, 0.5) == (1, 20)
    assert x.max() > 0.99  # averaging the three rows into one must not dim it (MNIST uses 255)


def test_blank_image_is_refused(tmp_path: Path) -> None:
    for name, img in (("white.png", Image.new("L", (64, 64), 255)),
                      ("grey.jpg", Image.new("RGB", (64, 64), (128, 128, 128)))):
        with pytest.raises(ImageLoadError, match=rf"{name}.*blank"):
            load_image(save(img, tmp_path / name))


# ---------------------------------------------------------------------------- refusals


def _png_with_header_size(width: int, height: int) -> bytes:
    """A tiny 1-bit PNG whose IHDR is patched to claim width x height (valid CRC)."""
    buf = io.BytesIO()
    Image.new("1", (8, 8)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    chunk = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = chunk
    data[29:33] = struct.pack(">I", zlib.crc32(chunk))
    return bytes(data)


def _refused(path: Path | str, pattern: str) -> ImageLoadError:
    with pytest.raises(ImageLoadError) as err:
        load_image(path)
    assert type(err.value) is ImageLoadError and isinstance(err.value, ValueError)
    message = str(err.value)
    assert os.path.basename(os.fspath(path).rstrip("/")) in message, message
    assert pattern in message, message
    return err.value


@pytest.mark.parametrize("width, height, shown", [
    (30_000, 30_000, "900,000,000 pixels"),  # over Pillow's own bomb limit
    (7_000, 7_000, "7000x7000 pixels"),  # under Pillow's limit, over ours
])
def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       width: int, height: int,
                                                       shown: str) -> None:
    decoded: list[object] = []
    original_load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> object:
        decoded.append(self)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_with_header_size(width, height))
    error = _refused(path, "image too large")
    assert shown in str(error) and "limit 40 megapixels" in str(error)
    assert decoded == []


@pytest.mark.parametrize("content, pattern", [
    (b"Hello teacher,\nthis is not a picture.\n" * 5, "not an image (looks like text)"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
     "not an image (looks like a PDF document)"),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
    (bytes(range(256)) * 4, "not an image in a known format"),
])
def test_non_images_named_png_are_refused(tmp_path: Path, content: bytes, pattern: str) -> None:
    path = tmp_path / "picture.png"
    path.write_bytes(content)
    _refused(path, pattern)


@pytest.mark.parametrize("fmt", ["ICO", "PPM", "TGA", "XBM"])
def test_formats_outside_the_allow_list_are_refused(tmp_path: Path, fmt: str) -> None:
    img = Image.new("RGB", (32, 32), "white")
    ImageDraw.Draw(img).rectangle((12, 4, 18, 28), fill="black")
    path = save(img.convert("1") if fmt == "XBM" else img, tmp_path / "sneaky.png", format=fmt)
    _refused(path, f"format {fmt} not allowed")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    _refused(path, "empty file")


@pytest.mark.parametrize("fmt, ext", [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"),
                                      ("WEBP", "webp"), ("BMP", "bmp")])
def test_truncated_files(tmp_path: Path, fmt: str, ext: str) -> None:
    rng = np.random.default_rng(0)  # noise does not compress: the cut hits pixel data
    noise = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    buf = io.BytesIO()
    noise.save(buf, fmt)
    path = tmp_path / f"cut.{ext}"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])
    _refused(path, "truncated or corrupt")


def test_directory_missing_and_special_files(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    _refused(folder, "is a directory")
    _refused(str(folder) + "/", "is a directory")
    _refused(tmp_path / "nowhere.png", "file not found")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.png"
        os.mkfifo(fifo)
        _refused(fifo, "not a regular file")


def test_file_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    with open(path, "wb") as f:  # sparse: costs no disk
        f.write(_png_with_header_size(8, 8))
        f.truncate(image_file.MAX_FILE_BYTES + 1)
    _refused(path, "file too large")


def test_not_a_path_is_refused() -> None:
    with pytest.raises(ImageLoadError, match="not a file path"):
        load_image(3)  # type: ignore[arg-type]
