"""The held-out metrics of an experiment, chosen by its model family (what `gendiff train/eval --json` reports)."""
from __future__ import annotations

from core import metrics
from core.experiment import Experiment

MAX_EVAL_IMAGES = 10_000


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
    from core.diffusion.evaluation import evaluate_diffusion

    return evaluate_diffusion(exp, seed=seed)


def round_metrics(values: dict[str, float], digits: int = 6) -> dict[str, float]:
    """The same numbers to `digits` significant digits (for JSON a person reads)."""
    return {k: float(f"{float(v):.{digits}g}") for k, v in values.items()}
