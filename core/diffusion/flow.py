"""Flow matching (Lipman et al. 2023) on rectified flow's straight path (Liu et al. 2023): x_t = (1 - t) x_0 + t eps.

Time: continuous t in [0, 1], t = 0 the data, t = 1 the prior N(0, I). The process keeps the integer grid of the
other processes for its runs: step k in 0..T is time k / T (`timesteps` = T is the default number of sampler steps
and the scrubber's resolution), but training draws t uniformly from the whole interval, so the network is called
with a real-valued step k = t T (the denoisers embed k * 1000 / T, see denoisers.py: the same embedding for any T).

* Path and target (Lipman et al. 2023 eq. 20-23 with sigma_min = 0, which is rectified flow's path, Liu et al. 2023
  eq. 1): x_t = (1 - t) x_0 + t eps, eps ~ N(0, I); conditional velocity u_t = d x_t / dt = eps - x_0; loss
  || v_theta(x_t, t) - (eps - x_0) ||^2 (the conditional flow matching objective, eq. 9 / 23), t ~ U[0, 1].
* Sampling: integrate dx/dt = v_theta(x, t) from t = 1 (x ~ N(0, I)) down to t = 0 on the grid's strided steps:
  Euler x_{t-dt} = x_t - v(x_t, t) dt; Heun (Karras et al. 2022 Algorithm 1, second-order): the Euler point
  x' = x_t - v_1 dt, v_2 = v(x', t - dt), x_{t-dt} = x_t - dt (v_1 + v_2) / 2 (two network calls a step).
* x0_hat = x_t - t v, eps_hat = x_t + (1 - t) v (the path solved for x_0 and eps given v = eps_hat - x0_hat).
Implements core.diffusion.process.NoiseProcess.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from core.diffusion.coupling import COUPLINGS, ot_pairing
from core.diffusion.process import ProcessBase, StepModel, check_sampler, standard_normal
from core.diffusion.step_terms import StepTerms, explained


def _broadcast(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values (B,) as like's dtype/device shaped (B, 1, ..., 1)."""
    return values.to(like.device, like.dtype).reshape(-1, *([1] * (like.dim() - 1)))


@dataclass(frozen=True, eq=False)
class FlowMatching(ProcessBase):
    """Rectified-flow matching: velocity prediction v_theta(x_t, t) of eps - x_0 on x_t = (1 - t) x_0 + t eps.

    Samplers "euler" and "heun" on any number of steps (strided over the T-step grid, like DDIM's).
    """

    timesteps: int
    coupling: str = "independent"  # or "ot": minibatch optimal-transport pairs (core.diffusion.coupling)

    kind = "flow"
    samplers = ("euler", "heun")
    fixed_steps = False

    def __post_init__(self) -> None:
        if self.timesteps < 1:
            raise ValueError("timesteps must be at least 1")
        if self.coupling not in COUPLINGS:
            raise ValueError(f"coupling must be one of {', '.join(COUPLINGS)}, not {self.coupling!r}")

    def time(self, t: torch.Tensor | int | float) -> torch.Tensor:
        """Continuous time t / T in [0, 1] of step index (or real-valued step) t."""
        return torch.as_tensor(t, dtype=torch.float64) / self.timesteps

    def _time_like(self, t: torch.Tensor | int | float, like: torch.Tensor) -> torch.Tensor:
        times = self.time(t)
        if times.dim() == 0:
            times = times.expand(like.shape[0])
        return _broadcast(times, like)

    # -- forward process ---------------------------------------------------------------------------------------
    def add_noise(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """x_t = (1 - t) x_0 + t eps at time t = `t` / T (Lipman et al. 2023 eq. 20 with sigma_min = 0)."""
        time = self._time_like(t, x0)
        return (1.0 - time) * x0 + time * eps

    def forward_step(self, x_prev: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
        """One Markov step from time s = (t-1)/T to u = t/T with the straight path's marginals q(x_u | x_0) =
        N((1 - u) x_0, u^2 I): x_u = r x_s + sqrt(u^2 - r^2 s^2) eps, r = (1 - u) / (1 - s).

        (Mean r (1 - s) x_0 = (1 - u) x_0, variance r^2 s^2 + u^2 - r^2 s^2 = u^2.) The scrubber's forward chain
        draws fresh noise every step, so it shows these marginals, not one straight line per point.
        """
        s, u = (t - 1) / self.timesteps, t / self.timesteps
        r = (1.0 - u) / (1.0 - s)
        return r * x_prev + math.sqrt(max(u * u - r * r * s * s, 0.0)) * eps

    def sample_train_t(self, batch: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """t ~ U[0, 1] (Lipman et al. 2023 eq. 23) as real-valued steps t T in [0, T), float32."""
        return torch.rand(batch, device=device) * self.timesteps

    def training_pair(self, x0: torch.Tensor, t: torch.Tensor,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(network input x_t, regression target eps - x_0): the conditional flow matching pair (Lipman et al.
        2023 eq. 23; Liu et al. 2023 eq. 1). One draw eps of x0's shape from `generator` (None: global RNG)."""
        eps = standard_normal(x0, generator)
        if self.coupling == "ot":
            eps = ot_pairing(x0, eps)  # the minibatch OT plan instead of the independent pairing
        return self.add_noise(x0, t, eps), eps - x0

    @property
    def prior_std(self) -> float:
        """The std of x_1 ~ N(0, I): 1."""
        return 1.0

    def prior(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        """x_1 ~ N(0, I), where the straight path ends."""
        return torch.randn(shape, generator=generator)

    # -- conversions -------------------------------------------------------------------------------------------
    def predict_x0(self, x_t: torch.Tensor, t: int | torch.Tensor, out: torch.Tensor,
                   clip: bool = False) -> torch.Tensor:
        """x0_hat = x_t - t v with v = `out` (the path solved for x_0); `clip` bounds it to [-1, 1]."""
        x0 = x_t - self._time_like(t, x_t) * out
        return x0.clamp(-1.0, 1.0) if clip else x0

    def predict_eps(self, x_t: torch.Tensor, t: int | torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """eps_hat = x_t + (1 - t) v (the path solved for eps)."""
        return x_t + (1.0 - self._time_like(t, x_t)) * out

    def path(self, t: int) -> tuple[float, float, float, float]:
        """(alpha_t, sigma_t, d alpha / dt, d sigma / dt) of x_t = alpha_t x_0 + sigma_t eps: (1 - t, t, -1, 1)."""
        time = float(self.time(t))
        return 1.0 - time, time, -1.0, 1.0

    # -- reverse process ---------------------------------------------------------------------------------------
    def _heun_slope(self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor,
                    model: StepModel | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(the Euler point x' = x_t - v_1 dt, v_2 = v(x', s)) of Heun's step."""
        if model is None:
            raise ValueError("Heun's step evaluates the network again: pass model=")
        x_euler = x_t - ((t - s) / self.timesteps) * out
        return x_euler, model(x_euler, s)

    def step(
        self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *, sampler: str,
        eta: float = 0.0, clip: bool = False, model: StepModel | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x_t -> x_s (s < t, dt = (t - s) / T) integrating dx/dt = v backwards; returns (x_s, x0_hat).

        "euler": x_s = x_t - v dt. "heun": x_s = x_t - dt (v_1 + v_2) / 2, v_1 = `out`, v_2 = model(x_t - v_1 dt, s)
        (Karras et al. 2022 Algorithm 1, also on the last step: the straight path's velocity is defined at t = 0).
        No noise: `noise` and `eta` are not used; `clip` applies to x0_hat only.
        """
        dt = (t - s) / self.timesteps
        if check_sampler(self, sampler) == "heun":
            _, v2 = self._heun_slope(x_t, t, s, out, model)
            x_s = x_t - dt * (0.5 * (out + v2))
        else:
            x_s = x_t - dt * out
        return x_s, self.predict_x0(x_t, t, out, clip=clip)

    def explain_step(
        self, x_t: torch.Tensor, t: int, s: int, out: torch.Tensor, noise: torch.Tensor, *, sampler: str,
        eta: float = 0.0, clip: bool = False, model: StepModel | None = None,
    ) -> StepTerms:
        """The step's formula and numbers: Euler x, v, dt; Heun x, v_1, the Euler point, v_2, dt."""
        result, _ = self.step(x_t, t, s, out, noise, sampler=sampler, eta=eta, clip=clip, model=model)
        dt = (t - s) / self.timesteps
        if sampler == "heun":
            x_euler, v2 = self._heun_slope(x_t, t, s, out, model)
            return explained("x_s = x_t − dt · (v₁ + v₂) / 2,  v₂ = v(x_t − dt · v₁, s)", result,
                             ("x_t", x_t), ("v₁", out), ("x_t − dt · v₁", x_euler), ("v₂", v2), ("dt", dt))
        return explained("x_s = x_t − v · dt", result, ("x_t", x_t), ("v", out), ("dt", dt))

    def reverse_timesteps(self, steps: int | None, start: int | None = None) -> list[int]:
        """`start` (default T), then the `steps`-step strided grid below it, down to 0 (as DDIM's)."""
        return self.strided_reverse_timesteps(steps, start)


__all__ = ["FlowMatching"]
