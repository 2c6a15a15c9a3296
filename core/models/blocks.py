"""Encoder and decoder bodies shared by the auto-encoders and the VAEs (MLP and convolutional)."""
from __future__ import annotations

import math

from torch import nn


def flat_size(data_shape: tuple[int, ...]) -> int:
    """m, the length of x as a vector."""
    return int(math.prod(data_shape))


def mlp_encoder(data_shape: tuple[int, ...], hidden: int, out_features: int) -> nn.Module:
    """x (B, *data_shape) -> (B, out_features) through one hidden layer of `hidden` ReLUs."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(flat_size(data_shape), hidden), nn.ReLU(), nn.Linear(hidden, out_features)
    )


def mlp_decoder(data_shape: tuple[int, ...], hidden: int, latent_dim: int) -> nn.Module:
    """z (B, d) -> (B, *data_shape) (pre-activation) through one hidden layer of `hidden` ReLUs."""
    return nn.Sequential(
        nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, flat_size(data_shape)),
        nn.Unflatten(1, tuple(data_shape)),
    )


def _check_image(data_shape: tuple[int, ...]) -> int:
    if len(data_shape) != 3 or data_shape[1] != 28 or data_shape[2] != 28:
        raise ValueError(f"convolutional models need 28x28 images, not data of shape {tuple(data_shape)}")
    return data_shape[0]


def conv_encoder(data_shape: tuple[int, ...], out_features: int, width: int = 32) -> nn.Module:
    """(B, C, 28, 28) -> (B, out_features): two stride-2 convolutions (28 -> 14 -> 7) then a linear map."""
    channels = _check_image(data_shape)
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, out_features),
    )


def conv_decoder(data_shape: tuple[int, ...], latent_dim: int, width: int = 32) -> nn.Module:
    """(B, d) -> (B, C, 28, 28) (pre-activation): a linear map to 7x7 then two transposed convolutions."""
    channels = _check_image(data_shape)
    return nn.Sequential(
        nn.Linear(latent_dim, 2 * width * 7 * 7), nn.ReLU(), nn.Unflatten(1, (2 * width, 7, 7)),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
    )
