"""Training objectives of the auto-encoder family (AE, denoising AE, VAE) as Tasks for the training loop."""
from __future__ import annotations

import torch
from torch import nn

from core import losses
from core.models.vae import VAE


def corrupt(x: torch.Tensor, noise_sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """The denoising auto-encoder's input: x' = x + eps, eps ~ N(0, sigma^2 I) (no change for sigma = 0)."""
    if noise_sigma <= 0:
        return x
    return x + noise_sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)


class AutoencoderTask:
    """z = enc(x'), x~ = dec(z), loss MSE(x, x~) against the CLEAN x (denoising when noise_sigma > 0)."""

    def __init__(self, module: nn.Module, noise_sigma: float = 0.0):
        self.module = module
        self.noise_sigma = noise_sigma

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        x_tilde = self.module.decode(self.module.encode(corrupt(x, self.noise_sigma)))
        reconstruction = losses.mse_reconstruction(x, x_tilde)
        return {"total": reconstruction, "reconstruction": reconstruction}


class VAETask:
    """Negative ELBO per example: reconstruction (-log p(x|z)) + beta * KL(q(z|x) || p(z)), parts reported apart."""

    def __init__(self, module: VAE, beta: float = 1.0, noise_sigma: float = 0.0):
        self.module = module
        self.beta = beta
        self.noise_sigma = noise_sigma

    def parts(self, x: torch.Tensor, eps: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Reconstruction and KL of a batch (z = mu + sigma * eps; eps drawn if not given)."""
        mu, logvar = self.module.posterior(corrupt(x, self.noise_sigma))
        out = self.module.decode_logits(self.module.reparameterize(mu, logvar, eps))
        if self.module.bounded:
            reconstruction = losses.bernoulli_nll(x, out)
        else:
            reconstruction = losses.gaussian_nll(x, out)
        return {"reconstruction": reconstruction, "kl": losses.gaussian_kl(mu, logvar)}

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        parts = self.parts(x)
        return {"total": losses.vae_loss(parts["reconstruction"], parts["kl"], self.beta), **parts}
