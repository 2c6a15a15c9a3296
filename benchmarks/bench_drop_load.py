"""How long the event loop waits at most while 1,000 dropped image files load, and how fast they load.

    python benchmarks/bench_drop_load.py --json

The main window (offscreen unless QT_QPA_PLATFORM says otherwise) shows a small MNIST VAE with its latent map;
a folder of 1,000 PNG digits (every 100th one a text file named .png, as in tests/reliability/test_images.py) is
dropped on it. The loader reads a time-boxed chunk per event-loop turn (gendiff_gui/widgets/drop.py,
TICK_BUDGET_S); a 10 ms timer meanwhile records when the loop serves it. Figures: the load's seconds and files
per second, the chunks, and the gaps between two of the timer's turns (max and p99, in ms): how long a click or
a repaint would have waited. Goal: max_gap_ms <= max(100, 20 % of the load) (what tests once asserted; they now
check that an event posted during a chunk is served before the chunk after next).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _report import print_result  # benchmarks/ is on sys.path when a script runs
from _window import open_window
from event_loop import run_until

FILES = 1000


def write_folder(folder: Path) -> None:
    """FILES digits of the MNIST test set as 28x28 PNGs, every 100th one a text file named .png instead."""
    import numpy as np
    from PIL import Image

    from core.data import load_dataset

    digits = np.ascontiguousarray(load_dataset("mnist", "test", seed=0).x[:50, 0])  # uint8 grey levels
    folder.mkdir()
    for i in range(FILES):
        path = folder / f"digit{i:04d}.png"
        if i % 100 == 99:
            path.write_text(f"note {i}: not a digit\n" * 5)
        else:
            Image.fromarray(digits[i % len(digits)]).save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    _app, window, threads = open_window()
    import numpy as np
    from PySide6.QtCore import Qt, QTimer

    from core.config import ExperimentConfig
    from gendiff_gui.widgets.drop import TICK_BUDGET_S

    panel = window.views()["Latent space"]
    window.start(ExperimentConfig(model="vae", dataset="mnist", latent_dim=2, hidden=32, batch_size=64, seed=0))
    if not run_until(lambda: window.session.state == "idle" and panel.map_ready, 300):
        raise RuntimeError("the model was not ready in time")
    with tempfile.TemporaryDirectory(prefix="gendiff-bench-") as tmp:
        folder = Path(tmp) / "class photos"
        write_folder(folder)
        ticks: list[float] = []
        chunks = [0]
        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
        panel.drops.loader.progress.connect(lambda _done, _total: chunks.__setitem__(0, chunks[0] + 1))
        heartbeat.start()
        t0 = time.perf_counter()
        panel.drops.add_files([folder])
        finished = run_until(lambda: not panel.drops.loader.busy, 600, poll_ms=5)
        total = time.perf_counter() - t0
        heartbeat.stop()
    window.close()
    run_until(lambda: not window.session.busy, 30)
    gaps_ms = np.diff([t0, *[t for t in ticks if t >= t0]]) * 1000
    result = {
        "seconds": round(total, 3),
        "files_per_s": round(FILES / total, 1),
        "loaded": len(panel.drops),
        "complete": bool(finished),
        "chunks": chunks[0],
        "max_gap_ms": round(float(gaps_ms.max()), 1),
        "p99_gap_ms": round(float(np.percentile(gaps_ms, 99)), 1),
        "goal_max_gap_ms": round(max(100.0, 0.2 * total * 1000), 1),
        "tick_budget_ms": TICK_BUDGET_S * 1000,
        "torch_threads": threads,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print_result(result, args.json)
    os._exit(0)  # skip the interpreter's slow teardown of torch and Qt


if __name__ == "__main__":
    main()
