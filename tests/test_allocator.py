"""core.allocator: after keep_big_blocks_returnable, glibc serves a new block of 128 KiB or more by its own mmap
even after a bigger block was freed (which, left alone, raises glibc's threshold and sends such blocks to the heap).
Each case runs in a fresh interpreter: in a long-lived one, free space in the heap's bins may serve any size."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK = """
import ctypes, sys
from core.allocator import keep_big_blocks_returnable
libc = ctypes.CDLL("libc.so.6")
libc.malloc.argtypes, libc.malloc.restype = [ctypes.c_size_t], ctypes.c_void_p
libc.free.argtypes, libc.free.restype = [ctypes.c_void_p], None
if sys.argv[1] == "fixed":
    assert keep_big_blocks_returnable()
libc.free(libc.malloc(8 * 1024 * 1024))  # glibc left alone now raises its threshold to 8 MiB
def mmapped(size):  # bit 1 (IS_MMAPPED) of the chunk's size word, just below the pointer
    p = libc.malloc(size)
    flag = bool(ctypes.c_size_t.from_address(p - ctypes.sizeof(ctypes.c_size_t)).value & 2)
    return flag
print(mmapped(512 * 1024), mmapped(132 * 1024), mmapped(4096))
"""


def _mmapped(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", CHECK, mode], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_big_blocks_stay_mmapped_after_a_bigger_free():
    assert _mmapped("fixed") == ["True", "True", "False"]  # small blocks still come from the heap
    assert _mmapped("default") == ["False", "False", "False"]  # the control: glibc's raised threshold
