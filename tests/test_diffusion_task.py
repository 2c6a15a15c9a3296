"""DiffusionTask and build_diffusion: training lowers the loss, rebuilds are exact, EMA, labels, pixels; denoisers; metric."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.config import ExperimentConfig
from core.data.toy2d import make_toy
from core.diffusion import build_diffusion
from core.diffusion.ema import EMADenoiser
from core.models.denoisers import MLPDenoiser, UNetDenoiser

torch.set_num_threads(1)


def _adam_steps(task, x: torch.Tensor, steps: int, batch: int = 256, lr: float = 2e-3) -> list[float]:
    opt = torch.optim.Adam(task.module.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        idx = torch.randint(0, len(x), (batch,))
        out = task.loss(x[idx], None)
        opt.zero_grad()
        out["total"].backward()
        opt.step()
        losses.append({k: float(v.detach()) for k, v in out.items()})
    return losses


def test_short_ddpm_training_on_moons_lowers_the_loss() -> None:
    torch.manual_seed(0)
    task = build_diffusion(ExperimentConfig(model="diffusion", dataset="moons", timesteps=100), (2,), 0)
    x = torch.from_numpy(make_toy("moons", 4000, 0))
    losses = [step["total"] for step in _adam_steps(task, x, 200)]
    assert np.mean(losses[-50:]) < 0.75 * np.mean(losses[:20])
    assert task.module.updates == 200  # the weight average followed every training step


def _fixed_noise_loss(task, x: torch.Tensor, part: str) -> float:
    torch.manual_seed(123)  # the same t and noise draws before and after training
    with torch.no_grad():
        return float(task.loss(x, None)[part])


def test_short_lecture_training_lowers_the_bridge_loss() -> None:
    # the lecture's loss ||f(x_{t+dt}) - x_t||^2 is mostly the noise of its target (sigma^2 dt per coordinate); the
    # same objective against the Brownian-bridge mean E[x_t | x_{t+dt}, x_0] ("bridge") shows the learning
    torch.manual_seed(0)
    config = ExperimentConfig(model="gaussian-diffusion", dataset="moons", timesteps=100, diffusion_sigma=2.0)
    task = build_diffusion(config, (2,), 0)
    x = torch.from_numpy(make_toy("moons", 4000, 0))
    before = _fixed_noise_loss(task, x, "bridge")
    losses = _adam_steps(task, x, 200)
    assert set(losses[0]) == {"total", "denoise", "bridge"}
    assert _fixed_noise_loss(task, x, "bridge") < 0.92 * before
    noise_floor = 2.0**2 / 100  # sigma^2 dt: the exact f's expected loss is a little below it
    assert np.mean([s["total"] for s in losses[-50:]]) < 1.1 * noise_floor


@pytest.mark.parametrize("model", ["diffusion", "gaussian-diffusion"])
@pytest.mark.parametrize("shape,classes", [((2,), 0), ((2,), 3), ((1, 28, 28), 10)])
def test_build_diffusion_rebuilds_the_same_module(model: str, shape, classes: int) -> None:
    config = ExperimentConfig(model=model, timesteps=50, conditional=classes > 0, channels=8)
    a = build_diffusion(config, shape, classes)
    state = torch.get_rng_state()
    b = build_diffusion(config, shape, classes)
    assert torch.equal(torch.get_rng_state(), state)  # building leaves the global RNG alone
    sa, sb = a.module.state_dict(), b.module.state_dict()
    assert list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)
    b.module.load_state_dict(sa)  # a checkpoint's state_dict fits a module built from its config
    other = build_diffusion(config.replace(seed=1), shape, classes).module.state_dict()
    assert any(not torch.equal(sa[k], other[k]) for k in sa if sa[k].is_floating_point())


def test_ema_is_saved_but_not_optimised_and_only_moves_in_training() -> None:
    task = build_diffusion(ExperimentConfig(model="diffusion", timesteps=20), (2,), 0)
    module = task.module
    assert isinstance(module, EMADenoiser)
    n_params = sum(p.numel() for p in module.parameters())
    assert n_params == sum(p.numel() for p in module.live.parameters())
    assert any(k.startswith("average.") for k in module.state_dict())
    before = {k: v.clone() for k, v in module.average.state_dict().items()}
    x = torch.randn(64, 2)
    with torch.no_grad():
        task.loss(x, None)  # an evaluation: the average stays
    assert all(torch.equal(before[k], v) for k, v in module.average.state_dict().items())
    _adam_steps(task, x, 3, batch=64)
    assert int(module.updates) == 3
    assert any(not torch.equal(before[k], v) for k, v in module.average.state_dict().items())
    off = build_diffusion(ExperimentConfig(model="diffusion", timesteps=20, ema_decay=0.0), (2,), 0)
    assert isinstance(off.module, MLPDenoiser)


def test_conditional_task_drops_labels_to_the_null_class() -> None:
    task = build_diffusion(ExperimentConfig(model="diffusion", conditional=True, cond_drop=0.3), (2,), 4)
    torch.manual_seed(0)
    y = torch.randint(0, 4, (20000,))
    dropped = task._labels(y, len(y), torch.device("cpu"))
    null = dropped == 4
    assert abs(float(null.float().mean()) - 0.3) < 0.02
    assert torch.equal(dropped[~null], y[~null])
    assert bool((task._labels(None, 5, torch.device("cpu")) == 4).all())
    with pytest.raises(ValueError):
        build_diffusion(ExperimentConfig(model="diffusion", conditional=True), (2,), 0)


def test_image_task_maps_pixels_to_minus_one_one_and_back() -> None:
    task = build_diffusion(ExperimentConfig(model="diffusion", timesteps=10, channels=8), (1, 28, 28), 0)
    seen = {}

    def spy(x, t, y=None):
        seen["x"] = x
        return torch.zeros_like(x)

    task.module.live.forward = spy
    x = torch.ones(4, 1, 28, 28)  # white pixels; at t = 1 x_t is close to the model-space value 1
    object.__setattr__(task.process, "sample_train_t", lambda b, device="cpu": torch.ones(b, dtype=torch.long))
    task.loss(x, None)
    assert abs(float(seen["x"].mean()) - 1.0) < 0.1
    task.loss(torch.zeros(4, 1, 28, 28), None)
    assert abs(float(seen["x"].mean()) + 1.0) < 0.1
    samples = build_diffusion(ExperimentConfig(model="diffusion", timesteps=10, channels=8), (1, 28, 28), 0).sample(
        2, sampler="ddim", steps=2)
    assert samples.shape == (2, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1


def test_denoiser_shapes_and_sizes() -> None:
    unet = UNetDenoiser((1, 28, 28), base=32, timesteps=200, num_classes=10)
    n_params = sum(p.numel() for p in unet.parameters())
    assert 500_000 <= n_params <= 2_000_000
    x = torch.randn(3, 1, 28, 28)
    t = torch.tensor([1, 100, 200])
    assert unet(x, t, torch.tensor([0, 5, 10])).shape == x.shape and unet(x, t).shape == x.shape
    mlp = MLPDenoiser(2, 128, 3, 100)
    assert mlp(torch.randn(5, 2), torch.arange(5)).shape == (5, 2)


@pytest.mark.parametrize("classes", [0, 3])
def test_points_sharing_a_step_get_what_each_gets_alone_and_the_same_gradients(classes: int) -> None:
    torch.manual_seed(0)
    mlp = MLPDenoiser(2, 32, 2, 100, num_classes=classes).eval()
    x = torch.randn(6, 2)
    y = torch.full((6,), 1) if classes else None
    one_by_one = torch.cat([mlp(x[i:i + 1], torch.tensor([40]), None if y is None else y[i:i + 1])
                            for i in range(6)])
    with torch.no_grad():
        assert torch.allclose(mlp(x, torch.full((6,), 40), y), one_by_one, atol=1e-6)
        mixed = torch.tensor([40, 40, 40, 40, 40, 7])  # one point at another step: no sharing
        alone = mlp(x[5:], torch.tensor([7]), None if y is None else y[5:])
        assert torch.allclose(mlp(x, mixed, y)[5:], alone, atol=1e-6)
        if classes:  # labels differ: each point keeps its own
            labels = torch.tensor([0, 1, 2, 0, 1, 2])
            each = torch.cat([mlp(x[i:i + 1], torch.tensor([40]), labels[i:i + 1]) for i in range(6)])
            assert torch.allclose(mlp(x, torch.full((6,), 40), labels), each, atol=1e-6)
    # gradients reach the embedding through the one shared row as through separate ones
    for batch_steps in (torch.tensor([40, 7, 40, 7, 40, 99]), torch.full((6,), 40)):
        mlp.zero_grad()
        mlp(x, batch_steps, y).square().sum().backward()
        shared = [p.grad.clone() for p in mlp.parameters()]
        mlp.zero_grad()
        sum(mlp(x[i:i + 1], batch_steps[i:i + 1], None if y is None else y[i:i + 1]).square().sum()
            for i in range(6)).backward()
        assert all(torch.allclose(a, p.grad, atol=1e-5) for a, p in zip(shared, mlp.parameters()))
    if classes:
        with pytest.raises(IndexError):
            mlp(x, torch.full((6,), 40), torch.full((6,), classes + 1))  # no such class: refused, not folded
