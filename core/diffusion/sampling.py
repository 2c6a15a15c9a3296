"""Sampling from a trained denoiser as a generator of Frames (t = T .. 0), with classifier-free guidance.

Samplers: "ddpm" (ancestral, Ho et al. 2020 Algorithm 2; with steps < T the respaced chain of Nichol & Dhariwal
2021), "ddim" (Song et al. 2021 eq. 12, eta = 0 deterministic) for a DDPM process, and "lecture" (the lecture's
x_t ~ N(f(x_{t+dt}), sigma^2 dt)) for the lecture's GaussianDiffusion.

Random numbers, in this order, from one torch.Generator seeded with `seed`: the start x_T (process.prior), then one
standard normal draw of the sample's shape per step, from t = T down (drawn even where the step does not use it,
e.g. DDIM at eta = 0 or the noiseless last step), so a fixed seed gives a fixed start and fixed noises.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from core.diffusion.ddim import ddim_step, strided_timesteps
from core.diffusion.ema import sampling_network
from core.diffusion.frames import Frame, is_image_shape, make_frame

SAMPLERS = ("ddpm", "ddim", "lecture")


def guided_output(
    denoiser: nn.Module, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None, guidance: float = 1.0
) -> torch.Tensor:
    """Classifier-free guidance (Ho & Salimans 2022 eq. 6, in the convention out = out_uncond + w (out_cond - out_uncond)).

    w = `guidance`: w = 0 returns exactly the unconditional output (null label), w = 1 exactly the conditional one,
    w > 1 pushes further toward the class. (Ho & Salimans write (1 + w') eps_cond - w' eps_uncond, i.e. w = 1 + w'.)
    With y = None, or an unconditional denoiser, this is the plain (unconditional) output.
    """
    if y is None:
        return denoiser(x, t, None)
    if not getattr(denoiser, "conditional", False):
        raise ValueError("labels given to an unconditional denoiser")
    if guidance == 0:
        return denoiser(x, t, None)
    if guidance == 1:
        return denoiser(x, t, y)
    null = torch.full_like(y, denoiser.num_classes)  # the null class index = num_classes
    both = denoiser(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null]))
    cond, uncond = both.chunk(2)
    return uncond + guidance * (cond - uncond)


def _labels(y: int | Sequence[int] | np.ndarray | torch.Tensor | None, n: int) -> torch.Tensor | None:
    """None, one class for all n samples, or n labels -> int64 tensor (n,)."""
    if y is None:
        return None
    labels = torch.as_tensor(np.asarray(y), dtype=torch.long)
    if labels.dim() == 0:
        labels = labels.expand(n).clone()
    if labels.shape != (n,):
        raise ValueError(f"y must be one label or {n} labels, got shape {tuple(labels.shape)}")
    return labels


def sample_frames(
    process,
    denoiser: nn.Module,
    n: int,
    sampler: str | None = None,
    steps: int | None = None,
    eta: float = 0.0,
    y: int | Sequence[int] | np.ndarray | torch.Tensor | None = None,
    guidance: float = 1.0,
    seed: int = 0,
) -> Iterator[Frame]:
    """Generate n samples, yielding a Frame (t, x_t, x0_pred) at every visited step from t = T down to t = 0.

    process: a DDPM or the lecture's GaussianDiffusion; denoiser: its network (forward(x, t, y), `data_shape`);
    given an EMADenoiser (what build_diffusion makes), its weight average is sampled from.
    sampler: "ddpm" (default for DDPM), "ddim", or "lecture" (the only one for GaussianDiffusion).
    steps: number of reverse steps (default T); DDIM and DDPM then visit the strided sub-sequence of 0..T
    (`strided_timesteps`); the lecture's sampler needs steps = T. Frames: steps + 1, t strictly decreasing, the last
    one t = 0 with x0_pred = x_t = the sample. eta: DDIM's noise level (0 = deterministic, 1 = DDPM-like).
    y: None (unconditional), one class for all, or n classes; guidance: w (see guided_output).
    Images come back as (n, C, H, W) in [0, 1], points as (n, d).
    """
    kind = process.kind
    if sampler is None:
        sampler = "lecture" if kind == "lecture" else "ddpm"
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    if (sampler == "lecture") != (kind == "lecture"):
        raise ValueError(f"sampler {sampler!r} does not fit a {kind} process")
    if kind == "lecture" and steps not in (None, process.timesteps):
        raise ValueError("the lecture's sampler takes every one of its T steps (steps must be T)")
    if n < 1:
        raise ValueError("n must be at least 1")

    denoiser = sampling_network(denoiser)
    shape = (n, *denoiser.data_shape)
    clip = is_image_shape(tuple(denoiser.data_shape))  # images: x0_hat clipped to [-1, 1] (Ho et al. 2020 App. B)
    device = next(itertools.chain(denoiser.parameters(), denoiser.buffers())).device
    gen = torch.Generator().manual_seed(int(seed))
    labels = _labels(y, n)
    labels = labels.to(device) if labels is not None else None
    with torch.no_grad():
        x = process.prior(shape, gen).to(device)
    taus = strided_timesteps(process.timesteps, steps or process.timesteps)
    yield from reverse_chain(process, denoiser, x, taus, sampler=sampler, eta=eta, labels=labels,
                             guidance=guidance, generator=gen, clip=clip)


def reverse_chain(process, net: nn.Module, x: torch.Tensor, taus: Sequence[int], *, sampler: str, eta: float,
                  labels: torch.Tensor | None, guidance: float, generator: torch.Generator,
                  clip: bool) -> Iterator[Frame]:
    """The reverse steps from model-space x at taus[0] through taus[-1] = 0, one Frame per visited step.

    One standard normal draw of x's shape per step (from `generator`, on the CPU), used or not, so every entry
    point (sampling from x_T, "denoise from here" at any t) follows the same random stream.
    """
    n, device = x.shape[0], x.device
    for t, s in zip(taus[:-1], taus[1:]):
        # no_grad per step, not around the yield: the caller's code between frames keeps its own grad mode
        with torch.no_grad():
            noise = torch.randn(x.shape, generator=generator).to(device)
            out = guided_output(net, x, torch.full((n,), t, dtype=torch.long, device=device), labels, guidance)
            if sampler == "lecture":
                x_next, x0 = process.step(x, t, out, noise)
            elif sampler == "ddpm":
                x_next, x0 = process.step(x, t, s, out, noise, clip=clip)
            else:
                x_next, x0 = ddim_step(process, x, t, s, out, eta=eta, noise=noise, clip=clip)
        yield make_frame(t, x, x0)
        x = x_next
    yield make_frame(0, x, x)


def sample(process, denoiser: nn.Module, n: int, **kwargs) -> np.ndarray:
    """The final samples of `sample_frames` (same arguments): (n, d) points or (n, C, H, W) images in [0, 1]."""
    frame = None
    for frame in sample_frames(process, denoiser, n, **kwargs):
        pass
    assert frame is not None
    return frame.x_t


__all__ = ["SAMPLERS", "guided_output", "sample_frames", "sample"]
