"""CPU seconds each of this process's threads has used, by thread name (Linux /proc; empty elsewhere)."""
from __future__ import annotations

import os
import time
from collections import defaultdict

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_by_thread() -> dict[str, float]:
    """{thread name: CPU seconds (user + system)} over this process's live threads; threads of one name summed
    (each map-encoder pass is a fresh thread "gendiff-map-encoder"), the main thread under "main", and under
    "process" the whole process's, ended threads included."""
    out: dict[str, float] = defaultdict(float)
    root = f"/proc/{os.getpid()}/task"
    if not os.path.isdir(root):
        return {}
    for tid in os.listdir(root):
        try:
            with open(f"{root}/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended meanwhile
        name = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (proc(5) fields 14, 15)
        out["main" if int(tid) == os.getpid() else name] += seconds
    out["process"] = time.process_time()
    return dict(out)


def cpu_shares(before: dict[str, float], after: dict[str, float], wall_s: float) -> dict[str, float]:
    """Share of one core each thread name used between two `cpu_by_thread` readings `wall_s` apart (threads
    that ended in between are counted under "ended threads"; names under 1% left out)."""
    shares = {name: (after[name] - before.get(name, 0.0)) / wall_s for name in after}
    shares["ended threads"] = shares["process"] - sum(v for name, v in shares.items() if name != "process")
    return {name: round(v, 3) for name, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v >= 0.01}
