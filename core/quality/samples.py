"""The images a model generates, whatever its family: a VAE's decoded prior, a latent or pixel diffusion's samples."""
from __future__ import annotations

import numpy as np
import torch


def vae_prior_images(vae: torch.nn.Module, n: int, seed: int = 0) -> np.ndarray:
    """x = dec(z), z ~ N(0, I) drawn from a generator seeded with `seed`: (n, C, H, W) in [0, 1]."""
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        return vae.sample_prior(n, generator=gen).clamp(0.0, 1.0).numpy().reshape(n, *vae.data_shape)


def generated_images(exp, n: int, seed: int = 0, label: int | None = None, guidance: float = 1.0,
                     sampler: str | None = None, steps: int | None = None) -> np.ndarray:
    """n images (n, C, H, W) in [0, 1] from an experiment: a VAE's prior, or a (latent) diffusion's reverse run
    (label None: unconditional, the same as guidance 0)."""
    if exp.family == "vae":
        return vae_prior_images(exp.module, n, seed)
    if exp.family not in ("diffusion", "latent-diffusion") or exp.train_data.kind != "image":
        raise ValueError(f"a {exp.config.model} on {exp.config.dataset} generates no images")
    return exp.task.sample(n, sampler=sampler, steps=steps, y=label, guidance=guidance, seed=seed)
