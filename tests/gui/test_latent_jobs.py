"""The latent panel's machinery: one network copy class, background passes and PCA fits as session Jobs (stopped at
close, a newer request superseding an older one), and the refresh scheduler's time share of the GUI thread."""
from __future__ import annotations

import gc
import time
import weakref

import numpy as np
import pytest
import torch

from core.metrics import pca_fit
from core.training import snapshot_weights
from gendiff_gui.latent import background_encoder
from gendiff_gui.latent.background_encoder import BackgroundEncoder, encode_parts
from gendiff_gui.latent.pca_baseline import _CACHE, PcaBaseline, principal_components
from gendiff_gui.latent.refresh_scheduler import RefreshScheduler
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.network_copy import NetworkCopy, frozen_module


@torch.no_grad()
def _codes(module, x: np.ndarray) -> np.ndarray:
    """The module's own codes; uint8 test images (grey levels) scaled to [0, 1] here, independently of core."""
    pixels = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x
    return module.encode(torch.from_numpy(pixels)).numpy()


def _halved(snapshot: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v * np.float32(0.5) for k, v in snapshot.items()}


# ----- the network copy -----
def test_a_network_copy_loads_snapshots_lazily_and_hands_out_independent_frozen_copies(vae):
    net = NetworkCopy(vae.module)
    assert net.is_vae and net.data_shape == (1, 28, 28)
    x = vae.test_data.x[:7]
    np.testing.assert_allclose(net.encode(x), _codes(vae.module, x), atol=1e-6)
    assert net.decode(net.encode(x)).shape == x.shape == net.reconstruct(x).shape

    weights = _halved(snapshot_weights(vae.module))
    assert not net.load({"W": np.zeros((2, 2), np.float32)}) and net.version == 0  # another model's weights
    assert net.load(weights) and net.version == 1
    for key, value in net.module().state_dict().items():
        np.testing.assert_array_equal(value.numpy(), weights[key])

    frozen = net.frozen_copy()
    assert frozen is not net.module() and not frozen.training
    assert all(not p.requires_grad and p.device.type == "cpu" for p in frozen.parameters())
    with torch.no_grad():
        next(frozen.parameters()).zero_()
    assert np.abs(next(net.module().parameters()).numpy()).max() > 0  # the worker's copy is its own
    bare = frozen_module(vae.module)
    assert bare is not vae.module and all(not p.requires_grad for p in bare.parameters())
    assert next(vae.module.parameters()).requires_grad  # the original is left as it was


def test_a_pass_encodes_in_chunks_and_stops_between_them(vae, monkeypatch):
    monkeypatch.setattr(background_encoder, "CHUNK", 100)
    net = NetworkCopy(vae.module)
    calls = []
    encode = net.encode
    monkeypatch.setattr(net, "encode", lambda x: calls.append(len(x)) or encode(x))
    x = vae.test_data.x[:250]
    codes = encode_parts(net, [x, x[:0]], None, lambda: False)
    assert calls == [100, 100, 50] and codes[1] is None
    np.testing.assert_allclose(codes[0], _codes(vae.module, x), atol=1e-6)
    calls.clear()
    assert encode_parts(net, [x], None, lambda: len(calls) >= 1) is None and calls == [100]


# ----- the background encoder -----
def test_each_pass_is_a_job_and_the_newest_request_made_during_a_pass_wins(qtbot, vae):
    encoder = BackgroundEncoder(min_period_s=0.0, rest=0.0)
    encoder.set_network(NetworkCopy(vae.module))
    started, passes = [], []
    x = vae.test_data.x[:1200]
    late = _halved(snapshot_weights(vae.module))

    def during_the_first_pass(_job) -> None:  # runs as the job is about to start
        if len(started) == 1:
            encoder.submit([x], _halved(late))
            encoder.submit([x], late)  # this one wins

    encoder.job_started.connect(started.append)
    encoder.job_started.connect(during_the_first_pass)
    encoder.done.connect(passes.append)
    encoder.submit([x])
    qtbot.waitUntil(lambda: len(passes) == 2 and not encoder.busy, timeout=40000)
    assert len(started) == 2 and all(isinstance(job, Job) for job in started) and encoder.jobs() == []
    np.testing.assert_allclose(passes[0][0], _codes(vae.module, x), atol=1e-6)
    expected = NetworkCopy(vae.module)
    expected.load(late)
    np.testing.assert_allclose(passes[1][0], expected.encode(x), atol=1e-6)


def test_a_finished_pass_lets_go_of_its_snapshot_without_the_cycle_collector(qtbot, vae):
    """Each pass's weights are freed as it ends. Held by a reference cycle (the call and its worker), every pass
    left its snapshot to the cycle collector: tens of MB of sawtooth while training."""
    encoder = BackgroundEncoder(min_period_s=0.0, rest=0.0)
    encoder.set_network(NetworkCopy(vae.module))
    passes = []
    encoder.done.connect(passes.append)
    snapshot = _halved(snapshot_weights(vae.module))
    alive = [weakref.ref(array) for array in snapshot.values()]
    gc.collect()
    gc.disable()
    try:
        encoder.submit([vae.test_data.x[:300]], snapshot)
        del snapshot
        qtbot.waitUntil(lambda: len(passes) == 1 and not encoder.busy, timeout=20000)
        qtbot.wait(20)  # the finished job is dropped on the next turn of the event loop
        assert [ref() is None for ref in alive] == [True] * len(alive)
    finally:
        gc.enable()


def test_a_cancelled_pass_is_stopped_and_its_result_dropped(qtbot, vae):
    encoder = BackgroundEncoder()
    encoder.set_network(NetworkCopy(vae.module))
    passes, jobs = [], []
    encoder.done.connect(passes.append)
    encoder.job_started.connect(jobs.append)
    encoder.job_started.connect(lambda _job: encoder.cancel())
    encoder.submit([vae.test_data.x[:5000]])
    qtbot.waitUntil(lambda: bool(jobs) and not encoder.busy, timeout=10000)
    qtbot.wait(50)
    assert passes == [] and jobs[0].worker.stop_requested


# ----- the PCA baseline -----
def test_principal_components_span_the_svd_subspace_and_stop_between_blocks():
    x = np.random.default_rng(0).random((9000, 1, 8, 8)).astype(np.float32)
    flat = x.reshape(len(x), -1).astype(np.float64)
    _u, _s, vt = np.linalg.svd(flat - flat.mean(0), full_matrices=False)  # independent: SVD of the centred data
    got = principal_components(x, 4, lambda: False)
    np.testing.assert_allclose(np.abs(np.sum(got * vt[:4], axis=1)), 1.0, atol=1e-8)  # same directions, up to sign
    asked = []
    assert principal_components(x, 4, lambda: asked.append(1) or len(asked) > 1) is None and len(asked) == 2


def test_a_fit_is_a_job_cached_once_and_superseded_by_a_newer_request(qtbot):
    rng = np.random.default_rng(1)
    small = rng.random((500, 1, 28, 28)).astype(np.float32)
    big = rng.random((40000, 1, 28, 28)).astype(np.float32)
    pca = PcaBaseline()
    started = []
    pca.job_started.connect(started.append)
    with qtbot.waitSignal(pca.ready, timeout=30000) as ready:
        pca.request("test-small", small, 3)
    np.testing.assert_allclose(ready.args[0], pca_fit(small, 3)[1], atol=1e-10)
    with qtbot.waitSignal(pca.ready, timeout=10):  # known now: at once, no new job
        pca.request("test-small", small, 3)
    assert len(started) == 1
    pca.request("test-big", big, 3)
    fit = started[-1]
    assert fit.alive
    t0 = time.perf_counter()
    with qtbot.waitSignal(pca.ready, timeout=10):
        pca.request("test-small", small, 3)  # supersedes the big fit: it stops at its next block of rows
    qtbot.waitUntil(lambda: not pca.jobs(), timeout=10000)
    assert time.perf_counter() - t0 < 5 and ("test-big", 40000, 3) not in _CACHE


# ----- in the window -----
def test_the_window_panel_decodes_with_the_sessions_copy_and_closing_stops_its_jobs(qtbot, window, caplog):
    from core.config import ExperimentConfig

    panel = window.view("Latent space")
    _CACHE.pop(("mnist", 60000, 5), None)
    window.start(ExperimentConfig(model="linear-ae", dataset="mnist", latent_dim=5, seed=0))
    qtbot.waitUntil(lambda: window.session.experiment is not None and bool(panel.pca.jobs()), timeout=60000)
    assert panel._net is window.snapshots.network  # one CPU copy for the GUI thread
    assert panel.encoder.net is not panel._net  # the passes' threads have their own
    jobs = panel.jobs()
    window.close()  # the PCA fit of 60,000 images is under way: it stops at its next block of rows
    assert jobs and all(job.wait(0) for job in jobs)  # every thread has ended ...
    assert "did not stop" not in caplog.text  # ... within the window's close timeout


# ----- the refresh scheduler -----
def test_refreshes_run_one_step_a_turn_and_keep_to_their_share_of_the_thread(qtbot):
    ran, begun = [], []

    def steps() -> list:
        begun.append(time.perf_counter())
        return [lambda: time.sleep(0.02), lambda: ran.append("a"), lambda: ran.append("b")]

    scheduler = RefreshScheduler(steps, share=0.1)
    scheduler.request()
    scheduler.request()  # one on its way already: nothing more
    qtbot.waitUntil(lambda: scheduler.running, timeout=2000)
    scheduler.then(lambda: [lambda: ran.append("then")])
    qtbot.waitUntil(lambda: not scheduler.running and len(ran) == 3, timeout=2000)
    assert ran == ["a", "b", "then"] and len(begun) == 1
    scheduler.request()
    assert scheduler.waiting
    scheduler.cancel()
    qtbot.wait(300)
    assert len(begun) == 1
    scheduler.request()  # the last refresh cost >= 20 ms: the next begins >= 200 ms after it began
    qtbot.waitUntil(lambda: len(begun) == 2, timeout=3000)
    assert begun[1] - begun[0] >= 0.19


@pytest.fixture(autouse=True)
def _forget_test_fits():
    yield
    for key in [k for k in _CACHE if k[0].startswith("test-")]:
        del _CACHE[key]
