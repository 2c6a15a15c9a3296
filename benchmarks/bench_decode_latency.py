"""Latency from a click on the latent map to the decoded image painted, while the model trains in the same window.

    python benchmarks/bench_decode_latency.py --json

For the MNIST MLP VAE (784-400-2) and the conv VAE, in turn: the main window with the latent panel is shown
(offscreen unless QT_QPA_PLATFORM says otherwise), training runs in its worker thread (snapshots flowing, the map
re-encoding 5,000 codes, the views refreshing), and a separate thread posts mouse clicks (press + release) onto
the map at random times and places, as a user's clicks arrive whatever the GUI thread is doing. The time runs
from posting a click to the end of a forced repaint of the decoded image: `repaint()` is called in a slot of
the map's `clicked` signal, after the panel's own slot has decoded the point and set the image.

Clicks come in blocks of ten that alternate between the panel live (following the snapshots: the reported
figures) and the panel detached (training still running, the map and views idle): under the same load, the
difference is what the panel's own refreshing costs a click. Reported per model, for the live blocks: median,
p99, max, the part spent handling the click once the GUI thread had it (the rest is waiting for the thread:
other work, the OS scheduler, the GIL); the detached blocks' median and p99; training steps/s meanwhile. The
JSON line's median_ms / p99_ms are the worse of the two models. Goal: median <= 16 ms (one 60 Hz frame).
Other processes on the machine inflate every figure: see `load_avg` in the JSON line, and `--no-training`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QMouseEvent

from _window import open_window  # benchmarks/ is on sys.path when a script runs
from event_loop import run_until

MODELS = ("vae", "conv-vae")
BLOCK = 10  # clicks per block; blocks alternate: panel live / panel detached from the snapshots


def _clicker(viewport, pixels, gaps, posted: list, live: list, stop: threading.Event) -> None:
    """Post press + release at each pixel after each gap (from this thread, like the window system does); blocks
    of BLOCK clicks alternate between the panel live and the panel detached from the snapshots (`live`)."""
    left, none, mods = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    for i, ((x, y), gap) in enumerate(zip(pixels, gaps)):
        if stop.wait(gap):
            return
        live.append((i // BLOCK) % 2 == 0)
        local = QPointF(x, y)
        press = QMouseEvent(QEvent.Type.MouseButtonPress, local, local, left, left, mods)
        release = QMouseEvent(QEvent.Type.MouseButtonRelease, local, local, left, none, mods)
        posted.append(time.perf_counter())
        QCoreApplication.postEvent(viewport, press)
        QCoreApplication.postEvent(viewport, release)


class ReleaseClock(QObject):
    """Notes when each mouse release reaches the map: from then on the GUI thread is handling the click."""

    def __init__(self, times: list[float]) -> None:
        super().__init__()
        self.times = times

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.times.append(time.perf_counter())
        return False


def measure(app, window, panel, model: str, clicks: int, seed: int, train: bool = True) -> dict:
    from core.config import ExperimentConfig

    window.start(ExperimentConfig(model=model, dataset="mnist", latent_dim=2, seed=seed, seconds=3600.0))
    if not run_until(lambda: window.session.state == "idle" and panel.map_ready, 120):
        raise RuntimeError(f"{model}: the model was not ready in time")
    snapshots = []
    window.snapshots.updated.connect(lambda _c, _s: snapshots.append(time.perf_counter()))
    if train:
        window.train()
        if not run_until(lambda: window.session.state == "training" and len(snapshots) >= 4, 60):
            raise RuntimeError(f"{model}: training did not start")
    step0 = window.snapshots.step

    done: list[float] = []
    posted: list[float] = []
    live: list[bool] = []  # per click: was the panel following the snapshots (the figure that counts)?
    follow = panel.set_snapshot
    panel.set_snapshot = lambda snapshot: follow(snapshot) if (not live or live[-1]) else None
    received: list[float] = []  # when the GUI thread got each release: done - received is the program's own cost

    def on_clicked(_a: float, _b: float) -> None:  # runs after the panel's own slot has decoded and set the image
        panel.probe_tile.view.viewport().repaint()
        done.append(time.perf_counter())

    panel.map.clicked.connect(on_clicked)
    rng = random.Random(seed)
    box = panel.map.box.sceneBoundingRect()
    viewport = panel.map.canvas.viewport()
    arrivals = ReleaseClock(received)
    viewport.installEventFilter(arrivals)
    corner = panel.map.canvas.mapFromScene(box.topLeft())
    w, h = box.width(), box.height()
    pixels = [(corner.x() + w * rng.uniform(0.15, 0.85), corner.y() + h * rng.uniform(0.15, 0.85))
              for _ in range(clicks)]
    gaps = [rng.uniform(0.04, 0.09) for _ in range(clicks)]
    stop = threading.Event()
    thread = threading.Thread(target=_clicker, args=(viewport, pixels, gaps, posted, live, stop), daemon=True)
    t_start = time.perf_counter()
    thread.start()
    finished = run_until(lambda: not thread.is_alive() and len(done) >= len(posted), sum(gaps) + 30)
    stop.set()
    elapsed = time.perf_counter() - t_start
    panel.map.clicked.disconnect(on_clicked)
    viewport.removeEventFilter(arrivals)
    del panel.set_snapshot  # the class's method again
    steps = window.snapshots.step - step0
    window.session.stop()
    run_until(lambda: window.session.state == "idle", 30)
    n = min(len(done), len(posted))
    on = np.array(live[:n]) if train else np.ones(n, bool)
    latency_ms = (np.array(done[:n]) - np.array(posted[:n])) * 1000.0
    handler_ms = (np.array(done[:n]) - np.array(received[:n])) * 1000.0

    def ms(values, q):
        return round(float(np.percentile(values, q)), 2) if len(values) else None

    return {
        "model": model, "clicks": int(on.sum()), "complete": bool(finished and n == clicks),
        "median_ms": ms(latency_ms[on], 50), "p99_ms": ms(latency_ms[on], 99), "max_ms": ms(latency_ms[on], 100),
        "handler_median_ms": ms(handler_ms[on], 50), "handler_p99_ms": ms(handler_ms[on], 99),
        "detached_median_ms": ms(latency_ms[~on], 50), "detached_p99_ms": ms(latency_ms[~on], 99),
        "training_steps_per_s": round(steps / max(elapsed, 1e-9), 1),
        "snapshots_per_s": round(sum(1 for t in snapshots if t >= t_start) / max(elapsed, 1e-9), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200, help="clicks per model (half of them with the panel live)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--no-training", action="store_true",
                        help="click on an idle model (the floor the machine allows, for comparison)")
    args = parser.parse_args(argv)
    app, window, threads = open_window(size=(1600, 1000))
    from gendiff_gui.latent.panel import install

    panel = install(window)
    window.view_tabs.setCurrentWidget(panel)
    results = [measure(app, window, panel, model, args.clicks, args.seed, train=not args.no_training)
               for model in args.models]
    window.close()
    run_until(lambda: not window.session.busy, 10)
    worst = max(results, key=lambda r: r["median_ms"])
    summary = {
        "benchmark": "decode_latency", "training": not args.no_training, "median_ms": worst["median_ms"],
        "p99_ms": max(r["p99_ms"] for r in results), "worst_model": worst["model"],
        "goal_median_ms": 16.0, "platform": app.platformName(), "torch_threads": threads,
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "models": results,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for r in results:
            detached = f"; panel detached: median {r['detached_median_ms']} ms" if r["detached_median_ms"] else ""
            print(f"{r['model']:>9}: median {r['median_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
                  f"max {r['max_ms']:.1f} ms (of which handling: median {r['handler_median_ms']:.1f} ms{detached}) "
                  f"over {r['clicks']} clicks; training {r['training_steps_per_s']} steps/s meanwhile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
