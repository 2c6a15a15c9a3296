"""The samplers: frames, step formulas against hand computations, DDPM vs DDIM in distribution, guidance."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from core.diffusion import (DDPM, Frame, GaussianDiffusion, ddim_step, guided_output, sample, sample_frames,
                            strided_timesteps)
from core.diffusion.flow import FlowMatching
from core.models.denoisers import MLPDenoiser, UNetDenoiser

torch.set_num_threads(1)

MU = torch.tensor([1.5, -0.5])
S = 0.3


class GaussianEps(nn.Module):
    """The exact eps-prediction for data ~ N(MU, S^2 I): x_t ~ N(sqrt(ab) MU, (ab S^2 + 1 - ab) I), so
    E[eps | x_t] = sqrt(1 - ab) (x_t - sqrt(ab) MU) / (ab S^2 + 1 - ab)."""

    def __init__(self, process: DDPM) -> None:
        super().__init__()
        self.process = process
        self.data_shape = (2,)
        self.register_buffer("anchor", torch.zeros(1))  # sampling reads the device from a parameter or buffer

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        ab = self.process.alpha_bar(t).to(x.dtype)[:, None]
        return (1 - ab).sqrt() * (x - ab.sqrt() * MU) / (ab * S**2 + 1 - ab)


class Affine(nn.Module):
    """A stub lecture denoiser f(x, t) = a x + b (t ignored)."""

    def __init__(self, a: float, b: float) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.data_shape = (2,)
        self.register_buffer("anchor", torch.zeros(1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.a * x + self.b


# Both samplers are exact only as the steps get small: with the exact denoiser, T = 200 gives std 0.28 (DDPM) and
# DDIM with 20 steps 0.24 for S = 0.3; at T = 1000 DDPM gives 0.296, DDIM with 200 steps 0.295, 1000 steps 0.2995.
@pytest.mark.parametrize("sampler,steps,eta", [("ddpm", None, 0.0), ("ddim", 200, 0.0), ("ddim", None, 1.0)])
def test_samplers_reach_the_data_distribution_with_an_exact_denoiser(sampler: str, steps, eta: float) -> None:
    process = DDPM(1000, "linear")
    x = sample(process, GaussianEps(process), 4000, sampler=sampler, steps=steps, eta=eta, seed=1)
    assert np.allclose(x.mean(0), MU.numpy(), atol=0.03)
    assert np.allclose(x.std(0), S, atol=0.02)


def test_ddpm_and_ddim_agree_in_distribution_under_cosine_schedule() -> None:
    process = DDPM(1000, "cosine")
    den = GaussianEps(process)
    a = sample(process, den, 4000, sampler="ddpm", seed=2)
    b = sample(process, den, 4000, sampler="ddim", steps=250, seed=3)
    for x in (a, b):
        assert np.allclose(x.mean(0), MU.numpy(), atol=0.03) and np.allclose(x.std(0), S, atol=0.02)


def test_ddim_eta0_is_deterministic_given_the_start() -> None:
    process = DDPM(100)
    den = GaussianEps(process)
    a = sample(process, den, 50, sampler="ddim", steps=10, seed=7)
    b = sample(process, den, 50, sampler="ddim", steps=10, seed=7)
    assert np.array_equal(a, b)
    # at eta = 0 the step uses no noise at all: the update is a function of x_t alone
    x_t, eps = torch.randn(5, 2), torch.randn(5, 2)
    s1, _ = ddim_step(process, x_t, 50, 40, eps, eta=0.0, noise=torch.randn(5, 2))
    s2, _ = ddim_step(process, x_t, 50, 40, eps, eta=0.0, noise=None)
    assert torch.equal(s1, s2)
    # while a fresh seed (a new start x_T) gives other samples
    assert not np.allclose(a, sample(process, den, 50, sampler="ddim", steps=10, seed=8))


def test_ddim_step_matches_song_et_al_eq12_by_hand() -> None:
    process = DDPM(100)
    x_t, eps, z = torch.randn(3, 2), torch.randn(3, 2), torch.randn(3, 2)
    t, s, eta = 60, 45, 0.5
    ab_t, ab_s = float(process.alphas_cumprod[t - 1]), float(process.alphas_cumprod[s - 1])
    x0 = (x_t - math.sqrt(1 - ab_t) * eps) / math.sqrt(ab_t)
    sigma = eta * math.sqrt((1 - ab_s) / (1 - ab_t)) * math.sqrt(1 - ab_t / ab_s)
    expected = math.sqrt(ab_s) * x0 + math.sqrt(1 - ab_s - sigma**2) * eps + sigma * z
    got, got_x0 = ddim_step(process, x_t, t, s, eps, eta=eta, noise=z)
    assert torch.allclose(got, expected, atol=1e-5) and torch.allclose(got_x0, x0, atol=1e-5)


def test_ddim_at_eta1_is_the_ddpm_ancestral_step() -> None:
    process = DDPM(100, "cosine")
    x_t, eps, z = torch.randn(4, 2), torch.randn(4, 2), torch.randn(4, 2)
    for t, s in [(37, 36), (80, 60), (5, 0)]:
        a, a0 = process.step(x_t, t, s, eps, z, sampler="ddpm")
        b, b0 = ddim_step(process, x_t, t, s, eps, eta=1.0, noise=z)
        assert torch.allclose(a, b, atol=1e-5) and torch.allclose(a0, b0)
        # the process's "ddim" sampler is exactly ddim_step
        c, c0 = process.step(x_t, t, s, eps, z, sampler="ddim", eta=1.0)
        assert torch.equal(c, b) and torch.equal(c0, b0)


def test_ddpm_step_matches_ho_et_al_eq11_by_hand() -> None:
    # mu = (x_t - beta_t / sqrt(1 - ab_t) eps) / sqrt(alpha_t), sigma^2 = beta-tilde_t (Ho et al. 2020 eqs. 7, 11)
    process = DDPM(100)
    x_t, eps, z = torch.randn(4, 2), torch.randn(4, 2), torch.randn(4, 2)
    t = 30
    beta, ab_t, ab_prev = (float(process.betas[t - 1]), float(process.alphas_cumprod[t - 1]),
                           float(process.alphas_cumprod[t - 2]))
    mean = (x_t - beta / math.sqrt(1 - ab_t) * eps) / math.sqrt(1 - beta)
    var = (1 - ab_prev) / (1 - ab_t) * beta
    got, _ = process.step(x_t, t, t - 1, eps, z, sampler="ddpm")
    assert torch.allclose(got, mean + math.sqrt(var) * z, atol=1e-5)


def test_lecture_sampler_follows_its_formula_step_by_step() -> None:
    sigma, T, n, seed = 2.0, 10, 6, 11
    process = GaussianDiffusion(sigma, T)
    f = Affine(0.5, 1.0)
    frames = list(sample_frames(process, f, n, seed=seed))
    # hand computation with the documented random-number order: start, then one draw per step from t = T down
    gen = torch.Generator().manual_seed(seed)
    x_T = sigma * math.sqrt(1.0) * torch.randn((n, 2), generator=gen)  # x_1 ~ N(0, sigma^2 * 1)
    z = torch.randn((n, 2), generator=gen)
    x_next = 0.5 * x_T + 1.0 + sigma * math.sqrt(1.0 / T) * z  # x_{t-dt} ~ N(f(x_t), sigma^2 dt)
    assert frames[0].t == T and np.allclose(frames[0].x_t, x_T.numpy())
    assert frames[1].t == T - 1 and np.allclose(frames[1].x_t, x_next.numpy(), atol=1e-6)
    # x0 prediction: x_t + (t / dt) (f(x_t) - x_t) = x_t + k (f - x_t)
    assert np.allclose(frames[0].x0_pred, (x_T + T * (0.5 * x_T + 1.0 - x_T)).numpy(), atol=1e-4)
    # the last step, to t = 0, returns f(x_dt) without noise (documented choice) ...
    assert np.allclose(frames[-1].x_t, 0.5 * frames[-2].x_t + 1.0, atol=1e-6)
    # ... unless asked to follow the formula on every step
    noisy = list(sample_frames(GaussianDiffusion(sigma, T, noise_last_step=True), f, n, seed=seed))
    assert not np.allclose(noisy[-1].x_t, 0.5 * noisy[-2].x_t + 1.0, atol=1e-3)


def _check_frames(frames: list[Frame], taus: list[int], shape: tuple[int, ...]) -> None:
    assert [f.t for f in frames] == taus
    for f in frames:
        assert f.x_t.shape == shape and f.x0_pred.shape == shape
        assert f.x_t.dtype == np.float32 and f.x0_pred.dtype == np.float32
    assert np.array_equal(frames[-1].x_t, frames[-1].x0_pred)


@pytest.mark.parametrize("sampler,steps", [("ddpm", None), ("ddpm", 7), ("ddim", None), ("ddim", 7)])
def test_ddpm_and_ddim_frames_count_order_and_stride(sampler: str, steps) -> None:
    T = 28
    process = DDPM(T)
    den = MLPDenoiser(2, 32, 2, T)
    frames = list(sample_frames(process, den, 9, sampler=sampler, steps=steps, seed=0))
    taus = strided_timesteps(T, steps or T)
    assert len(frames) == (steps or T) + 1 and taus[0] == T and taus[-1] == 0
    if steps:
        assert taus == list(range(T, -1, -4))  # steps < T: the strided sub-sequence, here every 4th step
    _check_frames(frames, taus, (9, 2))


def test_lecture_frames_count_order() -> None:
    process = GaussianDiffusion(2.0, 12)
    frames = list(sample_frames(process, Affine(0.9, 0.0), 5, seed=0))
    _check_frames(frames, list(range(12, -1, -1)), (5, 2))
    with pytest.raises(ValueError):
        list(sample_frames(process, Affine(0.9, 0.0), 5, steps=6))
    with pytest.raises(ValueError):
        list(sample_frames(process, Affine(0.9, 0.0), 5, sampler="ddim"))


def test_image_frames_are_pixels_in_unit_range() -> None:
    process = DDPM(20)
    den = UNetDenoiser((1, 28, 28), base=8, timesteps=20)
    frames = list(sample_frames(process, den, 2, sampler="ddim", steps=3, seed=0))
    _check_frames(frames, [20, 13, 7, 0], (2, 1, 28, 28))
    for f in frames:
        assert f.x_t.min() >= 0 and f.x_t.max() <= 1 and f.x0_pred.min() >= 0 and f.x0_pred.max() <= 1


def test_guidance_zero_is_the_unconditional_prediction() -> None:
    torch.manual_seed(0)
    den = MLPDenoiser(2, 32, 2, 50, num_classes=3)
    x, t, y = torch.randn(8, 2), torch.randint(1, 51, (8,)), torch.randint(0, 3, (8,))
    uncond, cond = den(x, t, None), den(x, t, y)
    assert not torch.allclose(uncond, cond)
    assert torch.equal(guided_output(den, x, t, y, 0.0), uncond)
    assert torch.equal(guided_output(den, x, t, y, 1.0), cond)
    assert torch.allclose(guided_output(den, x, t, y, 3.0), uncond + 3.0 * (cond - uncond), atol=1e-5)
    assert torch.equal(uncond, den(x, t, torch.full((8,), 3)))  # y = None is the null class, index num_classes
    # and a whole guided sampling run at w = 0 is the unconditional run
    process = DDPM(50)
    a = sample(process, den, 10, y=1, guidance=0.0, seed=4)
    b = sample(process, den, 10, y=None, seed=4)
    assert np.array_equal(a, b)
    assert not np.allclose(sample(process, den, 10, y=1, guidance=2.0, seed=4), b)


def test_unconditional_denoiser_refuses_labels() -> None:
    den = MLPDenoiser(2, 16, 1, 10)
    with pytest.raises(ValueError):
        den(torch.randn(2, 2), torch.ones(2, dtype=torch.long), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError):
        sample(DDPM(10), den, 2, y=0)


@pytest.mark.parametrize("process", [DDPM(20), GaussianDiffusion(2.0, 20), FlowMatching(20)],
                         ids=["ddpm", "lecture", "flow"])
def test_every_process_answers_the_same_interface(process) -> None:
    from core.diffusion import NoiseProcess

    assert isinstance(process, NoiseProcess) and process.default_sampler == process.samplers[0]
    assert all(process.sampler_label(s) for s in process.samplers)
    x, out = torch.randn(4, 2), torch.randn(4, 2)
    # predict_x0 takes one step for the batch or one per sample, and the two agree
    assert torch.allclose(process.predict_x0(x, 7, out), process.predict_x0(x, torch.full((4,), 7), out))
    assert process.reverse_timesteps(None) == list(range(20, -1, -1))  # steps = T: every step, T down to 0
    with pytest.raises(ValueError):
        process.reverse_timesteps(None, start=21)
    with pytest.raises(ValueError):
        process.step(x, 5, 4, out, out, sampler="no such sampler")
    if process.fixed_steps:  # the lecture's: every step, one at a time
        assert process.reverse_timesteps(None, start=6) == [6, 5, 4, 3, 2, 1, 0]
        with pytest.raises(ValueError):
            process.reverse_timesteps(5)
        with pytest.raises(ValueError):
            process.step(x, 5, 3, out, out, sampler="lecture")
        assert set(process.diagnostics(out, x, torch.full((4,), 5), x)) == {"bridge"}
    else:  # DDPM / DDIM: the strided sub-sequence, from any start
        assert process.reverse_timesteps(4) == [20, 15, 10, 5, 0]
        assert process.reverse_timesteps(4, start=13) == [13, 10, 5, 0]
        assert process.diagnostics(out, x, torch.full((4,), 5), x) == {}
