"""Variational auto-encoders (Kingma & Welling 2014): the encoder gives (mu, log sigma^2), z = mu + sigma * eps."""
from __future__ import annotations

import torch
from torch import nn

from core.models.blocks import conv_decoder, conv_encoder, mlp_decoder, mlp_encoder


class VAE(nn.Module):
    """q(z|x) = N(mu(x), diag sigma^2(x)); p(z) = N(0, I); p(x|z) Bernoulli (images) or Gaussian (points)."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, data_shape: tuple[int, ...], latent_dim: int,
                 bounded: bool):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder  # encoder outputs 2d numbers: mu and log sigma^2
        self.data_shape = tuple(data_shape)
        self.latent_dim = latent_dim
        self.bounded = bounded

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) of q(z|x)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code of x: the posterior mean mu (what the latent map shows)."""
        return self.posterior(x)[0]

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor | None = None) -> torch.Tensor:
        """z = mu + sigma * eps, eps ~ N(0, I) (the lecture's reparameterisation; sigma = exp(logvar / 2))."""
        if eps is None:
            eps = torch.randn_like(mu)
        return mu + torch.exp(0.5 * logvar) * eps

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        out = self.decoder(z)
        return torch.sigmoid(out) if self.bounded else out

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode z ~ N(0, I): new data from the prior."""
        z = torch.randn(n, self.latent_dim, generator=generator)
        return self.decode(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(decoder output logits, mu, logvar) for a reparameterised sample z."""
        mu, logvar = self.posterior(x)
        return self.decode_logits(self.reparameterize(mu, logvar)), mu, logvar


def mlp_vae(data_shape: tuple[int, ...], latent_dim: int, hidden: int, bounded: bool) -> VAE:
    return VAE(mlp_encoder(data_shape, hidden, 2 * latent_dim), mlp_decoder(data_shape, hidden, latent_dim),
               data_shape, latent_dim, bounded)


def conv_vae(data_shape: tuple[int, ...], latent_dim: int) -> VAE:
    return VAE(conv_encoder(data_shape, 2 * latent_dim), conv_decoder(data_shape, latent_dim), data_shape,
               latent_dim, True)
