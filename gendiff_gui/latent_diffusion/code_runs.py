"""A latent diffusion as the diffusion run controller sees a points diffusion: its code denoiser over (d,) codes."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

DENOISER_PREFIX = "denoiser."  # the code denoiser's weights inside a LatentDiffusionModule's state dict
NO_MODEL = SimpleNamespace(config=SimpleNamespace(family=None))  # RunController.set_experiment(NO_MODEL): no runs


def code_space_model(experiment) -> SimpleNamespace:
    """What gendiff_gui.diffusion.run_controller.RunController.set_experiment reads (config, module, task.process,
    train_data.data_shape and .x, test_data.x), for the denoiser over standardised codes u: its runs are code-space runs."""
    config = experiment.config
    d = int(experiment.module.codes.latent_dim)
    return SimpleNamespace(config=config.replace(model=config.latent_process), module=experiment.module.denoiser,
                           task=SimpleNamespace(process=experiment.task.process, conditional=experiment.task.conditional),
                           train_data=SimpleNamespace(data_shape=(d,), x=np.zeros((0, d), np.float32)),
                           test_data=SimpleNamespace(x=np.zeros((0, d), np.float32)))


def denoiser_weights(snapshot: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The code denoiser's part of a latent model's snapshot, under the denoiser's own names."""
    n = len(DENOISER_PREFIX)
    return {k[n:]: v for k, v in snapshot.items() if k.startswith(DENOISER_PREFIX)}
