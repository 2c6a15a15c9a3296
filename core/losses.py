"""Loss functions, each citing the equation it implements; every one returns a scalar tensor (batch mean)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def mse_reconstruction(x: torch.Tensor, x_tilde: torch.Tensor) -> torch.Tensor:
    """L(x, x~) = MSE(x, x~) = mean over pixels and batch of (x - x~)^2 (the lecture's reconstruction error)."""
    return F.mse_loss(x_tilde, x)


def bernoulli_nll(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) for pixels x in [0, 1] under a Bernoulli decoder, summed over pixels, mean over the batch.

    Binary cross-entropy of the grey levels, as pytorch/examples' VAE and Kingma & Welling (2014, App. C.1) use.
    """
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()


def gaussian_nll(x: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """-log N(x; mean, I) up to its constant, i.e. 0.5 * ||x - mean||^2 summed over dimensions, mean over batch."""
    return 0.5 * (x - mean).pow(2).flatten(1).sum(1).mean()


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) = -1/2 * sum(1 + log sigma^2 - mu^2 - sigma^2) (Kingma & Welling 2014, App. B).

    Summed over latent dimensions, mean over the batch; never negative.
    """
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()


def vae_loss(reconstruction: torch.Tensor, kl: torch.Tensor, beta: float) -> torch.Tensor:
    """Negative ELBO with a weight on the prior term: reconstruction + beta * KL (beta = 1 is the ELBO)."""
    return reconstruction + beta * kl


def denoising_objective(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """E || f_theta(x_{t+dt}, t+dt) - target ||^2 (the lecture's denoising objective), per-coordinate mean."""
    return F.mse_loss(prediction, target)
