"""Training through the window: curves fill, Stop finishes, progress is coalesced, pause holds, rapid clicks never
train twice, divergence, closing."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from core.cpu_wait import thread_cpu_times
from core.experiment import Experiment
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.workers import TrainWorker
from gendiff_gui.shell.status import format_duration


def _points(window, part: str = "reconstruction") -> int:
    curve = window.loss_curves.curves.get(part)
    return 0 if curve is None or curve.getData()[0] is None else len(curve.getData()[0])


def _last_step(window) -> int:
    p = window.status._latest
    return p.step if p is not None else 0


def test_training_adds_points_to_the_loss_curves_and_finishes_after_stop(qtbot, ready_window):
    w = ready_window
    w.train()
    qtbot.waitUntil(lambda: _points(w) > 3, timeout=20000)
    x, y = w.loss_curves.curves["reconstruction"].getData()
    assert np.all(np.isfinite(y)) and np.all(np.diff(x) > 0)
    assert set(w.loss_curves.curves) == {"reconstruction"}  # an AE's total is its reconstruction: one curve
    with qtbot.waitSignal(w.session.run_finished, timeout=20000) as finished:
        w.session.stop()
    result = finished.args[0]
    assert not result.diverged and result.message.startswith("stopped at step")
    qtbot.waitUntil(lambda: w.session.state == "idle", timeout=20000)
    assert w.session.experiment.steps_done == result.step > 0
    assert w.snapshots.step == result.step


def test_progress_loses_no_step(qtbot, ready_window):
    w = ready_window
    received = []
    w.session.progress.connect(received.append)
    w.session.experiment.config = w.session.experiment.config.replace(steps=600)
    w.session.train()
    with qtbot.waitSignal(w.session.run_finished, timeout=40000):
        pass
    steps = np.concatenate([p.steps for p in received])
    np.testing.assert_array_equal(steps, np.arange(1, 601))
    if thread_cpu_times() is not None:  # each report says how long the training thread waited for a core
        assert all(p.core_wait is not None and 0.0 <= p.core_wait <= 1.0 for p in received)


@pytest.mark.parametrize("emit_hz, emits", [(1e-6, 1), (1e9, 600)], ids=["one-emit-per-run", "one-per-step"])
def test_progress_coalesces_the_steps_between_two_emits(qtbot, toy_config, emit_hz, emits):
    """The emit rate is the only thing that decides how steps are grouped: an interval longer than the run sends
    its 600 steps in one progress, a zero interval one progress a step (how many a second the window gets:
    benchmarks/bench_gui_training.py, progress_emits_per_s)."""
    worker = TrainWorker(Experiment.create(toy_config.replace(steps=600)), steps=600, emit_hz=emit_hz)
    received, done = [], []
    worker.progress.connect(received.append)
    worker.done.connect(done.append)
    job = Job("train", worker)
    with qtbot.waitSignal(job.finished, timeout=40000):
        job.start()
    assert done and done[0].step == 600
    sizes = [len(p.steps) for p in received if len(p.steps)]  # (the run's last snapshot may come on its own)
    assert sizes == [600 // emits] * emits
    np.testing.assert_array_equal(np.concatenate([p.steps for p in received]), np.arange(1, 601))


@pytest.mark.parametrize("pace, emits", [(1.0, 37), (0.25, 11)])
def test_progress_comes_pace_times_as_often_on_a_contended_machine(qtbot, toy_config, monkeypatch, pace, emits):
    """The worker's clock advances 1/64 s a step (a fake clock, exact in binary): at 20 emits a second (0.05 s
    apart) one emit every 4 steps of a 150-step run, 37; at a quarter pace (0.2 s apart) every 13 steps, 11;
    then the rest of the run in its last emit."""
    from types import SimpleNamespace

    import gendiff_gui.session.workers as workers

    clock = [0.0]

    def perf_counter() -> float:
        clock[0] += 1 / 64
        return clock[0]

    monkeypatch.setattr(workers, "time", SimpleNamespace(perf_counter=perf_counter))
    worker = TrainWorker(Experiment.create(toy_config.replace(steps=150)), steps=150, emit_hz=20.0)
    worker.set_pace(pace)
    received = []
    worker.progress.connect(received.append)
    job = Job("train", worker)
    with qtbot.waitSignal(job.finished, timeout=40000):
        job.start()
    with_steps = [p for p in received if len(p.steps)]
    assert len(with_steps) in (emits, emits + 1)
    np.testing.assert_array_equal(np.concatenate([p.steps for p in with_steps]), np.arange(1, 151))


def test_pause_holds_the_steps_and_resume_continues(qtbot, ready_window, monkeypatch):
    w = ready_window
    newest = [0]  # the newest step the training loop has yielded to the worker
    held_at = []  # that step when the worker blocked on the pause, and when it went on
    train, wait_while_paused = Experiment.train, TrainWorker.wait_while_paused

    def spied_train(self, **kwargs):
        events = train(self, **kwargs)
        try:
            for event in events:
                newest[0] = event.step
                yield event
        finally:
            events.close()

    def spied_wait(self) -> float:
        held_at.append(newest[0])
        seconds = wait_while_paused(self)
        held_at.append(newest[0])
        return seconds

    monkeypatch.setattr(Experiment, "train", spied_train)
    monkeypatch.setattr(TrainWorker, "wait_while_paused", spied_wait)
    w.train()
    qtbot.waitUntil(lambda: _last_step(w) > 0, timeout=20000)
    w.session.pause()
    assert w.session.state == "paused" and w.commands.train.text() == "Resume"
    qtbot.waitUntil(lambda: bool(held_at), timeout=20000)  # the worker blocks ...
    held = held_at[0]
    qtbot.waitUntil(lambda: _last_step(w) == held, timeout=20000)  # ... once the step in flight is on screen
    assert len(held_at) == 1 and w.session.state == "paused", "the worker went on while paused"
    w.session.resume()
    qtbot.waitUntil(lambda: _last_step(w) > held, timeout=20000)
    assert held_at[1] == held  # no step while it was blocked
    with qtbot.waitSignal(w.session.run_finished, timeout=20000):
        w.session.stop()


def test_rapid_train_and_stop_never_run_two_workers(qtbot, ready_window, monkeypatch):
    w = ready_window
    exp = w.session.experiment
    active, peak, lock = [0], [0], threading.Lock()
    original = type(exp).train

    def counting_train(self, **kwargs):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            yield from original(self, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(type(exp), "train", counting_train)
    for _ in range(6):
        w.train()
        w.session.stop()
    w.train()  # waits for the stopping job, then starts
    qtbot.waitUntil(lambda: w.session.state == "training" and _last_step(w) > 0, timeout=20000)
    assert len([j for j in w.session.jobs() if j.name == "train"]) == 1
    with qtbot.waitSignal(w.session.run_finished, timeout=20000):
        w.session.stop()
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)
    assert peak[0] == 1


def test_a_diverging_run_stops_with_a_message_and_finite_weights(qtbot, window, toy_config):
    window.start(toy_config.replace(lr=1e6))
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=40000)
    with qtbot.waitSignal(window.session.run_finished, timeout=80000) as finished:
        window.train()
    assert finished.args[0].diverged, finished.args[0].message
    print(finished.args[0].message)
    assert "diverged" in window.messages.text() and window.messages.level == "error"
    qtbot.waitUntil(lambda: not window.session.busy, timeout=20000)
    assert all(np.isfinite(v).all() for v in window.snapshots.snapshot.values())
    assert all(bool(p.isfinite().all()) for p in window.session.experiment.module.parameters())
    assert "kept the weights of step 0" in finished.args[0].message  # stopped at its first update
    # every progress of the run was emitted before its `done`, and arrived before run_finished
    for part, series in window.loss_curves.series.items():  # whatever reached the curves is finite
        assert np.all(np.isfinite(series.arrays()[1])), part


def test_closing_mid_training_stops_and_joins_the_job(qtbot, ready_window, caplog):
    """How long the close takes: benchmarks/bench_shutdown.py."""
    w = ready_window
    w.train()
    qtbot.waitUntil(lambda: _last_step(w) > 0, timeout=20000)
    job = next(job for job in w.session.jobs() if job.name == "train")
    w.close()
    assert job.wait(0)  # the close returned with the thread ended; the leak guard checks every QThread too
    assert "did not stop" not in caplog.text


def test_a_run_of_set_length_shows_progress_rate_and_elapsed_time(qtbot, ready_window):
    w = ready_window
    w.panel.editors["steps"].setValue(300)  # "Run length (steps)" in the panel
    with qtbot.waitSignal(w.session.run_finished, timeout=40000) as finished:
        w.train()
    assert finished.args[0].step == 300
    status = w.status
    assert status.progress.isVisible()
    qtbot.waitUntil(lambda: status.progress.value() == 1000, timeout=8000)
    assert status.step.text() == "step 300"
    assert status.rate.text().endswith("steps/s") and status.steps_per_s > 0
    assert status.elapsed.text() == format_duration(status._latest.active_seconds)


def test_train_with_settings_that_cannot_build_reports_and_keeps_the_model(qtbot, ready_window, toy_config):
    w = ready_window
    before = w.session.experiment
    w.session.train(toy_config.replace(model="conv-ae"))  # convolutions need 28x28 images, not 2-D points
    qtbot.waitUntil(lambda: w.messages.level == "error", timeout=40000)
    assert "conv" in w.messages.text()
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)
    assert w.session.experiment is before and w.session.state == "idle"


def test_rapid_resets_build_only_the_last_request(qtbot, ready_window, toy_config):
    w = ready_window
    for seed in (1, 2, 3):
        w.session.reset(toy_config.replace(seed=seed))
    qtbot.waitUntil(lambda: not w.session.busy and w.session.experiment.config.seed == 3, timeout=40000)


def test_a_running_job_outlives_its_collected_owner(qtbot):
    """A QThread destroyed while it runs aborts the process: a job whose owner is garbage (a closed window's
    view) keeps its thread until the thread has ended, and still reports `finished`."""
    import gc

    from gendiff_gui.session.workers import Worker

    release, ended = threading.Event(), []

    class Blocks(Worker):
        def work(self) -> None:
            release.wait(10)

    job = Job("orphan", Blocks())
    job.finished.connect(lambda j: ended.append(j.name))
    job.start()
    del job
    gc.collect()  # without the running-jobs registry this destroys the running QThread: Qt aborts
    release.set()
    qtbot.waitUntil(lambda: ended == ["orphan"], timeout=5000)
