"""The one hardened path from a user's image file to a 28x28 MNIST-style model input."""
from __future__ import annotations

import io
import os
import re
import stat
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.data.photo import DigitSteps, read_digit
from core.data.photo.steps import NothingDrawn
from core.data.photo.decode import draft_for_speed, reduce_for_work

# Allow-list, decided by Pillow from the decoded content (Image.open(formats=...)), not the
# file name. MPO is what Pillow calls a JPEG carrying several pictures (camera files).
ALLOWED_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
_JPEG_VARIANTS = frozenset({"MPO"})
MAX_FILE_BYTES = 50 * 1024 * 1024  # checked with os.stat before reading
MAX_PIXELS = 40_000_000  # checked from the header (img.size) before decoding
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError,
                  struct.error, zlib.error, EOFError, RuntimeError, ZeroDivisionError,
                  OverflowError, AttributeError, NotImplementedError)


class ImageLoadError(ValueError):
    """A user's file could not be turned into a model input; the message names the file and why."""


@dataclass(frozen=True)
class LoadedImage:
    """Result of load_image_info: the 28x28 pixels plus what was done to get them."""

    pixels: np.ndarray  # float32 (28, 28) in [0, 1], light drawing on a dark background
    notes: tuple[str, ...]  # human-readable remarks, e.g. "first frame of 12 (animated GIF)"
    original_size: tuple[int, int]  # (width, height) as stored in the file
    format: str  # Pillow's name for the decoded format, e.g. "PNG"


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Load a user's image file as a float32 (28,28) array in [0,1], MNIST style.

    Raises ImageLoadError (and nothing else) for any file that cannot be used.
    """
    return load_image_info(path).pixels


def load_image_info(path: str | os.PathLike[str]) -> LoadedImage:
    """Like load_image, but also return notes, the original size and the detected format."""
    return _guarded(path)[0]


def photo_steps(path: str | os.PathLike[str]) -> DigitSteps:
    """The same load as load_image, returning every step's image (photo, lighting flattened, ink found, crop,
    28x28: `DigitSteps.images()`) for showing; its `pixels` equal load_image(path). Raises ImageLoadError."""
    return _guarded(path)[1]


def _guarded(path: str | os.PathLike[str]) -> tuple[LoadedImage, DigitSteps]:
    """_load with every failure turned into one ImageLoadError line naming the file."""
    if not isinstance(path, (str, os.PathLike)):
        raise ImageLoadError(f"cannot load {path!r}: not a file path")
    label = _display_name(path)
    try:
        return _load(path, label)
    except ImageLoadError:
        raise
    except MemoryError as exc:
        raise ImageLoadError(f"cannot load {label}: not enough memory to decode it") from exc
    except Image.DecompressionBombError as exc:  # also raised by Pillow while seeking frames
        raise ImageLoadError(f"cannot load {label}: {_bomb_message(exc)}") from exc
    except Exception as exc:  # last line of defence: no other exception type may escape
        raise ImageLoadError(f"cannot load {label}: file is truncated or corrupt "
                             f"({type(exc).__name__}: {exc})") from exc


def _display_name(path: str | os.PathLike[str]) -> str:
    """The file's name as shown in messages (quoted; the whole path if it has no name part)."""
    text = os.fspath(path)
    return repr(Path(text).name or text)


def _read_bytes(path: str | os.PathLike[str], label: str) -> bytes:
    """Check the path with os.stat (kind, size cap) and read the whole file into memory."""
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise ImageLoadError(f"cannot load {label}: file not found") from exc
    except PermissionError as exc:
        raise ImageLoadError(f"cannot load {label}: permission denied") from exc
    except (OSError, ValueError) as exc:  # ValueError: embedded NUL byte in the path
        raise ImageLoadError(f"cannot load {label}: {exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ImageLoadError(f"cannot load {label}: it is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):  # FIFOs and devices could block or never end
        raise ImageLoadError(f"cannot load {label}: not a regular file")
    if info.st_size == 0:
        raise ImageLoadError(f"cannot load {label}: empty file")
    if info.st_size > MAX_FILE_BYTES:
        raise ImageLoadError(f"cannot load {label}: file too large: {info.st_size / 2**20:.1f} MB "
                             f"(limit {MAX_FILE_BYTES / 2**20:.0f} MB)")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # the file may have changed since stat
    except PermissionError as exc:
        raise ImageLoadError(f"cannot load {label}: permission denied") from exc
    except OSError as exc:
        raise ImageLoadError(f"cannot load {label}: cannot read it ({exc.strerror or exc})") from exc
    if not data:
        raise ImageLoadError(f"cannot load {label}: empty file")
    if len(data) > MAX_FILE_BYTES:
        raise ImageLoadError(f"cannot load {label}: file too large "
                             f"(limit {MAX_FILE_BYTES / 2**20:.0f} MB)")
    return data


# File signatures of the allowed formats: content that starts like one is a broken image file.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "PNG": (b"\x89PNG",), "JPEG": (b"\xff\xd8\xff",), "GIF": (b"GIF87a", b"GIF89a"),
    "BMP": (b"BM",), "TIFF": (b"II*\x00", b"MM\x00*"), "WEBP": (),
}


def _looks_like(data: bytes) -> str | None:
    """Guess what a non-image file is, for the error message (None: no idea)."""
    head = data[:4096]
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive or office document"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in stripped):
        return "an SVG drawing (vector images are not supported)"
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if b"\x00" not in head:  # UTF-8 (or ASCII) text: almost every character printable
        chars = head.decode("utf-8", errors="replace")
        printable = sum(1 for ch in chars
                        if (ch.isprintable() and ch != "\ufffd") or ch in "\t\r\n\f")
        if printable >= 0.95 * len(chars):
            return "text"
    return None


def _refuse_unidentified(data: bytes, label: str) -> ImageLoadError:
    """Build the error for content Pillow would not open as an allowed format."""
    allowed = ", ".join(ALLOWED_FORMATS)
    for fmt, signatures in _SIGNATURES.items():
        if data.startswith(signatures) or (fmt == "WEBP" and data[8:12] == b"WEBP"):
            return ImageLoadError(f"cannot load {label}: file is truncated or corrupt "
                                  f"(it starts like a {fmt} file, but cannot be read as one)")
    try:  # header-only identification with every plugin, just to name the format
        with Image.open(io.BytesIO(data)) as other:
            fmt = other.format
    except Exception:  # noqa: BLE001 - any failure here only means "unknown"
        fmt = None
    if fmt:
        return ImageLoadError(f"cannot load {label}: format {fmt} not allowed (allowed: {allowed})")
    kind = _looks_like(data)
    if kind is not None:
        return ImageLoadError(f"cannot load {label}: not an image (looks like {kind})")
    return ImageLoadError(f"cannot load {label}: not an image in a known format (allowed: {allowed})")


def _bomb_message(exc: Exception) -> str:
    """Pillow's own decompression-bomb guard fired (its header check): say how big, readably."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
    return f"image too large: {size} (limit {MAX_PIXELS / 1e6:.0f} megapixels)"


def _open(data: bytes, label: str) -> Image.Image:
    """Open (header only) with the allow-list; refuse images over MAX_PIXELS before decoding."""
    try:
        img = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except UnidentifiedImageError:
        raise _refuse_unidentified(data, label) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(f"cannot load {label}: {_bomb_message(exc)}") from exc
    except _DECODE_ERRORS as exc:
        raise ImageLoadError(f"cannot load {label}: file is truncated or corrupt ({exc})") from exc
    if img.format not in ALLOWED_FORMATS and img.format not in _JPEG_VARIANTS:
        raise ImageLoadError(f"cannot load {label}: format {img.format} not allowed")
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageLoadError(f"cannot load {label}: image has no pixels ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise ImageLoadError(f"cannot load {label}: image too large: {width}x{height} pixels "
                             f"(limit {MAX_PIXELS / 1e6:.0f} megapixels)")
    return img


def _frame_note(img: Image.Image) -> str | None:
    """Say so when the file holds several frames/pages (only the first is used)."""
    try:
        n = int(getattr(img, "n_frames", 1))
    except Exception:  # noqa: BLE001 - a broken later frame must not stop the first one
        return f"first frame used ({img.format} file with unreadable further frames)"
    finally:
        try:
            img.seek(0)
        except Exception:  # noqa: BLE001 - single-frame plugins may not support seek at all
            pass
    if n <= 1:
        return None
    what = "multi-page TIFF" if img.format == "TIFF" else f"animated {img.format}"
    unit = "page" if img.format == "TIFF" else "frame"
    return f"first {unit} of {n} ({what})"


def _apply_exif(img: Image.Image, notes: list[str]) -> Image.Image:
    """Rotate/flip as the EXIF orientation tag says (ImageOps.exif_transpose); never crash."""
    try:
        orientation = img.getexif().get(0x0112, 1)
        rotated = ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - corrupt EXIF: fall back to no rotation
        notes.append("EXIF data unreadable: orientation not applied")
        return img
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        notes.append(f"rotated/flipped as the EXIF orientation tag ({orientation}) says")
    return rotated if rotated is not None else img


def _decode(data: bytes, label: str) -> tuple[Image.Image, list[str], tuple[int, int], str]:
    """Open, check and decode the first frame; return it with notes, original size and format."""
    notes: list[str] = []
    # Pillow warns (DecompressionBombWarning) instead of failing for mid-sized bombs: make it an
    # error here; other decoder warnings (e.g. "Corrupt EXIF data") are recorded as notes.
    # catch_warnings is process-wide, not per thread: while this block runs, a warning raised
    # by another thread would be recorded here too (harmless: it only becomes a note).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = _open(data, label)
        size, fmt = img.size, str(img.format)
        frame_note = _frame_note(img)
        if frame_note:
            notes.append(frame_note)
        if img.size[0] * img.size[1] > MAX_PIXELS:  # re-check after seeking back
            raise ImageLoadError(f"cannot load {label}: image too large: "
                                 f"{img.size[0]}x{img.size[1]} pixels")
        draft_for_speed(img)  # a big JPEG decodes reduced, in its DCT (12 MP: ~1/16 of the work)
        try:
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageLoadError(f"cannot load {label}: {_bomb_message(exc)}") from exc
        except _DECODE_ERRORS as exc:
            raise ImageLoadError(f"cannot load {label}: file is truncated or corrupt "
                                 f"({exc})") from exc
        img = _apply_exif(img, notes)
    for message in dict.fromkeys(str(w.message).strip() for w in caught):
        if "exif" in message.lower():
            notes.append(f"EXIF data partly corrupt, ignored where unreadable ({message})")
        else:
            notes.append(f"decoder warning: {message}")
    return img, notes, size, fmt


def _bit_depth(img: Image.Image) -> int | None:
    """Bits per sample the file declares (TIFF tag 258 BitsPerSample), if it says so."""
    tags = getattr(img, "tag_v2", None)
    try:
        bits = tags.get(258) if tags is not None else None
        if isinstance(bits, tuple):
            bits = bits[0]
        return int(bits) if bits else None
    except Exception:  # noqa: BLE001 - unreadable tag: fall back to the mode's depth
        return None


def _to_grey(img: Image.Image, notes: list[str]) -> np.ndarray:
    """Any Pillow mode -> float32 grey in [0,1]; transparency becomes a white background."""
    mode = img.mode
    has_alpha = "A" in img.getbands() or "a" in img.getbands() or (
        mode in ("P", "L", "RGB", "1") and "transparency" in img.info)
    if has_alpha:
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3]
        # ITU-R 601-2 luma (as Pillow's convert("L")), then composite onto white.
        luma = rgba[..., 0] * 0.299 + rgba[..., 1] * 0.587 + rgba[..., 2] * 0.114
        if float(alpha.min()) < 1.0:
            notes.append("transparent areas treated as white background")
        return luma * alpha + (1.0 - alpha)
    if mode in ("1", "L", "P", "RGB", "CMYK", "YCbCr", "RGBX"):
        return np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    if mode == "LAB":  # L band is lightness on 0..255
        return np.asarray(img.getchannel(0), dtype=np.float32) / 255.0
    if mode.startswith("I;16"):  # 16-bit grey, any byte order: scale by the declared bit depth
        bits = _bit_depth(img) or 16
        return np.asarray(img, dtype=np.float32) / float(2**min(bits, 16) - 1)
    if mode in ("I", "F"):
        arr = np.asarray(img).astype(np.float64)
        if not np.isfinite(arr).all():
            notes.append("non-finite pixel values set to 0")
            arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
        bits = _bit_depth(img) if mode == "I" else None
        lo, hi = float(arr.min()), float(arr.max())
        if bits and lo >= 0:
            return (arr / float(2**bits - 1)).clip(0, 1).astype(np.float32)
        if lo >= 0 and hi <= 1 and mode == "F":
            return arr.astype(np.float32)
        if lo >= 0 and mode == "I":  # integer samples: the smallest usual depth that fits them
            full = 255.0 if hi <= 255 else 65535.0 if hi <= 65535 else float(2**32 - 1)
            return (arr / full).astype(np.float32)
        notes.append(f"{mode} values {lo:g}..{hi:g} rescaled to 0..1")
        return ((arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)).astype(np.float32)
    try:  # other 8-bit modes (HSV, ...): through RGB, which Pillow converts every mode to
        return np.asarray(img.convert("RGB").convert("L"), dtype=np.float32) / 255.0
    except Exception as exc:  # noqa: BLE001 - reported by the caller as an unsupported mode
        raise ValueError(f"colour mode {mode} is not supported") from exc


def _load(path: str | os.PathLike[str], label: str) -> tuple[LoadedImage, DigitSteps]:
    """The pipeline: read with caps, decode the first frame (reduced if big), grey, the digit's steps."""
    data = _read_bytes(path, label)
    img, notes, size, fmt = _decode(data, label)
    try:
        grey = _to_grey(img, notes)
    except _DECODE_ERRORS as exc:
        raise ImageLoadError(f"cannot load {label}: {exc}") from exc
    grey = reduce_for_work(grey)
    if grey.ndim != 2 or grey.size == 0:
        raise ImageLoadError(f"cannot load {label}: unexpected pixel layout {grey.shape}")
    try:
        steps = read_digit(grey)
    except NothingDrawn as exc:
        raise ImageLoadError(f"cannot load {label}: {exc}") from exc
    loaded = LoadedImage(pixels=steps.pixels, notes=tuple(notes), original_size=size, format=fmt)
    return loaded, steps
