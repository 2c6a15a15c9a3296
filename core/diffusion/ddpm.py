"""DDPM (Ho et al. 2020): beta schedules, the variance-preserving forward process and its ancestral reverse step.

Index convention (shared with DDIM and the samplers): integer steps t = 0 .. T, x_0 the data, x_T ~ N(0, I).
The schedule arrays `betas`, `alphas`, `alphas_cumprod` follow the papers' 1-based notation stored 0-based:
entry ``i`` holds beta_{i+1}, alpha_{i+1}, alpha-bar_{i+1} (length T, as in the papers and in diffusers).
`alpha_bar(t)` takes the step index t in 0..T directly and returns alpha-bar_t with alpha-bar_0 = 1.

Everything here works in "model space": images already mapped from pixels [0, 1] to [-1, 1] (see frames.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from core.diffusion.ddim import ddim_sigma, ddim_step
from core.diffusion.process import ProcessBase, StepModel, check_sampler, standard_normal
from core.diffusion.step_terms import StepTerms, explained

SCHEDULES = ("linear", "cosine")


def linear_betas(timesteps: int, max_beta: float = 0.999) -> torch.Tensor:
    """Ho et al. 2020 Sec. 4: beta linear from 1e-4 to 0.02 for T = 1000, rescaled for other T.

    The rescaling (start and end multiplied by 1000 / T) is Nichol & Dhariwal 2021's, so that the total noise
    added, and so alpha-bar_T, stays about the same whatever T is. For T < 51 that would make beta exceed 1, so
    beta is clipped at `max_beta` = 0.999, as for the cosine schedule.
    """
    scale = 1000.0 / timesteps
    return torch.linspace(scale * 1e-4, scale * 0.02, timesteps, dtype=torch.float64).clamp(max=max_beta)


def cosine_alpha_bar(t: torch.Tensor, timesteps: int, s: float = 0.008) -> torch.Tensor:
    """Nichol & Dhariwal 2021 eq. 17: alpha-bar_t = f(t) / f(0), f(t) = cos^2(((t / T + s) / (1 + s)) * pi / 2)."""

    def f(u: torch.Tensor) -> torch.Tensor:
        return torch.cos((u / timesteps + s) / (1 + s) * math.pi / 2) ** 2

    return f(t.to(torch.float64)) / f(torch.zeros((), dtype=torch.float64))


def cosine_betas(timesteps: int, max_beta: float = 0.999) -> torch.Tensor:
    """Nichol & Dhariwal 2021 Sec. 3.2: beta_t = 1 - alpha-bar_t / alpha-bar_{t-1}, clipped to at most 0.999."""
    t = torch.arange(timesteps + 1, dtype=torch.float64)
    abar = cosine_alpha_bar(t, timesteps)
    return (1.0 - abar[1:] / abar[:-1]).clamp(max=max_beta)


def make_betas(schedule: str, timesteps: int) -> torch.Tensor:
    """The beta_1 .. beta_T of a named schedule, float64."""
    if schedule == "linear":
        return linear_betas(timesteps)
    if schedule == "cosine":
        return cosine_betas(timesteps)
    raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")


def _gather(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] as float32 shaped (B, 1, ..., 1) so it broadcasts against a batch `like`."""
    out = values.to(like.device)[t.to(like.device)].to(like.dtype)
    return out.reshape(-1, *([1] * (like.dim() - 1)))


def _steps_tensor(t: torch.Tensor | int, like: torch.Tensor) -> torch.Tensor:
    """t as an int64 tensor (B,): an int is the same step for the whole batch `like`."""
    if isinstance(t, torch.Tensor) and t.dim() > 0:
        return t
    return torch.full((like.shape[0],), int(t), dtype=torch.long)


@dataclass(frozen=True, eq=False)
class DDPM(ProcessBase):
    """Variance-preserving diffusion, q(x_t | x_0) = N(sqrt(alpha-bar_t) x_0, (1 - alpha-bar_t) I), eps prediction.

    Forward: x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps (Ho et al. 2020 eq. 2), in closed form
    x_t = sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) eps (eq. 4). The network eps_theta(x_t, t) is trained with
    L_simple = E || eps - eps_theta(x_t, t) ||^2 (eq. 14). `timesteps` = T, `schedule` in {"linear", "cosine"}.
    Samplers: "ddpm" (ancestral, Algorithm 2; strided: the respaced chain of Nichol & Dhariwal 2021) and "ddim"
    (Song et al. 2021 eq. 12), both on any sub-sequence of 0..T. Implements core.diffusion.process.NoiseProcess.
    """

    timesteps: int
    schedule: str = "linear"
    betas: torch.Tensor = field(init=False)
    alphas: torch.Tensor = field(init=False)
    alphas_cumprod: torch.Tensor = field(init=False)

    kind = "ddpm"
    samplers = ("ddpm", "ddim")
    fixed_steps = False
    eta_samplers = ("ddim",)

    def __post_init__(self) -> None:
        if self.timesteps < 1:
            raise ValueError("timesteps must be at least 1")
        betas = make_betas(self.schedule, self.timesteps)
        alphas = 1.0 - betas  # Ho et al. 2020: alpha_t = 1 - beta_t
        object.__setattr__(self, "betas", betas)
        object.__setattr__(self, "alphas", alphas)
        object.__setattr__(self, "alphas_cumprod", torch.cumprod(alphas, 0))  # alpha-bar_t = prod_{s<=t} alpha_s
        object.__setattr__(self, "_abar", torch.cat([torch.ones(1, dtype=torch.float64), self.alphas_cumprod]))

    # -- schedule look-ups -------------------------------------------------------------------------------------
    def alpha_bar(self, t: torch.Tensor | int) -> torch.Tensor:
        """alpha-bar_t for step indices t in 0..T (alpha-bar_0 = 1), float64."""
        return self._abar[torch.as_tensor(t, dtype=torch.long)]

    # -- forward process ---------------------------------------------------------------------------------------
    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) eps (Ho et al. 2020 eq. 4); t = 0 returns x_0."""
        abar = _gather(self._abar, t, x0)
        return abar.sqrt() * x0 + (1.0 - abar).sqrt() * eps

    def forward_step(self, x_prev: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
        """One Markov step t-1 -> t: x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps (Ho et al. 2020 eq. 2)."""
        beta = float(self.betas[t - 1])
        return math.sqrt(1.0 - beta) * x_prev + math.sqrt(beta) * eps

    def training_pair(self, x0: torch.Tensor, t: torch.Tensor,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(network input x_t, regression target eps) for L_simple (Ho et al. 2020 eq. 14, Algorithm 1).

        One draw eps ~ N(0, I) of x0's shape (from `generator`, None: torch's global RNG); x_t = add_noise(x0, t, eps).
        """
        eps = standard_normal(x0, generator)
        return self.add_noise(x0, t, eps), eps

    @property
    def prior_std(self) -> float:
        """The std of x_T ~ N(0, I): 1."""
        return 1.0

    def prior(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        """x_T ~ N(0, I) (Ho et al. 2020 Algorithm 2, line 1)."""
        return torch.randn(shape, generator=generator)

    # -- reverse process ---------------------------------------------------------------------------------------
    def predict_x0(self, x_t: torch.Tensor, t: torch.Tensor | int, out: torch.Tensor,
                   clip: bool = False) -> torch.Tensor:
        """x0_hat = (x_t - sqrt(1 - alpha-bar_t) eps) / sqrt(alpha-bar_t) with eps = `out`: eq. 4 solved for x_0
        (Ho eq. 15, Song et al. 2021 eq. 9). t: one step (int) or (B,). `clip` bounds it to [-1, 1], the range of
        images in model space."""
        abar = _gather(self._abar, _steps_tensor(t, x_t), x_t)
        x0 = (x_t - (1.0 - abar).sqrt() * out) / abar.sqrt()
        return x0.clamp(-1.0, 1.0) if clip else x0

    def predict_eps(self, x_t: torch.Tensor, t: torch.Tensor | int, out: torch.Tensor) -> torch.Tensor:
        """eps_hat = `out`: the network predicts the noise (Ho et al. 2020 eq. 14)."""
        return out

    def path(self, t: int) -> tuple[float, float, float, float]:
        """(alpha, sigma, d alpha / d tau, d sigma / d tau) at step t >= 1, tau = t / T: alpha = sqrt(alpha-bar_t),
        sigma = sqrt(1 - alpha-bar_t), and with beta(tau) = -d log alpha-bar / d tau (Song et al. 2021b, the VP
        SDE's beta(t); here the backward difference -T log(alpha-bar_t / alpha-bar_{t-1}) = -T log alpha_t):
        d alpha / d tau = -beta alpha / 2, d sigma / d tau = beta alpha-bar / (2 sigma). The velocity
        alpha' x0_hat + sigma' eps_hat is then the probability-flow ODE's -beta / 2 (x - eps_hat / sigma)."""
        abar = float(self._abar[t])
        beta = -self.timesteps * math.log(float(self.alphas[t - 1]))
        alpha, sigma = math.sqrt(abar), math.sqrt(1.0 - abar)
        return alpha, sigma, -0.5 * beta * alpha, 0.5 * beta * abar / sigma

    def posterior_coefficients(self, t: int, s: int) -> tuple[float, float, float]:
        """(coef_x0, coef_xt, variance) of q(x_s | x_t, x_0) for s < t (Ho et al. 2020 eqs. 6-7 for s = t - 1).

        With alpha_{t|s} = alpha-bar_t / alpha-bar_s and beta_{t|s} = 1 - alpha_{t|s} (the one-jump beta, so a
        strided chain is the respaced DDPM of Nichol & Dhariwal 2021 Sec. 4):
        coef_x0 = sqrt(alpha-bar_s) beta_{t|s} / (1 - alpha-bar_t), coef_xt = sqrt(alpha_{t|s}) (1 - alpha-bar_s) / (1 - alpha-bar_t),
        variance = (1 - alpha-bar_s) / (1 - alpha-bar_t) beta_{t|s}   (beta-tilde_t, eq. 7).
        """
        abar_t, abar_s = float(self._abar[t]), float(self._abar[s])
        alpha_ts = abar_t / abar_s
        beta_ts = 1.0 - alpha_ts
        coef_x0 = math.sqrt(abar_s) * beta_ts / (1.0 - abar_t)
        coef_xt = math.sqrt(alpha_ts) * (1.0 - abar_s) / (1.0 - abar_t)
        return coef_x0, coef_xt, (1.0 - abar_s) / (1.0 - abar_t) * beta_ts

    def posterior(self, x_t: torch.Tensor, t: int, s: int, x0: torch.Tensor) -> tuple[torch.Tensor, float]:
        """Mean coef_x0 x_0 + coef_xt x_t and variance of q(x_s | x_t, x_0) (`posterior_coefficients`)."""
        coef_x0, coef_xt, var = self.posterior_coefficients(t, s)
        return coef_x0 * x0 + coef_xt * x_t, var

    def step(
        self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *, sampler: str,
        eta: float = 0.0, clip: bool = False, model: StepModel | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x_t -> x_s (s < t) from the predicted noise `out`; returns (x_s, x0_hat). No noise at s = 0.

        "ddpm": x_s ~ q(x_s | x_t, x0_hat) = mean + sqrt(beta-tilde) z (Ho et al. 2020 Algorithm 2 with the
        sigma_t^2 = beta-tilde_t choice of Sec. 3.2); `eta` is not used.
        "ddim": Song et al. 2021 eq. 12 with noise level `eta` (ddim.ddim_step). `model` is not used.
        """
        if check_sampler(self, sampler) == "ddim":
            return ddim_step(self, x_t, t, s, out, eta=eta, noise=noise, clip=clip)
        x0 = self.predict_x0(x_t, t, out, clip=clip)
        mean, var = self.posterior(x_t, t, s, x0)
        return mean + math.sqrt(var) * noise, x0

    def explain_step(
        self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *, sampler: str,
        eta: float = 0.0, clip: bool = False, model: StepModel | None = None,
    ) -> StepTerms:
        """The step's formula and numbers: DDPM the posterior mean's two terms and its variance; DDIM alpha-bars,
        x0_hat, the direction term's coefficient and sigma (Song et al. 2021 eq. 12)."""
        result, x0 = self.step(x_t, t, s, out, noise, sampler=sampler, eta=eta, clip=clip)
        abar_t, abar_s = float(self._abar[t]), float(self._abar[s])
        if sampler == "ddim":
            eps = out if not clip else (x_t - math.sqrt(abar_t) * x0) / math.sqrt(1.0 - abar_t)
            sigma = ddim_sigma(self, t, s, eta)
            return explained("x_s = √ᾱ_s · x̂₀ + √(1 − ᾱ_s − σ²) · ε̂ + σ · z,  x̂₀ = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t",
                             result, ("ᾱ_t", abar_t), ("ᾱ_s", abar_s), ("x_t", x_t), ("ε̂", eps), ("x̂₀", x0),
                             ("√(1 − ᾱ_s − σ²)", math.sqrt(max(1.0 - abar_s - sigma**2, 0.0))), ("σ", sigma),
                             ("z", noise))
        coef_x0, coef_xt, var = self.posterior_coefficients(t, s)
        return explained("x_s = c₀ · x̂₀ + c_t · x_t + √β̃ · z,  x̂₀ = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t", result,
                         ("ᾱ_t", abar_t), ("ᾱ_s", abar_s), ("x_t", x_t), ("ε̂", out), ("x̂₀", x0), ("c₀", coef_x0),
                         ("c_t", coef_xt), ("β̃", var), ("z", noise))

    def reverse_timesteps(self, steps: int | None, start: int | None = None) -> list[int]:
        """`start` (default T), then the `steps`-step strided sub-sequence of 0..T below it, down to 0."""
        return self.strided_reverse_timesteps(steps, start)
