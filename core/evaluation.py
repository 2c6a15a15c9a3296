"""The held-out metrics of an experiment, chosen by its model family (what `gendiff train/eval --json` reports)."""
from __future__ import annotations

import numpy as np
import torch

from core import metrics
from core.data import reference_points
from core.experiment import Experiment
from core.metrics_2d import energy_distance_to_floor

MAX_EVAL_IMAGES = 10_000
# Samples a 2-D model draws for its energy distance: this many times the reference's size. Their finite number is
# what is left of the ratio's noise (metrics_2d.energy_distance_to_floor); 16 x 5,000 take ~11 s at 100 steps.
SAMPLE_BLOCKS = 16


def evaluate(exp: Experiment, seed: int = 0) -> dict[str, float]:
    """test_mse and pca_mse for auto-encoders; plus test_nelbo for VAEs; energy distances for 2-D diffusion."""
    family = exp.family
    x_test = exp.test_data.x[:MAX_EVAL_IMAGES]
    if family in ("autoencoder", "vae"):
        out = {
            "test_mse": metrics.reconstruction_mse(exp.module, x_test),
            "pca_mse": metrics.pca_mse(exp.train_data.x, x_test, exp.config.latent_dim),
        }
        if family == "vae":
            out.update(metrics.vae_nelbo(exp.module, x_test, seed=seed))
        return out
    if family == "latent-diffusion":
        return evaluate_latent_diffusion(exp, seed=seed)
    return evaluate_diffusion(exp, seed=seed)


def evaluate_latent_diffusion(exp: Experiment, seed: int = 0) -> dict[str, float]:
    """Held-out denoising loss in code space, the FCD of FCD_SAMPLES unconditional samples and its floor; for a
    conditional model the mean and the worst class's guided accuracy (100 a class, w = 3, read by the classifier)."""
    from core.digit_classifier import guided_accuracy, train_classifier
    from core.quality.comparison import fcd_floor, model_fcd, quick_sampler

    sampler, steps = quick_sampler(exp.task.process)
    out = {"test_loss": test_denoising_loss(exp, seed),
           "fcd": model_fcd(exp, seed, sampler=sampler, steps=steps), "fcd_floor": fcd_floor(exp.config.dataset)}
    if exp.task.conditional:
        per_class = guided_accuracy(exp.task, train_classifier(exp.config.dataset), exp.train_data.num_classes,
                                    sampler=sampler, steps=steps, seed=seed)
        out.update(guided_accuracy=float(np.mean(per_class)), guided_accuracy_min=float(np.min(per_class)))
    return out


@torch.no_grad()
def test_denoising_loss(exp: Experiment, seed: int = 0, batches: int = 8) -> float:
    """The training objective on held-out data (fixed noise draws), averaged over a few batches."""
    torch.manual_seed(seed)
    data = exp.test_data
    y = torch.from_numpy(data.y) if data.y is not None else None
    size = min(256, len(data))
    values = [float(exp.task.loss(torch.from_numpy(data.floats(slice(i * size, (i + 1) * size))),
                                  None if y is None else y[i * size:(i + 1) * size])["total"])
              for i in range(min(batches, len(data) // size))]
    return float(np.mean(values))


def evaluate_diffusion(exp: Experiment, seed: int = 0) -> dict[str, float]:
    """Held-out denoising loss; for 2-D data also the energy distances of `sample_energy`."""
    out = {"test_loss": test_denoising_loss(exp, seed)}
    if exp.train_data.kind == "points":
        out.update(sample_energy(exp, seed=seed))
    return out


def sample_energy(exp: Experiment, seed: int = 0, sampler: str | None = None, steps: int | None = None,
                  n_samples: int = 5000, sample_blocks: int = SAMPLE_BLOCKS) -> dict[str, float]:
    """A 2-D model's energy distance beside its floor (metrics_2d.energy_distance_to_floor) at blocks of
    n = min(n_samples, test and training sizes): sample_blocks x n samples (the process's default sampler and
    steps unless given), the training set for the floor, against a toy set's large fresh reference (its blocks of
    n as held out as the test set) or else the first n test points."""
    test = exp.test_data.x
    n = min(n_samples, len(test), len(exp.train_data.x))
    samples = exp.task.sample(n * sample_blocks, sampler=sampler, steps=steps, seed=seed)
    reference = reference_points(exp.config.dataset, exp.config.seed)
    return energy_distance_to_floor(samples, test[:n] if reference is None else reference, exp.train_data.x,
                                    block=n)


def round_metrics(values: dict[str, float], digits: int = 6) -> dict[str, float]:
    """The same numbers to `digits` significant digits (for JSON a person reads)."""
    return {k: float(f"{float(v):.{digits}g}") for k, v in values.items()}
