"""Soak: the window trains for a set time with every view live, restarting now and then; resident memory as JSON.

    python benchmarks/bench_soak.py --minutes 30

What it does, like a long lesson: an MNIST VAE (the default settings) trains on the shown window (offscreen unless
--platform says otherwise) with its latent panel live (map re-encoded, manifold and reconstructions redrawn, a map
click every few seconds); Stop then Train every --cycle minutes; halfway it switches once to a diffusion model on
moons (its sampling panel follows training: a new sampling run whenever a run has played and new weights exist, the
scrubber played and scrubbed). The resident set size (RSS, /proc/self/statm) is sampled every --sample seconds,
after a garbage collection, and printed with the model, step and restarts as one JSON object.
Goal: RSS growth under 50 MB in 30 minutes, measured from the end of the first minute (warm-up: imports, datasets,
caches, the first allocations of the allocator) to the end, within each model's half (see "phases": growth and
the least-squares pace in MB per minute; "ok" when no phase grew by 50 MB; null when the run was too short to tell).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

from _window import open_window  # benchmarks/ is on sys.path when a script runs

GOAL_MB = 50.0
WARMUP_S = 60.0


def rss_mb() -> float:
    """Resident memory of this process now (Linux: /proc/self/statm; elsewhere the peak, from getrusage)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to train (default 30)")
    parser.add_argument("--cycle", type=float, default=1.0, help="minutes between Stop and Train (default 1)")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between memory samples (default 30)")
    parser.add_argument("--no-switch", action="store_true", help="keep the VAE the whole time (no diffusion half)")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                        help="Qt platform (offscreen; xcb under Xvfb or a desktop)")
    args = parser.parse_args()
    app, window, threads = open_window(args.platform)  # private settings, not the user's

    import numpy as np
    from PySide6.QtCore import QTimer

    from core.config import ExperimentConfig
    session = window.session
    latent, diffusion = window.views()["Latent space"], window.views()["Diffusion"]
    first = ExperimentConfig(model="vae", dataset="mnist", seed=0)
    second = ExperimentConfig(model="diffusion", dataset="moons", timesteps=100, lr=2e-3, batch_size=512, seed=0)
    total_s, switch_s = args.minutes * 60, args.minutes * 30
    rng = np.random.default_rng(0)
    t0 = time.monotonic()
    state = {"restarts": 0, "switched": False, "model": first.model, "errors": []}
    samples: list[dict] = []

    def elapsed() -> float:
        return time.monotonic() - t0

    def sample() -> None:
        gc.collect()
        point = {"t_s": round(elapsed(), 1), "rss_mb": round(rss_mb(), 1), "model": state["model"],
                 "step": window.snapshots.step, "restarts": state["restarts"]}
        samples.append(point)
        print(f"soak: {json.dumps(point)}", file=sys.stderr, flush=True)

    def restart() -> None:  # Stop, then Train as soon as the run has ended (the session queues the press)
        session.stop()
        session.train()
        state["restarts"] += 1

    def switch() -> None:
        state["switched"], state["model"] = True, second.model
        session.reset(second)
        session.train()
        window.view_tabs.setCurrentWidget(diffusion)

    def student() -> None:  # what a class does meanwhile: click the map, scrub the diffusion run
        if not state["switched"] and latent.map_ready:
            latent.map.clicked.emit(float(rng.uniform(-3, 3)), float(rng.uniform(-3, 3)))
        elif state["switched"] and diffusion.scrubber.count:
            diffusion.scrubber.set_index(int(rng.integers(diffusion.scrubber.count)))
            diffusion.scrubber.play()

    def finish() -> None:
        for timer in timers:
            timer.stop()
        session.stop()
        sample()
        window.close()
        app.quit()

    session.message.connect(lambda level, text: state["errors"].append(text) if level == "error" else None)
    timers = []
    for interval_s, slot in ((args.sample, sample), (args.cycle * 60, restart), (3.0, student)):
        timer = QTimer()
        timer.timeout.connect(slot)
        timer.start(int(interval_s * 1000))
        timers.append(timer)
    if args.no_switch:
        switch_s = total_s
    else:
        QTimer.singleShot(int(switch_s * 1000), switch)
    QTimer.singleShot(int(total_s * 1000), finish)
    window.start(first, train=True)
    window.view_tabs.setCurrentWidget(latent)
    sample()
    app.exec()

    def growth(points: list[dict]) -> float | None:
        return round(points[-1]["rss_mb"] - points[0]["rss_mb"], 1) if len(points) >= 2 else None

    def slope(points: list[dict]) -> float | None:
        """MB per minute, least squares over the samples (steadier than two end points)."""
        if len(points) < 3:
            return None
        t = np.array([p["t_s"] for p in points]) / 60
        return round(float(np.polyfit(t, [p["rss_mb"] for p in points], 1)[0]), 2)

    phases = {}
    for model, start in ((first.model, WARMUP_S), (second.model, switch_s + WARMUP_S)):
        points = [p for p in samples if p["model"] == model and p["t_s"] >= start]
        phases[model] = {"from_s": points[0]["t_s"] if points else None, "growth_mb": growth(points),
                         "mb_per_minute": slope(points)}
    after_warmup = [p for p in samples if p["t_s"] >= WARMUP_S]
    result = {
        "minutes": args.minutes, "platform": args.platform, "threads": threads, "cores": os.cpu_count(),
        "rss_start_mb": samples[0]["rss_mb"], "rss_end_mb": samples[-1]["rss_mb"],
        "growth_mb": growth(samples), "growth_after_warmup_mb": growth(after_warmup), "phases": phases,
        "restarts": state["restarts"], "steps_last_model": window.snapshots.step, "errors": state["errors"][-5:],
        "goal_mb": GOAL_MB, "samples": samples,
    }
    # ok: no phase grew by the goal after its warm-up; a run shorter than 30 minutes that stays under it cannot
    # prove the goal (ok: null), and its pace extrapolates step-like growth (allocator, caches) too pessimistically
    grown = [p["growth_mb"] for p in phases.values() if p["growth_mb"] is not None]
    if grown and max(grown) >= GOAL_MB:
        result["ok"] = False
    else:
        result["ok"] = True if grown and args.minutes >= 30 else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
