"""The runs the scrubber shows: sampling from noise, the forward chain with x0 guesses, denoising from a given x_t.

A `RunSpec` says what one trajectory is; `run_frames(spec, process, denoiser)` computes its Frames lazily:
SAMPLE: `n` samples from noise (sampling.sample_frames); FORWARD: the noising chain of given data (frames'
`forward_chain`, t = 0 .. T) beside the denoiser's x0_hat of each x_t (`forward_frames_predicted`); DENOISE: the
reverse sampler started from that chain's x_t at a step t (`forward_state` then sampling.denoise_frames).
Nothing here depends on which process it is: everything process-specific is asked of the process (NoiseProcess).
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.diffusion.ema import sampling_network
from core.diffusion.frames import Frame, forward_chain, make_frame, to_model_space
from core.diffusion.process import NoiseProcess
from core.diffusion.sampling import denoise_frames, guided_output, sample_frames

SAMPLE, FORWARD, DENOISE = "sample", "forward", "denoise"


@dataclass(frozen=True, eq=False)
class RunSpec:
    """One trajectory to compute.

    kind SAMPLE: `n` samples from noise with `sampler` (None: the process's default), `steps`, `eta`, class `y`,
    guidance `w`, `seed`.
    kind FORWARD: the noising chain of `x0` (data space) with noise seed `seed`, t = 0 .. T, beside the denoiser's
    x0_hat of each x_t (`forward_frames_predicted`).
    kind DENOISE: the reverse sampler from x_t, the FORWARD chain of `x0` with `seed` at step `t`, down to 0
    (its own noises come from `seed + 1`).
    """

    kind: str = SAMPLE
    n: int = 1000
    sampler: str | None = None
    steps: int | None = None
    eta: float = 0.0
    y: int | None = None
    guidance: float = 1.0
    seed: int = 0
    x0: np.ndarray | None = None
    t: int = 0

    def describe(self, process: NoiseProcess) -> str:
        """A short caption, e.g. "DDIM · 20 steps · η = 0.5" or "forward noising  x₀ → x_T"."""
        if self.kind == FORWARD:
            return "forward noising  x₀ → x_T"
        sampler = self.sampler or process.default_sampler
        parts = [process.sampler_label(sampler), f"{self.steps or process.timesteps} steps"]
        if sampler in process.eta_samplers:
            parts.append(f"η = {self.eta:g}")
        if self.y is not None:
            parts.append(f"class {self.y}, w = {self.guidance:g}")
        text = " · ".join(parts)
        return f"denoising from t = {self.t}: {text}" if self.kind == DENOISE else text


def run_frames(spec: RunSpec, process: NoiseProcess, denoiser: nn.Module) -> Iterator[Frame]:
    """The frames of `spec` (a generator: nothing runs until it is iterated)."""
    if spec.kind == SAMPLE:
        return sample_frames(process, denoiser, spec.n, sampler=spec.sampler, steps=spec.steps, eta=spec.eta,
                             y=spec.y, guidance=spec.guidance, seed=spec.seed)
    if spec.kind == FORWARD:
        return forward_frames_predicted(process, denoiser, spec.x0, seed=spec.seed)
    if spec.kind == DENOISE:
        x_t = forward_state(process, spec.x0, spec.seed, spec.t)
        return denoise_frames(process, denoiser, x_t, spec.t, sampler=spec.sampler, steps=spec.steps,
                              eta=spec.eta, y=spec.y, guidance=spec.guidance, seed=spec.seed + 1)
    raise ValueError(f"unknown run kind {spec.kind!r}")


def forward_state(process: NoiseProcess, x0: np.ndarray, seed: int, t: int) -> torch.Tensor:
    """x_t of `forward_frames(process, x0, seed)` in model space, unclipped (the frames clip images to [0, 1]):
    the same Markov chain (frames.forward_chain) with the same generator, stopped at step t in 0..T."""
    if not 0 <= int(t) <= process.timesteps:
        raise ValueError(f"t must be in 0..{process.timesteps}, got {t}")
    start = to_model_space(torch.as_tensor(np.asarray(x0), dtype=torch.float32))
    _, x = next(itertools.islice(forward_chain(process, start, seed), int(t), None))
    return x


def _x0_hat(process: NoiseProcess, net: nn.Module, x: torch.Tensor, t: int, labels: torch.Tensor | None,
            guidance: float, clip: bool) -> torch.Tensor:
    """x0_hat(x_t, t) in model space from the (guided) network output: process.predict_x0, e.g. DDPM's
    (x - sqrt(1 - alpha-bar_t) eps) / sqrt(alpha-bar_t) (Ho et al. 2020 eq. 15), the lecture's x + k (f(x) - x)."""
    steps = torch.full((x.shape[0],), int(t), dtype=torch.long)
    return process.predict_x0(x, int(t), guided_output(net, x, steps, labels, guidance), clip=clip)


def predicted_x0(process: NoiseProcess, denoiser: nn.Module, x: np.ndarray, t: int, y: int | None = None,
                 guidance: float = 1.0) -> np.ndarray:
    """The denoiser's x0_hat(x, t) for points x (n, d) at step t (unclipped). At t = 0 it is x itself."""
    x = np.asarray(x, np.float32)
    if t <= 0:
        return x.copy()
    labels = None if y is None else torch.full((len(x),), int(y), dtype=torch.long)
    with torch.no_grad():
        return _x0_hat(process, sampling_network(denoiser), torch.from_numpy(x), t, labels, guidance,
                       clip=False).numpy()


def forward_frames_predicted(process: NoiseProcess, denoiser: nn.Module, x0: np.ndarray,
                             seed: int = 0) -> Iterator[Frame]:
    """frames.forward_frames (the same chain from the same noises, t = 0 .. T) with x0_pred the denoiser's
    unconditional x0_hat(x_t, t) instead of the true x_0: what it believes each noise level hides."""
    net = sampling_network(denoiser)
    start = to_model_space(torch.as_tensor(np.asarray(x0), dtype=torch.float32))
    clip = start.dim() == 4
    for t, x in forward_chain(process, start, seed):
        if t == 0:
            yield make_frame(0, x, x)
            continue
        with torch.no_grad():
            x0_hat = _x0_hat(process, net, x, t, None, 1.0, clip)
        yield make_frame(t, x, x0_hat)


__all__ = ["SAMPLE", "FORWARD", "DENOISE", "RunSpec", "run_frames", "forward_state", "denoise_frames",
           "predicted_x0", "forward_frames_predicted"]
