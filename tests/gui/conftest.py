"""Fixtures of the GUI tests: a main window (closed and drained after each test) and small fast experiments."""
from __future__ import annotations

import pytest

from core.config import ExperimentConfig
from core.threads import configure_threads

TOY = ExperimentConfig(model="linear-ae", dataset="moons", latent_dim=1, seed=0)
TOY_VAE = ExperimentConfig(model="vae", dataset="moons", latent_dim=2, hidden=32, seed=0)
SMALL_VAE = ExperimentConfig(model="vae", dataset="mnist", latent_dim=2, hidden=64, seed=0)  # the latent panel's tests


@pytest.fixture(scope="session", autouse=True)
def _gui_thread_budget():
    configure_threads(gui=True)


@pytest.fixture
def toy_config() -> ExperimentConfig:
    return TOY


@pytest.fixture
def ready_window(qtbot, window):
    """The window with the toy linear auto-encoder built and idle."""
    window.start(TOY)
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=40000)
    return window


@pytest.fixture
def small_vae() -> ExperimentConfig:
    return SMALL_VAE


@pytest.fixture(scope="module")
def vae():
    """A small untrained MNIST VAE, built once per test module."""
    from core.experiment import Experiment

    return Experiment.create(SMALL_VAE)


@pytest.fixture
def shown_panel(qtbot):
    """A factory: `shown_panel(experiment, map_points=1000, settled=True)` -> a shown LatentPanel with its map
    encoded (settled: the manifold drawn over the map's final frame too)."""
    from gendiff_gui.latent.panel import LatentPanel

    def make(experiment, map_points: int = 1000, settled: bool = True, **kwargs) -> LatentPanel:
        panel = LatentPanel(map_points=map_points, **kwargs)
        qtbot.addWidget(panel)
        panel.resize(1400, 900)
        panel.show()
        panel.set_experiment(experiment)
        qtbot.waitUntil(lambda: panel.map_ready, timeout=40000)
        if settled:  # the view frames the codes on its next paint; the manifold follows the settled frame
            qtbot.waitUntil(lambda: panel.manifold.extent == panel.map.view_range(), timeout=20000)
        return panel

    return make
