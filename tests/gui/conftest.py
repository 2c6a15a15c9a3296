"""Fixtures of the GUI tests: a main window (closed and drained after each test) and small fast experiments."""
from __future__ import annotations

from pathlib import Path

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
def ready_window(started_window):
    """The window with the toy linear auto-encoder built and idle."""
    return started_window(TOY)


@pytest.fixture
def small_vae() -> ExperimentConfig:
    return SMALL_VAE


@pytest.fixture(scope="module")
def vae():
    """A small untrained MNIST VAE, built once per test module."""
    from core.experiment import Experiment

    return Experiment.create(SMALL_VAE)


@pytest.fixture
def bundled():
    """bundled(path) -> path: a checkpoint that must be in resources/models (a lesson or the first launch opens it);
    a missing one fails the test, saying how to make it."""
    def check(path: Path) -> Path:
        if not path.is_file():
            pytest.fail(f"{path.name} is missing from resources/models; make it with "
                        f"`python scripts/train_bundled_models.py --only {path.stem}`", pytrace=False)
        return path

    return check


@pytest.fixture
def shown(qtbot):
    """shown(widget, width, height): `widget` resized, shown, exposed and closed with the test."""
    def show(widget, width: int, height: int):
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


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
