"""Walking between two codes: the lecture's h = lambda*h1 + (1 - lambda)*h2, decoded; and the spherical variant."""
from __future__ import annotations

import numpy as np
import torch


def lerp(h1: torch.Tensor, h2: torch.Tensor, lambdas: torch.Tensor) -> torch.Tensor:
    """h_{1,2}^lambda = lambda*h1 + (1 - lambda)*h2 for each lambda (rows); lambda = 1 gives h1, 0 gives h2."""
    lam = lambdas.reshape(-1, 1).to(h1.dtype)
    return lam * h1.reshape(1, -1) + (1 - lam) * h2.reshape(1, -1)


def slerp(h1: torch.Tensor, h2: torch.Tensor, lambdas: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985), same convention: lambda = 1 gives h1, lambda = 0 gives h2.

    Better suited to a VAE's Gaussian prior, where typical codes lie near a sphere, not inside it.
    """
    a, b = h1.reshape(-1).double(), h2.reshape(-1).double()
    cos = torch.dot(a, b) / (a.norm() * b.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    lam = lambdas.reshape(-1, 1).double()
    if float(omega) < 1e-6:  # parallel codes: slerp is lerp
        return lerp(h1, h2, lambdas)
    out = (torch.sin(lam * omega) * a + torch.sin((1 - lam) * omega) * b) / torch.sin(omega)
    return out.to(h1.dtype)


@torch.no_grad()
def interpolate(module: torch.nn.Module, x1: torch.Tensor, x2: torch.Tensor, lambdas: np.ndarray | torch.Tensor,
                spherical: bool = False) -> torch.Tensor:
    """h1 <- enc(x1), h2 <- enc(x2), x~ <- dec(lambda*h1 + (1 - lambda)*h2) for every lambda (one row each)."""
    module.eval()
    h1 = module.encode(x1.unsqueeze(0))[0]
    h2 = module.encode(x2.unsqueeze(0))[0]
    lam = torch.as_tensor(np.asarray(lambdas, dtype=np.float32))
    codes = (slerp if spherical else lerp)(h1, h2, lam)
    return module.decode(codes)
