"""Start-up time of the real program to a populated window: process start -> the latent map shows its points.

    python benchmarks/bench_startup.py --json          # 3 first launches (fresh settings: lesson 4, the MNIST VAE)
    python benchmarks/bench_startup.py --runs 5 --lesson 7

Each run starts `python -m gendiff_gui` in a subprocess (offscreen Qt unless --display) with GENDIFF_EXIT_WHEN_READY=1
(gendiff_gui/startup_probe.py): the program prints one line and quits once its window has been painted with a
populated view. The figure is the wall time from Popen to that line (interpreter start, imports, checkpoint and
dataset load, encoding 5,000 test images, first paint). The machine's load average is printed beside it, and the
time `import torch` alone takes in a fresh interpreter, as a floor.
"""
from __future__ import annotations

import argparse
import json
import os
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


def one_start(extra_args: list[str], display: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="gendiff-bench-") as settings:
        env = dict(os.environ, GENDIFF_SETTINGS_DIR=settings, GENDIFF_EXIT_WHEN_READY="1")
        if not display:
            env["QT_QPA_PLATFORM"] = "offscreen"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "gendiff_gui", *extra_args], cwd=ROOT, env=env,
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
        return {"seconds": round(seconds, 3), "exit_status": proc.returncode, **detail}


def torch_import_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return round(time.perf_counter() - t0, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lesson", type=int, help="open this lesson instead of a first launch")
    parser.add_argument("--display", action="store_true", help="use $DISPLAY instead of the offscreen platform")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    extra = ["--lesson", str(args.lesson)] if args.lesson else []
    load_before = os.getloadavg()
    runs = [one_start(extra, args.display) for _ in range(args.runs)]
    result = {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "runs": runs,
        "what": "process start -> populated window, " + (f"lesson {args.lesson}" if args.lesson else "first launch"),
        "import_torch_seconds": torch_import_seconds(),
        "load_average_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "goal_seconds": 3.0,
    }
    print_result(result, args.json, width=22)
    return 0


if __name__ == "__main__":
    sys.exit(main())
