"""DDIM (Song, Meng, Ermon 2021): the non-Markovian reverse step on a DDPM schedule, any number of steps, eta adjustable."""
from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import torch


class VPSchedule(Protocol):
    """What DDIM reads of a variance-preserving process (a DDPM): alpha-bar_t and its x0_hat."""

    def alpha_bar(self, t: torch.Tensor | int) -> torch.Tensor: ...

    def predict_x0(self, x_t: torch.Tensor, t: torch.Tensor, eps: torch.Tensor, clip: bool = False) -> torch.Tensor: ...


def strided_timesteps(timesteps: int, steps: int) -> list[int]:
    """The sub-sequence tau of 0..T that a `steps`-step sampler visits, from T down to 0 (length steps + 1).

    Song et al. 2021 Sec. 4.2 / D.2 use an increasing sub-sequence tau of [1..T]; here tau_i = round(i T / steps),
    evenly strided, so steps = T gives every step and steps = T / k gives stride k.
    """
    if not 1 <= steps <= timesteps:
        raise ValueError(f"steps must be in 1..{timesteps}, got {steps}")
    taus = np.round(np.linspace(0, timesteps, steps + 1)).astype(int)
    return [int(v) for v in taus[::-1]]


def ddim_sigma(process: VPSchedule, t: int, s: int, eta: float) -> float:
    """sigma_t(eta) = eta sqrt((1 - alpha-bar_s) / (1 - alpha-bar_t)) sqrt(1 - alpha-bar_t / alpha-bar_s)
    (Song et al. 2021 eq. 16, with s the previous step of the sub-sequence). eta = 0: DDIM, eta = 1: DDPM."""
    abar_t, abar_s = float(process.alpha_bar(t)), float(process.alpha_bar(s))
    return eta * math.sqrt((1.0 - abar_s) / (1.0 - abar_t)) * math.sqrt(1.0 - abar_t / abar_s)


def ddim_step(
    process: VPSchedule,
    x_t: torch.Tensor,
    t: int,
    s: int,
    eps: torch.Tensor,
    eta: float = 0.0,
    noise: torch.Tensor | None = None,
    clip: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """x_t -> x_s (s < t) by Song et al. 2021 eq. 12; returns (x_s, x0_hat).

    x_s = sqrt(alpha-bar_s) x0_hat + sqrt(1 - alpha-bar_s - sigma^2) eps + sigma z,
    x0_hat = (x_t - sqrt(1 - alpha-bar_t) eps) / sqrt(alpha-bar_t)  ("predicted x_0", eq. 12 first term / eq. 9).
    When x0_hat is clipped, eps is recomputed from it so the step stays consistent (as in diffusers' DDIM).
    `noise` z is required when eta > 0.
    """
    tt = torch.full((x_t.shape[0],), t, dtype=torch.long)
    x0 = process.predict_x0(x_t, tt, eps, clip=clip)
    abar_t, abar_s = float(process.alpha_bar(t)), float(process.alpha_bar(s))
    if clip:  # eps implied by the clipped x0_hat: eq. 4 solved for eps
        eps = (x_t - math.sqrt(abar_t) * x0) / math.sqrt(1.0 - abar_t)
    sigma = ddim_sigma(process, t, s, eta)
    direction = math.sqrt(max(1.0 - abar_s - sigma**2, 0.0)) * eps  # "direction pointing to x_t" (eq. 12)
    x_s = math.sqrt(abar_s) * x0 + direction
    if sigma > 0:
        if noise is None:
            raise ValueError("ddim_step needs noise when eta > 0")
        x_s = x_s + sigma * noise  # random noise term sigma_t eps_t (eq. 12)
    return x_s, x0
