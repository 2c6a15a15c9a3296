"""Start-up time of the real program to a populated window: process start -> the latent map shows its points.

    python benchmarks/bench_startup.py --json          # 3 first launches (fresh settings: lesson 4, the MNIST VAE)
    python benchmarks/bench_startup.py --runs 5 --lesson 7
    python benchmarks/bench_startup.py --cold --runs 2 # also cold starts: fresh copies, no byte-code caches

Each run starts `python -m gendiff_gui` in a subprocess (offscreen Qt unless --display) with GENDIFF_EXIT_WHEN_READY=1
(gendiff_gui/startup_probe.py): the program prints one line and quits once its window has been painted with a
populated view. The figure is the wall time from Popen to that line (interpreter start, imports, checkpoint and
dataset load, encoding 5,000 test images, first paint). Each run is paired with a bare import of torch, PySide6 and
pyqtgraph in a fresh interpreter (the floor no start-up can beat), the pair's order alternating, so load from other
processes falls on both alike: `ratio` is the median of the pairs' app/bare ratios (goal <= 1.25).

--cold: the same pairs once more with the program's code and resources/ copied to a fresh folder (their pages dropped
from the page cache with posix_fadvise) and no byte-code caches (PYTHONDONTWRITEBYTECODE=1 and an empty
PYTHONPYCACHEPREFIX: every module, torch's included, is compiled from source). The shared venv's files stay cached.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import print_result  # benchmarks/ is on sys.path when a script runs (Qt-free, like this one)

ROOT = Path(__file__).resolve().parent.parent
READY = "gendiff-gui: ready"  # gendiff_gui.startup_probe.READY (not imported: this process stays Qt-free)
TIMEOUT_S = 120


BARE_IMPORT = "import torch, PySide6.QtWidgets, pyqtgraph"
GOAL_RATIO = 1.25


def children_cpu_seconds() -> float:
    """User + system CPU time of the ended child processes so far (a child's own: the difference across it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_start(extra_args: list[str], display: bool, root: Path = ROOT, env_extra: dict | None = None) -> dict:
    cpu0 = children_cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="gendiff-bench-") as settings:
        env = dict(os.environ, GENDIFF_SETTINGS_DIR=settings, GENDIFF_EXIT_WHEN_READY="1", **(env_extra or {}))
        if not display:
            env["QT_QPA_PLATFORM"] = "offscreen"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "gendiff_gui", *extra_args], cwd=root, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seconds, detail = None, {}
        deadline = t0 + TIMEOUT_S
        for line in proc.stdout:
            if line.startswith(READY):
                seconds = time.perf_counter() - t0
                detail = json.loads(line[len(READY):])
                break
            if time.perf_counter() > deadline:
                break
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        if seconds is None:
            raise RuntimeError(f"the program never reported a populated window:\n{proc.stderr.read()[-2000:]}")
        return {"seconds": round(seconds, 3), "exit_status": proc.returncode,
                "cpu_seconds_to_exit": round(children_cpu_seconds() - cpu0, 3), **detail}


def bare_import(root: Path = ROOT, env_extra: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a fresh interpreter importing torch, PySide6 and pyqtgraph."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env_extra or {}))
    cpu0, t0 = children_cpu_seconds(), time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_IMPORT], check=True, cwd=root, env=env)
    return round(time.perf_counter() - t0, 3), round(children_cpu_seconds() - cpu0, 3)


def paired_runs(runs: int, extra: list[str], display: bool, fresh=None) -> dict:
    """`runs` (app, bare import) pairs, the order alternating; `fresh()` gives a (root, env) for each start (cold)."""
    def place() -> tuple[Path, dict | None]:
        return fresh() if fresh else (ROOT, None)

    pairs = []
    for i in range(runs):
        if i % 2 == 0:
            app = one_start(extra, display, *place())
            bare, bare_cpu = bare_import(*place())
        else:
            bare, bare_cpu = bare_import(*place())
            app = one_start(extra, display, *place())
        pairs.append({**app, "bare_import_seconds": bare, "bare_import_cpu_seconds": bare_cpu,
                      "ratio": round(app["seconds"] / bare, 3),
                      "cpu_ratio": round(app["process_seconds"] / bare_cpu, 3)})
    return {
        "seconds": statistics.median(p["seconds"] for p in pairs),
        "bare_import_seconds": statistics.median(p["bare_import_seconds"] for p in pairs),
        "ratio": statistics.median(p["ratio"] for p in pairs),
        "ratio_range": [min(p["ratio"] for p in pairs), max(p["ratio"] for p in pairs)],
        "cpu_ratio": statistics.median(p["cpu_ratio"] for p in pairs),
        "runs": pairs,
    }


def _drop_from_page_cache(folder: Path) -> None:
    """Ask the kernel to forget the cached pages of every file under `folder` (posix_fadvise DONTNEED)."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


class ColdCopies:
    """Fresh copies of the program (core/, gendiff_gui/, resources/) with empty byte-code caches, one per start."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="gendiff-cold-"))
        self.count = 0

    def __call__(self) -> tuple[Path, dict]:
        self.count += 1
        root = self.base / f"copy-{self.count}"
        for name in ("core", "gendiff_gui", "resources"):
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        _drop_from_page_cache(root)
        prefix = root / "pycache"
        prefix.mkdir()
        return root, {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(prefix)}

    def close(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="(app, bare import) pairs")
    parser.add_argument("--lesson", type=int, help="open this lesson instead of a first launch")
    parser.add_argument("--display", action="store_true", help="use $DISPLAY instead of the offscreen platform")
    parser.add_argument("--cold", action="store_true", help="also measure cold starts (fresh copies, no byte code)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    extra = ["--lesson", str(args.lesson)] if args.lesson else []
    load_before = os.getloadavg()
    warm = paired_runs(args.runs, extra, args.display)
    result = {
        "seconds": warm["seconds"],
        "bare_import_seconds": warm["bare_import_seconds"],
        "ratio": warm["ratio"],
        "goal_ratio": GOAL_RATIO,
        "met": warm["ratio"] <= GOAL_RATIO,
        "ratio_range": warm["ratio_range"],
        "cpu_ratio": warm["cpu_ratio"],  # the app's CPU time to ready over the bare import's: less load-sensitive
        "runs": warm["runs"],
        "what": "process start -> populated window, " + (f"lesson {args.lesson}" if args.lesson else "first launch"),
        "bare_import": BARE_IMPORT,
    }
    if args.cold:
        copies = ColdCopies()
        try:
            cold = paired_runs(args.runs, extra, args.display, fresh=copies)
        finally:
            copies.close()
        result.update(cold_seconds=cold["seconds"], cold_bare_import_seconds=cold["bare_import_seconds"],
                      cold_ratio=cold["ratio"], cold_cpu_ratio=cold["cpu_ratio"], cold_runs=cold["runs"])
    result.update(load_average_1min=[round(load_before[0], 2), round(os.getloadavg()[0], 2)], cpus=os.cpu_count())
    print_result(result, args.json, width=24)
    return 0


if __name__ == "__main__":
    sys.exit(main())
