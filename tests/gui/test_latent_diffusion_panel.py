"""Lesson 9's panel: particles drawn at z_t = u_t * s + m in the map's plane, the tracked ones decoded by the frozen
decoder, checked against the same arithmetic by hand; switching to another model leaves no runs."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.config import ExperimentConfig
from core.defaults import defaults_for
from core.experiment import Experiment
from gendiff_gui.latent_diffusion.panel import TRACKED, LatentDiffusionPanel


@pytest.fixture(scope="module")
def latent(tmp_path_factory) -> Experiment:
    """A small latent diffusion over a tiny MNIST auto-encoder (d = 4), a few steps trained on 512 images."""
    ae_path = tmp_path_factory.mktemp("ae") / "ae.safetensors"
    ae = Experiment.create(ExperimentConfig(model="ae", dataset="mnist", latent_dim=4, hidden=32, seed=1))
    ae.save(ae_path)
    config = defaults_for(ExperimentConfig(model="latent-diffusion", dataset="mnist")).replace(
        autoencoder=str(ae_path), conditional=True, timesteps=20, seed=2)
    exp = Experiment.create(config)
    exp.train_data = replace(exp.train_data, x=exp.train_data.x[:512], y=exp.train_data.y[:512])
    for _ in exp.train(steps=5):
        pass
    return exp


def test_particles_sit_at_restored_codes_and_decode_like_the_decoder(qtbot, latent):
    panel = LatentDiffusionPanel(particles=40)
    qtbot.addWidget(panel)
    jobs = []
    panel.job_started.connect(jobs.append)
    panel.set_experiment(latent)
    qtbot.waitUntil(lambda: len(panel.trajectories) == 1 and panel.trajectories[0].complete, timeout=60000)
    qtbot.waitUntil(lambda: len(panel.map.points()) > 0, timeout=60000)  # the encoded test set is on the map
    qtbot.waitUntil(lambda: all(not job.alive for job in jobs), timeout=60000)
    panel.scrubber.pause()
    panel.scrubber.set_index(panel.scrubber.count - 1)
    frame = panel.trajectories[0].last
    assert frame.t == 0 and frame.x_t.shape == (40, 4)
    codes = latent.module.codes
    z = frame.x_t * codes.std.numpy() + codes.mean.numpy()  # by hand: z = u s + m
    test_z = latent.module.codes.autoencoder.encode(torch.from_numpy(latent.test_data.floats(slice(3000)))).detach().numpy()
    centred = test_z - test_z.mean(0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    top2 = vecs[:, ::-1][:, :2]  # the test codes' two principal directions (signs may differ from the panel's)
    on_map = panel.particles_on_map()
    np.testing.assert_allclose(np.abs(on_map), np.abs((z - test_z.mean(0)) @ top2), rtol=1e-3, atol=1e-3)
    with torch.no_grad():
        decoded = codes.autoencoder.decode(torch.from_numpy(z[:TRACKED].astype(np.float32))).numpy()
    np.testing.assert_allclose(panel.tracked_images(), decoded.reshape(TRACKED, 28, 28), atol=1e-5)
    assert panel.class_box.count() == 10 and panel.guidance.isEnabled()
    panel.measure_fcd()  # in a worker: 1,000 unconditional samples against the test set, beside the floor
    qtbot.waitUntil(lambda: "FCD to the test set" in panel.fcd_label.text(), timeout=240000)
    from core.quality.comparison import fcd_floor

    shown = [float(word.rstrip(";")) for word in panel.fcd_label.text().replace("(", " ").split()
             if word.rstrip(";").replace(".", "", 1).isdigit()]
    assert len(shown) >= 2 and shown[0] > 0 and shown[1] == pytest.approx(fcd_floor("mnist"), abs=0.01)
    toy = Experiment.create(ExperimentConfig(model="linear-ae", dataset="moons", latent_dim=1))
    panel.set_experiment(toy)
    assert not panel.has_model and panel.trajectories == [] and not panel.runs.has_model
    assert panel.shutdown()
