"""Busy neighbours for the benchmarks: processes that keep cores busy, as a browser or a video call does on a laptop."""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from collections.abc import Iterator


def _spin(stop) -> None:
    """Busy work at normal priority until `stop` is set (arithmetic, no sleeping, no memory traffic)."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x = (x * 1103515245 + 12345) & 0xFFFFFFFF


@contextlib.contextmanager
def busy_neighbours(count: int = 2) -> Iterator[list[int]]:
    """`count` spinning processes (their pids) for the duration of the `with` block; ended and reaped after it."""
    context = mp.get_context("spawn")  # a fresh interpreter: no torch, no Qt, no threads copied by fork
    stop = context.Event()
    procs = [context.Process(target=_spin, args=(stop,), daemon=True) for _ in range(count)]
    for proc in procs:
        proc.start()
    try:
        yield [proc.pid for proc in procs]
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()


def load_average() -> float:
    return round(os.getloadavg()[0], 2)
