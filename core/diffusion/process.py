"""NoiseProcess: the one interface of every noise process (DDPM, the lecture's Gaussian diffusion, flow matching).

Nothing outside a process's own module asks which process it is: the samplers, the training task, the CLI and the
GUI call only what is listed here. `kind` is an identifier for configs and checkpoints, never for branching.

Conventions shared by every process: integer steps t = 0 .. T (`timesteps`), x_0 the data (in model space, see
frames.py), x_T the prior. A reverse run visits `reverse_timesteps(steps, start)`, strictly decreasing to 0, and
moves x_t -> x_s with `step` for each consecutive pair (t, s). The network's output `out` is what the process
trains it to regress (DDPM: the noise eps; the lecture: the mean f = E[x_{t-dt} | x_t]; flow: the velocity v).
Every process is Gaussian along its path, x_t = alpha_t x_0 + sigma_t eps (`path`), so one output gives all of
eps_hat, x0_hat (`predict_eps`, `predict_x0`), the score and the velocity (core/diffusion/fields.py).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from core.diffusion.ddim import strided_timesteps
from core.diffusion.step_terms import StepTerms

# Human names of the samplers, in the order of the CLI's choices.
SAMPLER_LABELS = {"ddpm": "DDPM", "ddim": "DDIM", "lecture": "lecture's sampler", "euler": "Euler", "heun": "Heun"}

# The (guided) network as a function of (x, step) -> out, for samplers that call it again within a step (Heun).
StepModel = Callable[[torch.Tensor, int], torch.Tensor]


@runtime_checkable
class NoiseProcess(Protocol):
    """A forward noising process with its training objective and reverse samplers."""

    kind: str  # identifier for configs / checkpoints ("ddpm", "lecture"); never branched on
    timesteps: int  # T
    samplers: tuple[str, ...]  # the sampler names `step` accepts; the first is the default
    fixed_steps: bool  # True when every sampler visits each of the T steps (no step count to choose)
    eta_samplers: tuple[str, ...]  # the samplers whose step reads `eta` (DDIM's noise level)

    @property
    def default_sampler(self) -> str: ...

    @property
    def prior_std(self) -> float:
        """The std of x_T, the prior `prior` draws from (DDPM: 1; the lecture's process: sigma)."""

    def prior(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        """x_T drawn from `generator` (one draw of `shape`)."""

    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """Closed-form marginal x_t ~ q(x_t | x_0) for t (B,), from standard normal eps."""

    def forward_step(self, x_prev: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
        """One Markov step x_{t-1} -> x_t from standard normal eps."""

    def sample_train_t(self, batch: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """Training steps t (batch,): int64 in 1..T (DDPM, the lecture); real-valued in [0, T) for flow's
        continuous time t / T (the networks' embeddings take either)."""

    def training_pair(self, x0: torch.Tensor, t: torch.Tensor,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(network input, regression target), noise drawn with torch.randn(x0.shape, generator=generator)."""

    def predict_x0(self, x_t: torch.Tensor, t: int | torch.Tensor, out: torch.Tensor,
                   clip: bool = False) -> torch.Tensor:
        """x0_hat implied by the network output at (x_t, t); `clip` bounds it to [-1, 1]."""

    def predict_eps(self, x_t: torch.Tensor, t: int | torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """eps_hat implied by the network output at (x_t, t), the noise of x_t = alpha_t x_0 + sigma_t eps."""

    def path(self, t: int) -> tuple[float, float, float, float]:
        """(alpha_t, sigma_t, d alpha_t / d tau, d sigma_t / d tau) at step t in 1..T, tau = t / T in [0, 1]."""

    def step(self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *, sampler: str,
             eta: float = 0.0, clip: bool = False, model: StepModel | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step x_t -> x_s (s < t) with `sampler`; returns (x_s, x0_hat). `model` is the guided network,
        for samplers that evaluate it again within the step (Heun); the others ignore it."""

    def explain_step(self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *,
                     sampler: str, eta: float = 0.0, clip: bool = False,
                     model: StepModel | None = None) -> StepTerms:
        """`step`'s formula with its numbers for this step (StepTerms; its result is what `step` returns)."""

    def reverse_timesteps(self, steps: int | None, start: int | None = None) -> list[int]:
        """The steps a reverse run visits, from `start` (default T) down to 0."""

    def wrap_network(self, net: nn.Module) -> nn.Module:
        """The module trained and sampled from, built around a raw denoiser."""

    def diagnostics(self, out: torch.Tensor, x0: torch.Tensor, t: torch.Tensor,
                    net_input: torch.Tensor) -> dict[str, torch.Tensor]:
        """Extra loss parts, shown but not optimised (call under no_grad)."""

    def sampler_label(self, name: str) -> str:
        """A sampler's human name, e.g. "DDIM"."""


def check_sampler(process: NoiseProcess, sampler: str | None) -> str:
    """`sampler`, or the process's default when None; a ValueError when the process does not take it."""
    name = process.default_sampler if sampler is None else sampler
    if name not in process.samplers:
        raise ValueError(f"sampler {name!r} does not fit a {process.kind} process; "
                         f"choose one of {', '.join(process.samplers)}")
    return name


def standard_normal(like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """torch.randn(like.shape, generator=generator) with like's dtype, on like's device.

    generator None draws from torch's global RNG on like's device (as training does); a generator draws on its own
    device and the result is moved, so a CPU generator gives the same numbers whatever device `like` is on.
    """
    if generator is None:
        return torch.randn(like.shape, dtype=like.dtype, device=like.device)
    return torch.randn(like.shape, generator=generator, dtype=like.dtype, device=generator.device).to(like.device)


class ProcessBase:
    """What every process shares: the default sampler, sampler labels, uniform training steps, no diagnostics."""

    samplers: tuple[str, ...] = ()
    eta_samplers: tuple[str, ...] = ()
    timesteps: int

    @property
    def default_sampler(self) -> str:
        return self.samplers[0]

    def sampler_label(self, name: str) -> str:
        return SAMPLER_LABELS.get(name, name)

    def sample_train_t(self, batch: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """t ~ Uniform{1, ..., T} (Ho et al. 2020 Algorithm 1; the tutorial's Pseudocode 1 on the grid)."""
        return torch.randint(1, self.timesteps + 1, (batch,), device=device)

    def wrap_network(self, net: nn.Module) -> nn.Module:
        return net

    def diagnostics(self, out: torch.Tensor, x0: torch.Tensor, t: torch.Tensor,
                    net_input: torch.Tensor) -> dict[str, torch.Tensor]:
        return {}

    def strided_reverse_timesteps(self, steps: int | None, start: int | None = None) -> list[int]:
        """`start` (default T), then the steps of the `steps`-step sub-sequence tau of 0..T below it, down to 0
        (ddim.strided_timesteps; steps None = every one of the T steps). From T it is tau itself."""
        start = self.check_start(start)
        return [start] + [s for s in strided_timesteps(self.timesteps, steps or self.timesteps) if s < start]

    def check_start(self, start: int | None) -> int:
        """The start step of a reverse run: T when None, else checked to lie in 0..T."""
        start = self.timesteps if start is None else int(start)
        if not 0 <= start <= self.timesteps:
            raise ValueError(f"a reverse run starts at a step in 0..{self.timesteps}, not {start}")
        return start
