"""Exports of the scrubber: an animated GIF with the expected frames and size, the current frame as PNG and SVG."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.config import ExperimentConfig
from core.experiment import Experiment
from gendiff_gui.diffusion.panel import DiffusionPanel
from gendiff_gui.diffusion.exports import gif_indices

MOONS = ExperimentConfig(model="diffusion", dataset="moons", timesteps=40, seed=0)


@pytest.fixture
def panel(qtbot, shown):
    panel = shown(DiffusionPanel(particles=200), 900, 560)
    panel.set_experiment(Experiment.create(MOONS))
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=60000)
    panel.scrubber.pause()
    yield panel
    assert panel.shutdown()


def test_gif_indices_spread_evenly_with_first_and_last():
    assert gif_indices(41, 12)[0] == 0 and gif_indices(41, 12)[-1] == 40 and len(gif_indices(41, 12)) == 12
    assert gif_indices(5, 80) == [0, 1, 2, 3, 4]
    assert gif_indices(0) == []


def test_the_gif_has_the_expected_frames_and_size(qtbot, panel, tmp_path):
    panel.scrubber.set_index(7)
    path = tmp_path / "run.gif"
    recorder = panel.export_gif(path, max_frames=12, width=320)
    with qtbot.waitSignal(recorder.finished, timeout=60000):
        pass
    region = panel.gif_region()  # the square plot and its title
    assert abs(region.width() - panel.particles[0].canvas.width()) <= 1 and region.height() > region.width()
    with Image.open(path) as gif:
        assert gif.n_frames == 12
        assert gif.size == (320, round(320 * region.height() / region.width()))
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
        gif.seek(11)
        last = np.asarray(gif.convert("RGB"))
    assert np.abs(first.astype(int) - last.astype(int)).max() > 0  # noise at t = T, the samples at t = 0
    assert panel.scrubber.index == 7  # the frame on screen before recording is back


def test_the_current_frame_as_png_and_svg(panel, tmp_path):
    panel.scrubber.set_index(20)
    png = panel.save_frame(tmp_path / "frame.png")
    with Image.open(png) as image:
        assert image.size == (panel.stage.width(), panel.stage.height())
    svg = panel.save_frame(tmp_path / "frame.svg")
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "t = 20" in text
