"""core.allocator: after keep_big_blocks_returnable, glibc serves every block of 128 KiB or more by its own mmap,
even after a bigger block was freed (which, left alone, raises glibc's threshold and sends such blocks to the heap)."""
from __future__ import annotations

import ctypes
import sys

import pytest

from core.allocator import MMAP_THRESHOLD_BYTES, keep_big_blocks_returnable

IS_MMAPPED = 0x2  # glibc malloc chunk header: bit 1 of the size word just below the pointer


def _libc():
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.argtypes, libc.malloc.restype = [ctypes.c_size_t], ctypes.c_void_p
    libc.free.argtypes, libc.free.restype = [ctypes.c_void_p], None
    return libc


def _is_mmapped(libc, size: int) -> bool:
    pointer = libc.malloc(size)
    try:
        return bool(ctypes.c_size_t.from_address(pointer - ctypes.sizeof(ctypes.c_size_t)).value & IS_MMAPPED)
    finally:
        libc.free(pointer)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_blocks_above_the_threshold_stay_mmapped_after_a_big_free():
    try:
        libc = _libc()
    except OSError:
        pytest.skip("no glibc")
    assert keep_big_blocks_returnable()
    big = libc.malloc(8 * 1024 * 1024)
    libc.free(big)  # without the fixed threshold, glibc would now raise it to 8 MiB
    assert _is_mmapped(libc, 512 * 1024)
    assert _is_mmapped(libc, MMAP_THRESHOLD_BYTES + 4096)
    assert not _is_mmapped(libc, 4096)  # small blocks still come from the heap
