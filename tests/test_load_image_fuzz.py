"""Fuzz load_image: random bytes and mutated images give either a result or ImageLoadError."""
from __future__ import annotations

import io
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from core.data import ImageLoadError, load_image

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _seed_image(fmt: str) -> bytes:
    img = Image.new("L", (24, 24), 255)
    ImageDraw.Draw(img).ellipse((4, 4, 20, 20), outline=0, width=3)
    buf = io.BytesIO()
    (img.convert("RGBA") if fmt == "PNG" else img).save(buf, fmt)
    return buf.getvalue()


PNG = _seed_image("PNG")
GIF = _seed_image("GIF")


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One file rewritten for every example (hypothesis runs many examples per test call)."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "fuzz.png"


def check(path: Path, data: bytes) -> None:
    """The contract: success is a valid 28x28 input; failure is exactly ImageLoadError."""
    path.write_bytes(data)
    try:
        x = load_image(path)
    except ImageLoadError as err:
        assert type(err) is ImageLoadError and "fuzz.png" in str(err)
        return
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """Byte overwrites, insertions and a truncation applied to a valid file."""
    edit = st.tuples(st.integers(0, len(seed) - 1), st.binary(min_size=1, max_size=8),
                     st.booleans())

    def apply(edits: list[tuple[int, bytes, bool]], cut: int) -> bytes:
        data = bytearray(seed)
        for pos, chunk, insert in edits:
            pos = min(pos, len(data))
            if insert:
                data[pos:pos] = chunk
            else:
                data[pos:pos + len(chunk)] = chunk
        return bytes(data[:cut])

    return st.builds(apply, st.lists(edit, max_size=6), st.integers(1, len(seed) + 64))


@FUZZ
@given(data=st.binary(min_size=0, max_size=4096))
def test_random_bytes(scratch: Path, data: bytes) -> None:
    check(scratch, data)


@FUZZ
@given(data=mutated(PNG))
def test_mutated_png(scratch: Path, data: bytes) -> None:
    check(scratch, data)


@FUZZ
@given(data=mutated(GIF))
def test_mutated_gif(scratch: Path, data: bytes) -> None:
    check(scratch, data)


@FUZZ
@given(width=st.integers(0, 2**32 - 1), height=st.integers(0, 2**32 - 1),
       fix_crc=st.booleans())
def test_png_header_sizes(scratch: Path, width: int, height: int, fix_crc: bool) -> None:
    """Any claimed size in a PNG header is handled (huge ones refused before decoding)."""
    data = bytearray(PNG)
    chunk = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = chunk
    if fix_crc:
        data[29:33] = struct.pack(">I", zlib.crc32(chunk))
    check(scratch, bytes(data))
