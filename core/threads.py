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
    """Intra-op threads for training.

    With a GUI, leave one core to the event loop and the painter (on 2 cores: 1 training thread);
    OpenMP's spin-waiting threads fight the GUI thread for the same cores otherwise. Headless, small
    models gain little past 4 threads.
    """
    cores = available_cores()
    if gui:
        return max(1, min(4, cores - 1))
    return max(1, min(4, cores))


def configure_threads(gui: bool, threads: int | None = None) -> int:
    """Set torch's intra-op (and, once per process, inter-op) pool; returns the intra-op count chosen."""
    n = threads or int(os.environ.get("GENDIFF_THREADS", 0)) or recommended_threads(gui)
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (it can only be set once, before any parallel work)
    return n
