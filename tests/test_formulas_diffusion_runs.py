"""The NoiseProcess contract, the training task's loss and the scrubber's runs (core/diffusion/runs.py) against numpy."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from core.diffusion import (DDPM, GaussianDiffusion, LectureMean, ddim_step, guided_output, sample_frames,
                            strided_timesteps)
from core.diffusion.ema import EMADenoiser
from core.diffusion.runs import (DENOISE, FORWARD, SAMPLE, RunSpec, forward_frames_predicted, forward_state,
                                 predicted_x0, run_frames)
from core.diffusion.sampling import denoise_frames
from core.diffusion.task import DiffusionTask

torch.set_num_threads(1)


def np_cosine_abar(T: int, s: float = 0.008) -> np.ndarray:
    """alpha-bar_0..alpha-bar_T of the cosine schedule (Nichol & Dhariwal 2021 eq. 17, beta capped at 0.999)."""
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    betas = np.minimum(1.0 - (f[1:] / f[0]) / (f[:-1] / f[0]), 0.999)
    return np.concatenate([[1.0], np.cumprod(1.0 - betas)])


def as_np(x: torch.Tensor) -> np.ndarray:
    return x.detach().numpy().astype(np.float64)


class Stub(nn.Module):
    """A fixed denoiser out = fn(x, t); optionally conditional (out += 0.1 (y + 1)); records every call."""

    def __init__(self, fn, data_shape: tuple[int, ...], num_classes: int = 0) -> None:
        super().__init__()
        self.fn = fn
        self.data_shape = data_shape
        self.conditional = num_classes > 0
        self.num_classes = num_classes
        self.calls: list = []
        self.register_buffer("anchor", torch.zeros(1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        self.calls.append((x.clone(), t.clone(), None if y is None else y.clone()))
        out = self.fn(x, t)
        if y is not None:
            out = out + 0.1 * (y.to(x.dtype) + 1.0).reshape(-1, *([1] * (x.dim() - 1)))
        return out


def eps_fn(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return 0.4 * x - 0.02 * t.to(x.dtype).reshape(-1, *([1] * (x.dim() - 1)))


def np_eps_fn(x: np.ndarray, t) -> np.ndarray:
    return 0.4 * x - 0.02 * t


# -- constructors, step sequences, defaults ---------------------------------------------------------------------
def test_processes_refuse_empty_schedules_and_nonpositive_sigma() -> None:
    for bad in (lambda: DDPM(0), lambda: GaussianDiffusion(sigma=2.0, timesteps=0),
                lambda: GaussianDiffusion(sigma=0.0, timesteps=5), lambda: GaussianDiffusion(sigma=-1.0, timesteps=5)):
        with pytest.raises(ValueError):
            bad()
    one = DDPM(1, "cosine")
    assert one.betas.shape == (1,) and math.isclose(float(one.alphas_cumprod[0]), 1 - float(one.betas[0]))
    assert GaussianDiffusion(sigma=1e-3, timesteps=1).timesteps == 1


def test_ema_decay_must_lie_strictly_between_0_and_1() -> None:
    torch.manual_seed(0)
    for decay in (0.0, 1.0, -0.5, 1.5):
        with pytest.raises(ValueError):
            EMADenoiser(nn.Linear(1, 1), decay)
    EMADenoiser(nn.Linear(1, 1), 1e-6)
    EMADenoiser(nn.Linear(1, 1), 1 - 1e-6)


def test_wrappers_pass_the_network_attributes_through() -> None:
    torch.manual_seed(0)
    plain = nn.Linear(2, 2)
    for wrapper in (EMADenoiser(plain, 0.9), LectureMean(plain, 2.0, 10)):
        assert wrapper.data_shape is None and wrapper.conditional is False and wrapper.num_classes == 0
    cond = Stub(eps_fn, (3,), num_classes=4)
    for wrapper in (EMADenoiser(cond, 0.9), LectureMean(cond, 2.0, 10)):
        assert wrapper.data_shape == (3,) and wrapper.conditional is True and wrapper.num_classes == 4
    assert isinstance(GaussianDiffusion(1.5, 10).wrap_network(plain), LectureMean)
    wrapped = GaussianDiffusion(1.5, 10).wrap_network(plain)
    assert wrapped.sigma == 1.5 and wrapped.timesteps == 10 and wrapped.net is plain
    assert DDPM(10).wrap_network(plain) is plain


@pytest.mark.parametrize("T,steps", [(10, 1), (10, 3), (10, 10), (1000, 50), (7, 7), (28, 7)])
def test_strided_timesteps_are_round_i_T_over_steps(T: int, steps: int) -> None:
    want = [int(np.floor(i * T / steps + 0.5)) for i in range(steps, -1, -1)]  # exact halves do not occur here
    assert strided_timesteps(T, steps) == want
    assert DDPM(T).reverse_timesteps(steps) == want


def test_strided_timesteps_refuse_bad_step_counts() -> None:
    for steps in (0, -1, 11):
        with pytest.raises(ValueError):
            strided_timesteps(10, steps)


def test_reverse_timesteps_from_a_start() -> None:
    p = DDPM(20)
    assert p.reverse_timesteps(None) == list(range(20, -1, -1))
    assert p.reverse_timesteps(None, start=7) == list(range(7, -1, -1))
    assert p.reverse_timesteps(5, start=10) == [10, 8, 4, 0]  # start, then tau = 20, 16, ..., 0 below it
    assert p.reverse_timesteps(5, start=12) == [12, 8, 4, 0]
    assert p.reverse_timesteps(5, start=0) == [0]
    lec = GaussianDiffusion(2.0, 6)
    assert lec.reverse_timesteps(None) == lec.reverse_timesteps(6) == [6, 5, 4, 3, 2, 1, 0]
    assert lec.reverse_timesteps(None, start=3) == [3, 2, 1, 0]
    for process in (p, lec):
        for start in (-1, process.timesteps + 1):
            with pytest.raises(ValueError):
                process.reverse_timesteps(None, start=start)
    with pytest.raises(ValueError):
        lec.reverse_timesteps(3)


def test_samplers_and_priors() -> None:
    p, lec = DDPM(10), GaussianDiffusion(sigma=2.5, timesteps=10)
    assert p.default_sampler == "ddpm" and set(p.samplers) == {"ddpm", "ddim"}
    assert lec.default_sampler == "lecture" and lec.samplers == ("lecture",)
    assert p.prior_std == 1.0 and lec.prior_std == 2.5
    assert p.fixed_steps is False and lec.fixed_steps is True  # only the lecture's sampler must take every step
    assert p.eta_samplers == ("ddim",) and lec.eta_samplers == ()
    shape = (3, 2)
    assert torch.equal(p.prior(shape, torch.Generator().manual_seed(4)),
                       torch.randn(shape, generator=torch.Generator().manual_seed(4)))
    assert torch.allclose(lec.prior(shape, torch.Generator().manual_seed(4)),
                          2.5 * torch.randn(shape, generator=torch.Generator().manual_seed(4)))
    x = torch.zeros(2, 2)
    with pytest.raises(ValueError):
        p.step(x, 2, 1, x, x, sampler="lecture")
    with pytest.raises(ValueError):
        lec.step(x, 2, 1, x, x, sampler="ddpm")
    with pytest.raises(ValueError):
        lec.step(x, 3, 1, x, x, sampler="lecture")  # the lecture's sampler steps t -> t - 1 only


def test_step_and_predict_x0_defaults_are_unclipped_and_ddim_eta_0() -> None:
    T, t, s = 10, 6, 3
    p = DDPM(T, "cosine")
    abar = np_cosine_abar(T)
    rng = np.random.default_rng(0)
    x, z = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    eps = np.full((4, 2), 5.0)  # x0_hat far outside [-1, 1]
    x0 = (x - np.sqrt(1 - abar[t]) * eps) / np.sqrt(abar[t])
    tx, te, tz = torch.from_numpy(x), torch.from_numpy(eps), torch.from_numpy(z)
    assert np.allclose(as_np(p.predict_x0(tx, t, te)), x0, rtol=1e-10)
    assert np.allclose(as_np(p.predict_x0(tx, t, te, clip=True)), np.clip(x0, -1, 1), rtol=1e-10)
    x_s, x0_got = p.step(tx, t, s, te, tz, sampler="ddim")  # eta 0: no noise, and no clipping
    assert np.allclose(as_np(x0_got), x0, rtol=1e-10)
    assert np.allclose(as_np(x_s), np.sqrt(abar[s]) * x0 + np.sqrt(1 - abar[s]) * eps, rtol=1e-10)
    _, x0_ddpm = p.step(tx, t, s, te, tz, sampler="ddpm")
    assert np.allclose(as_np(x0_ddpm), x0, rtol=1e-10)
    # DDIM at eta = 0 needs no noise; ddim_step's own defaults are the same (eta 0, unclipped)
    x_s2, _ = p.step(tx, t, s, te, None, sampler="ddim", eta=0.0)
    assert torch.equal(x_s2, x_s)
    x_s3, x0_3 = ddim_step(p, tx, t, s, te)
    assert torch.equal(x_s3, x_s) and torch.equal(x0_3, x0_got)
    # the lecture: x0_hat = x + k (f - x), unclipped unless asked, for one k or one per row
    lec = GaussianDiffusion(sigma=2.0, timesteps=T)
    f = rng.standard_normal((4, 2))
    k = np.array([1, 2, 5, 10])
    got = lec.predict_x0(tx, torch.from_numpy(k), torch.from_numpy(f))
    assert np.allclose(as_np(got), x + k[:, None] * (f - x), rtol=1e-10)
    assert np.allclose(as_np(lec.predict_x0(tx, 3, torch.from_numpy(f))), x + 3 * (f - x), rtol=1e-10)
    assert np.allclose(as_np(lec.predict_x0(tx, torch.tensor(3), torch.from_numpy(f))), x + 3 * (f - x), rtol=1e-10)
    assert np.allclose(as_np(lec.predict_x0(tx, 3, torch.from_numpy(f), clip=True)), np.clip(x + 3 * (f - x), -1, 1))
    x_prev, x0_lec = lec.step(tx, 3, 2, torch.from_numpy(f), tz, sampler="lecture")  # default: unclipped x0_hat
    assert np.allclose(as_np(x0_lec), x + 3 * (f - x), rtol=1e-10)
    assert np.allclose(as_np(x_prev), f + 2.0 * np.sqrt(1 / T) * z, rtol=1e-10)


# -- the lecture's bridge diagnostic ------------------------------------------------------------------------------
def test_bridge_mean_is_the_brownian_bridge_conditional_mean() -> None:
    # closed form x_0 + ((k-1)/k) (x_k - x_0), and by regression over many simulated (x_{k-1}, x_k) pairs
    sigma, T = 2.0, 8
    p = GaussianDiffusion(sigma=sigma, timesteps=T)
    rng = np.random.default_rng(1)
    x0, x_next = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    k = np.array([1, 2, 5, 8])
    got = as_np(p.bridge_mean(torch.from_numpy(x0), torch.from_numpy(k), torch.from_numpy(x_next)))
    assert np.allclose(got, x0 + ((k - 1) / k)[:, None] * (x_next - x0), rtol=1e-12)
    n, kk = 200_000, 5
    prev = sigma * math.sqrt((kk - 1) / T) * rng.standard_normal(n)  # x_{k-1} given x_0 = 0
    nxt = prev + sigma * math.sqrt(1 / T) * rng.standard_normal(n)
    slope = float(np.dot(prev, nxt) / np.dot(nxt, nxt))  # E[x_{k-1} | x_k] = slope * x_k
    assert abs(slope - (kk - 1) / kk) < 0.01
    out = rng.standard_normal((4, 3))
    diag = p.diagnostics(torch.from_numpy(out), torch.from_numpy(x0), torch.from_numpy(k), torch.from_numpy(x_next))
    assert set(diag) == {"bridge"} and math.isclose(float(diag["bridge"]), float(((out - got) ** 2).mean()))
    assert DDPM(5).diagnostics(torch.from_numpy(out), torch.from_numpy(x0), torch.from_numpy(k),
                               torch.from_numpy(x_next)) == {}


# -- the training task --------------------------------------------------------------------------------------------
def test_ddpm_task_loss_is_l_simple() -> None:
    # L_simple = mean (eps_theta(x_t, t) - eps)^2 with eps recovered from the network's input:
    # eps = (x_t - sqrt(abar_t) x_0) / sqrt(1 - abar_t), x_0 = 2 x - 1 for images
    T = 10
    p = DDPM(T, "cosine")
    abar = np_cosine_abar(T)
    net = Stub(lambda x, t: 0.5 * x, (1, 2, 2))
    task = DiffusionTask(net, p)
    x = torch.from_numpy(np.random.default_rng(2).uniform(0, 1, (64, 1, 2, 2)).astype(np.float32))
    torch.manual_seed(0)
    parts = task.loss(x)
    (x_in, t, y), = net.calls
    assert y is None and t.shape == (64,) and int(t.min()) >= 1 and int(t.max()) <= T
    a = abar[t.numpy()][:, None, None, None]
    eps = (as_np(x_in) - np.sqrt(a) * (2 * as_np(x) - 1)) / np.sqrt(1 - a)
    assert abs(eps.std() - 1) < 0.2  # the recovered noise is the standard normal training_pair drew
    want = float(((0.5 * as_np(x_in) - eps) ** 2).mean())
    assert math.isclose(float(parts["total"]), want, rel_tol=1e-4)
    assert math.isclose(float(parts["denoise"]), want, rel_tol=1e-4) and set(parts) == {"total", "denoise"}


def test_lecture_task_loss_and_bridge() -> None:
    # T = 1: the target x_{k-1} = x_0 exactly, so the loss is mean (f(x_in) - x_0)^2; for T > 1 the bridge part
    # is mean (f - (x_0 + (k-1)/k (x_in - x_0)))^2
    x = torch.from_numpy(np.random.default_rng(3).standard_normal((50, 2)).astype(np.float32))
    for T in (1, 6):
        net = Stub(lambda v, t: 0.7 * v, (2,))
        task = DiffusionTask(net, GaussianDiffusion(sigma=2.0, timesteps=T))
        torch.manual_seed(1)
        parts = task.loss(x)
        (x_in, t, _), = net.calls
        f = 0.7 * as_np(x_in)
        k = t.numpy().astype(np.float64)[:, None]
        bridge = as_np(x) + (k - 1) / k * (as_np(x_in) - as_np(x))
        assert math.isclose(float(parts["bridge"]), float(((f - bridge) ** 2).mean()), rel_tol=1e-4)
        if T == 1:
            assert math.isclose(float(parts["total"]), float(((f - as_np(x)) ** 2).mean()), rel_tol=1e-4)


def test_task_drops_labels_to_the_null_class_with_probability_cond_drop() -> None:
    n = 20_000
    x = torch.zeros(n, 2)
    y = torch.from_numpy(np.random.default_rng(4).integers(0, 3, n))
    for drop, kwargs in ((0.1, {}), (0.3, {"cond_drop": 0.3})):
        net = Stub(lambda v, t: v, (2,), num_classes=3)
        torch.manual_seed(2)
        DiffusionTask(net, DDPM(5), **kwargs).loss(x, y)
        seen = net.calls[-1][2]
        null = seen == 3
        assert abs(float(null.float().mean()) - drop) < 5 * math.sqrt(drop * (1 - drop) / n)
        assert torch.equal(seen[~null], y[~null])
    net = Stub(lambda v, t: v, (2,), num_classes=3)
    DiffusionTask(net, DDPM(5)).loss(x[:10])
    assert torch.equal(net.calls[-1][2], torch.full((10,), 3))  # no labels: all null
    plain = Stub(lambda v, t: v, (2,))
    DiffusionTask(plain, DDPM(5)).loss(x[:10], y[:10])
    assert plain.calls[-1][2] is None  # an unconditional model never sees labels


def test_task_without_a_conditional_attribute_is_unconditional_and_forward_frames_default_seed() -> None:
    torch.manual_seed(0)
    p = DDPM(4, "cosine")
    task = DiffusionTask(nn.Linear(2, 2), p)
    assert task.conditional is False
    x0 = np.random.default_rng(11).standard_normal((3, 2)).astype(np.float32)
    chain = np_forward_chain(p, x0.astype(np.float64), seed=0)
    frames = list(task.forward_frames(x0))
    assert [f.t for f in frames] == [0, 1, 2, 3, 4]
    assert all(np.allclose(f.x_t, c, atol=1e-5) for f, c in zip(frames, chain))
    assert [f.t for f in task.forward_frames(x0, steps=2)] == [0, 2, 4]


def test_task_updates_the_weight_average_only_in_training() -> None:
    torch.manual_seed(0)
    ema = EMADenoiser(Stub(lambda v, t: v * torch.ones(1, requires_grad=True), (2,)), 0.9)
    task = DiffusionTask(ema, DDPM(5))
    with torch.no_grad():
        task.loss(torch.zeros(4, 2))
    assert int(ema.updates) == 0
    task.loss(torch.zeros(4, 2))
    assert int(ema.updates) == 1


# -- guidance and labels in sampling ------------------------------------------------------------------------------
def test_guided_output_defaults_to_the_conditional_output_and_refuses_unconditional_labels() -> None:
    net = Stub(eps_fn, (2,), num_classes=3)
    x, t, y = torch.ones(2, 2), torch.tensor([1, 2]), torch.tensor([0, 2])
    assert torch.equal(guided_output(net, x, t, y), net(x, t, y))
    with pytest.raises(ValueError):
        guided_output(Stub(eps_fn, (2,)), x, t, y)
    with pytest.raises(ValueError):
        guided_output(nn.Identity(), x, t, y)  # no `conditional` attribute: unconditional


def test_sample_frames_labels_one_for_all_or_one_each() -> None:
    p = DDPM(3)
    net = Stub(eps_fn, (2,), num_classes=3)
    list(sample_frames(p, net, 4, y=2))
    assert all(torch.equal(y, torch.full((4,), 2)) for _, _, y in net.calls)
    net.calls.clear()
    list(sample_frames(p, net, 4, y=[0, 1, 2, 1]))
    assert torch.equal(net.calls[0][2], torch.tensor([0, 1, 2, 1]))
    with pytest.raises(ValueError):
        list(sample_frames(p, net, 4, y=[0, 1]))
    with pytest.raises(ValueError):
        list(sample_frames(p, net, 0))
    assert list(sample_frames(p, net, 1))[-1].x_t.shape == (1, 2)  # one sample is fine
    with pytest.raises(ValueError):
        list(sample_frames(GaussianDiffusion(2.0, 4), net, 2, steps=2))
    with pytest.raises(ValueError):
        list(sample_frames(p, net, 2, sampler="lecture"))


# -- runs: the forward chain, x0 guesses, denoising from x_t ------------------------------------------------------
def np_forward_chain(process, x0_model: np.ndarray, seed: int) -> list[np.ndarray]:
    """x_0..x_T of the seeded forward chain by hand: eps_t = the t-th randn of x0's shape from one generator."""
    gen = torch.Generator().manual_seed(seed)
    xs = [x0_model]
    T = process.timesteps
    abar = np_cosine_abar(T) if process.kind == "ddpm" else None
    for t in range(1, T + 1):
        eps = torch.randn(x0_model.shape, generator=gen).numpy().astype(np.float64)
        if process.kind == "ddpm":
            beta = 1 - abar[t] / abar[t - 1]
            xs.append(np.sqrt(1 - beta) * xs[-1] + np.sqrt(beta) * eps)
        else:
            xs.append(xs[-1] + process.sigma * np.sqrt(1 / T) * eps)
    return xs


@pytest.mark.parametrize("process", [DDPM(6, "cosine"), GaussianDiffusion(sigma=1.5, timesteps=6)])
def test_forward_state_is_the_seeded_chain_at_step_t(process) -> None:
    x0 = np.random.default_rng(5).uniform(0, 1, (2, 1, 2, 2)).astype(np.float32)  # images: model space 2x - 1
    chain = np_forward_chain(process, 2 * x0.astype(np.float64) - 1, seed=7)
    for t in (0, 1, 4, 6):
        assert np.allclose(as_np(forward_state(process, x0, 7, t)), chain[t], atol=1e-5), t
    for t in (-1, 7):
        with pytest.raises(ValueError):
            forward_state(process, x0, 7, t)


def test_predicted_x0_for_points() -> None:
    T = 6
    p = DDPM(T, "cosine")
    abar = np_cosine_abar(T)
    x = np.random.default_rng(6).standard_normal((3, 2)).astype(np.float32)
    xd = x.astype(np.float64)
    net = Stub(eps_fn, (2,), num_classes=2)
    for t in (1, 4, 6):
        want = (xd - np.sqrt(1 - abar[t]) * np_eps_fn(xd, t)) / np.sqrt(abar[t])
        assert np.allclose(predicted_x0(p, net, x, t), want, rtol=1e-4, atol=1e-4), t
    assert np.array_equal(predicted_x0(p, net, x, 0), x)
    # with a class and guidance w: eps = uncond + w (cond - uncond), cond - uncond = 0.1 (y + 1) - 0.1 (null + 1)
    w, y = 2.0, 1
    eps = np_eps_fn(xd, 4) + 0.1 * (2 + 1) + w * 0.1 * (y - 2)
    want = (xd - np.sqrt(1 - abar[4]) * eps) / np.sqrt(abar[4])
    assert np.allclose(predicted_x0(p, net, x, 4, y=y, guidance=w), want, rtol=1e-4, atol=1e-4)
    # guidance defaults to w = 1: the conditional output
    eps = np_eps_fn(xd, 4) + 0.1 * (y + 1)
    want = (xd - np.sqrt(1 - abar[4]) * eps) / np.sqrt(abar[4])
    assert np.allclose(predicted_x0(p, net, x, 4, y=y), want, rtol=1e-4, atol=1e-4)
    lec = GaussianDiffusion(sigma=2.0, timesteps=T)
    f = Stub(lambda v, t: 0.5 * v + 1.0, (2,))
    assert np.allclose(predicted_x0(lec, f, x, 3), xd + 3 * (0.5 * xd + 1.0 - xd), rtol=1e-5, atol=1e-5)


def test_forward_frames_predicted_clip_images_and_keep_points() -> None:
    T, seed = 6, 3
    p = DDPM(T, "cosine")
    abar = np_cosine_abar(T)
    big = Stub(lambda v, t: torch.full_like(v, 3.0), (1, 2, 2))
    x0 = np.random.default_rng(7).uniform(0, 1, (2, 1, 2, 2)).astype(np.float32)
    chain = np_forward_chain(p, 2 * x0.astype(np.float64) - 1, seed)
    frames = list(forward_frames_predicted(p, big, x0, seed=seed))
    assert [f.t for f in frames] == list(range(T + 1))
    assert np.allclose(frames[0].x0_pred, x0, atol=1e-6)
    for t in range(1, T + 1):
        x0_hat = np.clip((chain[t] - np.sqrt(1 - abar[t]) * 3.0) / np.sqrt(abar[t]), -1, 1)
        assert np.allclose(frames[t].x_t, np.clip((chain[t] + 1) / 2, 0, 1), atol=1e-5), t
        assert np.allclose(frames[t].x0_pred, (x0_hat + 1) / 2, atol=1e-5), t
    pts = np.random.default_rng(8).standard_normal((3, 2)).astype(np.float32)
    chain = np_forward_chain(p, pts.astype(np.float64), 0)
    frames = list(forward_frames_predicted(p, Stub(lambda v, t: torch.full_like(v, 3.0), (2,)), pts))  # seed 0
    assert all(np.allclose(f.x_t, c, atol=1e-5) for f, c in zip(frames, chain))
    for t in range(1, T + 1):
        want = (chain[t] - np.sqrt(1 - abar[t]) * 3.0) / np.sqrt(abar[t])  # unclipped: points are not images
        assert np.allclose(frames[t].x0_pred, want, rtol=1e-4, atol=1e-4), t


def test_run_frames_denoise_starts_from_the_forward_state_with_seed_plus_1() -> None:
    # DENOISE: x_t = forward_state(x0, seed, t), then the DDPM sampler from t with per-step noises from seed + 1
    T, seed, t0 = 8, 4, 5
    p = DDPM(T, "cosine")
    abar = np_cosine_abar(T)
    x0 = np.random.default_rng(9).standard_normal((3, 2)).astype(np.float32)
    net = Stub(eps_fn, (2,))
    frames = list(run_frames(RunSpec(kind=DENOISE, x0=x0, seed=seed, t=t0), p, net))
    x = np_forward_chain(p, x0.astype(np.float64), seed)[t0]
    gen = torch.Generator().manual_seed(seed + 1)
    assert [f.t for f in frames] == list(range(t0, -1, -1))
    for t, frame in zip(range(t0, 0, -1), frames):
        z = torch.randn(x.shape, generator=gen).numpy().astype(np.float64)
        x0_hat = (x - np.sqrt(1 - abar[t]) * np_eps_fn(x, t)) / np.sqrt(abar[t])
        assert np.allclose(frame.x_t, x, rtol=1e-4, atol=1e-4) and np.allclose(frame.x0_pred, x0_hat, atol=1e-4)
        s = t - 1
        b = 1 - abar[t] / abar[s]
        mean = np.sqrt(abar[s]) * b / (1 - abar[t]) * x0_hat + np.sqrt(abar[t] / abar[s]) * (1 - abar[s]) / (1 - abar[t]) * x
        x = mean + np.sqrt((1 - abar[s]) / (1 - abar[t]) * b) * z
    assert np.allclose(frames[-1].x_t, x, rtol=1e-4, atol=1e-4)


def test_run_frames_sample_and_forward_are_the_plain_runs() -> None:
    p = DDPM(5, "cosine")
    net = Stub(eps_fn, (2,), num_classes=2)
    spec = RunSpec(kind=SAMPLE, n=3, sampler="ddim", steps=5, eta=0.3, y=1, guidance=2.0, seed=6)
    a = list(run_frames(spec, p, net))
    b = list(sample_frames(p, net, 3, sampler="ddim", steps=5, eta=0.3, y=1, guidance=2.0, seed=6))
    assert all(np.array_equal(u.x_t, v.x_t) and np.array_equal(u.x0_pred, v.x0_pred) for u, v in zip(a, b))
    assert len(a) == len(b) == 6
    x0 = np.zeros((2, 2), np.float32)
    a = list(run_frames(RunSpec(kind=FORWARD, x0=x0, seed=2), p, net))
    b = list(forward_frames_predicted(p, net, x0, seed=2))
    assert all(np.array_equal(u.x_t, v.x_t) and np.array_equal(u.x0_pred, v.x0_pred) for u, v in zip(a, b))
    with pytest.raises(ValueError):
        run_frames(RunSpec(kind="sideways"), p, net)


def test_denoise_frames_from_the_prior_are_sample_frames() -> None:
    p = GaussianDiffusion(sigma=2.0, timesteps=5)
    net = Stub(lambda v, t: 0.9 * v, (2,))
    gen = torch.Generator().manual_seed(8)
    x_T = p.prior((4, 2), gen)
    a = list(denoise_frames(p, net, x_T, 5, generator=gen))
    b = list(sample_frames(p, net, 4, seed=8))
    assert all(np.array_equal(u.x_t, v.x_t) for u, v in zip(a, b)) and len(a) == len(b) == 6
    # without a generator: one seeded with `seed` (default 0), drawing only the per-step noises
    for seed in (3, None):
        kwargs = {} if seed is None else {"seed": seed}
        c = list(denoise_frames(p, net, x_T, 5, **kwargs))
        g = torch.Generator().manual_seed(seed or 0)
        x = as_np(x_T)
        for k in range(5, 0, -1):
            z = torch.randn((4, 2), generator=g).numpy().astype(np.float64)
            x = 0.9 * x + (2.0 * math.sqrt(1 / 5) * z if k > 1 else 0.0)
        assert np.allclose(c[-1].x_t, x, atol=1e-5), seed
    # DDIM from a given x_t: eta defaults to 0, x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s) eps
    q = DDPM(6, "cosine")
    abar = np_cosine_abar(6)
    x = as_np(x_T)
    d = list(denoise_frames(q, Stub(eps_fn, (2,)), x_T, 4, sampler="ddim", steps=3, seed=1))
    assert [f.t for f in d] == [4, 2, 0]
    for t, s in ((4, 2), (2, 0)):
        eps = np_eps_fn(x, t)
        x0_hat = (x - np.sqrt(1 - abar[t]) * eps) / np.sqrt(abar[t])
        x = np.sqrt(abar[s]) * x0_hat + np.sqrt(1 - abar[s]) * eps
    assert np.allclose(d[-1].x_t, x, rtol=1e-4, atol=1e-4)
    # with a class: guidance defaults to w = 1, the conditional output f + 0.1 (y + 1)
    cond = Stub(lambda v, t: 0.9 * v, (2,), num_classes=3)
    c = list(denoise_frames(p, cond, x_T, 2, y=1, seed=5))
    g = torch.Generator().manual_seed(5)
    x = as_np(x_T)
    for k in (2, 1):
        z = torch.randn((4, 2), generator=g).numpy().astype(np.float64)
        x = 0.9 * x + 0.2 + (2.0 * math.sqrt(1 / 5) * z if k > 1 else 0.0)
    assert [f.t for f in c] == [2, 1, 0] and np.allclose(c[-1].x_t, x, atol=1e-5)


def test_run_descriptions() -> None:
    p, lec = DDPM(50), GaussianDiffusion(2.0, 10)
    assert RunSpec(kind=FORWARD).describe(p) == "forward noising  x₀ → x_T"
    assert RunSpec(sampler="ddim", steps=20, eta=0.5).describe(p) == "DDIM · 20 steps · η = 0.5"
    assert RunSpec().describe(p) == "DDPM · 50 steps"  # the default sampler, every step; eta only for DDIM
    assert RunSpec(y=3, guidance=2.5).describe(lec) == "lecture's sampler · 10 steps · class 3, w = 2.5"
    assert RunSpec(kind=DENOISE, t=7, steps=5).describe(p) == "denoising from t = 7: DDPM · 5 steps"
