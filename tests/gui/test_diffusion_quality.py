"""Quality in the window: the sweep over step counts runs in a worker and fills one curve per sampler (and can be
cancelled); the live quality curve beside the loss gets points while a model trains."""
from __future__ import annotations

import numpy as np
import pytest

from core.config import ExperimentConfig
from core.experiment import Experiment
from gendiff_gui.curves import quality_curve
from gendiff_gui.curves.quality_curve import LiveQuality, QualityCurveView
from gendiff_gui.diffusion import quality_sweep
from gendiff_gui.diffusion.panel import DiffusionPanel

MOONS = ExperimentConfig(model="diffusion", dataset="moons", timesteps=40, seed=0)


@pytest.fixture(scope="module")
def moons():
    return Experiment.create(MOONS)


def _panel(qtbot, experiment) -> DiffusionPanel:
    panel = DiffusionPanel(particles=32, seed=0)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_experiment(experiment)
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=20000)
    return panel


def test_the_sweep_runs_in_a_worker_and_fills_a_curve_per_sampler(qtbot, monkeypatch, moons):
    monkeypatch.setattr(quality_sweep, "SWEEP_STEPS", (1, 2, 5, 400))  # 400 > T = 40: left out
    panel = _panel(qtbot, moons)
    tools = panel.tools
    tools.quality_section.set_expanded(True)
    points = []
    tools.sweep.point.connect(lambda sampler, steps, value: points.append((sampler, steps, value)))
    with qtbot.waitSignal(tools.sweep.finished, timeout=60000) as done:
        tools.measure(n=200)
        assert tools.sweep.running and not tools.quality.measure.isEnabled()  # returns at once: a worker measures
    assert done.args == [True]
    assert [(s, k) for s, k, _ in points] == [(s, k) for s in ("ddpm", "ddim") for k in (1, 2, 5)]
    for sampler in ("DDPM", "DDIM"):
        steps, values = tools.quality.points(sampler)
        assert list(steps) == [1, 2, 5] and np.all(np.isfinite(values)) and np.all(values > 0)
        np.testing.assert_allclose(tools.quality.curves[sampler].getData()[1], values)
    assert tools.quality.bar.value() == tools.quality.bar.maximum() == 6
    assert tools.quality.measure.isEnabled() and not tools.quality.cancel.isEnabled()
    assert panel.shutdown()


def test_a_cancelled_sweep_stops_between_points(qtbot, monkeypatch, moons):
    monkeypatch.setattr(quality_sweep, "SWEEP_STEPS", (1, 2, 5, 10, 20, 40))
    panel = _panel(qtbot, moons)
    tools = panel.tools
    with qtbot.waitSignal(tools.sweep.point, timeout=60000):
        tools.measure(n=200)
    with qtbot.waitSignal(tools.sweep.finished, timeout=60000) as done:
        tools.quality.cancel.click()
    assert done.args == [False]
    assert tools.quality.bar.value() < 12 and tools.quality.note.text() == "cancelled"
    assert not tools.busy
    assert panel.shutdown()


def test_the_live_quality_curve_gets_points_while_training(qtbot, monkeypatch, started_window):
    monkeypatch.setattr(quality_curve, "EVERY_S_POINTS", 0.3)  # often, for a short run
    window = started_window(MOONS.replace(steps=100_000, batch_size=64))  # stopped once it has 3 points
    live = window.findChild(LiveQuality)
    view = window.findChild(QualityCurveView)
    assert live.enabled and not view.isHidden()  # shown with the loss curves, once training starts
    measured = []
    live.measured.connect(lambda step, value: measured.append((step, value)))
    window.train()
    qtbot.waitUntil(lambda: window.session.state == "training", timeout=40000)
    qtbot.waitUntil(lambda: len(measured) >= 3 or window.session.state == "idle", timeout=120000)
    window.session.stop()
    qtbot.waitUntil(lambda: window.session.state == "idle" and not live.busy, timeout=120000)
    steps, values = view.points()
    assert len(steps) >= 3 and np.all(np.diff(steps) > 0) and np.all(np.isfinite(values))
    assert view.isVisible() and window.loss_curves.isVisible()  # beside the loss curves, shown with them
    assert max(steps) <= window.session.experiment.steps_done


def test_closing_the_window_mid_sweep_stops_the_sweep(qtbot, monkeypatch, started_window):
    monkeypatch.setattr(quality_sweep, "SWEEP_STEPS", (1, 2, 5, 10, 20, 40))
    window = started_window(MOONS)
    panel = window.view("Diffusion")
    with qtbot.waitSignal(panel.tools.sweep.point, timeout=60000):
        panel.tools.measure(n=500)
    assert panel.tools.busy
    window.close()  # stops and waits for the sweep's job with the others (the fixture checks no thread is left)
    qtbot.waitUntil(lambda: not panel.busy, timeout=20000)
    assert panel.tools.quality.bar.value() < panel.tools.quality.bar.maximum()


def test_closing_the_window_mid_measure_stops_the_live_quality_job(qtbot, monkeypatch, started_window):
    monkeypatch.setattr(quality_curve, "EVERY_S_POINTS", 0.0)
    window = started_window(ExperimentConfig(model="diffusion", dataset="moons", timesteps=1000, seed=0))
    live = window.findChild(LiveQuality)
    window.train()
    qtbot.waitUntil(lambda: live.busy, timeout=60000)  # a 1000-step measure under way
    job = live._job
    window.close()  # stops it with the other jobs and waits (1.5 s at most); the fixture fails on a thread left
    assert job.wait(0)  # its thread had ended when close returned: it stopped within one network pass
    qtbot.waitUntil(lambda: not live.busy, timeout=5000)


def test_the_live_quality_curve_draws_distances_on_a_log_axis_that_holds_every_point(qtbot):
    """The distance falls by orders of magnitude in a minute: on a log axis the later points stay readable. The
    axis's range (log10 units) holds the smallest and the largest point; the metric's name is in the tooltips."""
    view = QualityCurveView()
    qtbot.addWidget(view)
    view.set_metric("energy distance")
    for step, value in ((0, 0.4), (300, 0.01), (600, 0.003), (900, 0.0021)):
        view.add_point(step, value)
    view.add_point(1200, 0.0)  # not drawable on a log axis: left out
    low, high = view.plot.viewRange()[1]
    assert view.plot.getAxis("left").logMode
    assert low <= np.log10(0.0021) and high >= np.log10(0.4) and high - low < 3.0
    assert list(view.points()[1]) == [0.4, 0.01, 0.003, 0.0021]
    assert "energy distance" in view.plot_widget.toolTip() and "log" in view.title.toolTip()


def test_the_log_axis_labels_decades_or_else_its_two_ends():
    from gendiff_gui.curves.axes import log_ticks

    assert log_ticks(np.log10(0.0015), np.log10(0.5)) == [(-2.0, "0.01"), (-1.0, "0.1")]
    assert log_ticks(-3.2, 0.4) == [(-3.0, "0.001"), (-2.0, "0.01"), (-1.0, "0.1"), (0.0, "1")]
    ends = log_ticks(np.log10(0.002), np.log10(0.009))  # less than a decade: its ends
    assert [label for _, label in ends] == ["0.002", "0.009"]
