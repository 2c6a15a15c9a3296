"""The training thread's wait for a core (core.cpu_wait): schedstat parsing, the share by hand, and a real wait."""
from __future__ import annotations

import multiprocessing as mp
import os
import time

import pytest

from core.cpu_wait import CpuTimes, parse_schedstat, thread_cpu_times, wait_share


def test_a_schedstat_line_gives_run_and_wait_nanoseconds():
    assert parse_schedstat("1234567 89012 345\n") == CpuTimes(1234567, 89012)
    with pytest.raises(ValueError):
        parse_schedstat("")


def test_the_wait_share_is_the_waited_part_of_the_busy_time():
    # 300 ns run and 100 ns waited between the readings: 100 / 400 by hand
    assert wait_share(CpuTimes(100, 50), CpuTimes(400, 150)) == pytest.approx(0.25)
    assert wait_share(CpuTimes(0, 0), CpuTimes(500, 0)) == 0.0
    assert wait_share(None, CpuTimes(1, 1)) is None and wait_share(CpuTimes(1, 1), None) is None
    assert wait_share(CpuTimes(5, 5), CpuTimes(5, 5)) is None  # no time passed
    assert wait_share(CpuTimes(9, 9), CpuTimes(5, 9)) is None  # not two readings of one thread


def _spin(ready) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    ready.set()
    end = time.monotonic() + 5.0
    while time.monotonic() < end:
        pass


def _busy_share(seconds: float) -> float | None:
    before = thread_cpu_times()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return wait_share(before, thread_cpu_times())


@pytest.mark.skipif(thread_cpu_times() is None or not hasattr(os, "sched_setaffinity"),
                    reason="no schedstat or no affinity on this system")
def test_a_thread_sharing_its_core_with_a_spinning_process_waits_for_it():
    """Two spinners on one core share it about half and half (the kernel's fair scheduler): this thread waits
    for a large part of its busy time; the same spin before the neighbour starts waits far less."""
    main_cpus = os.sched_getaffinity(0)
    core = min(main_cpus)
    os.sched_setaffinity(0, {core})  # this thread only (Linux applies affinity per thread)
    try:
        alone = _busy_share(0.3)
        ctx = mp.get_context("spawn")
        ready = ctx.Event()
        neighbour = ctx.Process(target=_spin, args=(ready,), daemon=True)
        neighbour.start()
        try:
            assert ready.wait(30)
            shared = _busy_share(0.6)
        finally:
            neighbour.kill()
            neighbour.join()
    finally:
        os.sched_setaffinity(0, main_cpus)
    assert shared is not None and alone is not None
    assert shared > 0.25 and shared > alone + 0.15
