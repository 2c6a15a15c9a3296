"""Sampling from a trained denoiser as Frames (t = T .. 0, or from any given x_t), with classifier-free guidance.

The process decides everything process-specific (core.diffusion.process.NoiseProcess): which samplers it takes
(`samplers`, the first the default), which steps a run visits (`reverse_timesteps`) and the step itself (`step`).
Samplers today: "ddpm" (ancestral, Ho et al. 2020 Algorithm 2; with steps < T the respaced chain of Nichol &
Dhariwal 2021) and "ddim" (Song et al. 2021 eq. 12, eta = 0 deterministic) for a DDPM process, and "lecture" (the
lecture's x_t ~ N(f(x_{t+dt}), sigma^2 dt)) for the lecture's GaussianDiffusion, "euler" and "heun" (integrating
dx/dt = v from t = 1 to 0) for flow matching.

Random numbers, in this order, from one torch.Generator seeded with `seed`: the start x_T (process.prior), then one
standard normal draw of the sample's shape per step, from t = T down (drawn even where the step does not use it,
e.g. DDIM at eta = 0 or the noiseless last step), so a fixed seed gives a fixed start and fixed noises.
`denoise_frames` from a given x_t at step t draws only the per-step noises, in the same way.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from core.diffusion.ema import sampling_network
from core.diffusion.frames import Frame, is_image_shape, make_frame
from core.diffusion.process import SAMPLER_LABELS, NoiseProcess, check_sampler

SAMPLERS = tuple(SAMPLER_LABELS)  # every sampler some process takes ("ddpm", "ddim", "lecture", "euler", "heun")
# Values per network call: a sampler's batch goes through the network in slices of about this many input values
# (4,096 points, 10 MNIST images). Measured on one core: 32,000 moons points in one call took 0.11 s against
# 0.05 s in slices of 2,000-4,000 (and 0.39 s inside `gendiff eval`, mostly page faults: sys time 28 of 52 s);
# 200 MNIST images through the U-Net 0.99 s at once, 0.26-0.30 s in slices of 10-100.
CALL_VALUES = 2 ** 13


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


Labels = int | Sequence[int] | np.ndarray | torch.Tensor | None  # no class, one for all samples, or one each


def _labels(y: Labels, n: int) -> torch.Tensor | None:
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
    process: NoiseProcess,
    denoiser: nn.Module,
    n: int,
    sampler: str | None = None,
    steps: int | None = None,
    eta: float = 0.0,
    y: Labels = None,
    guidance: float = 1.0,
    seed: int = 0,
) -> Iterator[Frame]:
    """Generate n samples, yielding a Frame (t, x_t, x0_pred) at every visited step from t = T down to t = 0.

    process: a NoiseProcess (DDPM, the lecture's GaussianDiffusion); denoiser: its network (forward(x, t, y),
    `data_shape`); given an EMADenoiser (what build_diffusion makes), its weight average is sampled from.
    sampler: one of process.samplers (default process.default_sampler). steps: number of reverse steps (default
    T): the run visits process.reverse_timesteps(steps) (DDPM/DDIM: the strided sub-sequence of 0..T; the lecture's
    sampler needs steps = T). Frames: one per visited step, t strictly decreasing, the last one t = 0 with
    x0_pred = x_t = the sample. eta: DDIM's noise level (0 = deterministic, 1 = DDPM-like).
    y: None (unconditional), one class for all, or n classes; guidance: w (see guided_output).
    Images come back as (n, C, H, W) in [0, 1], points as (n, d).
    """
    check_sampler(process, sampler)
    process.reverse_timesteps(steps)  # refuse a bad step count before drawing anything
    if n < 1:
        raise ValueError("n must be at least 1")
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        x_T = process.prior((n, *sampling_network(denoiser).data_shape), gen)
    yield from denoise_frames(process, denoiser, x_T, process.timesteps, sampler=sampler, steps=steps, eta=eta, y=y,
                              guidance=guidance, generator=gen)


def denoise_frames(process: NoiseProcess, denoiser: nn.Module, x_t: torch.Tensor, t: int, *,
                   sampler: str | None = None, steps: int | None = None, eta: float = 0.0, y: Labels = None,
                   guidance: float = 1.0, seed: int = 0,
                   generator: torch.Generator | None = None) -> Iterator[Frame]:
    """The reverse sampler from a given model-space x_t at step t down to 0, one Frame per visited step
    (process.reverse_timesteps(steps, start=t)); the arguments as for `sample_frames`.

    One standard normal draw of x_t's shape per step (from `generator`, else one seeded with `seed`; on the CPU),
    used or not: started at t = T from x_T = process.prior drawn from that generator, it yields exactly
    sample_frames' frames. Images are clipped x0_hat in [-1, 1] (Ho et al. 2020 App. B).
    """
    sampler = check_sampler(process, sampler)
    taus = process.reverse_timesteps(steps, start=t)
    net = sampling_network(denoiser)
    clip = is_image_shape(tuple(net.data_shape))
    device = next(itertools.chain(net.parameters(), net.buffers())).device
    gen = generator if generator is not None else torch.Generator().manual_seed(int(seed))
    x = x_t.detach().to(device, torch.float32)
    n = x.shape[0]
    labels = _labels(y, n)
    labels = labels.to(device) if labels is not None else None

    rows = max(1, CALL_VALUES // max(1, x[0].numel()))

    def model(x_at: torch.Tensor, step: int) -> torch.Tensor:  # the guided network at (x, step), for Heun
        steps_at = torch.full((n,), step, dtype=torch.long, device=device)
        return torch.cat([guided_output(net, x_at[i:i + rows], steps_at[i:i + rows],
                                        None if labels is None else labels[i:i + rows], guidance)
                          for i in range(0, n, rows)])

    for t_now, s in zip(taus[:-1], taus[1:]):
        # no_grad per step, not around the yield: the caller's code between frames keeps its own grad mode
        with torch.no_grad():
            noise = torch.randn(x.shape, generator=gen).to(device)
            out = model(x, t_now)
            x_next, x0 = process.step(x, t_now, s, out, noise, sampler=sampler, eta=eta, clip=clip, model=model)
        yield make_frame(t_now, x, x0)
        x = x_next
    yield make_frame(0, x, x)


def sample(process: NoiseProcess, denoiser: nn.Module, n: int, **kwargs) -> np.ndarray:
    """The final samples of `sample_frames` (same arguments): (n, d) points or (n, C, H, W) images in [0, 1]."""
    frame = None
    for frame in sample_frames(process, denoiser, n, **kwargs):
        pass
    assert frame is not None
    return frame.x_t


__all__ = ["SAMPLERS", "guided_output", "sample_frames", "denoise_frames", "sample"]
