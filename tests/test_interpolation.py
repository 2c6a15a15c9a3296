"""Latent interpolation: decode(lambda*h1 + (1 - lambda)*h2), linear and spherical."""
from __future__ import annotations

import numpy as np
import torch

from core.interpolation import interpolate, lerp, slerp
from core.models.autoencoders import mlp_autoencoder


def test_interpolation_ends_are_the_two_decodings():
    torch.manual_seed(0)
    model = mlp_autoencoder((1, 28, 28), 3, 32, bounded=True)
    x1, x2 = torch.rand(1, 28, 28), torch.rand(1, 28, 28)
    strip = interpolate(model, x1, x2, np.linspace(0, 1, 5))
    with torch.no_grad():
        d1 = model.decode(model.encode(x1[None]))[0]
        d2 = model.decode(model.encode(x2[None]))[0]
    assert strip.shape == (5, 1, 28, 28)
    torch.testing.assert_close(strip[0], d2)  # lambda = 0 -> h2
    torch.testing.assert_close(strip[-1], d1)  # lambda = 1 -> h1


def test_lerp_formula_and_slerp_keeps_norm():
    h1, h2 = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 2.0])
    lam = torch.tensor([0.25])
    torch.testing.assert_close(lerp(h1, h2, lam)[0], 0.25 * h1 + 0.75 * h2)
    mid = slerp(h1, h2, torch.tensor([0.5]))[0]
    assert abs(float(mid.norm()) - 2.0) < 1e-5  # on the arc, not the chord
    torch.testing.assert_close(slerp(h1, h2, torch.tensor([0.0, 1.0])), torch.stack([h2, h1]))
