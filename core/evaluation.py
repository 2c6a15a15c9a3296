"""The held-out metrics of an experiment, chosen by its model family (what `gendiff train/eval --json` reports)."""
from __future__ import annotations

import numpy as np
import torch

from core import metrics
from core.experiment import Experiment
from core.metrics_2d import energy_distance_to_floor

MAX_EVAL_IMAGES = 10_000
ENERGY_REPEATS = 4  # blocks of data (the floor) the 2-D energy distances average over: the training set holds 4
# The model's side averages more blocks: its samples cost only time, and over sampler seeds the ratio of 4 blocks
# ranged 0.94 - 1.44 for one spirals model (std 0.25); 16 blocks halve that spread.
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


def evaluate_diffusion(exp: Experiment, seed: int = 0, n_samples: int = 5000,
                       repeats: int = ENERGY_REPEATS, sample_blocks: int = SAMPLE_BLOCKS) -> dict[str, float]:
    """Held-out denoising loss; for 2-D data also the energy distance of samples (the process's default sampler)
    to n held-out points, averaged over `sample_blocks` blocks of n samples, beside energy_distance_data, the same
    distance for training data (a perfect model's floor) averaged over `repeats` blocks of n
    (metrics_2d.energy_distance_to_floor)."""
    out = {"test_loss": test_denoising_loss(exp, seed)}
    if exp.train_data.kind == "points":
        test = exp.test_data.x
        n = min(n_samples, len(test), len(exp.train_data.x))
        # n = 5,000 points a side; one block pair alone wanders between 0.3x and 4x the mean ratio
        blocks = max(1, min(repeats, len(exp.train_data.x) // n))
        drawn = max(blocks, sample_blocks)
        samples = exp.task.sample(n * drawn, seed=seed)
        out.update(energy_distance_to_floor(samples, test[:n], exp.train_data.x, repeats=blocks,
                                            sample_blocks=drawn))
    return out


def round_metrics(values: dict[str, float], digits: int = 6) -> dict[str, float]:
    """The same numbers to `digits` significant digits (for JSON a person reads)."""
    return {k: float(f"{float(v):.{digits}g}") for k, v in values.items()}
