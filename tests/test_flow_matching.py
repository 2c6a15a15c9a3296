"""Flow matching (rectified flow): its path and target against the formula, and Euler / Heun with the exact velocity
field of Gaussian data against the known answer."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from core.config import ExperimentConfig
from core.diffusion.flow import FlowMatching
from core.diffusion.sampling import sample
from core.diffusion.task import build_diffusion, build_process

torch.set_num_threads(1)

M = np.array([1.5, -0.5])  # data ~ N(M, S^2 I)
S = 0.3


class ExactGaussianVelocity(nn.Module):
    """v(x, t) = E[eps - x_0 | x_t = x] for x_0 ~ N(M, S^2 I) on x_t = (1 - t) x_0 + t eps, by Gaussian conditioning:
    x_t ~ N((1 - t) M, ((1 - t)^2 S^2 + t^2) I), Cov(eps - x_0, x_t) = t - (1 - t) S^2 per coordinate, so
    v = -M + (t - (1 - t) S^2) / ((1 - t)^2 S^2 + t^2) (x - (1 - t) M)."""

    def __init__(self, timesteps: int) -> None:
        super().__init__()
        self.timesteps = timesteps
        self.data_shape = (2,)
        self.register_buffer("m", torch.tensor(M, dtype=torch.float64))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        tau = (t.to(torch.float64) / self.timesteps)[:, None]
        var = (1 - tau) ** 2 * S**2 + tau**2
        gain = (tau - (1 - tau) * S**2) / var
        return (-self.m + gain * (x.to(torch.float64) - (1 - tau) * self.m)).to(x.dtype)


def test_path_and_target_follow_the_formula_by_hand() -> None:
    process = FlowMatching(50)
    x0 = torch.randn(6, 2, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([0.0, 5.0, 12.5, 25.0, 40.0, 50.0])  # real-valued steps: times 0, 0.1, 0.25, 0.5, 0.8, 1
    net_input, target = process.training_pair(x0, t, generator=torch.Generator().manual_seed(7))
    eps = torch.randn(6, 2, generator=torch.Generator().manual_seed(7)).numpy()
    tau = t.numpy()[:, None] / 50
    x0n = x0.numpy()
    np.testing.assert_allclose(net_input.numpy(), (1 - tau) * x0n + tau * eps, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(target.numpy(), eps - x0n, rtol=1e-6, atol=1e-6)
    # the path's ends: the data at t = 0, pure noise at t = 1
    np.testing.assert_allclose(net_input.numpy()[0], x0n[0], atol=1e-7)
    np.testing.assert_allclose(net_input.numpy()[-1], eps[-1], atol=1e-7)


def test_training_times_cover_the_unit_interval() -> None:
    torch.manual_seed(0)
    t = FlowMatching(100).sample_train_t(20000) / 100
    assert t.dtype.is_floating_point and 0 <= float(t.min()) < 0.001 and 0.999 < float(t.max()) < 1
    assert abs(float(t.mean()) - 0.5) < 0.01 and abs(float(t.var()) - 1 / 12) < 0.003  # U[0, 1]


def test_the_conversions_invert_the_path() -> None:
    """x0_hat = x - t v, eps_hat = x + (1 - t) v: fed the true target, they give back x_0 and eps."""
    process = FlowMatching(10)
    gen = torch.Generator().manual_seed(3)
    x0, eps = torch.randn(5, 2, generator=gen), torch.randn(5, 2, generator=gen)
    for k in (1, 4, 10):
        x_t = process.add_noise(x0, torch.full((5,), k), eps)
        assert torch.allclose(process.predict_x0(x_t, k, eps - x0), x0, atol=1e-6)
        assert torch.allclose(process.predict_eps(x_t, k, eps - x0), eps, atol=1e-6)


def test_the_forward_chain_has_the_straight_paths_marginals() -> None:
    """Markov steps from a fixed x_0: at step k, mean (1 - k/T) x_0 and std k/T."""
    process = FlowMatching(10)
    x0 = torch.tensor(M, dtype=torch.float32).expand(40000, 2)
    gen = torch.Generator().manual_seed(0)
    x = x0
    for k in range(1, 11):
        x = process.forward_step(x, k, torch.randn(x.shape, generator=gen))
        if k in (3, 7, 10):
            tau = k / 10
            np.testing.assert_allclose(x.mean(0).numpy(), (1 - tau) * M, atol=0.02)
            np.testing.assert_allclose(x.std(0).numpy(), [tau, tau], rtol=0.02)


def _euler_and_heun_errors(steps: int, n: int = 2000) -> dict[str, float]:
    """Largest distance of each sampler's output from the exact flow map z -> M + S z (the ODE of Gaussian data is
    affine: x_t = (1 - t) M + sqrt((1 - t)^2 S^2 + t^2) z)."""
    process, net = FlowMatching(200), ExactGaussianVelocity(200)
    z = torch.randn((n, 2), generator=torch.Generator().manual_seed(5)).numpy()  # sample()'s start from seed 5
    exact = M + S * z
    return {name: float(np.abs(sample(process, net, n, sampler=name, steps=steps, seed=5) - exact).max())
            for name in ("euler", "heun")}


def test_euler_with_the_exact_velocity_carries_noise_to_the_gaussian() -> None:
    process, net = FlowMatching(100), ExactGaussianVelocity(100)
    x = sample(process, net, 8000, sampler="euler", seed=0)  # 100 Euler steps
    np.testing.assert_allclose(x.mean(0), M, atol=0.012)
    np.testing.assert_allclose(x.std(0), [S, S], rtol=0.03)


def test_heun_converges_faster_than_euler() -> None:
    coarse, fine = _euler_and_heun_errors(5), _euler_and_heun_errors(20)
    assert coarse["heun"] * 5 < coarse["euler"]
    assert fine["heun"] * 20 < fine["euler"]
    # orders of convergence: Euler's error falls about 4x from 5 to 20 steps (first order), Heun's about 16x
    assert 2.5 < coarse["euler"] / fine["euler"] < 6
    assert coarse["heun"] / fine["heun"] > 9


def test_heun_needs_the_network() -> None:
    process = FlowMatching(10)
    x = torch.zeros(2, 2)
    with pytest.raises(ValueError):
        process.step(x, 10, 5, x, x, sampler="heun")


def test_flow_is_a_model_name_with_a_conditional_guided_network() -> None:
    config = ExperimentConfig(model="flow", dataset="moons", timesteps=20, conditional=True)
    assert isinstance(build_process(config), FlowMatching)
    task = build_diffusion(config, (2,), num_classes=2)
    torch.manual_seed(0)
    x = torch.randn(64, 2)
    parts = task.loss(x, torch.randint(0, 2, (64,)))
    parts["total"].backward()
    assert torch.isfinite(parts["total"])
    out = sample(task.process, task.module, 8, sampler="heun", steps=4, y=1, guidance=2.0, seed=0)
    assert out.shape == (8, 2) and np.isfinite(out).all()


# ----- minibatch optimal-transport pairs (Tong et al. 2023) -----
def _brute_force_cost(a: np.ndarray, b: np.ndarray) -> float:
    """The least sum of squared distances over every pairing of a's rows with b's (numpy, all n! orders)."""
    from itertools import permutations

    return min(float(((a - b[list(p)]) ** 2).sum()) for p in permutations(range(len(a))))


def test_ot_pairs_reach_the_least_total_squared_distance_within_each_chunk() -> None:
    from core.diffusion.coupling import ot_pairing

    rng = np.random.default_rng(3)
    x0 = torch.tensor(rng.normal(size=(12, 3)))
    eps = torch.tensor(rng.normal(size=(12, 3)))
    paired = ot_pairing(x0, eps, chunk=6).numpy()
    # the same noise draws, reordered only inside each chunk of 6
    for lo in (0, 6):
        block = paired[lo:lo + 6]
        assert sorted(map(tuple, block)) == sorted(map(tuple, eps.numpy()[lo:lo + 6]))
        got = float(((x0.numpy()[lo:lo + 6] - block) ** 2).sum())
        assert got == pytest.approx(_brute_force_cost(x0.numpy()[lo:lo + 6], eps.numpy()[lo:lo + 6]), rel=1e-12)
    independent = float(((x0.numpy() - eps.numpy()) ** 2).sum())
    assert float(((x0.numpy() - paired) ** 2).sum()) < independent


def test_ot_coupling_keeps_the_straight_path_and_its_target() -> None:
    """With the OT pairs, x_t = (1 - t) x_0 + t eps' and the target eps' - x_0 for one reordering eps' of the
    noise: solving the path for eps' gives back a permutation of the draws and the target by hand."""
    process = FlowMatching(50, coupling="ot")
    x0 = torch.randn(40, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    t = torch.linspace(1.0, 49.0, 40, dtype=torch.float64)
    gen = torch.Generator().manual_seed(2)
    x_t, target = process.training_pair(x0, t, gen)
    drawn = torch.randn(40, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64).numpy()
    tau = (t / 50).numpy()[:, None]
    eps_used = (x_t.numpy() - (1 - tau) * x0.numpy()) / tau
    np.testing.assert_allclose(target.numpy(), eps_used - x0.numpy(), atol=1e-9)
    assert sorted(map(tuple, np.round(eps_used, 8))) == sorted(map(tuple, np.round(drawn, 8)))
    assert not np.allclose(eps_used, drawn)  # reordered: 40 Gaussian draws are never already in OT order


def test_the_coupling_is_a_setting_of_the_config_and_refused_for_a_conditional_model() -> None:
    from core.defaults import defaults_for

    assert build_process(ExperimentConfig(model="flow", coupling="ot")).coupling == "ot"
    assert defaults_for(ExperimentConfig(model="flow", dataset="moons")).coupling == "ot"
    assert defaults_for(ExperimentConfig(model="flow", dataset="moons", conditional=True)).coupling == "independent"
    with pytest.raises(ValueError, match="coupling"):
        ExperimentConfig(model="flow", coupling="ot", conditional=True).validate()
    with pytest.raises(ValueError, match="coupling"):
        FlowMatching(10, coupling="sinkhorn")
