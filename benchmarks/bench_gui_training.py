"""Training speed inside the running app vs a bare loop, and the GUI event loop's lateness while it trains.

    python benchmarks/bench_gui_training.py --json

Model: MNIST VAE (latent 2, batch 128). The window is shown with every view live (offscreen unless --platform
says otherwise) and trains through its worker thread. Each round is an app segment (ratio), a bare segment and
an app segment in which a 10 ms precise QTimer records how late the event loop serves it (p99, max): the probe
wakes the GUI thread 100 times a second, more than the app itself, and on a contended machine every wake-up
costs the training thread its core, so the ratio is measured without it (`ratio_with_probe` is the probed
segments' rate over the same bare segments). Waits check on each progress signal, not by fast polling, for the
same reason. The bare loop iterates `Experiment.train` of a second experiment (same config) on the main thread with
nothing else running: the app's worker is paused (blocked on an Event) and the event loop is not served. App and
bare segments alternate, so load from other processes on a shared machine falls on both alike. Both use the
thread budget the app chooses (`core.threads.configure_threads(gui=True)`).
Also: progress_emits_per_s, how many progress signals the window gets a second of training (the session
coalesces steps between them and asks for at most 20; tests check only that no step is lost or repeated).
Goals: ratio >= 0.95, p99 <= 16 ms, max <= 50 ms, progress_emits_per_s <= 20.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from _report import print_result  # benchmarks/ is on sys.path when a script runs
from _window import open_window
from event_loop import run_until
from thread_cpu import cpu_by_thread, cpu_shares

CONFIG = dict(model="vae", dataset="mnist", latent_dim=2, batch_size=128, seed=0)
WARMUP_S = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--rounds", type=int, default=6, help="app/bare segment pairs")
    parser.add_argument("--segment", type=float, default=2.5, help="seconds of each segment")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                        help="Qt platform (offscreen; xcb under Xvfb or a desktop)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print the GUI thread's N costliest functions (cProfile) to stderr")
    parser.add_argument("--profile-sort", default="tottime", choices=("tottime", "cumulative"),
                        help="order of --profile's list")
    args = parser.parse_args()
    _app, window, threads = open_window(args.platform)

    import numpy as np
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer

    from core.config import ExperimentConfig
    from core.experiment import Experiment

    def wait_until(condition, timeout_s: float, signal=None) -> None:
        # checked when `signal` comes, else every 200 ms: a fast poll would wake the GUI thread hundreds of
        # times a second, and each wake-up costs the training thread its core on a contended machine
        if not run_until(condition, timeout_s, poll_ms=200 if signal is not None else 20, signal=signal):
            raise RuntimeError("benchmark timed out")

    config = ExperimentConfig(**CONFIG)
    window.start(config)
    wait_until(lambda: window.session.state == "idle", 120)
    bare = Experiment.create(config)
    for _ in bare.train(seconds=WARMUP_S):
        pass

    marks: list[tuple[float, int]] = []  # (active seconds, step) of every progress emit
    window.session.progress.connect(lambda p: marks.append((p.active_seconds, p.step)))
    emit_rates: list[float] = []  # progress emits the window got per second of each app segment
    lateness: list[float] = []
    clock, previous, measuring = QElapsedTimer(), [0], [False]

    def tick() -> None:
        now = clock.nsecsElapsed()
        if measuring[0]:
            lateness.append(max(0.0, (now - previous[0]) / 1e6 - 10.0))
        previous[0] = now

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.timeout.connect(tick)
    clock.start()
    window.train()
    wait_until(lambda: bool(marks) and marks[-1][0] >= WARMUP_S, 60, signal=window.session.progress)

    app_rates, probed_rates, bare_rates, gui_cpu, paces, bare_cpu = [], [], [], [], [], []
    thread_shares: list[dict[str, float]] = []
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    def app_segment(probing: bool) -> float:
        """Steps per second of one app segment; `probing`: with the 10 ms lateness probe running (100
        wake-ups a second of the GUI thread, more than the app's own: its rate is reported apart)."""
        start = marks[-1]
        if probing:
            previous[0] = clock.nsecsElapsed()
            measuring[0] = True
            probe.start(10)
        cpu0, wall0, threads0 = time.thread_time(), time.monotonic(), cpu_by_thread()
        if profiler is not None and not probing:
            profiler.enable()
        wait_until(lambda: marks[-1][0] >= start[0] + args.segment, 60, signal=window.session.progress)
        if profiler is not None:
            profiler.disable()
        if probing:
            probe.stop()
            measuring[0] = False
        else:
            gui_cpu.append((time.thread_time() - cpu0) / (time.monotonic() - wall0))
            thread_shares.append(cpu_shares(threads0, cpu_by_thread(), time.monotonic() - wall0))
            paces.append(window.view_pace.pace)
        end = marks[-1]
        emit_rates.append(sum(1 for m in marks if start[0] < m[0] <= end[0]) / (end[0] - start[0]))
        return (end[1] - start[1]) / (end[0] - start[0])

    for _ in range(args.rounds):
        app_rates.append(app_segment(probing=False))
        window.session.pause()
        paused_at = time.monotonic()
        wait_until(lambda: time.monotonic() > paused_at + 0.1, 5)  # the step in flight ends, the worker blocks
        bare_start, last = bare.steps_done, None
        bare_cpu0, bare_wall0 = time.thread_time(), time.monotonic()
        for last in bare.train(seconds=args.segment):
            pass
        bare_cpu.append((time.thread_time() - bare_cpu0) / (time.monotonic() - bare_wall0))
        bare_rates.append((last.step - bare_start) / last.seconds)
        window.session.resume()
        probed_rates.append(app_segment(probing=True))
    window.close()
    wait_until(lambda: not window.session.busy, 10)

    in_app, bare_rate = float(np.mean(app_rates)), float(np.mean(bare_rates))
    result = {
        "in_app_steps_per_s": round(in_app, 1),
        "bare_steps_per_s": round(bare_rate, 1),
        "ratio": round(in_app / bare_rate, 3),
        # the app's rate while the lateness probe ran (alternate segments), over the same bare segments
        "ratio_with_probe": round(float(np.mean(probed_rates)) / bare_rate, 3),
        "probed_segments": [round(r, 1) for r in probed_rates],
        "p99_ms": round(float(np.percentile(lateness, 99)), 2),
        "max_ms": round(float(max(lateness)), 2),
        "in_app_segments": [round(r, 1) for r in app_rates],
        "bare_segments": [round(r, 1) for r in bare_rates],
        "timer_samples": len(lateness),
        "gui_thread_cpu": round(float(np.mean(gui_cpu)), 3),  # share of one core the GUI thread used
        # share of a core each thread used in the app segments (mean over segments; short-lived threads missed)
        "app_thread_cpu": {name: round(float(np.mean([s.get(name, 0.0) for s in thread_shares])), 3)
                           for name in sorted({n for s in thread_shares for n in s})},
        # the bare loop's share of a core: in_app_steps_per_s / app_thread_cpu["gendiff-train"] against
        # bare_steps_per_s / bare_thread_cpu splits the ratio into CPU share and work per CPU-second
        "bare_thread_cpu": round(float(np.mean(bare_cpu)), 3),
        "view_pace": [round(p, 2) for p in paces],  # the live views' pace at the end of each app segment
        "progress_emits_per_s": round(float(np.mean(emit_rates)), 1),  # the session asks for at most 20
        "torch_threads": threads,
        "platform": args.platform,
    }
    if profiler is not None:
        import pstats

        pstats.Stats(profiler, stream=sys.stderr).sort_stats(args.profile_sort).print_stats(args.profile)
    print_result(result, args.json, width=20)
    os._exit(0)  # skip the interpreter's slow teardown of torch and Qt


if __name__ == "__main__":
    main()
