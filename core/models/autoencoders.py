"""Deterministic auto-encoders: the lecture's linear z = Wx, x~ = Vz, and its MLP and convolutional cousins."""
from __future__ import annotations

import torch
from torch import nn

from core.models.blocks import conv_decoder, conv_encoder, flat_size, mlp_decoder, mlp_encoder


class LinearAutoencoder(nn.Module):
    """The lecture's model exactly: z = W x (W is d x m), x~ = V z (V is m x d), on centred data.

    The data mean is a buffer set from the training split, so x is centred before W and the mean is added back
    after V (Baldi & Hornik 1989: at the optimum, V W projects onto the principal subspace, i.e. PCA's).
    """

    def __init__(self, data_shape: tuple[int, ...], latent_dim: int):
        super().__init__()
        self.data_shape = tuple(data_shape)
        m = flat_size(data_shape)
        self.W = nn.Parameter(torch.randn(latent_dim, m) / m**0.5)  # encoder, d x m
        self.V = nn.Parameter(torch.randn(m, latent_dim) / latent_dim**0.5 * 0.1)  # decoder, m x d
        self.register_buffer("data_mean", torch.zeros(m))

    def set_data_mean(self, mean: torch.Tensor) -> None:
        self.data_mean.copy_(mean.reshape(-1))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) - self.data_mean) @ self.W.T  # z = W x

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (z @ self.V.T + self.data_mean).unflatten(1, self.data_shape)  # x~ = V z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class Autoencoder(nn.Module):
    """A non-linear auto-encoder: z = enc(x), x~ = dec(z); images decode through a sigmoid into [0, 1]."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, data_shape: tuple[int, ...], bounded: bool):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.data_shape = tuple(data_shape)
        self.bounded = bounded

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        out = self.decoder(z)
        return torch.sigmoid(out) if self.bounded else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def mlp_autoencoder(data_shape: tuple[int, ...], latent_dim: int, hidden: int, bounded: bool) -> Autoencoder:
    return Autoencoder(mlp_encoder(data_shape, hidden, latent_dim), mlp_decoder(data_shape, hidden, latent_dim),
                       data_shape, bounded)


def conv_autoencoder(data_shape: tuple[int, ...], latent_dim: int) -> Autoencoder:
    return Autoencoder(conv_encoder(data_shape, latent_dim), conv_decoder(data_shape, latent_dim), data_shape, True)
