"""Keeping big freed buffers returnable to the OS: a fixed glibc mmap threshold (about 20 MB less peak memory)."""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt parameters (glibc malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value
TRIM_THRESHOLD_BYTES = 256 * 1024  # twice the mmap threshold, glibc's own pairing


def keep_big_blocks_returnable() -> bool:
    """Fix glibc's mmap threshold at 128 KiB (and the trim threshold at 256 KiB) for this process; False where
    the C library is not glibc (nothing changed).

    glibc starts with the same threshold but raises it, up to 32 MB, each time a block above it is freed; from
    then on the tensors of that size (a batch of images, an encoded test set, its activations) come from the heap
    and arenas, whose freed space the process keeps. With the threshold fixed (setting it switches the raising
    off) every block of 128 KiB or more is its own mapping, handed back to the OS when torch or numpy frees it.
    Measured with benchmarks/bench_memory.py (lesson 4, 40 s of training): peak ~497 -> ~477 MB, same steps/s.
    Call it once, early (before the big allocations start).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # no glibc (musl, ...)
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
