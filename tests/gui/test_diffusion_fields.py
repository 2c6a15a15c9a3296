"""One model, three fields: the vector field view switches between the pull toward x̂₀, the predicted noise, the
score and the velocity, each as the closed form makes it from the network's output; the probe shows its vector
and its x̂₀ on the plot and in numbers."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from core.config import ExperimentConfig
from core.diffusion.ema import sampling_network
from core.experiment import Experiment
from gendiff_gui.diffusion.field_cache import FIELD_CELLS, grid_points
from gendiff_gui.diffusion.panel import DiffusionPanel

T = 40
DDPM_MOONS = ExperimentConfig(model="diffusion", dataset="moons", timesteps=T, seed=0)
FLOW_MOONS = ExperimentConfig(model="flow", dataset="moons", timesteps=T, seed=0)
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def ddpm_fields(out: np.ndarray, x: np.ndarray, t: int) -> dict[str, np.ndarray]:
    """DDPM by hand: eps = out; x_t = sqrt(abar) x0 + sigma eps with the linear betas rescaled to T (Ho et al.
    2020 Sec. 4, x 1000 / T), abar_t = prod (1 - beta), sigma_t = sqrt(1 - abar_t); score = -eps / sigma_t."""
    betas = np.clip(np.linspace(1e-4 * 1000 / T, 0.02 * 1000 / T, T), None, 0.999)
    abar = np.prod(1.0 - betas[:t])
    sigma = np.sqrt(1.0 - abar)
    return {"eps": out, "score": -out / sigma, "x0": (x - sigma * out) / np.sqrt(abar)}


def flow_fields(out: np.ndarray, x: np.ndarray, t: int) -> dict[str, np.ndarray]:
    """Rectified flow by hand: v = out on x_t = (1 - tau) x0 + tau eps, tau = t / T; x0 = x - tau v,
    eps = x + (1 - tau) v, score = -eps / tau (sigma_tau = tau)."""
    tau = t / T
    eps = x + (1.0 - tau) * out
    return {"velocity": out, "eps": eps, "score": -eps / tau, "x0": x - tau * out}


def network_output(experiment, x: np.ndarray, t: int) -> np.ndarray:
    net = sampling_network(experiment.module)
    with torch.no_grad():
        return net(torch.tensor(x, dtype=torch.float32), torch.full((len(x),), t)).numpy().astype(np.float64)


def drawn_arrows(view) -> np.ndarray:
    """The arrows on the plot (tip - origin of each arrow's shaft; 6 points an arrow, see vector_field.py)."""
    xs, ys = view.field.getData()
    points = np.stack([xs, ys], 1).reshape(-1, 6, 2)
    return points[:, 1] - points[:, 0]


def assert_same_direction(drawn: np.ndarray, vectors: np.ndarray) -> None:
    """drawn = c * vectors for one c > 0 (the view scales every arrow of a field by the same factor)."""
    scale = np.linalg.norm(drawn) / np.linalg.norm(vectors)
    assert scale > 0
    np.testing.assert_allclose(drawn, scale * vectors, rtol=1e-3, atol=1e-4 * np.abs(drawn).max())


@pytest.mark.parametrize("config,by_hand,kinds", [
    (DDPM_MOONS, ddpm_fields, ("pull", "eps", "score")),
    (FLOW_MOONS, flow_fields, ("pull", "eps", "score", "velocity")),
])
def test_switching_the_field_draws_each_as_the_closed_form_gives_it(qtbot, config, by_hand, kinds):
    experiment = Experiment.create(config)
    for _event in experiment.train(steps=30):  # some structure in the field
        pass
    panel = DiffusionPanel(particles=32, seed=0)
    qtbot.addWidget(panel)
    panel.resize(1200, 760)
    panel.show()
    panel.set_experiment(experiment)
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=20000)
    panel.controls.field.setChecked(True)
    panel.scrubber.set_index(panel.scrubber.count // 2)
    t = panel.scrubber.t
    assert 0 < t < T
    view = panel.particles[0]
    origins = grid_points(view.extent(), FIELD_CELLS)
    expected = by_hand(network_output(experiment, origins, t), origins.astype(np.float64), t)
    expected["pull"] = expected["x0"] - origins
    drawn = {}
    for kind in kinds:
        panel.tools.fields.set_kind(kind)  # the combo box, as a click would
        drawn[kind] = drawn_arrows(view)
        grid, raw = panel.runs.field.raw(t, view.extent(), kind)
        np.testing.assert_allclose(grid, origins)
        np.testing.assert_allclose(raw, expected[kind], rtol=1e-4, atol=1e-5 * np.abs(expected[kind]).max())
        assert_same_direction(drawn[kind], expected[kind])
    # score = -eps / sigma_t: the two drawings point opposite ways, arrow for arrow
    cosine = (drawn["eps"] * drawn["score"]).sum(1) / (
        np.linalg.norm(drawn["eps"], axis=1) * np.linalg.norm(drawn["score"], axis=1))
    np.testing.assert_allclose(cosine, -1.0, atol=1e-5)
    assert panel.shutdown()


def test_the_probe_shows_its_vector_and_x0_on_the_plot_and_in_numbers(qtbot):
    experiment = Experiment.create(FLOW_MOONS)
    panel = DiffusionPanel(particles=32, seed=0)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_experiment(experiment)
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=20000)
    tools = panel.tools
    tools.fields_section.set_expanded(True)
    panel.scrubber.set_index(panel.scrubber.count // 3)
    t = panel.scrubber.t
    tools.fields.set_kind("velocity")
    tools.fields.x.setValue(0.7)  # keyboard-reachable coordinates; the first shows the probe
    tools.fields.y.setValue(-0.4)
    assert tools.fields.probe.isChecked() and tools.probe.target.isVisible()
    point = np.array([[0.7, -0.4]])
    want = flow_fields(network_output(experiment, point, t), point, t)
    text = tools.fields.readout.text()
    vector_line, x0_line = text.splitlines()
    shown_vector = [float(v) for v in re.findall(NUMBER, vector_line.split(":", 1)[1])][:2]
    shown_x0 = [float(v) for v in re.findall(NUMBER, x0_line.split("=", 1)[1])]
    np.testing.assert_allclose(shown_vector, want["velocity"][0], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(shown_x0, want["x0"][0], rtol=1e-3, atol=1e-4)
    marked = tools.probe.x0_mark.getData()
    np.testing.assert_allclose([marked[0][0], marked[1][0]], want["x0"][0], rtol=1e-5, atol=1e-5)
    xs, ys = tools.probe.arrow.getData()
    arrow = np.array([xs[1] - xs[0], ys[1] - ys[0]])
    cos = arrow @ want["velocity"][0] / (np.linalg.norm(arrow) * np.linalg.norm(want["velocity"][0]))
    assert cos == pytest.approx(1.0, abs=1e-5)
    tools.probe.target.setPos(-0.5, 0.5)  # as a drag moves it: the spin boxes and numbers follow
    assert (tools.fields.x.value(), tools.fields.y.value()) == (-0.5, 0.5)
    want = flow_fields(network_output(experiment, np.array([[-0.5, 0.5]]), t), np.array([[-0.5, 0.5]]), t)
    assert f"{want['x0'][0][0]:.4g}" in tools.fields.readout.text()
    assert panel.shutdown()
