"""Diffusion formulas (forward steps, marginals, training pairs, LectureMean, reverse steps, x0 clipping) against numpy."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from core.diffusion import (DDPM, GaussianDiffusion, LectureMean, forward_frames, guided_output, sample,
                            sample_frames)
from core.diffusion.ema import EMADenoiser, sampling_network
from core.diffusion.frames import forward_chain, to_data_space, to_model_space

torch.set_num_threads(1)


# -- independent closed forms (numpy only, never the code under test) -------------------------------------------
def np_linear_betas(T: int) -> np.ndarray:
    """Ho et al. 2020 Sec. 4: beta_1..beta_T linear from 1e-4 to 0.02 at T = 1000, scaled by 1000 / T, capped 0.999."""
    scale = 1000.0 / T
    return np.minimum(np.linspace(scale * 1e-4, scale * 0.02, T), 0.999)


def np_cosine_betas(T: int, s: float = 0.008) -> np.ndarray:
    """Nichol & Dhariwal 2021 eq. 17 and Sec. 3.2: beta_t = 1 - abar_t / abar_{t-1}, capped at 0.999."""
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    abar = f / f[0]
    return np.minimum(1.0 - abar[1:] / abar[:-1], 0.999)


def np_betas(schedule: str, T: int) -> np.ndarray:
    return np_linear_betas(T) if schedule == "linear" else np_cosine_betas(T)


def np_abar(betas: np.ndarray) -> np.ndarray:
    """alpha-bar_0..alpha-bar_T (index = step t, alpha-bar_0 = 1) from beta_1..beta_T."""
    return np.concatenate([[1.0], np.cumprod(1.0 - betas)])


def data_space(x: np.ndarray) -> np.ndarray:
    """Model space [-1, 1] -> pixels for images: (x + 1) / 2 clipped to [0, 1]."""
    return np.clip((x + 1.0) / 2.0, 0.0, 1.0)


class Stub(nn.Module):
    """A fixed denoiser out = fn(x, t) with the interface sample_frames needs (data_shape, a buffer, forward(x, t, y))."""

    def __init__(self, fn, data_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.fn = fn
        self.data_shape = data_shape
        self.register_buffer("anchor", torch.zeros(1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.fn(x, t)


def eps_affine(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """A t-dependent eps stub: 0.3 x + 0.05 t (so the step index handed to the network matters)."""
    return 0.3 * x + 0.05 * t.to(x.dtype).reshape(-1, *([1] * (x.dim() - 1)))


def np_eps_affine(x: np.ndarray, t: int) -> np.ndarray:
    return 0.3 * x + 0.05 * t


# -- schedules ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("schedule", ["linear", "cosine"])
@pytest.mark.parametrize("T", [8, 100])
def test_ddpm_schedule_arrays_are_the_papers_closed_forms(schedule: str, T: int) -> None:
    p = DDPM(T, schedule)
    betas = np_betas(schedule, T)
    assert np.allclose(p.betas.numpy(), betas, rtol=1e-12, atol=1e-15)
    assert np.allclose(p.alphas.numpy(), 1.0 - betas, rtol=1e-12)
    assert np.allclose(p.alphas_cumprod.numpy(), np.cumprod(1.0 - betas), rtol=1e-12)


# -- forward steps: exact, with given eps ---------------------------------------------------------------------
@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_ddpm_forward_step_is_ho_eq2(schedule: str) -> None:
    # x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps (Ho et al. 2020 eq. 2), beta_t = betas[t - 1]
    T = 100
    p = DDPM(T, schedule)
    betas = np_betas(schedule, T)
    rng = np.random.default_rng(0)
    for t in (1, 2, 37, T - 1, T):
        x, eps = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
        got = p.forward_step(torch.from_numpy(x), t, torch.from_numpy(eps)).numpy()
        want = np.sqrt(1.0 - betas[t - 1]) * x + np.sqrt(betas[t - 1]) * eps
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12), t


def chain_coefficients(process, k: int, width: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Run forward_step k times on the impulse inputs of the linear map (x_0, eps_1..eps_k) -> x_k.

    Row 0: x_0 = 1, all eps = 0, giving the coefficient of x_0; row s: x_0 = 0, eps_s = 1 only, giving that of eps_s.
    """
    x = torch.zeros(k + 1, width, dtype=torch.float64)
    x[0] = 1.0
    for step in range(1, k + 1):
        eps = torch.zeros(k + 1, width, dtype=torch.float64)
        eps[step] = 1.0
        x = process.forward_step(x, step, eps)
    out = x[:, 0].numpy()
    return out[0], out[1:]


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_ddpm_forward_chain_has_the_marginal_of_add_noise(schedule: str) -> None:
    # k chained steps: x_k = sqrt(abar_k) x_0 + (Gaussian of variance 1 - abar_k), abar_k = prod_{s<=k} (1 - beta_s)
    T = 60
    p = DDPM(T, schedule)
    abar = np_abar(np_betas(schedule, T))
    for k in (1, 2, 25, T):
        c_x0, c_eps = chain_coefficients(p, k)
        assert math.isclose(c_x0, math.sqrt(abar[k]), rel_tol=1e-10)
        assert math.isclose(float((c_eps**2).sum()), 1.0 - abar[k], rel_tol=1e-10)
        # the last step's own noise enters with sqrt(beta_k), the first's with sqrt(beta_1 abar_k / abar_1)
        assert math.isclose(c_eps[-1], math.sqrt(1.0 - abar[k] / abar[k - 1]), rel_tol=1e-10)
        assert math.isclose(c_eps[0], math.sqrt((1.0 - abar[1]) * abar[k] / abar[1]), rel_tol=1e-10)


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_ddpm_add_noise_is_ho_eq4(schedule: str) -> None:
    T = 50
    p = DDPM(T, schedule)
    abar = np_abar(np_betas(schedule, T))
    rng = np.random.default_rng(1)
    t = np.array([0, 1, 2, 10, 33, 49, 50])
    x0, eps = rng.standard_normal((7, 2, 3)), rng.standard_normal((7, 2, 3))
    got = p.add_noise(torch.from_numpy(x0), torch.from_numpy(t), torch.from_numpy(eps)).numpy()
    a = abar[t][:, None, None]
    assert np.allclose(got, np.sqrt(a) * x0 + np.sqrt(1.0 - a) * eps, rtol=1e-10, atol=1e-12)


def test_lecture_forward_step_adds_sigma_sqrt_dt_noise() -> None:
    # x_{t+dt} = x_t + eta, eta ~ N(0, sigma^2 dt): with unit eps the step adds sigma sqrt(dt) eps
    sigma, T = 2.0, 50
    p = GaussianDiffusion(sigma=sigma, timesteps=T)
    assert math.isclose(p.step_std(), sigma * math.sqrt(1.0 / T), rel_tol=1e-12)
    rng = np.random.default_rng(2)
    for k in (1, 17, T):
        x, eps = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
        got = p.forward_step(torch.from_numpy(x), k, torch.from_numpy(eps)).numpy()
        assert np.allclose(got, x + sigma * np.sqrt(1.0 / T) * eps, rtol=1e-12, atol=1e-12), k


def test_lecture_forward_chain_has_variance_sigma2_t_like_add_noise() -> None:
    # k steps of N(0, sigma^2 dt) sum to N(0, sigma^2 k dt) = add_noise's x_0 + sigma sqrt(t) eps, t = k / T
    sigma, T = 1.5, 40
    p = GaussianDiffusion(sigma=sigma, timesteps=T)
    for k in (1, 7, T):
        c_x0, c_eps = chain_coefficients(p, k)
        assert math.isclose(c_x0, 1.0, rel_tol=1e-12)
        assert math.isclose(float((c_eps**2).sum()), sigma**2 * k / T, rel_tol=1e-10)
    rng = np.random.default_rng(3)
    k = np.array([0, 1, 5, 20, 40])
    x0, eps = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    got = p.add_noise(torch.from_numpy(x0), torch.from_numpy(k), torch.from_numpy(eps)).numpy()
    assert np.allclose(got, x0 + sigma * np.sqrt(k / T)[:, None] * eps, rtol=1e-10, atol=1e-12)


def test_forward_step_one_step_moments_by_monte_carlo() -> None:
    # many draws of one step from a fixed x: DDPM mean sqrt(1 - beta) x, variance beta; lecture x, sigma^2 dt
    torch.manual_seed(0)
    n = 200_000
    p = DDPM(10, "cosine")
    beta = np_cosine_betas(10)[4]
    x = torch.full((n,), 2.0, dtype=torch.float64)
    out = p.forward_step(x, 5, torch.randn(n, dtype=torch.float64)).numpy()
    assert abs(out.mean() - math.sqrt(1 - beta) * 2.0) < 5 * math.sqrt(beta / n)
    assert abs(out.var() - beta) < 5 * beta * math.sqrt(2.0 / n)
    q = GaussianDiffusion(sigma=3.0, timesteps=10)
    out = q.forward_step(x, 5, torch.randn(n, dtype=torch.float64)).numpy()
    var = 9.0 / 10
    assert abs(out.mean() - 2.0) < 5 * math.sqrt(var / n)
    assert abs(out.var() - var) < 5 * var * math.sqrt(2.0 / n)


@pytest.mark.parametrize("process", [DDPM(12, "cosine"), GaussianDiffusion(sigma=2.0, timesteps=12)])
def test_forward_frames_are_the_seeded_chain_by_hand(process) -> None:
    # one generator, one standard normal draw of x's shape per step t = 1..T; frames in data space, x0_pred = x_0
    T, seed = process.timesteps, 5
    x0 = np.random.default_rng(4).standard_normal((3, 2)).astype(np.float32)
    frames = list(forward_frames(process, x0, seed=seed))
    assert [f.t for f in frames] == list(range(T + 1))
    gen = torch.Generator().manual_seed(seed)
    x = x0.astype(np.float64)
    if process.kind == "ddpm":
        betas = np_cosine_betas(T)
    for t, frame in enumerate(frames):
        if t > 0:
            eps = torch.randn(x0.shape, generator=gen).numpy().astype(np.float64)
            if process.kind == "ddpm":
                x = np.sqrt(1 - betas[t - 1]) * x + np.sqrt(betas[t - 1]) * eps
            else:
                x = x + 2.0 * np.sqrt(1.0 / T) * eps
        assert np.allclose(frame.x_t, x, atol=1e-5), t
        assert np.allclose(frame.x0_pred, x0, atol=0)
    # thinned to a DDIM sub-sequence: the same trajectory, only fewer frames
    thinned = list(forward_frames(process, x0, seed=seed, steps=4))
    assert [f.t for f in thinned] == [0, 3, 6, 9, 12]
    for f in thinned:
        assert np.array_equal(f.x_t, frames[f.t].x_t)
    # the default seed is 0, for the frames and for the model-space chain under them
    default = list(forward_frames(process, x0))
    seeded = list(forward_frames(process, x0, seed=0))
    assert all(np.array_equal(u.x_t, v.x_t) for u, v in zip(default, seeded)) and len(default) == T + 1
    chain = list(forward_chain(process, torch.from_numpy(x0)))  # points: model space = data space
    assert [t for t, _ in chain] == list(range(T + 1))
    assert all(np.array_equal(x.numpy(), f.x_t) for (_, x), f in zip(chain, default))


def test_images_map_to_model_space_and_back() -> None:
    pix = np.random.default_rng(5).uniform(0, 1, (2, 1, 3, 3)).astype(np.float32)
    model = to_model_space(torch.from_numpy(pix))
    assert np.allclose(model.numpy(), 2.0 * pix - 1.0, atol=1e-7)
    assert np.allclose(to_data_space(model), pix, atol=1e-6)
    assert np.array_equal(to_data_space(torch.tensor([[[[-3.0, 3.0]]]])), np.array([[[[0.0, 1.0]]]], np.float32))
    points = torch.tensor([[-3.0, 5.0]])
    assert torch.equal(to_model_space(points), points) and np.array_equal(to_data_space(points), points.numpy())


# -- training -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("process", [DDPM(7, "linear"), GaussianDiffusion(sigma=2.0, timesteps=7)])
def test_sample_train_t_is_uniform_on_1_to_T(process) -> None:
    torch.manual_seed(0)
    n, T = 14_000, process.timesteps
    t = process.sample_train_t(n, "cpu")
    assert t.shape == (n,) and t.dtype == torch.long
    values, counts = np.unique(t.numpy(), return_counts=True)
    assert values.tolist() == list(range(1, T + 1))  # exactly the support {1..T}: never 0, always reaches T
    assert np.all(np.abs(counts - n / T) < 5 * math.sqrt(n / T))


def test_ddpm_training_pair_is_algorithm_1() -> None:
    # one draw eps ~ N(0, I) from the generator; input x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, target eps
    T = 20
    p = DDPM(T, "cosine")
    abar = np_abar(np_cosine_betas(T))
    x0 = torch.from_numpy(np.random.default_rng(6).standard_normal((6, 1, 2, 2)).astype(np.float32))
    t = torch.tensor([1, 2, 5, 10, 19, 20])
    x_in, target = p.training_pair(x0, t, torch.Generator().manual_seed(3))
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(3)).numpy().astype(np.float64)
    a = abar[t.numpy()][:, None, None, None]
    assert np.allclose(target.numpy(), eps, atol=0)
    assert np.allclose(x_in.numpy(), np.sqrt(a) * x0.numpy() + np.sqrt(1 - a) * eps, atol=1e-5)
    # without a generator: torch's global RNG, so torch.manual_seed makes it repeatable
    torch.manual_seed(8)
    _, target2 = p.training_pair(x0, t)
    torch.manual_seed(8)
    assert torch.equal(target2, torch.randn(x0.shape))


def test_lecture_training_pair_targets_step_k_minus_1() -> None:
    # draws eps_t then eps_step; x_{k-1} = x_0 + sigma sqrt((k-1)/T) eps_t, input x_{k-1} + sigma sqrt(1/T) eps_step,
    # target x_{k-1} (the lecture's objective E || f(x_{t+dt}, t+dt) - x_t ||^2)
    sigma, T = 2.0, 10
    p = GaussianDiffusion(sigma=sigma, timesteps=T)
    x0 = torch.from_numpy(np.random.default_rng(7).standard_normal((5, 2)).astype(np.float32))
    k = torch.tensor([1, 2, 4, 9, 10])
    x_in, target = p.training_pair(x0, k, torch.Generator().manual_seed(4))
    gen = torch.Generator().manual_seed(4)
    eps_t = torch.randn(x0.shape, generator=gen).numpy().astype(np.float64)
    eps_step = torch.randn(x0.shape, generator=gen).numpy().astype(np.float64)
    x_prev = x0.numpy() + sigma * np.sqrt((k.numpy() - 1) / T)[:, None] * eps_t
    assert np.allclose(target.numpy(), x_prev, atol=1e-5)
    assert np.allclose(target[0].numpy(), x0[0].numpy(), atol=0)  # k = 1: the target is the data itself
    assert np.allclose(x_in.numpy(), x_prev + sigma * np.sqrt(1.0 / T) * eps_step, atol=1e-5)



def test_the_bridge_target_is_the_lecture_targets_mean_given_its_input_and_x0() -> None:
    # target="bridge": same draws and input; target E[x_{k-1} | x_k, x_0] = x_0 + ((k-1)/k) (x_k - x_0) by hand
    sigma, T = 2.0, 10
    x0 = torch.from_numpy(np.random.default_rng(7).standard_normal((5, 2)).astype(np.float32))
    k = torch.tensor([1, 2, 4, 9, 10])
    drawn_in, drawn = GaussianDiffusion(sigma=sigma, timesteps=T).training_pair(x0, k, torch.Generator().manual_seed(4))
    x_in, target = GaussianDiffusion(sigma=sigma, timesteps=T, target="bridge").training_pair(
        x0, k, torch.Generator().manual_seed(4))
    assert torch.equal(x_in, drawn_in)
    frac = ((k.numpy() - 1) / k.numpy())[:, None]
    assert np.allclose(target.numpy(), x0.numpy() + frac * (x_in.numpy() - x0.numpy()), atol=1e-5)
    # ... which is what the drawn target averages to for a given input: regress the drawn x_{k-1} on x_k over many
    # draws from one x_0 (Brownian bridge: slope (k-1)/k, residual variance sigma^2 dt (k-1)/k)
    k_big, n = 6, 200_000
    many = GaussianDiffusion(sigma=sigma, timesteps=T)
    x0_one = torch.full((n, 1), 0.3)
    inputs, targets = many.training_pair(x0_one, torch.full((n,), k_big), torch.Generator().manual_seed(5))
    u, v = inputs.numpy()[:, 0] - 0.3, targets.numpy()[:, 0] - 0.3
    slope = (u @ v) / (u @ u)
    assert slope == pytest.approx((k_big - 1) / k_big, abs=0.01)
    assert np.var(v - slope * u) == pytest.approx(sigma ** 2 / T * (k_big - 1) / k_big, rel=0.02)
    with pytest.raises(ValueError, match="target"):
        GaussianDiffusion(sigma=sigma, timesteps=T, target="mean")

class Recorder(nn.Module):
    """g(x, t, y) = c (a fixed tensor), remembering its inputs."""

    def __init__(self, c: torch.Tensor) -> None:
        super().__init__()
        self.c = c
        self.calls: list = []

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        self.calls.append((x.clone(), t.clone(), y))
        return self.c


def test_lecture_mean_is_x_minus_sigma_dt_over_sqrt_t_times_g() -> None:
    # f(x, k) = x - sigma dt / sqrt(k dt) g(x / sqrt(1 + sigma^2 k dt), k), dt = 1 / T
    sigma, T = 1.5, 50  # not 2: sigma**2 and 2 * sigma must differ
    rng = np.random.default_rng(8)
    x, c = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    k = np.array([1, 3, 25, 50])
    g = Recorder(torch.from_numpy(c))
    f = LectureMean(g, sigma, T)
    y = torch.tensor([0, 1, 2, 1])
    out = f(torch.from_numpy(x), torch.from_numpy(k), y).numpy()
    time = (k / T)[:, None]
    assert np.allclose(out, x - sigma * (1.0 / T) / np.sqrt(time) * c, rtol=1e-10, atol=1e-12)
    (seen_x, seen_t, seen_y), = g.calls
    assert np.allclose(seen_x.numpy(), x / np.sqrt(1.0 + sigma**2 * time), rtol=1e-10)
    assert torch.equal(seen_t, torch.from_numpy(k)) and seen_y is y


# -- reverse steps through sample_frames (documented random stream) -----------------------------------------------
def np_ddpm_step(abar, x, t, s, eps, z, eta, clip):
    """Ho et al. 2020 Alg. 2 with sigma^2 = beta-tilde, respaced for s < t - 1 (Nichol & Dhariwal 2021 Sec. 4):
    x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t) (clipped to [-1, 1] for images), b = 1 - abar_t / abar_s,
    mean = sqrt(abar_s) b / (1 - abar_t) x0_hat + sqrt(abar_t / abar_s) (1 - abar_s) / (1 - abar_t) x_t,
    var = (1 - abar_s) / (1 - abar_t) b.  Returns (x_s, x0_hat)."""
    x0 = (x - np.sqrt(1 - abar[t]) * eps) / np.sqrt(abar[t])
    if clip:
        x0 = np.clip(x0, -1.0, 1.0)
    b = 1.0 - abar[t] / abar[s]
    mean = np.sqrt(abar[s]) * b / (1 - abar[t]) * x0 + np.sqrt(abar[t] / abar[s]) * (1 - abar[s]) / (1 - abar[t]) * x
    return mean + np.sqrt((1 - abar[s]) / (1 - abar[t]) * b) * z, x0


def np_ddim_step(abar, x, t, s, eps, z, eta, clip):
    """Song et al. 2021 eq. 12 / 16: x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sig^2) eps + sig z,
    sig = eta sqrt((1 - abar_s) / (1 - abar_t)) sqrt(1 - abar_t / abar_s); a clipped x0_hat gets the eps that
    eq. 4 implies, (x_t - sqrt(abar_t) x0_hat) / sqrt(1 - abar_t)."""
    x0 = (x - np.sqrt(1 - abar[t]) * eps) / np.sqrt(abar[t])
    if clip:
        x0 = np.clip(x0, -1.0, 1.0)
        eps = (x - np.sqrt(abar[t]) * x0) / np.sqrt(1 - abar[t])
    sig = eta * np.sqrt((1 - abar[s]) / (1 - abar[t])) * np.sqrt(1 - abar[t] / abar[s])
    return np.sqrt(abar[s]) * x0 + np.sqrt(max(1 - abar[s] - sig**2, 0.0)) * eps + sig * z, x0


def np_chain(step, abar, taus, shape, seed, np_eps, eta=0.0, clip=False):
    """[(t, x_t, x0_hat)] of a reverse run in model space, with the documented random stream: one generator,
    x_T = randn(shape), then one randn(shape) per step from t = T down; the last entry is (0, x_0, x_0)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=gen).numpy().astype(np.float64)
    out = []
    for t, s in zip(taus[:-1], taus[1:]):
        z = torch.randn(shape, generator=gen).numpy().astype(np.float64)
        x_s, x0 = step(abar, x, t, s, np_eps(x, t), z, eta, clip)
        out.append((t, x, x0))
        x = x_s
    return out + [(0, x, x)]


def check_frames(frames, reference, to_data=lambda v: v, atol=1e-4) -> None:
    assert [f.t for f in frames] == [t for t, _, _ in reference]
    for frame, (t, x, x0) in zip(frames, reference):
        assert np.allclose(frame.x_t, to_data(x), rtol=1e-4, atol=atol), t
        assert np.allclose(frame.x0_pred, to_data(x0), rtol=1e-4, atol=atol), t


@pytest.mark.parametrize("steps", [None, 4])
def test_ddpm_sampler_chain_by_hand(steps) -> None:
    T, n, seed = 8, 5, 3
    p = DDPM(T, "cosine")
    abar = np_abar(np_cosine_betas(T))
    frames = list(sample_frames(p, Stub(eps_affine, (2,)), n, sampler="ddpm", steps=steps, seed=seed))
    taus = list(range(T, -1, -1)) if steps is None else [8, 6, 4, 2, 0]
    check_frames(frames, np_chain(np_ddpm_step, abar, taus, (n, 2), seed, np_eps_affine))
    assert np.array_equal(frames[-1].x0_pred, frames[-1].x_t)


def test_sampler_defaults_are_ddpm_every_step_seed_0() -> None:
    T, n = 8, 3
    p = DDPM(T, "cosine")
    frames = list(sample_frames(p, Stub(eps_affine, (2,)), n))
    reference = np_chain(np_ddpm_step, np_abar(np_cosine_betas(T)), list(range(T, -1, -1)), (n, 2), 0, np_eps_affine)
    check_frames(frames, reference)
    assert np.allclose(sample(p, Stub(eps_affine, (2,)), n), reference[-1][1], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("eta", [0.0, 0.6, 1.5])  # eta > 1: sig^2 > 1 - abar_s, the direction term is floored at 0
def test_ddim_sampler_chain_by_hand(eta: float) -> None:
    T, n, seed = 8, 4, 9
    p = DDPM(T, "cosine")
    abar = np_abar(np_cosine_betas(T))
    kwargs = {"eta": eta} if eta else {}  # eta defaults to 0 (deterministic DDIM)
    frames = list(sample_frames(p, Stub(eps_affine, (3,)), n, sampler="ddim", steps=4, seed=seed, **kwargs))
    check_frames(frames, np_chain(np_ddim_step, abar, [8, 6, 4, 2, 0], (n, 3), seed, np_eps_affine, eta=eta))


@pytest.mark.parametrize("noise_last_step, prior", [(False, "lecture"), (True, "lecture"), (False, "matched")])
def test_lecture_sampler_chain_by_hand(noise_last_step: bool, prior: str) -> None:
    # x_1 = sigma z_0 (prior "matched": sqrt(sigma^2 + 1) z_0); x_{k-1} = f(x_k, k) + sigma sqrt(dt) z (none on
    # the last step unless noise_last_step); x0_hat = x_k + k (f - x_k)
    sigma, T, n, seed = 1.5, 6, 3, 2
    kwargs = {"noise_last_step": True} if noise_last_step else {}  # the default: no noise on the last step
    p = GaussianDiffusion(sigma=sigma, timesteps=T, start=prior, **kwargs)
    start_std = sigma if prior == "lecture" else math.sqrt(sigma**2 + 1.0)

    def f(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return 0.8 * x + 0.1 * t.to(x.dtype)[:, None]

    frames = list(sample_frames(p, Stub(f, (2,)), n, seed=seed))
    assert [fr.t for fr in frames] == list(range(T, -1, -1))
    gen = torch.Generator().manual_seed(seed)
    x = start_std * torch.randn((n, 2), generator=gen).numpy().astype(np.float64)
    for k, frame in zip(range(T, 0, -1), frames):
        z = torch.randn((n, 2), generator=gen).numpy().astype(np.float64)
        fx = 0.8 * x + 0.1 * k
        assert np.allclose(frame.x_t, x, rtol=1e-5, atol=1e-5), k
        assert np.allclose(frame.x0_pred, x + k * (fx - x), rtol=1e-4, atol=1e-4), k
        x = fx + (sigma * np.sqrt(1.0 / T) * z if (k > 1 or noise_last_step) else 0.0)
    assert np.allclose(frames[-1].x_t, x, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("prior", ["lecture", "matched"])
def test_the_lecture_sampler_with_the_exact_f_of_gaussian_data_ends_at_the_variance_its_start_implies(prior: str):
    """Data N(0, I): x_t = x_0 + N(0, sigma^2 t) is N(0, (1 + sigma^2 t) I) and the exact reverse mean is
    f(x, k) = E[x_{t-dt} | x_t = x] = x (1 + sigma^2 (k-1) dt) / (1 + sigma^2 k dt). The sampler's variance then
    follows v_{k-1} = a_k^2 v_k + sigma^2 dt (no noise on the last step) from v_N = the start's variance: sigma^2
    (the lecture's pure noise) or sigma^2 + 1 (matched, the true Var x_1): at T = 40 they end at 0.91 and 1.05
    against the data's 1 (the lecture's step variance sigma^2 dt is a little more than the true reverse one).
    A prior or step that is off (a wrong spread, noise on the last step, a wrong gain) moves the variance."""
    sigma, T, n = 2.0, 40, 200_000
    dt = 1.0 / T

    def gain(k):
        return (1.0 + sigma**2 * (k - 1) * dt) / (1.0 + sigma**2 * k * dt)

    def exact_f(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return x * gain(t.to(x.dtype)).reshape(-1, 1)

    var = sigma**2 + (1.0 if prior == "matched" else 0.0)
    for k in range(T, 0, -1):
        var = gain(k) ** 2 * var + (sigma**2 * dt if k > 1 else 0.0)
    out = sample(GaussianDiffusion(sigma=sigma, timesteps=T, start=prior), Stub(exact_f, (2,)), n, seed=3)
    np.testing.assert_allclose(out.var(axis=0), [var, var], rtol=0.015)
    np.testing.assert_allclose(out.mean(axis=0), [0.0, 0.0], atol=0.01)


# -- x0-hat clipping for images -------------------------------------------------------------------------------
SIGNS = np.array([[1.0, -1.0, 1.0, -1.0], [-1.0, 1.0, -1.0, 1.0]] * 2).reshape(1, 1, 4, 4)


def huge_eps(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """eps = +-1000 in a checkerboard: x0_hat far outside [-1, 1] at every step, with both signs."""
    return torch.from_numpy(1000.0 * SIGNS).to(x.dtype).expand_as(x)


TARGET = np.array([[0.5, -3.0, -0.25, 2.0], [3.0, 0.75, -1.5, -0.5]] * 2).reshape(1, 1, 4, 4)
ABAR_50 = np_abar(np_linear_betas(50))


def targeted_eps(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The eps whose x0_hat is TARGET at every step: half its pixels inside [-1, 1], half outside (clipped)."""
    a = torch.from_numpy(ABAR_50[t.numpy()]).reshape(-1, 1, 1, 1)
    return ((x.double() - a.sqrt() * torch.from_numpy(TARGET)) / (1 - a).sqrt()).to(x.dtype)


def np_targeted_eps(x: np.ndarray, t: int) -> np.ndarray:
    return (x - np.sqrt(ABAR_50[t]) * TARGET) / np.sqrt(1 - ABAR_50[t])


@pytest.mark.parametrize("stub", ["huge", "targeted"])
@pytest.mark.parametrize("sampler,steps,eta", [("ddpm", None, 0.0), ("ddpm", 5, 0.0), ("ddim", 5, 0.0),
                                               ("ddim", 10, 0.5)])
def test_image_sampling_clips_x0_hat_to_model_range(sampler: str, steps, eta: float, stub: str) -> None:
    # images (C, H, W): every step uses x0_hat clipped to [-1, 1] (model space); frames are pixels (x + 1) / 2 in [0, 1]
    T, n, seed = 50, 3, 1
    p = DDPM(T, "linear")
    fn, np_fn = (huge_eps, lambda x, t: 1000.0 * SIGNS) if stub == "huge" else (targeted_eps, np_targeted_eps)
    frames = list(sample_frames(p, Stub(fn, (1, 4, 4)), n, sampler=sampler, steps=steps, eta=eta, seed=seed))
    taus = list(range(T, -1, -1)) if steps is None else list(range(T, -1, -T // steps))
    step = np_ddpm_step if sampler == "ddpm" else np_ddim_step
    reference = np_chain(step, ABAR_50, taus, (n, 1, 4, 4), seed, np_fn, eta=eta, clip=True)
    inside = np.concatenate([np.abs(x).ravel() < 0.95 for _, x, _ in reference[1:]])
    assert inside.mean() > 0.3  # the comparison is not one of saturated pixels only
    # float32 sampling: x0_hat at t = T carries the error of eps / sqrt(alpha-bar_T), about 1e-5 here
    check_frames(frames, reference, to_data=data_space, atol=1e-5 if stub == "huge" else 1e-4)


def test_point_sampling_does_not_clip_x0_hat() -> None:
    T, n, seed = 20, 4, 2
    p = DDPM(T, "linear")
    frames = list(sample_frames(p, Stub(lambda x, t: torch.full_like(x, 50.0), (2,)), n, seed=seed))
    reference = np_chain(np_ddpm_step, np_abar(np_linear_betas(T)), list(range(T, -1, -1)), (n, 2), seed,
                         lambda x, t: np.full_like(x, 50.0))
    assert reference[0][2].max() < -100
    check_frames(frames, reference)


# -- guidance and the weight average --------------------------------------------------------------------------
class CondStub(nn.Module):
    """A conditional eps stub: out = x * (1 + y) (y = num_classes is the null class)."""

    conditional = True
    num_classes = 3

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if y is None:
            y = torch.full((x.shape[0],), self.num_classes)
        return x * (1.0 + y.to(x.dtype))[:, None] + 0.01 * t.to(x.dtype)[:, None]


def test_guidance_is_uncond_plus_w_times_difference() -> None:
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 2))
    y = np.array([0, 1, 2, 0])
    t = np.array([3, 3, 5, 1])
    net = CondStub()
    cond = x * (1.0 + y)[:, None] + 0.01 * t[:, None]
    uncond = x * (1.0 + 3) + 0.01 * t[:, None]
    args = torch.from_numpy(x), torch.from_numpy(t), torch.from_numpy(y)
    for w in (0.0, 1.0, 2.5, -0.5):
        got = guided_output(net, *args, guidance=w).numpy()
        assert np.allclose(got, uncond + w * (cond - uncond), rtol=1e-12), w
    assert np.allclose(guided_output(net, args[0], args[1], None, guidance=3.0).numpy(), uncond)


def test_ema_update_follows_its_recurrence() -> None:
    # average <- d average + (1 - d) live, d = min(decay, (1 + n) / (10 + n)), n = updates so far
    torch.manual_seed(0)
    live = nn.Linear(2, 1)
    decay = 0.5
    ema = EMADenoiser(live, decay)
    avg = {k: v.detach().numpy().astype(np.float64).copy() for k, v in live.named_parameters()}
    rng = np.random.default_rng(10)
    for n in range(12):
        with torch.no_grad():
            for prm in live.parameters():
                prm.copy_(torch.from_numpy(rng.standard_normal(prm.shape)))
        ema.update()
        d = min(decay, (1.0 + n) / (10.0 + n))
        for name, prm in live.named_parameters():
            avg[name] = d * avg[name] + (1 - d) * prm.detach().numpy()
            assert np.allclose(dict(ema.average.named_buffers())[name].numpy(), avg[name], atol=1e-6), (n, name)
    assert int(ema.updates) == 12
    assert sampling_network(ema) is ema.average and sampling_network(live) is live
    assert [n for n, _ in ema.named_parameters()] == ["live.weight", "live.bias"]
