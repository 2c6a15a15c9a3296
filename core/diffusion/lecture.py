"""The lecture's Gaussian diffusion: x_{t+dt} = x_t + N(0, sigma^2 dt), learned reverse step x_t ~ N(f(x_{t+dt}), sigma^2 dt).

Sources: DS 4440 lecture "Auto-encoders & Diffusion Models" (Gaussian diffusion, reverse sampler, denoising
objective), and P. Nakkiran, A. Bradley, H. Zhou, M. Advani, "Step-by-Step Diffusion: An Elementary Tutorial"
(2024), Sec. 1-2 (Pseudocode 1: training loss, Pseudocode 2: sampling), whose notation this file follows.

Time is continuous in [0, 1] cut into N = `timesteps` steps of dt = 1 / N; step k in 0..N is time t = k dt. The
network is called with the integer step index k (the same convention as DDPM, see denoisers.py).

* Forward (tutorial eq. 2 / lecture): x_{t+dt} = x_t + eta_t, eta_t ~ N(0, sigma^2 dt); so x_t = x_0 + N(0, sigma^2 t).
* Training (lecture's denoising objective, tutorial Pseudocode 1):
  min_theta E || f_theta(x_{t+dt}, t+dt) - x_t ||^2, whose minimiser is f(z, t+dt) = E[x_t | x_{t+dt} = z].
  `target="bridge"` regresses on E[x_t | x_{t+dt}, x_0] (the Brownian bridge mean) instead of the drawn x_t:
  the two losses differ by a constant, E || x_t - E[x_t | x_{t+dt}, x_0] ||^2 = d sigma^2 dt (k-1)/k (f sees only
  x_{t+dt}, so the cross term vanishes), hence the same minimiser and gradient in expectation, without the target's
  noise, whose variance is about k times the signal's at step k (Rao-Blackwell; DDPM's posterior mean does the same).
* Sampling (lecture, tutorial Pseudocode 2): x_1 ~ N(0, sigma^2 * 1), then for t = 1-dt, ..., 0:
  x_t ~ N(f_theta(x_{t+dt}, t+dt), sigma^2 dt).
  Choice (documented, tutorial Sec. 2 remark): the very last step, to t = 0, returns the mean f_theta(x_dt) without
  adding noise (`noise_last_step=False`): its sigma sqrt(dt) of fresh noise would blur the samples by more than the
  data's own fine structure. `noise_last_step=True` follows the lecture's formula on every step.
* x0 prediction shown beside the sample (Tweedie-style, tutorial Sec. 2, "predicting x_0"): for Brownian noise,
  E[x_{t-dt} | x_t] = (dt / t) E[x_0 | x_t] + (1 - dt / t) x_t, so  x0_hat = x_t + (t / dt) (f(x_t) - x_t) = x_t + k (f - x_t).

Choosing sigma (config.diffusion_sigma, default 2) and the start (config.lecture_prior): generation starts from
N(0, sigma^2) although the true x_1 = x_0 + N(0, sigma^2) also carries the data's variance, a relative mismatch of
Var(data) / sigma^2 that no reverse step undoes; start "matched" draws x_1 from N(0, sigma^2 + 1) instead, the mean
and variance x_1 has for data of unit variance. Each reverse step adds noise of std sigma sqrt(dt), which must stay
small next to the data's fine structure (the Gaussian reverse step is only right for small steps), and a larger
sigma * T makes the lecture's target noisier. What the sampler itself allows, measured with the exact f (a moons-shaped
mixture of 400 Gaussians of std 0.14, whose E[x_{t-dt} | x_t] = x_t + sigma^2 dt grad log p_t(x_t) is closed form;
expected energy-distance ratio to a floor of 20,000 draws, which fresh draws meet at 0.90; scratch script, stop 25):

    sigma 2, T 100: 2.24 | T 200: 1.82, matched start 1.26, the true x_1 1.18-1.29 | T 1000: 1.67, matched 1.16,
    the true x_1 0.93 | sigma 3, T 1000: 1.21, the true x_1 0.99      (20,000 samples: about +-0.1 between draws)

So at T >= 200 it is the start, not the step size, that keeps even a perfect f off the data. Trained: the bundled
moons-lecture (sigma 2, T 1000, 16,000 bridge steps of batch 4,096) scores 1.64 from the lecture's start, as the exact
f does, and 1.24 from the matched start (it is bundled so). A 40 s run of one CPU thread (sigma 2, T 200, about 4,000
steps) lands at 3.4-3.7 from either start: there it is the training, not the sampler, that is off.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from core.config import LECTURE_PRIORS, LECTURE_TARGETS
from core.diffusion.process import ProcessBase, StepModel, check_sampler, standard_normal
from core.diffusion.step_terms import StepTerms, explained
from core.losses import denoising_objective


@dataclass(frozen=True, eq=False)
class GaussianDiffusion(ProcessBase):
    """The lecture's variance-exploding Gaussian diffusion on t in [0, 1] with N = `timesteps` steps of dt = 1 / N.

    One sampler, "lecture", which visits every step (`fixed_steps`). The network is wrapped in LectureMean (f from
    an eps-like network). Implements core.diffusion.process.NoiseProcess.
    """

    sigma: float
    timesteps: int
    noise_last_step: bool = False
    target: str = "sample"  # "sample": the lecture's drawn x_t; "bridge": its mean given x_{t+dt} and x_0
    start: str = "lecture"  # the prior x_1 is drawn from: "lecture" N(0, sigma^2), "matched" N(0, sigma^2 + 1)

    kind = "lecture"
    samplers = ("lecture",)
    fixed_steps = True

    def __post_init__(self) -> None:
        if self.timesteps < 1:
            raise ValueError("timesteps must be at least 1")
        if not self.sigma > 0:
            raise ValueError("sigma must be > 0")
        if self.target not in LECTURE_TARGETS:
            raise ValueError(f"target must be one of {', '.join(LECTURE_TARGETS)}")
        if self.start not in LECTURE_PRIORS:
            raise ValueError(f"start must be one of {', '.join(LECTURE_PRIORS)}")

    @property
    def dt(self) -> float:
        return 1.0 / self.timesteps

    def step_std(self) -> float:
        """std of one step's noise, sigma sqrt(dt) (lecture: eta ~ N(0, sigma^2 dt))."""
        return self.sigma * math.sqrt(self.dt)

    def marginal_std(self, k: torch.Tensor | int) -> torch.Tensor:
        """std of x_t - x_0 at step k: sigma sqrt(k dt) (tutorial eq. 2 summed over k steps)."""
        return self.sigma * torch.sqrt(torch.as_tensor(k, dtype=torch.float64) * self.dt)

    # -- forward process ---------------------------------------------------------------------------------------
    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """At step k = `t` (time k dt): x_0 + sigma sqrt(k dt) eps (the sum of k independent N(0, sigma^2 dt) steps);
        k = 0 gives x_0."""
        std = self.marginal_std(t).to(x0.device, x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
        return x0 + std * eps

    def forward_step(self, x_prev: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
        """One step k-1 -> k = `t`: x_{t+dt} = x_t + eta, eta ~ N(0, sigma^2 dt) (lecture; tutorial eq. 2)."""
        return x_prev + self.step_std() * eps

    def training_pair(self, x0: torch.Tensor, t: torch.Tensor,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(network input x_{t+dt} at step k = `t`, regression target x_t at step k-1) for the lecture's objective
        E || f(x_{t+dt}, t+dt) - x_t ||^2 (tutorial Pseudocode 1): x_t = x_0 + N(0, sigma^2 t), x_{t+dt} = x_t + N(0, sigma^2 dt).
        With `target="bridge"` the target is E[x_t | x_{t+dt}, x_0] (`bridge_mean`) instead of the drawn x_t.

        Two draws of x0's shape (from `generator`, None: torch's global RNG), in this order: eps_t, then eps_step;
        x_t = add_noise(x0, t - 1, eps_t), input = x_t + sigma sqrt(dt) eps_step.
        """
        eps_t = standard_normal(x0, generator)
        eps_step = standard_normal(x0, generator)
        x_t = self.add_noise(x0, t - 1, eps_t)
        net_input = x_t + self.step_std() * eps_step
        if self.target == "bridge":
            return net_input, self.bridge_mean(x0, t, net_input)
        return net_input, x_t

    def bridge_mean(self, x0: torch.Tensor, k: torch.Tensor, x_next: torch.Tensor) -> torch.Tensor:
        """E[x_t | x_{t+dt}, x_0] = x_0 + ((k-1)/k) (x_{t+dt} - x_0), the Brownian bridge mean (a diagnostic:
        ||f - this||^2 is the lecture's loss less the noise of its target x_t, whose variance is sigma^2 dt (k-1)/k)."""
        frac = ((k - 1).to(x0.dtype) / k.to(x0.dtype)).reshape(-1, *([1] * (x0.dim() - 1)))
        return x0 + frac * (x_next - x0)

    def diagnostics(self, out: torch.Tensor, x0: torch.Tensor, t: torch.Tensor,
                    net_input: torch.Tensor) -> dict[str, torch.Tensor]:
        """"bridge" = || f - E[x_t | x_{t+dt}, x_0] ||^2 (see bridge_mean): the learning the total's noise hides."""
        return {"bridge": denoising_objective(out, self.bridge_mean(x0, t, net_input))}

    @property
    def prior_std(self) -> float:
        """The std of the sampler's start x_1: sigma (start "lecture": the slide's pure noise N(0, sigma^2 * 1)),
        or sqrt(sigma^2 + 1) (start "matched"): x_1 = x_0 + N(0, sigma^2) has variance Var(x_0) + sigma^2 per
        coordinate, sigma^2 + 1 for data of unit variance (the toy sets are scaled to it; LectureMean's c_in
        assumes the same), and mean E[x_0] = 0."""
        if self.start == "matched":
            return math.sqrt(self.sigma**2 + 1.0)
        return float(self.sigma)

    def prior(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        """x_1 ~ N(0, prior_std^2): the lecture's "sample pure noise" with total time 1 (or its matched spread)."""
        return self.prior_std * torch.randn(shape, generator=generator)

    def wrap_network(self, net: nn.Module) -> nn.Module:
        """f_theta = LectureMean(net): the lecture's mean parametrised by an eps-like network."""
        return LectureMean(net, self.sigma, self.timesteps)

    # -- reverse process ---------------------------------------------------------------------------------------
    def predict_x0(self, x_t: torch.Tensor, t: int | torch.Tensor, out: torch.Tensor,
                   clip: bool = False) -> torch.Tensor:
        """x0_hat = x_t + k (f(x_t) - x_t) with f = `out`, k = `t`: E[x_0 | x_t] implied by f = E[x_{t-dt} | x_t]
        for Brownian noise. k: one step (int) or (B,); `clip` bounds x0_hat to [-1, 1] (images in model space)."""
        k = t
        if isinstance(k, torch.Tensor):
            k = k.to(x_t.device, x_t.dtype).reshape(-1, *([1] * (x_t.dim() - 1))) if k.dim() else int(k)
        x0 = x_t + k * (out - x_t)
        return x0.clamp(-1.0, 1.0) if clip else x0

    def predict_eps(self, x_t: torch.Tensor, t: int | torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """eps_hat = (x_t - x0_hat) / (sigma sqrt(k dt)), the noise of x_t = x_0 + sigma sqrt(t) eps (k = `t` >= 1)."""
        std = self.marginal_std(t).to(x_t.device, x_t.dtype)
        std = std.reshape(-1, *([1] * (x_t.dim() - 1))) if std.dim() else std
        return (x_t - self.predict_x0(x_t, t, out)) / std

    def path(self, t: int) -> tuple[float, float, float, float]:
        """(alpha, sigma_t, d alpha / d tau, d sigma_t / d tau) of x_t = x_0 + sigma sqrt(tau) eps at step t >= 1,
        tau = t dt: (1, sigma sqrt(tau), 0, sigma / (2 sqrt(tau))). The velocity sigma_t' eps_hat is then the
        variance-exploding probability-flow ODE's -(sigma^2 / 2) score (Song et al. 2021b eq. 13, g^2 = sigma^2)."""
        tau = t * self.dt
        return 1.0, self.sigma * math.sqrt(tau), 0.0, self.sigma / (2.0 * math.sqrt(tau))

    def _step_noise_on(self, t: int) -> bool:
        """Whether the step from t adds noise (every step but the last, unless `noise_last_step`)."""
        return t > 1 or self.noise_last_step

    def step(
        self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *, sampler: str,
        eta: float = 0.0, clip: bool = False, model: StepModel | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reverse step t -> s = t-1: x_{t-dt} = f_theta(x_t, t) + sigma sqrt(dt) z
        (lecture: x_t ~ N(f(x_{t+dt}), sigma^2 dt)).

        `out` = f_theta(x_t, t); returns (x_{t-dt}, x0_hat). The step to t = 0 adds no noise unless
        `noise_last_step`. `eta` (DDIM's) and `model` are not used; `clip` applies to x0_hat only.
        """
        check_sampler(self, sampler)
        if s != t - 1:
            raise ValueError(f"the lecture's sampler steps from t to t - 1, not from {t} to {s}")
        x_prev = out
        if self._step_noise_on(t):
            x_prev = out + self.step_std() * noise
        return x_prev, self.predict_x0(x_t, t, out, clip=clip)

    def explain_step(
        self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *, sampler: str,
        eta: float = 0.0, clip: bool = False, model: StepModel | None = None,
    ) -> StepTerms:
        """The lecture's step x_{t-dt} = f(x_t) + sigma sqrt(dt) z with f, sigma, dt and z (z's weight is 0 on a
        noiseless last step)."""
        result, _ = self.step(x_t, t, s, out, noise, sampler=sampler, eta=eta, clip=clip)
        if self._step_noise_on(t):
            formula = "x_{t−dt} = f(x_t) + σ · √dt · z"
        else:
            formula = "x_{t−dt} = f(x_t) + 0 · σ · √dt · z  (the last step adds no noise)"
        return explained(formula, result, ("f(x_t)", out), ("σ", float(self.sigma)), ("dt", self.dt), ("z", noise),
                         ("noise weight", 1.0 if self._step_noise_on(t) else 0.0))

    def reverse_timesteps(self, steps: int | None, start: int | None = None) -> list[int]:
        """Every step from `start` (default N) down to 0: the lecture's sampler takes each of its N steps of dt."""
        if steps not in (None, self.timesteps):
            raise ValueError(f"the lecture's sampler takes every one of its T = {self.timesteps} steps "
                             f"(steps must be {self.timesteps} or left out, not {steps})")
        return list(range(self.check_start(start), -1, -1))


class LectureMean(nn.Module):
    """f_theta(x, t) = E[x_{t-dt} | x_t] built from a noise-predicting network g:
    f = x - sigma dt / sqrt(t) * g(x / sqrt(1 + sigma^2 t), t).

    This is only a parametrisation of f (any f can be written this way); it makes g's ideal output the unit-scale
    noise E[eps | x_t] of x_t = x_0 + sigma sqrt(t) eps (since E[x_{t-dt}|x_t] - x_t = -(dt/t)(x_t - E[x_0|x_t])),
    which trains as well as DDPM's eps-network, instead of asking a network to output x plus a correction of
    size dt. The input is scaled to about unit variance (the c_in of Karras et al. 2022 Table 1, for data of unit
    variance), as a DDPM network always sees. The lecture's loss and sampler see only f.
    Interface as every denoiser: forward(x, t, y=None), t the integer step k (time k dt).
    """

    def __init__(self, net: nn.Module, sigma: float, timesteps: int) -> None:
        super().__init__()
        self.net = net
        self.sigma = float(sigma)
        self.timesteps = int(timesteps)
        self.data_shape = getattr(net, "data_shape", None)
        self.conditional = getattr(net, "conditional", False)
        self.num_classes = getattr(net, "num_classes", 0)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        k = t.clamp(min=1).to(x.dtype).reshape(-1, *([1] * (x.dim() - 1)))
        dt = 1.0 / self.timesteps
        time = k * dt
        scale = self.sigma * dt / torch.sqrt(time)  # sigma dt / sqrt(t)
        c_in = torch.rsqrt(1.0 + self.sigma**2 * time)  # 1 / std of x_t for unit-variance data
        return x - scale * self.net(c_in * x, t, y)
