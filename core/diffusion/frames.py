"""The Frame a diffusion view shows (sample x_t beside the predicted x_0), data/model space mapping, and forward noising.

Spaces: arrays of shape (n, d) are points, used as they are. Arrays of shape (n, C, H, W) are images: in data space
pixels lie in [0, 1]; the processes and networks work in model space [-1, 1] (x_model = 2 x_pixel - 1, Ho et al.
2020 Sec. 4, "scaled linearly to [-1, 1]"). Frames are always in data space, images clipped to [0, 1] for display.

Time convention: Frame.t is the integer step index (0..T; for the lecture's process the step k is time k / T).
`forward_frames` goes t = 0, 1, ..., T (noise being added); the samplers go T, ..., 0.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from core.diffusion.ddim import strided_timesteps


@dataclass(frozen=True)
class Frame:
    """One moment of a diffusion: step t, the sample x_t and the current prediction of x_0, both numpy float32 in
    data space ((n, d) points, or (n, C, H, W) images in [0, 1])."""

    t: int
    x_t: np.ndarray
    x0_pred: np.ndarray


def is_image_shape(shape: tuple[int, ...]) -> bool:
    """True for a per-sample shape (C, H, W), False for points (d,)."""
    return len(shape) == 3


def to_model_space(x: torch.Tensor) -> torch.Tensor:
    """Pixels [0, 1] -> [-1, 1] for image batches (B, C, H, W); points unchanged."""
    return x * 2.0 - 1.0 if x.dim() == 4 else x


def to_data_space(x: torch.Tensor) -> np.ndarray:
    """Model space -> data space as numpy float32: images (x + 1) / 2 clipped to [0, 1]; points unchanged."""
    x = x.detach()
    if x.dim() == 4:
        x = ((x + 1.0) / 2.0).clamp(0.0, 1.0)
    return x.to("cpu", torch.float32).numpy().copy()


def make_frame(t: int, x_t: torch.Tensor, x0_pred: torch.Tensor) -> Frame:
    """A Frame from model-space tensors."""
    return Frame(t=int(t), x_t=to_data_space(x_t), x0_pred=to_data_space(x0_pred))


def forward_chain(process, x0: torch.Tensor, seed: int = 0) -> Iterator[tuple[int, torch.Tensor]]:
    """(t, x_t) in model space for t = 0, 1, ..., T: the forward Markov chain from model-space x0.

    x_t = process.forward_step(x_{t-1}, t, eps_t), eps_t the t-th standard normal draw of x0's shape from one
    generator seeded with `seed` (DDPM: Ho et al. 2020 eq. 2; the lecture: x_{t+dt} = x_t + N(0, sigma^2 dt)).
    Every view of the forward process (frames, the state at one step, the denoiser's guesses) walks this chain.
    """
    gen = torch.Generator().manual_seed(int(seed))
    x = x0
    yield 0, x
    for t in range(1, process.timesteps + 1):
        x = process.forward_step(x, t, torch.randn(x.shape, generator=gen))
        yield t, x


def forward_frames(process, x0: np.ndarray | torch.Tensor, seed: int = 0, steps: int | None = None) -> Iterator[Frame]:
    """The forward (noising) Markov chain from a given x_0 in data space, one Frame per visited step t = 0 .. T.

    One trajectory (`forward_chain`), so consecutive frames are continuous. Every step is simulated; `steps`
    (default T) only thins which ones are yielded (the DDIM sub-sequence, so count = steps + 1).
    x0_pred is the true x_0 (nothing is predicted here). Seeded: the same seed gives the same trajectory.
    """
    start = to_model_space(torch.as_tensor(np.asarray(x0), dtype=torch.float32))
    shown = set(strided_timesteps(process.timesteps, steps or process.timesteps))
    for t, x in forward_chain(process, start.clone(), seed):
        if t in shown:
            yield make_frame(t, x, start)
