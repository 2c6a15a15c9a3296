"""DDPM schedules against the papers' closed forms, and the forward (noising) processes."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.diffusion import DDPM, GaussianDiffusion, forward_frames, strided_timesteps

torch.set_num_threads(1)


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
@pytest.mark.parametrize("T", [2, 10, 50, 200, 1000])
def test_alphas_cumprod_decreases_in_unit_interval(schedule: str, T: int) -> None:
    p = DDPM(T, schedule)
    for arr in (p.betas, p.alphas, p.alphas_cumprod):
        assert arr.dtype == torch.float64 and arr.shape == (T,)
    abar = p.alphas_cumprod
    assert bool((abar > 0).all()) and bool((abar <= 1).all())
    assert bool((abar[1:] < abar[:-1]).all())
    assert float(abar[-1]) < 1e-2  # x_T is (nearly) pure noise
    assert float(p.alpha_bar(0)) == 1.0 and float(p.alpha_bar(T)) == float(abar[-1])


def test_linear_schedule_matches_ho_et_al() -> None:
    # T = 1000: beta from 1e-4 to 0.02 exactly (Ho et al. 2020 Sec. 4); alpha-bar_t = prod (1 - beta_s)
    p = DDPM(1000, "linear")
    assert np.allclose(p.betas.numpy(), np.linspace(1e-4, 0.02, 1000))
    assert np.allclose(p.alphas.numpy(), 1 - np.linspace(1e-4, 0.02, 1000))
    assert np.allclose(p.alphas_cumprod.numpy(), np.cumprod(1 - np.linspace(1e-4, 0.02, 1000)))
    # other T: the same range scaled by 1000 / T (Nichol & Dhariwal 2021)
    q = DDPM(200, "linear")
    assert math.isclose(float(q.betas[0]), 5e-4) and math.isclose(float(q.betas[-1]), 0.1)


def test_cosine_schedule_matches_nichol_dhariwal() -> None:
    T, s = 200, 0.008
    p = DDPM(T, "cosine")
    t = np.arange(1, T + 1)
    f = lambda u: np.cos((u / T + s) / (1 + s) * np.pi / 2) ** 2  # noqa: E731  (their eq. 17)
    closed = f(t) / f(0)
    unclipped = p.betas.numpy() < 0.999  # beta is clipped at 0.999 near t = T, where the two may differ
    assert unclipped[: T - 5].all()
    assert np.allclose(p.alphas_cumprod.numpy()[unclipped], closed[unclipped], rtol=1e-10, atol=1e-12)
    assert float(p.betas.max()) <= 0.999


def test_unknown_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="schedule"):
        DDPM(10, "quadratic")


@pytest.mark.parametrize("process", [DDPM(100, "linear"), DDPM(100, "cosine"), GaussianDiffusion(2.0, 100)])
def test_noising_at_t0_returns_x0(process) -> None:
    x0 = torch.randn(16, 2)
    eps = torch.randn(16, 2)
    assert torch.equal(process.add_noise(x0, torch.zeros(16, dtype=torch.long), eps), x0)


def test_ddpm_add_noise_is_the_closed_form() -> None:
    p = DDPM(100, "linear")
    x0, eps = torch.randn(8, 2), torch.randn(8, 2)
    t = torch.tensor([1, 5, 10, 20, 40, 60, 80, 100])
    abar = p.alphas_cumprod[t - 1].float()[:, None]
    assert torch.allclose(p.add_noise(x0, t, eps), abar.sqrt() * x0 + (1 - abar).sqrt() * eps, atol=1e-6)


def test_lecture_noise_variance_grows_like_sigma2_t() -> None:
    p = GaussianDiffusion(sigma=2.0, timesteps=50)
    torch.manual_seed(0)
    x0 = torch.zeros(20000, 2)
    for k in (10, 50):
        xt = p.add_noise(x0, torch.full((20000,), k), torch.randn(20000, 2))
        assert abs(float(xt.var()) - 4.0 * k / 50) < 0.05 * 4.0 * k / 50


@pytest.mark.parametrize("process", [DDPM(40, "linear"), GaussianDiffusion(2.0, 40)])
def test_forward_frames_run_t0_to_T_from_x0(process) -> None:
    x0 = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
    frames = list(forward_frames(process, x0, seed=3))
    assert [f.t for f in frames] == list(range(41))
    assert np.array_equal(frames[0].x_t, x0)
    for f in frames:
        assert f.x_t.shape == (300, 2) and f.x_t.dtype == np.float32 and np.array_equal(f.x0_pred, x0)
    # a seeded, continuous trajectory: same seed same frames, consecutive frames close
    again = list(forward_frames(process, x0, seed=3))
    assert all(np.array_equal(a.x_t, b.x_t) for a, b in zip(frames, again))
    assert np.abs(frames[1].x_t - frames[0].x_t).mean() < np.abs(frames[-1].x_t - frames[0].x_t).mean() / 3
    thinned = list(forward_frames(process, x0, seed=3, steps=8))
    assert [f.t for f in thinned] == sorted(strided_timesteps(40, 8))
    assert np.array_equal(thinned[-1].x_t, frames[-1].x_t)


def test_forward_frames_of_images_stay_in_pixel_range() -> None:
    x0 = np.random.default_rng(0).uniform(size=(2, 1, 28, 28)).astype(np.float32)
    frames = list(forward_frames(DDPM(20), x0, seed=0))
    assert np.allclose(frames[0].x_t, x0, atol=1e-6)
    assert all(f.x_t.shape == (2, 1, 28, 28) and f.x_t.min() >= 0 and f.x_t.max() <= 1 for f in frames)


def test_strided_timesteps() -> None:
    assert strided_timesteps(100, 10) == list(range(100, -1, -10))
    assert strided_timesteps(7, 7) == [7, 6, 5, 4, 3, 2, 1, 0]
    taus = strided_timesteps(1000, 30)
    assert len(taus) == 31 and taus[0] == 1000 and taus[-1] == 0 and all(a > b for a, b in zip(taus, taus[1:]))
    with pytest.raises(ValueError):
        strided_timesteps(10, 11)
