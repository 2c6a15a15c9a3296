"""How long the calling thread waited for a core (Linux's schedstat): the sign that other programs want the cores.

/proc/thread-self/schedstat holds three numbers (Documentation/scheduler/sched-stats.rst): nanoseconds this thread
has run on a CPU, nanoseconds it has waited on a runqueue (runnable, but every core busy), and its timeslices.
Between two readings, wait / (run + wait) is the share of its busy time the thread spent waiting for a core: about
0 on a machine with a core free for it; with n runnable threads on c < n cores, about 1 - c / n. Waiting for a lock
or the GIL is sleeping, not runqueue time, so the training thread's own contention with the GUI does not count.
"""
from __future__ import annotations

from dataclasses import dataclass

SCHEDSTAT = "/proc/thread-self/schedstat"


@dataclass(frozen=True)
class CpuTimes:
    """Cumulative run and runqueue-wait nanoseconds of one thread."""

    run_ns: int
    wait_ns: int


def parse_schedstat(text: str) -> CpuTimes:
    """The first two fields of a schedstat line ("run_ns wait_ns slices")."""
    fields = text.split()
    if len(fields) < 2:
        raise ValueError(f"not a schedstat line: {text!r}")
    return CpuTimes(int(fields[0]), int(fields[1]))


def thread_cpu_times() -> CpuTimes | None:
    """This thread's CpuTimes now; None where the system does not tell (not Linux, or no schedstat)."""
    try:
        with open(SCHEDSTAT) as f:
            return parse_schedstat(f.read())
    except (OSError, ValueError):
        return None


def wait_share(before: CpuTimes | None, after: CpuTimes | None) -> float | None:
    """wait / (run + wait) between two readings of one thread; None if either is missing or no time passed."""
    if before is None or after is None:
        return None
    run, wait = after.run_ns - before.run_ns, after.wait_ns - before.wait_ns
    if run < 0 or wait < 0 or run + wait <= 0:
        return None
    return wait / (run + wait)
