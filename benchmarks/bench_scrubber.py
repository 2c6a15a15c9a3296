"""Frames per second of the diffusion scrubber while dragging, and the memory of a long image trajectory.

    python benchmarks/bench_scrubber.py --json

fps_2d: the diffusion panel (1280 x 800, offscreen unless QT_QPA_PLATFORM says otherwise) with 5,000 particles of
    a moons DDPM run (DDIM, 50 steps, trails on), the slider dragged back and forth over every kept frame; each
    position is one frame: the slider moves, the panel updates its items and the whole stage (views, titles) is
    painted into an image (`QWidget.render`, the raster painting a screen update does; `repaint()` is a no-op on
    an unexposed offscreen window), so the time includes the painting. Goal >= 60.
fps_2d_field: the same with the vector field on (17 x 17 arrows, computed once per t and cached).
fps_images: the same for a grid of 64 MNIST-size images beside their 64 x0 predictions (a tiny conditional U-Net,
    DDIM, 20 steps). Goal >= 30.
trajectory_mb: peak memory (tracemalloc, numpy's allocations included) of keeping a 1000-step trajectory of 64
    28x28 images in a `Trajectory` with its default budget (240 MB kept, room for frames in flight): the real
    forward chain of a T = 1000 DDPM (1001 frames of x_t and x0 for 64 images, 0.4 MB a frame, 392 MB if all
    were kept). Goal <= 256.
The sampling itself runs in the panel's worker thread before timing starts (torch with one thread).
The *_cpu figures divide by the GUI thread's CPU time instead of the wall clock: what the frames cost, whatever
else competes for the cores (load_average says how busy the machine was).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

from _report import print_result  # benchmarks/ is on sys.path when a script runs
from _window import application
from event_loop import run_until

SWEEPS = 2  # back and forth over the kept frames, this many times


def drag_fps(panel) -> tuple[float, float]:
    """Frames per second of moving the slider through every kept frame (forth and back), painted each time:
    by the wall clock, and by the GUI thread's CPU time (what the frames cost, whatever else runs on the cores)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage, QPainter

    count = len(panel.trajectories[0])
    positions = list(range(count)) + list(range(count - 1, -1, -1))
    stage = panel.stage
    image = QImage(stage.size(), QImage.Format.Format_ARGB32_Premultiplied)

    def paint() -> None:
        painter = QPainter(image)
        stage.render(painter, QPoint(0, 0))
        painter.end()

    paint()
    t0, c0 = time.perf_counter(), time.thread_time()
    for _ in range(SWEEPS):
        for position in positions:
            panel.scrubber.slider.setValue(position)
            paint()
    frames = SWEEPS * len(positions)
    return frames / (time.perf_counter() - t0), frames / (time.thread_time() - c0)


def panel_fps(app, config, n: int, steps: int, field: bool = False) -> dict[str, float]:
    from core.experiment import Experiment
    from gendiff_gui.diffusion.panel import DiffusionPanel

    experiment = Experiment.create(config)
    panel = DiffusionPanel(particles=n, images=n)
    panel.resize(1280, 800)
    panel.show()
    run_until(lambda: panel.isVisible(), 5)
    panel.set_experiment(experiment)
    panel.scrubber.pause()
    controls = panel.controls
    controls.blockSignals(True)  # set both settings, then sample once
    controls.sampler.setCurrentIndex(controls.sampler.findData("ddim"))
    controls.steps.setValue(steps)
    controls.blockSignals(False)
    panel.resample(autoplay=False)
    if not run_until(lambda: not panel.running, 300):
        raise RuntimeError("sampling did not finish")
    result = dict(zip(("fps", "fps_cpu"), drag_fps(panel)))
    if field:
        panel.controls.field.setChecked(True)
        result.update(zip(("fps_field", "fps_field_cpu"), drag_fps(panel)))
    panel.shutdown()
    panel.close()
    panel.deleteLater()
    return result


def trajectory_mb() -> tuple[float, int]:
    """Peak traced memory (MB) of a 1000-step, 64-image trajectory kept under the default budget; kept frames."""
    import numpy as np

    from core.diffusion.ddpm import DDPM
    from core.diffusion.frames import forward_frames
    from core.data import load_dataset
    from gendiff_gui.diffusion.trajectory import Trajectory

    x0 = load_dataset("mnist", "test").floats(slice(64))
    process = DDPM(1000)
    tracemalloc.start()
    trajectory = Trajectory()
    for frame in forward_frames(process, x0, seed=0):
        trajectory.append(frame)
    trajectory.finish()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert trajectory.ts[0] == 0 and trajectory.ts[-1] == 1000
    return peak / 2**20, len(trajectory)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    app = application()
    from core.config import ExperimentConfig

    points = ExperimentConfig(model="diffusion", dataset="moons", timesteps=200, seed=0)
    images = ExperimentConfig(model="diffusion", dataset="mnist", conditional=True, channels=8, timesteps=200, seed=0)
    two_d = panel_fps(app, points, 5000, 50, field=True)
    grid = panel_fps(app, images, 64, 20)
    mb, kept = trajectory_mb()
    result = {"fps_2d": two_d["fps"], "fps_images": grid["fps"], "trajectory_mb": mb,
              "fps_2d_field": two_d["fps_field"], "fps_2d_cpu": two_d["fps_cpu"],
              "fps_2d_field_cpu": two_d["fps_field_cpu"], "fps_images_cpu": grid["fps_cpu"],
              "trajectory_kept_frames": kept, "platform": os.environ.get("QT_QPA_PLATFORM", ""),
              "load_average": os.getloadavg()[0], "cores": os.cpu_count()}
    print_result({k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
