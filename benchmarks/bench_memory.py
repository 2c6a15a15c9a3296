"""Peak resident memory of the window with lesson 4 (the MNIST VAE) open and training, with a stepwise breakdown.

    python benchmarks/bench_memory.py --json              # lesson 4, 40 s of training
    python benchmarks/bench_memory.py --seconds 10 --lesson 3

One process, step by step, in the program's order, reading /proc/self/status after each: the interpreter alone,
Qt (PySide6, the QApplication, pyqtgraph), `import torch`, the window's modules, the image set (read from
resources/data, uint8), the window shown with the lesson's model, its views populated, then `--seconds` of training
with every view live.
`peak_mb` is VmHWM (the kernel's high-water mark of the resident set, so nothing transient between two readings is
missed). The steps' figures are what each one added to the resident set (`*_mb`); `rest_mb` is what training and
the live views added on top of the populated window up to the peak. Goal: peak_mb <= 450.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import _window  # noqa: F401  (first: puts this tree's core/ and gendiff_gui/ on the path)
from _report import print_result  # benchmarks/ is on sys.path when a script runs

GOAL_MB = 450.0


def status_mb(key: str) -> float:
    """A /proc/self/status figure (VmRSS, VmHWM, RssAnon ...) in MB (1e6 bytes); 0 where it is not there."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    return 0.0


class Steps:
    """Resident memory after each named step, and what each step added."""

    def __init__(self) -> None:
        self.last = status_mb("VmRSS")
        self.rows: dict[str, float] = {"interpreter_mb": round(self.last, 1)}

    def mark(self, name: str) -> None:
        now = status_mb("VmRSS")
        self.rows[f"{name}_mb"] = round(now - self.last, 1)
        self.last = now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--lesson", type=int, default=4, help="the lesson to open (default 4, the MNIST VAE)")
    parser.add_argument("--seconds", type=float, default=40.0, help="seconds of training with the views live")
    args = parser.parse_args()
    from core.allocator import keep_big_blocks_returnable

    keep_big_blocks_returnable()  # as gendiff_gui/app.py does, before Qt and torch
    steps = Steps()
    app = _window.application()  # Qt first, as gendiff_gui/app.py does (its import guards see torch's modules)
    import pyqtgraph  # noqa: F401

    steps.mark("qt")
    import torch  # noqa: F401

    steps.mark("torch")
    from core.threads import configure_threads
    from gendiff_gui.shell.main_window import MainWindow

    steps.mark("window_modules")
    from core.data.image_sets import load_image_dataset

    load_image_dataset("mnist")
    steps.mark("image_set")
    from event_loop import run_until
    from gendiff_gui.startup_probe import populated

    threads = configure_threads(gui=True)
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.lessons.open(args.lesson)
    if not run_until(lambda: bool(populated(window)) and window.session.state == "idle", 120, poll_ms=10):
        raise SystemExit("the lesson's views never filled")
    steps.mark("lesson_open")
    before_training = status_mb("VmHWM")
    window.session.train()
    if not run_until(lambda: window.session.state == "training", 30):
        raise SystemExit("training never started")
    t0 = time.monotonic()
    run_until(lambda: time.monotonic() > t0 + args.seconds, args.seconds + 5, poll_ms=50)
    step = window.snapshots.step
    peak = status_mb("VmHWM")
    steps.rows["rest_mb"] = round(peak - steps.last, 1)
    result = {
        "peak_mb": round(peak, 1),
        "goal_mb": GOAL_MB,
        "met": peak <= GOAL_MB,
        "peak_before_training_mb": round(before_training, 1),
        "rss_end_mb": round(status_mb("VmRSS"), 1),
        **steps.rows,
        "trained_steps": step,
        "torch_dynamo_imported": "torch._dynamo" in sys.modules,  # torch.optim's first step would import it (~80 MB)
        "lesson": args.lesson,
        "seconds": args.seconds,
        "torch_threads": threads,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    window.close()
    run_until(lambda: not window.session.busy, 10)
    print_result(result, args.json)
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's slow teardown of torch and Qt


if __name__ == "__main__":
    main()
