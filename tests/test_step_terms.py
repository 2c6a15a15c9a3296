"""Step mode's numbers: each process's explain_step shows terms that recompute its step by hand (numpy), and its
result is what `step` returned."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.diffusion.ddpm import DDPM
from core.diffusion.flow import FlowMatching
from core.diffusion.lecture import GaussianDiffusion

torch.set_num_threads(1)
GEN = torch.Generator().manual_seed(11)
X, OUT, Z = (torch.randn(5, 2, generator=GEN) for _ in range(3))


def _model(x: torch.Tensor, step: int) -> torch.Tensor:
    """A stand-in network for Heun's second slope: v(x, s) = 0.5 x - s / 10."""
    return 0.5 * x - step / 10


def _explained(process, t, s, sampler, eta=0.0):
    terms = process.explain_step(X, t, s, OUT, Z, sampler=sampler, eta=eta, model=_model)
    stepped, _ = process.step(X, t, s, OUT, Z, sampler=sampler, eta=eta, model=_model)
    np.testing.assert_array_equal(terms.result, stepped.double().numpy())  # exactly what the sampler did
    return terms.values(), terms.result


def test_ddpm_ancestral_terms_recompute_the_step() -> None:
    process = DDPM(100)
    v, result = _explained(process, 40, 30, "ddpm")
    x0 = (v["x_t"] - math.sqrt(1 - v["ᾱ_t"]) * v["ε̂"]) / math.sqrt(v["ᾱ_t"])
    np.testing.assert_allclose(v["x̂₀"], x0, rtol=1e-5)
    # Ho et al. 2020 eq. 7 with the one-jump beta of the strided chain
    abar_t, abar_s = float(np.prod(1 - process.betas[:40].numpy())), float(np.prod(1 - process.betas[:30].numpy()))
    np.testing.assert_allclose([v["ᾱ_t"], v["ᾱ_s"]], [abar_t, abar_s], rtol=1e-9)
    beta = 1 - abar_t / abar_s
    np.testing.assert_allclose(v["c₀"], math.sqrt(abar_s) * beta / (1 - abar_t), rtol=1e-9)
    np.testing.assert_allclose(v["c_t"], math.sqrt(1 - beta) * (1 - abar_s) / (1 - abar_t), rtol=1e-9)
    np.testing.assert_allclose(v["β̃"], (1 - abar_s) / (1 - abar_t) * beta, rtol=1e-9)
    by_hand = v["c₀"] * v["x̂₀"] + v["c_t"] * v["x_t"] + math.sqrt(v["β̃"]) * v["z"]
    np.testing.assert_allclose(result, by_hand, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("eta", [0.0, 0.7])
def test_ddim_terms_recompute_the_step(eta: float) -> None:
    v, result = _explained(DDPM(100), 60, 20, "ddim", eta)
    sigma = eta * math.sqrt((1 - v["ᾱ_s"]) / (1 - v["ᾱ_t"]) * (1 - v["ᾱ_t"] / v["ᾱ_s"]))  # Song et al. eq. 16
    assert v["σ"] == pytest.approx(sigma, rel=1e-9)
    assert v["√(1 − ᾱ_s − σ²)"] == pytest.approx(math.sqrt(1 - v["ᾱ_s"] - sigma**2), rel=1e-9)
    by_hand = math.sqrt(v["ᾱ_s"]) * v["x̂₀"] + v["√(1 − ᾱ_s − σ²)"] * v["ε̂"] + v["σ"] * v["z"]
    np.testing.assert_allclose(result, by_hand, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("t", [7, 1])
def test_lecture_terms_recompute_the_step(t: int) -> None:
    v, result = _explained(GaussianDiffusion(2.0, 50), t, t - 1, "lecture")
    assert (v["σ"], v["dt"]) == (2.0, 1 / 50)
    assert v["noise weight"] == (1.0 if t > 1 else 0.0)  # the last step adds no noise
    by_hand = v["f(x_t)"] + v["noise weight"] * v["σ"] * math.sqrt(v["dt"]) * v["z"]
    np.testing.assert_allclose(result, by_hand, rtol=1e-5, atol=1e-6)


def test_flow_euler_and_heun_terms_recompute_the_step() -> None:
    process = FlowMatching(100)
    v, result = _explained(process, 80, 55, "euler")
    assert v["dt"] == pytest.approx(0.25)
    np.testing.assert_allclose(result, v["x_t"] - v["v"] * v["dt"], rtol=1e-5, atol=1e-6)
    v, result = _explained(process, 80, 55, "heun")
    x_euler = v["x_t"] - v["dt"] * v["v₁"]
    np.testing.assert_allclose(v["x_t − dt · v₁"], x_euler, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v["v₂"], 0.5 * x_euler - 55 / 10, rtol=1e-5, atol=1e-6)  # the stand-in at (x', s)
    np.testing.assert_allclose(result, v["x_t"] - v["dt"] * (v["v₁"] + v["v₂"]) / 2, rtol=1e-5, atol=1e-6)


def test_one_samples_terms() -> None:
    terms = FlowMatching(10).explain_step(X, 10, 5, OUT, Z, sampler="euler")
    one = terms.for_sample(2)
    assert one.formula == terms.formula and one.values()["dt"] == 0.5
    np.testing.assert_array_equal(one.values()["v"], OUT[2].double().numpy())
    np.testing.assert_array_equal(one.result, terms.result[2])
