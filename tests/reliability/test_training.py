"""Training under abuse: a learning rate of 1000 for every model family (core and window), Start/Stop pressed 100
times, and the program closed while it trains and samples (a subprocess stops its sampling worker, exits 0)."""
from __future__ import annotations

import signal
import sys
import threading
import time

import numpy as np
import pytest
import torch

from core.config import ExperimentConfig
from core.experiment import Experiment
from gendiff_gui.session.workers import TrainWorker

FAMILIES = {  # every model family, small
    "linear-ae": ExperimentConfig(model="linear-ae", dataset="moons", latent_dim=1),
    "ae": ExperimentConfig(model="ae", dataset="moons", latent_dim=1, hidden=32),
    "vae": ExperimentConfig(model="vae", dataset="moons", latent_dim=2, hidden=32),
    "conv-vae": ExperimentConfig(model="conv-vae", dataset="mnist", latent_dim=2, batch_size=32),
    # Sigmoid decoders on images: the loss stays bounded however far the weights fly (the norm guard stops them)
    "ae-images": ExperimentConfig(model="ae", dataset="mnist", latent_dim=2, hidden=64),
    "conv-ae": ExperimentConfig(model="conv-ae", dataset="mnist", latent_dim=2, batch_size=32, noise_sigma=0.5),
    "diffusion": ExperimentConfig(model="diffusion", dataset="moons", timesteps=50),
    "gaussian-diffusion": ExperimentConfig(model="gaussian-diffusion", dataset="moons", timesteps=50),
}
HUGE_LR = 1000.0


def _weights(module) -> dict[str, np.ndarray]:
    """The trained weights (parameters). A diffusion model's EMA buffers are left out: the loop folds the last good
    weights into the average at the next step's start, so a restored EMA holds one more (sane) fold."""
    return {k: v.detach().numpy().copy() for k, v in module.named_parameters()}


def _assert_kept(state: dict, expected: dict[str, np.ndarray], what: str = "") -> None:
    """`state` (a state_dict or a snapshot) holds exactly the `expected` weights, and only finite values."""
    for key, value in state.items():
        value = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        assert value.dtype.kind != "f" or np.isfinite(value).all(), f"{what} {key} is not finite"
        if key in expected:
            np.testing.assert_array_equal(value, expected[key], err_msg=f"{what} {key}")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_huge_learning_rate_stops_within_a_step_and_keeps_the_last_good_weights(family):
    """Five sane steps, then the teacher types lr = 1000: the next run ends after one step with the weights of
    step 5 and a message that says so."""
    exp = Experiment.create(FAMILIES[family])
    for _ in exp.train(steps=5, snapshot_every_s=0):
        pass
    assert exp.steps_done == 5
    good = _weights(exp.module)
    exp.config = exp.config.replace(lr=HUGE_LR)
    events = list(exp.train(steps=100, snapshot_every_s=0))
    last = events[-1]
    assert last.done and last.diverged and len(events) <= 2, [e.message for e in events]
    assert "diverged" in last.message and "kept the weights of step 5" in last.message
    assert "smaller learning rate" in last.message
    assert exp.steps_done == 5
    _assert_kept(exp.module.state_dict(), good, family)
    _assert_kept(last.snapshot, good, f"{family} snapshot")  # the views get the kept weights too


@pytest.mark.parametrize("flags, reason", [
    (["--hidden", "0"], "hidden must be at least 1"),
    (["--hidden", "-3"], "hidden must be at least 1"),
    (["--timesteps", "1000000000"], "timesteps must be at most"),
    (["--lr", "0"], "lr must be > 0"),
])
def test_impossible_settings_on_the_command_line_are_one_line_and_exit_2(capsys, flags, reason):
    """Before: a negative width reached torch ("negative dimension", a traceback), a billion timesteps tried to
    allocate gigabytes."""
    from core import cli

    model = ["--model", "diffusion"] if "--timesteps" in flags else ["--model", "ae"]
    assert cli.main(["train", *model, "--dataset", "moons", "--steps", "1", *flags]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and reason in err, err


def test_the_window_says_so_and_keeps_the_weights_for_every_family(qtbot, window, patience):
    """Through the window: the run ends by itself, the message is an error naming the divergence, the model and the
    views' snapshot keep the weights from before the run, and training again with a sane rate works."""
    s = window.session
    for family, config in FAMILIES.items():
        window.panel.set_config(config.replace(lr=HUGE_LR))
        s.reset(window.panel.config())
        built = (config.model, config.dataset)
        qtbot.waitUntil(lambda: s.state == "idle" and (s.experiment.config.model, s.experiment.config.dataset) == built,
                        timeout=patience)
        before = _weights(s.experiment.module)
        with qtbot.waitSignal(s.run_finished, timeout=patience) as finished:
            window.train()
        result = finished.args[0]
        assert result.diverged and result.step == 0, (family, result.message)
        qtbot.waitUntil(lambda: not s.busy, timeout=patience)
        assert window.messages.level == "error" and "diverged" in window.messages.text(), family
        assert "kept the weights of step 0" in window.messages.text()
        _assert_kept(s.experiment.module.state_dict(), before, family)
        _assert_kept(window.snapshots.snapshot, before, f"{family} snapshot")
        window.panel.editors["lr"].setValue(1e-3)  # and it trains again
        window.panel.editors["steps"].setValue(3)
        with qtbot.waitSignal(s.run_finished, timeout=patience) as finished:
            window.train()
        assert not finished.args[0].diverged and finished.args[0].step == 3, family
        qtbot.waitUntil(lambda: not s.busy, timeout=patience)


def test_start_and_stop_pressed_100_times_never_run_two_workers(qtbot, window, patience, monkeypatch):
    window.start(FAMILIES["ae"])
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=patience)
    runs: list[list[float]] = []  # [start, end] of every worker's work(), from its own thread
    lock = threading.Lock()
    work = TrainWorker.work

    def timed_work(self) -> None:
        with lock:
            span = [time.monotonic(), float("inf")]
            runs.append(span)
        try:
            work(self)
        finally:
            span[1] = time.monotonic()

    monkeypatch.setattr(TrainWorker, "work", timed_work)
    steps: list[np.ndarray] = []
    window.session.progress.connect(lambda p: steps.append(p.steps))
    rng = np.random.default_rng(8)
    toolbar = window.commands
    for press in range(100):
        choice = rng.integers(4)
        if choice == 0:
            toolbar.train.trigger()  # the toolbar: a no-op while disabled, as for a user
        elif choice == 1:
            toolbar.stop.trigger()
        elif choice == 2:
            toolbar.toggle.trigger()  # Space
        else:
            window.train()  # Train pressed again and again (what a double click on Train does)
            window.session.stop()
        if rng.random() < 0.3:
            qtbot.wait(int(rng.integers(1, 15)))
        live = [job for job in window.session.jobs() if job.name == "train"]
        assert len(live) <= 1, f"press {press}: {len(live)} training jobs"
    window.session.stop()
    qtbot.waitUntil(lambda: not window.session.busy, timeout=patience)
    assert len(runs) >= 10, "too few runs started for the test to mean anything"
    spans = sorted(runs)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start, "two training workers ran at the same time"
    done = np.concatenate(steps) if steps else np.zeros(0, np.int64)
    np.testing.assert_array_equal(done, np.arange(1, len(done) + 1))  # every step once, in order
    assert window.session.experiment.steps_done == window.snapshots.step == len(done)


# ----- closing the real program -----
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("train", [False, True], ids=["sampling", "sampling-and-training"])
def test_closing_mid_sampling_stops_the_sampler_and_exits_0(probed_program, train):
    """An MNIST diffusion model samples as soon as it is on screen (its U-Net steps take a while); SIGTERM closes
    the window as its close button does: the sampling worker is stopped and joined, the exit status is 0. (A
    training step of this model may outlast the close's 1.5 s bound on a loaded machine: the exit then ends it.
    How fast the close is: benchmarks/bench_shutdown.py.)"""
    program = probed_program("--model", "diffusion", "--dataset", "mnist", *(["--train"] if train else []),
                             "--verbose", GENDIFF_THREADS="1")
    program.wait_for("probe: sampling frames")  # well into the run: its first frames are out
    if train:
        program.wait_for("probe: training started")
    assert "probe: sampling ended" not in program.text(), "sampling ended before the close"
    status, stderr = program.close(signal.SIGTERM)
    assert status == 0, stderr
    assert "probe: sampling ended" in stderr  # the worker was stopped, not abandoned at the exit
    assert "Destroyed while thread" not in stderr and "Traceback" not in stderr, stderr
