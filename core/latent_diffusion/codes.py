"""CodeSpace: a frozen auto-encoder with the mean and std of its training codes (encode + standardise, restore + decode)."""
from __future__ import annotations

import torch
from torch import nn


class CodeSpace(nn.Module):
    """The space a latent diffusion lives in: u = (z - m) / s with z = enc(x) (a VAE's posterior mean) and m, s the
    per-coordinate mean and std of the training codes; x = dec(u * s + m) back to images.

    The auto-encoder is frozen: its parameters never require grad and it stays in eval mode whatever `train()` is
    called with (so no layer updates running statistics either). m, s and `fitted` are buffers: a checkpoint
    carries them, so a reopened model standardises exactly as it was trained.
    """

    def __init__(self, autoencoder: nn.Module, latent_dim: int) -> None:
        super().__init__()
        self.autoencoder = autoencoder.eval().requires_grad_(False)
        self.latent_dim = int(latent_dim)
        self.register_buffer("mean", torch.zeros(self.latent_dim))
        self.register_buffer("std", torch.ones(self.latent_dim))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.long))

    def train(self, mode: bool = True) -> "CodeSpace":
        super().train(mode)
        self.autoencoder.eval()  # frozen: never in training mode
        return self

    @torch.no_grad()
    def encode(self, images: torch.Tensor, batch: int = 2048) -> torch.Tensor:
        """Raw codes z = enc(x) of (N, C, H, W) images in [0, 1], in batches."""
        parts = [self.autoencoder.encode(images[i : i + batch]) for i in range(0, len(images), batch)]
        return torch.cat(parts) if parts else torch.zeros(0, self.latent_dim)

    @torch.no_grad()
    def fit(self, codes: torch.Tensor) -> None:
        """m = mean of the codes, s = their (population) std per coordinate, floored at 1e-6; marks the space fitted."""
        self.mean.copy_(codes.mean(0))
        self.std.copy_(codes.std(0, unbiased=False).clamp_min(1e-6))
        self.fitted.fill_(1)

    def standardise(self, z: torch.Tensor) -> torch.Tensor:
        """u = (z - m) / s."""
        return (z - self.mean) / self.std

    def restore(self, u: torch.Tensor) -> torch.Tensor:
        """z = u * s + m (the inverse of standardise)."""
        return u * self.std + self.mean

    @torch.no_grad()
    def decode(self, u: torch.Tensor, batch: int = 2048) -> torch.Tensor:
        """Images dec(u * s + m) of standardised codes u (N, d), in [0, 1] for a bounded decoder."""
        parts = [self.autoencoder.decode(self.restore(u[i : i + batch])) for i in range(0, len(u), batch)]
        return torch.cat(parts)
