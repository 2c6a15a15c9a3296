"""Cosine decay of the learning rate: the schedule against its formula, and the updates Adam really makes with it."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from core.config import ExperimentConfig
from core.experiment import Experiment
from core.lr_schedule import cosine_lr, lr_schedule, run_progress
from core.training import train


def test_cosine_lr_is_the_closed_form() -> None:
    k = np.arange(10)
    expected = 0.01 * 0.5 * (1 + np.cos(np.pi * k / 10))  # Loshchilov & Hutter eq. 5, eta_min = 0, T = 10
    assert np.allclose([cosine_lr(0.01)(i / 10) for i in k], expected, rtol=0, atol=1e-15)
    assert cosine_lr(0.01)(1.5) == pytest.approx(0.0, abs=1e-18)  # past the end (a timed run's last step): 0
    assert lr_schedule("none", 0.01) is None
    with pytest.raises(ValueError):
        lr_schedule("linear", 0.01)


def test_the_share_of_a_run_done_counts_steps_seconds_or_the_nearer_end() -> None:
    assert run_progress(3, 100.0, 12, None) == 0.25
    assert run_progress(3, 5.0, None, 20.0) == 0.25
    assert run_progress(3, 15.0, 12, 20.0) == 0.75 and run_progress(9, 5.0, 12, 20.0) == 0.75
    with pytest.raises(ValueError):
        run_progress(0, 0.0, None, None)


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
    events = list(train(task, _ones(), steps=steps, lr=base, lr_schedule=cosine_lr(base)))
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
    open_ended = exp.train()
    assert {next(open_ended).lr for _ in range(5)} == {2e-3}  # no length: nothing to decay over
    open_ended.close()


def test_a_timed_run_anneals_by_the_clock() -> None:
    """Each update's lr is the formula at the time it was made: between its own event's elapsed seconds and the
    previous event's (the lr is set after the step's loss, before the event), so it falls as time passes."""
    task, base, seconds = _Constant(), 0.1, 0.3
    events = list(train(task, _ones(), seconds=seconds, lr=base, snapshot_every_s=1e9,
                        lr_schedule=cosine_lr(base)))
    assert len(events) > 3 and events[-1].done
    f = [base * 0.5 * (1 + math.cos(math.pi * min(e.seconds / seconds, 1.0))) for e in events]
    before = [base] + f[:-1]
    for event, low, high in zip(events[:-1], f, before):  # the last (done) event carries the last update's lr too
        assert low - 1e-12 <= event.lr <= high + 1e-12
    assert events[-2].lr < 0.5 * base  # more than half the time gone by the last updates
    with pytest.raises(ValueError):
        ExperimentConfig(lr_decay="linear").validate()
