"""One model's fields (eps, score, velocity, x0) for every process, against closed forms for Gaussian data."""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from core.diffusion.ddpm import DDPM
from core.diffusion.fields import fields
from core.diffusion.flow import FlowMatching
from core.diffusion.lecture import GaussianDiffusion

torch.set_num_threads(1)
M, S = np.array([1.5, -0.5]), 0.3  # data ~ N(M, S^2 I)
X = np.random.default_rng(0).normal(size=(6, 2)).astype(np.float32)


class Exact(nn.Module):
    """A network that outputs fn(x, step) (the exact answer of some process for Gaussian data)."""

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn
        self.data_shape = (2,)
        self.register_buffer("anchor", torch.zeros(1))

    def forward(self, x, t, y=None):
        return self.fn(x.double(), int(t[0])).float()


def _gaussian_marginal(alpha: float, sigma: float) -> tuple[np.ndarray, float]:
    """x_t = alpha x_0 + sigma eps with x_0 ~ N(M, S^2): mean alpha M, variance alpha^2 S^2 + sigma^2."""
    return alpha * M, alpha**2 * S**2 + sigma**2


def _exact_eps(alpha: float, sigma: float):
    """E[eps | x_t = x] = sigma (x - alpha M) / (alpha^2 S^2 + sigma^2) (Gaussian conditioning)."""
    mean, var = _gaussian_marginal(alpha, sigma)
    return lambda x: sigma * (x - torch.as_tensor(mean)) / var


def _check_score_and_velocity(got: dict, alpha: float, sigma: float, d_alpha: float, d_sigma: float) -> None:
    mean, var = _gaussian_marginal(alpha, sigma)
    np.testing.assert_allclose(got["score"], -(X - mean) / var, rtol=2e-4, atol=2e-5)  # grad log N(mean, var)
    # the marginal's own velocity: x_t = mean_t + sqrt(var_t) z, so v = mean' + (sqrt(var))' / sqrt(var) (x - mean)
    d_mean = d_alpha * M
    d_var = 2 * alpha * d_alpha * S**2 + 2 * sigma * d_sigma
    np.testing.assert_allclose(got["velocity"], d_mean + 0.5 * d_var / var * (X - mean), rtol=1e-3, atol=1e-4)


def test_flow_fields_of_the_exact_velocity() -> None:
    process, k, T = FlowMatching(100), 30, 100
    tau = k / T
    eps = _exact_eps(1 - tau, tau)

    def velocity(x, step):  # v = eps_hat - x0_hat, x0_hat = (x - t eps_hat) / (1 - t)
        e = eps(x)
        return e - (x - tau * e) / (1 - tau)

    got = fields(process, Exact(velocity), X, k)
    np.testing.assert_allclose(got["eps"], eps(torch.as_tensor(X, dtype=torch.float64)).numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got["x0"] * (1 - tau) + tau * got["eps"], X, rtol=1e-5, atol=1e-5)
    _check_score_and_velocity(got, 1 - tau, tau, -1.0, 1.0)


def test_ddpm_fields_match_the_probability_flow_of_its_schedule() -> None:
    process, k = DDPM(100, "cosine"), 40
    abar = process.alpha_bar(torch.arange(101)).numpy()
    alpha, sigma = math.sqrt(abar[k]), math.sqrt(1 - abar[k])
    got = fields(process, Exact(lambda x, step: _exact_eps(alpha, sigma)(x)), X, k)
    # the derivatives in tau = k / T by central differences of the schedule itself (an independent estimate)
    d_alpha = (math.sqrt(abar[k + 1]) - math.sqrt(abar[k - 1])) * 100 / 2
    d_sigma = (math.sqrt(1 - abar[k + 1]) - math.sqrt(1 - abar[k - 1])) * 100 / 2
    mean, var = _gaussian_marginal(alpha, sigma)
    np.testing.assert_allclose(got["score"], -(X - mean) / var, rtol=2e-4, atol=2e-5)
    d_var = 2 * alpha * d_alpha * S**2 + 2 * sigma * d_sigma
    np.testing.assert_allclose(got["velocity"], d_alpha * M + 0.5 * d_var / var * (X - mean), rtol=0.03, atol=0.01)
    np.testing.assert_allclose(got["x0"], (X - sigma * got["eps"]) / alpha, rtol=1e-5, atol=1e-5)


def test_lecture_fields_are_its_variance_exploding_flow() -> None:
    process, k = GaussianDiffusion(2.0, 50), 20
    tau = k / 50
    sigma_t = 2.0 * math.sqrt(tau)
    eps = _exact_eps(1.0, sigma_t)

    def mean_f(x, step):  # f = E[x_{t-dt} | x_t] = x + (x0_hat - x) / k (lecture.py's x0_hat = x + k (f - x))
        x0 = x - sigma_t * eps(x)
        return x + (x0 - x) / k

    got = fields(process, Exact(mean_f), X, k)
    _check_score_and_velocity(got, 1.0, sigma_t, 0.0, 2.0 / (2 * math.sqrt(tau)))
    np.testing.assert_allclose(got["velocity"], -0.5 * 2.0**2 * got["score"], rtol=1e-4, atol=1e-5)
