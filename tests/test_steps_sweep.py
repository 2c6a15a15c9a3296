"""The steps sweep and the live quality figure: shapes, and quality that improves with steps on an exact field."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.diffusion.ddpm import DDPM
from core.diffusion.flow import FlowMatching
from core.diffusion.lecture import GaussianDiffusion
from core.diffusion.sampling import sample
from core.sample_quality import SweepStopped, live_quality, steps_sweep
from tests.test_flow_matching import M, S, ExactGaussianVelocity

torch.set_num_threads(1)
REFERENCE = (M + S * np.random.default_rng(1).normal(size=(1200, 2))).astype(np.float32)


def block_distance_by_hand(points: np.ndarray, reference: np.ndarray, block: int) -> float:
    """The expected energy distance between a block of `block` distinct points and one of the reference:
    2 E|X - Y| - (1 - 1/block) (E|X - X'| + E|Y - Y'|), the means over every pair (distinct members within a set),
    from the full distance matrices."""
    def mean_distance(u, v, distinct):
        d = np.sqrt(((u[:, None, :].astype(np.float64) - v[None, :, :]) ** 2).sum(-1))
        return d.sum() / (len(u) * (len(u) - 1)) if distinct else d.mean()

    within = mean_distance(points, points, True) + mean_distance(reference, reference, True)
    return 2.0 * mean_distance(points, reference, False) - (1.0 - 1.0 / block) * within


def test_sweep_shapes_and_distance_falling_with_steps_on_the_exact_field() -> None:
    process = FlowMatching(50)
    sweep = steps_sweep(process, ExactGaussianVelocity(50), REFERENCE, steps=(1, 2, 5, 50, 100), n=600, seed=0)
    assert sweep.metric == "energy_distance" and set(sweep.distance) == {"euler", "heun"}
    assert all(len(row) == 5 for row in sweep.distance.values())
    euler, heun = sweep.distance["euler"], sweep.distance["heun"]
    assert math.isnan(euler[4]) and math.isnan(heun[4])  # 100 steps on a 50-step grid: not taken
    assert euler[0] > euler[1] > euler[2] > euler[3]  # 1 Euler step collapses every sample onto M
    assert heun[0] > heun[2] and heun[1] > heun[3]
    assert euler[3] < 1.5 * sweep.floor  # 50 steps: about as close as data to data
    # no other data given: the reference's second half is the floor's data, its first half the reference
    assert sweep.floor == pytest.approx(block_distance_by_hand(REFERENCE[600:], REFERENCE[:600], 600), rel=2e-3)
    samples = sample(process, ExactGaussianVelocity(50), 600, sampler="euler", steps=5, seed=0)
    assert euler[2] == pytest.approx(block_distance_by_hand(samples, REFERENCE[:600], 600), rel=2e-3)
    ratio = sweep.to_dict()["ratio"]["euler"]
    assert ratio[0] == pytest.approx(euler[0] / sweep.floor)


def test_sweep_takes_each_process_its_own_step_counts() -> None:
    lecture = steps_sweep(GaussianDiffusion(2.0, 10), _Zero(), REFERENCE, steps=(5, 10), n=50)
    assert list(lecture.distance) == ["lecture"] and math.isnan(lecture.distance["lecture"][0])
    assert np.isfinite(lecture.distance["lecture"][1])
    ddpm = steps_sweep(DDPM(10), _Zero(), REFERENCE, steps=(2,), samplers=("ddim",), n=50)
    assert list(ddpm.distance) == ["ddim"] and len(ddpm.distance["ddim"]) == 1


def test_sweep_stops_when_asked() -> None:
    asked = []
    with pytest.raises(SweepStopped):
        steps_sweep(FlowMatching(10), _Zero(), REFERENCE, steps=(1, 2), n=20, should_stop=lambda: asked.append(1)
                    or len(asked) > 2)
    assert len(asked) == 3


def test_live_quality_is_the_energy_distance_of_a_small_seeded_sample() -> None:
    process, net = FlowMatching(50), ExactGaussianVelocity(50)
    good = live_quality(net, process, REFERENCE, n_small=300, seed=0)
    assert good == live_quality(net, process, REFERENCE, n_small=300, seed=0)  # seeded
    samples = sample(process, net, 300, seed=0)  # against blocks of 300 of all 1,200 reference points
    assert good == pytest.approx(block_distance_by_hand(samples, REFERENCE, 300), rel=2e-3)
    bad = live_quality(net, process, REFERENCE + 1.0, n_small=300, seed=0)  # data moved away from the model
    assert good < 0.1 * bad


class _Zero(torch.nn.Module):
    """A network that outputs zeros (any process takes it; only the shapes matter)."""

    def __init__(self) -> None:
        super().__init__()
        self.data_shape = (2,)
        self.register_buffer("anchor", torch.zeros(1))

    def forward(self, x, t, y=None):
        return torch.zeros_like(x)


def test_the_sweep_floor_is_the_expected_block_distance_of_the_other_data() -> None:
    data = (M + S * np.random.default_rng(2).normal(size=(500, 2))).astype(np.float32)
    sweep = steps_sweep(FlowMatching(10), _Zero(), REFERENCE, data, steps=(1,), n=100)
    assert sweep.floor == pytest.approx(block_distance_by_hand(data, REFERENCE, 100), rel=2e-3)
    assert steps_sweep(FlowMatching(10), _Zero(), REFERENCE, data[:99], steps=(1,), n=100).floor is None
