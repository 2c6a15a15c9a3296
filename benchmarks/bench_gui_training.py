"""Training speed inside the running app vs a bare loop, and the GUI event loop's lateness while it trains.

    python benchmarks/bench_gui_training.py --json

Model: MNIST VAE (latent 2, batch 128). The bare loop iterates `Experiment.train` on the main thread with nothing
else running; the in-app run trains the same model through the window (shown, every view live, offscreen unless
--platform says otherwise) while a 10 ms precise QTimer records how late the event loop serves it. Both use the
thread budget the app chooses (`core.threads.configure_threads(gui=True)`). Bare runs before and after the app run
are averaged, so load from other processes affects both sides alike. Goals: ratio >= 0.95, p99 <= 16 ms, max <= 50 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

CONFIG = dict(model="vae", dataset="mnist", latent_dim=2, batch_size=128, seed=0)
WARMUP_S = 1.0


def bare_steps_per_s(seconds: float) -> float:
    from core.config import ExperimentConfig
    from core.experiment import Experiment

    exp = Experiment.create(ExperimentConfig(**CONFIG))
    for _ in exp.train(seconds=WARMUP_S):
        pass
    start = exp.steps_done
    last = None
    for last in exp.train(seconds=seconds):
        pass
    return (last.step - start) / last.seconds


def in_app(seconds: float) -> tuple[float, list[float]]:
    """(steps/s of the run after warm-up, timer lateness samples in ms)."""
    import numpy as np
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from core.config import ExperimentConfig
    from gendiff_gui.main_window import MainWindow
    from gendiff_gui.theme import NORMAL, apply_theme

    app = QApplication.instance() or QApplication([sys.argv[0]])
    apply_theme(app, NORMAL)
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    loop = QEventLoop()

    def wait_until(condition, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        poll = QTimer()
        poll.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
        poll.start(20)
        loop.exec()
        poll.stop()
        if not condition():
            raise RuntimeError("timed out")

    window.start(ExperimentConfig(**CONFIG))
    wait_until(lambda: window.session.state == "idle", 120)

    marks: list[tuple[float, int]] = []  # (active seconds, step) of every progress emit
    window.session.progress.connect(lambda p: marks.append((p.active_seconds, p.step)))
    lateness: list[float] = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    previous = [0]

    def tick() -> None:
        now = clock.nsecsElapsed()
        if marks and marks[-1][0] >= WARMUP_S:
            lateness.append(max(0.0, (now - previous[0]) / 1e6 - 10.0))
        previous[0] = now

    probe.timeout.connect(tick)
    clock.start()
    probe.start(10)
    window.train()
    wait_until(lambda: bool(marks) and marks[-1][0] >= WARMUP_S + seconds, seconds + 60)
    probe.stop()
    window.close()
    wait_until(lambda: not window.session.busy, 10)
    warm = [m for m in marks if m[0] >= WARMUP_S]
    (t0, s0), (t1, s1) = warm[0], warm[-1]
    return (s1 - s0) / (t1 - t0), lateness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds of each run")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                        help="Qt platform (offscreen, xcb under Xvfb ...)")
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    from core.threads import configure_threads

    threads = configure_threads(gui=True)
    import numpy as np

    bare_before = bare_steps_per_s(args.seconds)
    app_rate, lateness = in_app(args.seconds)
    bare_after = bare_steps_per_s(args.seconds)
    bare = (bare_before + bare_after) / 2
    result = {
        "in_app_steps_per_s": round(app_rate, 1),
        "bare_steps_per_s": round(bare, 1),
        "ratio": round(app_rate / bare, 3),
        "p99_ms": round(float(np.percentile(lateness, 99)), 2),
        "max_ms": round(float(max(lateness)), 2),
        "bare_runs_steps_per_s": [round(bare_before, 1), round(bare_after, 1)],
        "timer_samples": len(lateness),
        "torch_threads": threads,
        "platform": args.platform,
        "seconds": args.seconds,
    }
    if args.json:
        print(json.dumps(result), flush=True)
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's slow teardown of torch and Qt


if __name__ == "__main__":
    main()
