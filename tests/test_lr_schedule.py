"""Cosine decay of the learning rate: the schedule against its formula, and the updates Adam really makes with it."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from core.config import ExperimentConfig
from core.experiment import Experiment
from core.lr_schedule import cosine_lr, lr_schedule
from core.training import train


def test_cosine_lr_is_the_closed_form() -> None:
    k = np.arange(10)
    expected = 0.01 * 0.5 * (1 + np.cos(np.pi * k / 10))  # Loshchilov & Hutter eq. 5, eta_min = 0, T = 10
    assert np.allclose([cosine_lr(0.01, 10)(int(i)) for i in k], expected, rtol=0, atol=1e-15)
    assert lr_schedule("none", 0.01, 10) is None
    with pytest.raises(ValueError):
        lr_schedule("cosine", 0.01, None)


class _Constant:
    """loss = sum(w): a constant gradient of ones, so each Adam update moves w by its learning rate (m/sqrt(v) = 1)."""

    def __init__(self) -> None:
        self.module = nn.Linear(1, 1, bias=False)
        nn.init.zeros_(self.module.weight)

    def loss(self, x, y):
        return {"total": self.module.weight.sum()}


def _ones():
    while True:
        yield torch.zeros(1, 1), None


def test_adam_takes_each_step_at_the_scheduled_rate() -> None:
    task, steps, base = _Constant(), 8, 0.1
    events = list(train(task, _ones(), steps=steps, lr=base, lr_schedule=cosine_lr(base, steps)))
    rates = [base * 0.5 * (1 + math.cos(math.pi * k / steps)) for k in range(steps)]
    assert [e.lr for e in events] == pytest.approx(rates, abs=1e-12)
    # Adam's update of a constant gradient g is lr * g / (|g| + eps'): w = -sum of the rates (eps costs ~1e-8)
    assert task.module.weight.detach().item() == pytest.approx(-sum(rates), rel=1e-6)


def test_an_experiment_decays_over_a_run_of_steps_and_keeps_its_lr_when_open_ended() -> None:
    config = ExperimentConfig(model="diffusion", dataset="moons", timesteps=10, lr=2e-3, lr_decay="cosine",
                              batch_size=64, seed=0)
    exp = Experiment.create(config)
    fixed = [e.lr for e in exp.train(steps=5)]
    assert fixed == pytest.approx([2e-3 * 0.5 * (1 + math.cos(math.pi * k / 5)) for k in range(5)])
    assert {e.lr for e in exp.train(seconds=0.2)} == {2e-3}
    with pytest.raises(ValueError):
        ExperimentConfig(lr_decay="linear").validate()
