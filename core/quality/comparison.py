"""The Frechet classifier distances to the test set that the CLI, the benchmark and the window print, at one sample size.

Every figure compares FCD_SAMPLES generated images with the first FCD_SAMPLES test images; the floor is the same
distance from those test images to the first FCD_SAMPLES training images (what a perfect generator would score).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.data import load_dataset
from core.paths import MODELS_DIR
from core.quality.frechet import FCD_SAMPLES, classifier_features, frechet_distance
from core.quality.samples import generated_images

BUNDLED_VAES = {"mnist": "mnist-vae.safetensors", "fashion-mnist": "fashion-mnist-vae.safetensors"}
PIXEL_UNET = {"mnist": "mnist-conditional-diffusion.safetensors"}
# The pixel U-Net takes about 6 s per DDIM step for 1,000 images on one CPU core: 10 steps, not its 200.
PIXEL_UNET_DDIM_STEPS = 10
QUICK_STEPS = 50  # the window and `eval` sample latent models with DDIM in 50 steps (the CLI's default: every step)


def quick_sampler(process) -> tuple[str, int | None]:
    """(sampler, steps) for a quick run of `process`: DDIM in QUICK_STEPS where it takes it, else its default."""
    if "ddim" in process.samplers and not process.fixed_steps:
        return "ddim", min(QUICK_STEPS, process.timesteps)
    return process.default_sampler, None


@lru_cache(maxsize=4)
def _test_features(dataset: str) -> np.ndarray:
    return classifier_features(load_dataset(dataset, "test").floats(slice(FCD_SAMPLES)), dataset)


def fcd_to_test(images: np.ndarray, dataset: str = "mnist") -> float:
    """FCD between FCD_SAMPLES generated images and the first FCD_SAMPLES test images."""
    if len(images) < FCD_SAMPLES:
        raise ValueError(f"the FCD compares {FCD_SAMPLES} images a side, got {len(images)}")
    return frechet_distance(classifier_features(images[:FCD_SAMPLES], dataset), _test_features(dataset))


def fcd_floor(dataset: str = "mnist") -> float:
    """FCD between the first FCD_SAMPLES test and training images: the floor a generator is measured against."""
    return fcd_to_test(load_dataset(dataset, "train").floats(slice(FCD_SAMPLES)), dataset)


def model_fcd(exp, seed: int = 0, sampler: str | None = None, steps: int | None = None) -> float:
    """FCD of FCD_SAMPLES unconditional images of an experiment (VAE prior; diffusion at guidance 0)."""
    return fcd_to_test(generated_images(exp, FCD_SAMPLES, seed=seed, sampler=sampler, steps=steps),
                       exp.config.dataset)


def bundled_fcds(dataset: str = "mnist", seed: int = 0, pixel_unet: bool = True) -> dict[str, float]:
    """The reference figures: the bundled VAE's prior, the bundled pixel U-Net (DDIM, PIXEL_UNET_DDIM_STEPS steps,
    slow) and the floor, under the keys fcd_vae_prior, fcd_pixel_unet, fcd_floor."""
    from core.experiment import Experiment

    out = {"fcd_floor": fcd_floor(dataset)}
    if dataset in BUNDLED_VAES:
        out["fcd_vae_prior"] = model_fcd(Experiment.from_checkpoint(MODELS_DIR / BUNDLED_VAES[dataset]), seed)
    if pixel_unet and dataset in PIXEL_UNET:
        unet = Experiment.from_checkpoint(MODELS_DIR / PIXEL_UNET[dataset])
        out["fcd_pixel_unet"] = model_fcd(unet, seed, sampler="ddim", steps=PIXEL_UNET_DDIM_STEPS)
        out["pixel_unet_ddim_steps"] = PIXEL_UNET_DDIM_STEPS
    out["fcd_samples"] = FCD_SAMPLES
    return out
