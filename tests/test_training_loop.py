"""The training loop: events carry numpy/floats only, stop flags are honoured, divergence keeps the last good weights."""
from __future__ import annotations

import threading

import numpy as np
import torch

from core.autoencoder_task import AutoencoderTask
from core.models.autoencoders import LinearAutoencoder
from core.training import train


def _batches(seed=0):
    gen = torch.Generator().manual_seed(seed)
    while True:
        yield torch.randn(64, 8, generator=gen), None


def test_events_are_plain_numbers_and_snapshots_are_numpy():
    torch.manual_seed(0)
    events = list(train(AutoencoderTask(LinearAutoencoder((8,), 2)), _batches(), steps=20, snapshot_every_s=0))
    assert [e.step for e in events] == list(range(1, 21))
    assert events[-1].done and "finished" in events[-1].message
    for e in events:
        assert all(isinstance(v, float) for v in e.losses.values())
        assert e.snapshot is None or all(isinstance(v, np.ndarray) for v in e.snapshot.values())
    assert events[0].snapshot is not None and events[-1].snapshot is not None


def test_stop_flag_ends_the_run():
    stop = threading.Event()
    seen = []
    for e in train(AutoencoderTask(LinearAutoencoder((8,), 2)), _batches(), stop=stop):
        seen.append(e)
        if e.step == 5:
            stop.set()
    assert seen[-1].done and seen[-1].step == 5 and "stopped" in seen[-1].message


def test_divergence_stops_and_keeps_last_good_weights():
    torch.manual_seed(0)
    model = LinearAutoencoder((8,), 2)
    initial = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    events = list(train(AutoencoderTask(model), _batches(), lr=1000.0, steps=1000, snapshot_every_s=0))
    last = events[-1]
    assert last.diverged and last.done
    assert "diverged" in last.message and "smaller learning rate" in last.message
    assert len(events) <= 3  # a learning rate of 1000 is caught within a step or two
    assert all(torch.isfinite(p).all() for p in model.parameters())
    # the kept weights are exactly those of the last step whose loss was sane
    good = next((e.snapshot for e in events[:-1] if e.step == last.step), initial)
    for k, v in good.items():
        np.testing.assert_array_equal(model.state_dict()[k].numpy(), v)


def test_nan_loss_on_the_first_step_keeps_the_initial_weights():
    torch.manual_seed(0)
    model = LinearAutoencoder((8,), 2)
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def poisoned():
        while True:
            yield torch.full((4, 8), float("nan")), None

    events = list(train(AutoencoderTask(model), poisoned(), steps=10))
    assert len(events) == 1 and events[0].diverged
    for k, v in before.items():
        torch.testing.assert_close(model.state_dict()[k], v)
