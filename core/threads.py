"""Choosing torch's thread pool deliberately: on a 2-core laptop a greedy pool beside a GUI thread runs ~10x slower."""
from __future__ import annotations

import os

import torch


def available_cores() -> int:
    """Cores this process may run on (respects taskset / cgroup affinity where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def recommended_threads(gui: bool) -> int:
    """Intra-op threads for training: half the cores, at most 4 (on a 2-core laptop: 1).

    Measured on 2 cores with an MNIST VAE (784-400-2, batch 128): 1 thread 108 steps/s, 2 threads 13 steps/s as
    soon as anything else (the GUI thread, the painter, another process) wants a core, since OpenMP's
    spin-waiting workers then fight it. With a GUI we always leave at least one core to the event loop; headless,
    small models gain little past a few threads. `gui` is kept for callers that may want to differ later.
    """
    del gui
    return max(1, min(4, available_cores() // 2))


def configure_threads(gui: bool, threads: int | None = None) -> int:
    """Set torch's intra-op (and, once per process, inter-op) pool; returns the intra-op count chosen."""
    n = threads or int(os.environ.get("GENDIFF_THREADS", 0)) or recommended_threads(gui)
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (it can only be set once, before any parallel work)
    return n
