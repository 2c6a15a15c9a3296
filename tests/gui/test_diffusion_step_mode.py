"""Step mode in the diffusion panel: pick a particle, step with the button and the key, read the numbers shown, and
redo the step by hand in numpy from them: the result is where the sampler put the particle."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, QPointF, Qt

from core.config import ExperimentConfig
from core.diffusion.ema import sampling_network
from core.experiment import Experiment
from gendiff_gui.diffusion.panel import DiffusionPanel

CONFIGS = {
    "lecture": ExperimentConfig(model="gaussian-diffusion", dataset="moons", timesteps=30, seed=0),
    "ddpm": ExperimentConfig(model="diffusion", dataset="moons", timesteps=40, seed=0),
    "ddim": ExperimentConfig(model="diffusion", dataset="moons", timesteps=40, seed=0),
    "euler": ExperimentConfig(model="flow", dataset="moons", timesteps=40, seed=0),
    "heun": ExperimentConfig(model="flow", dataset="moons", timesteps=40, seed=0),
}
STEPS = {"ddim": 10, "euler": 8, "heun": 5}
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def shown_numbers(text: str) -> dict[str, np.ndarray]:
    """{name: values} from the step's number lines "name = 0.5" or "name = (0.1, -2)"."""
    values = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" = ")
        values[name] = np.asarray([float(v) for v in re.findall(NUMBER, value)], np.float64)
    return values


def by_hand(sampler: str, n: dict[str, np.ndarray], network=None, s: int = 0) -> np.ndarray:
    """x_s from the shown numbers, each sampler's formula written out here (`network(x, s)`: Heun's second look)."""
    if sampler == "euler":  # x_s = x_t - v dt
        return n["x_t"] - n["v"] * n["dt"]
    if sampler == "heun":  # x' = x_t - dt v_1, v_2 = v(x', s), x_s = x_t - dt (v_1 + v_2) / 2
        euler = n["x_t"] - n["dt"] * n["v₁"]
        np.testing.assert_allclose(euler, n["x_t − dt · v₁"], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(network(euler, s), n["v₂"], rtol=1e-3, atol=1e-3)
        return n["x_t"] - n["dt"] * (n["v₁"] + n["v₂"]) / 2
    if sampler == "lecture":  # x_{t-dt} = f(x_t) + sigma sqrt(dt) z (the noise weight is 0 on the last step)
        return n["f(x_t)"] + n["noise weight"] * n["σ"] * np.sqrt(n["dt"]) * n["z"]
    # x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t) (Ho et al. 2020 eq. 15)
    x0 = (n["x_t"] - np.sqrt(1 - n["ᾱ_t"]) * n["ε̂"]) / np.sqrt(n["ᾱ_t"])
    np.testing.assert_allclose(x0, n["x̂₀"], rtol=1e-4, atol=1e-4)
    if sampler == "ddpm":  # posterior mean + sqrt(beta-tilde) z, with the posterior's coefficients by hand
        abar_t, abar_s = n["ᾱ_t"], n["ᾱ_s"]
        beta = 1 - abar_t / abar_s
        c0 = np.sqrt(abar_s) * beta / (1 - abar_t)
        ct = np.sqrt(abar_t / abar_s) * (1 - abar_s) / (1 - abar_t)
        np.testing.assert_allclose([c0, ct], [n["c₀"], n["c_t"]], rtol=1e-4)
        return c0 * x0 + ct * n["x_t"] + np.sqrt(n["β̃"]) * n["z"]
    # DDIM (Song et al. 2021 eq. 12): sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sigma^2) eps + sigma z
    return np.sqrt(n["ᾱ_s"]) * x0 + n["√(1 − ᾱ_s − σ²)"] * n["ε̂"] + n["σ"] * n["z"]


def click_particle(qtbot, view, xy: np.ndarray) -> None:
    scene = view.box.mapViewToScene(QPointF(float(xy[0]), float(xy[1])))
    pos = view.canvas.mapFromScene(scene)
    qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))


def network_of(experiment):
    """v(x, s) of the experiment's sampled weights, called here directly: (d,) point in, (d,) out."""
    net = sampling_network(experiment.module)

    def call(x: np.ndarray, s: int) -> np.ndarray:
        with torch.no_grad():
            return net(torch.tensor(x[None], dtype=torch.float32), torch.full((1,), s)).numpy()[0]

    return call


@pytest.mark.parametrize("sampler", ["lecture", "ddpm", "ddim", "euler", "heun"])
def test_the_numbers_shown_for_a_picked_particle_redo_its_step(qtbot, sampler):
    experiment = Experiment.create(CONFIGS[sampler])
    panel = DiffusionPanel(particles=64, seed=2)
    qtbot.addWidget(panel)
    panel.resize(1200, 760)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_experiment(experiment)
    controls = panel.controls
    if sampler in STEPS:
        controls.sampler.setCurrentIndex(controls.sampler.findData(sampler))
        controls.steps.setValue(STEPS[sampler])
    if sampler == "ddim":
        controls.eta.setValue(50)  # eta = 0.5: the sigma z term is in play
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=20000)
    tools = panel.tools
    tools.step_section.set_expanded(True)
    qtbot.mouseClick(tools.stepping.step, Qt.MouseButton.LeftButton)  # step mode starts at x_T, one step
    assert panel.runs.stepping and panel.scrubber.count == 2
    view = panel.particles[0]
    shown = panel.shown_frame(0).x_t
    target = shown[17]
    click_particle(qtbot, view, target)
    nearest = int(np.argmin(((shown - target) ** 2).sum(1)))
    assert tools.picked == nearest and tools.stepping.picked.value() == nearest
    before = shown[nearest].astype(np.float64)
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_N)  # the key does what the button does
    assert panel.scrubber.count == 3 and panel.scrubber.index == 2
    numbers = shown_numbers(tools.stepping.numbers.text())
    after = view.cloud.points()[nearest]
    if "x_t" in numbers:
        np.testing.assert_allclose(numbers["x_t"], before, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(numbers["result"], after, rtol=1e-5, atol=1e-5)
    t, s = (int(v) for v in re.findall(r"t = (\d+) → (\d+)", tools.stepping.formula.text())[0])
    assert (t, s) == tuple(panel.runs.trajectories[0].ts[1:3])
    np.testing.assert_allclose(by_hand(sampler, numbers, network_of(experiment), s), after, rtol=1e-4, atol=2e-4)
    assert panel.shutdown()


def test_step_mode_runs_to_t0_and_a_setting_change_leaves_it(qtbot):
    experiment = Experiment.create(CONFIGS["ddim"])
    panel = DiffusionPanel(particles=32, seed=0)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_experiment(experiment)
    panel.controls.sampler.setCurrentIndex(panel.controls.sampler.findData("ddim"))
    panel.controls.steps.setValue(3)
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=20000)
    for _ in range(3):
        panel.tools.step()
    assert [int(t) for t in panel.runs.trajectories[0].ts] == [40, 27, 13, 0]
    assert not panel.runs.stepping and panel.trajectories[0].complete
    panel.tools.step()  # after t = 0 a press starts again from x_T
    assert panel.runs.stepping and [int(t) for t in panel.runs.trajectories[0].ts] == [40, 27]
    panel.controls.seed.setValue(5)  # a new setting: an ordinary run replaces step mode
    assert not panel.runs.stepping and panel.runs.stepper is None
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=20000)
    assert panel.shutdown()
