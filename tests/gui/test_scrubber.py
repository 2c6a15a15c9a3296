"""The diffusion scrubber: the frames shown are the sampler's, playing while sampling, guidance, forward, memory."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from core.config import ExperimentConfig
from core.experiment import Experiment
from gendiff_gui.diffusion.panel import DiffusionPanel
from core.diffusion import DDPM, GaussianDiffusion
from core.diffusion.runs import FORWARD, RunSpec, denoise_frames, forward_state, predicted_x0
from gendiff_gui.diffusion.trajectory import Trajectory
from core.diffusion.frames import Frame

MOONS = ExperimentConfig(model="diffusion", dataset="moons", timesteps=40, seed=0)
LECTURE = ExperimentConfig(model="gaussian-diffusion", dataset="moons", timesteps=30, seed=0)
# T = 40, not 20: core's linear schedule rescaled to T = 20 reaches beta_T = 1 (alpha-bar_T = 0, NaN frames)
MNIST = ExperimentConfig(model="diffusion", dataset="mnist", conditional=True, channels=8, timesteps=40,
                         batch_size=32, lr=1e-2, seed=0)


@pytest.fixture(scope="module")
def moons():
    return Experiment.create(MOONS)


@pytest.fixture(scope="module")
def mnist():
    """A tiny conditional U-Net trained for 3 steps (untrained, its zero output layer ignores the class)."""
    exp = Experiment.create(MNIST)
    for _event in exp.train(steps=3):
        pass
    return exp


def _panel(qtbot, exp, **kwargs) -> DiffusionPanel:
    panel = DiffusionPanel(**kwargs)
    qtbot.addWidget(panel)
    panel.resize(1000, 640)
    panel.show()
    panel.set_experiment(exp)
    return panel


def _finish(qtbot, panel, timeout=15000) -> None:
    qtbot.waitUntil(lambda: not panel.running and not panel.busy, timeout=timeout)


def _settle(qtbot, panel, changed=lambda: False, timeout=15000) -> None:
    """Until nothing is pending that could start a run: no sampling job alive, no run producing frames, and
    Follow training's delayed look (after a run completes or new weights arrive) has happened; or until
    `changed()` (what the caller then asserts did not happen) is True."""
    qtbot.waitUntil(lambda: changed() or (not panel.busy and not panel.running
                                          and not panel.runs._follow_timer.isActive()), timeout=timeout)


def _close(panel) -> None:
    assert panel.shutdown()


def test_the_frame_at_each_slider_position_is_the_samplers_frame_for_that_t(qtbot, moons):
    panel = _panel(qtbot, moons, particles=64, seed=3)
    panel.controls.sampler.setCurrentIndex(panel.controls.sampler.findData("ddim"))
    panel.controls.steps.setValue(10)  # as a key press would: not dragging, so it resamples
    _finish(qtbot, panel)
    expected = list(moons.task.sample_frames(64, sampler="ddim", steps=10, seed=3))
    assert [int(t) for t in panel.trajectories[0].ts] == [f.t for f in expected]
    for position in (0, 4, 10):
        panel.scrubber.slider.setValue(position)
        frame = expected[position]
        assert panel.scrubber.t == frame.t
        np.testing.assert_array_equal(panel.particles[0].cloud.points(), frame.x_t.astype(np.float64))
        assert panel.particles[0].title.text().startswith(f"t = {frame.t} ")
    _close(panel)


def test_play_starts_while_sampling_runs_advances_and_stops_at_t0(qtbot, moons):
    panel = DiffusionPanel(particles=3000)
    qtbot.addWidget(panel)
    panel.show()
    panel.scrubber.set_speed(120)
    seen = []
    panel.scrubber.index_changed.connect(lambda i: seen.append((i, panel.trajectories[0].complete)))
    panel.set_experiment(moons)  # autoplay
    assert panel.scrubber.playing
    qtbot.waitUntil(lambda: not panel.scrubber.playing, timeout=60000)
    indices = [i for i, _ in seen]
    assert indices == sorted(indices) and indices[-1] == len(panel.trajectories[0]) - 1
    assert panel.scrubber.t == 0 and panel.scrubber.at_end
    assert any(i > 0 and not complete for i, complete in seen)  # played frames before sampling ended
    shown_before, restarts = len(seen), []
    panel.scrubber.playing_changed.connect(restarts.append)
    _settle(qtbot, panel, lambda: bool(restarts))  # the job's end and Follow training's look: what could restart it
    assert not panel.scrubber.playing and panel.scrubber.t == 0  # stopped, no loop
    assert restarts == [] and len(seen) == shown_before
    _close(panel)


def test_keys_play_pause_and_step(qtbot, moons):
    panel = _panel(qtbot, moons, particles=32)
    panel.scrubber.pause()
    _finish(qtbot, panel)
    panel.setFocus()
    panel.scrubber.set_index(5)
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    assert panel.scrubber.index == 6
    qtbot.keyClick(panel, Qt.Key.Key_Left)
    qtbot.keyClick(panel, Qt.Key.Key_Left)
    assert panel.scrubber.index == 4
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert panel.scrubber.playing
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert not panel.scrubber.playing
    qtbot.keyClick(panel, Qt.Key.Key_End)
    assert panel.scrubber.t == 0
    _close(panel)


def test_changing_guidance_or_class_resamples_with_the_new_setting(qtbot, mnist):
    panel = _panel(qtbot, mnist, images=4)
    panel.controls.sampler.setCurrentIndex(panel.controls.sampler.findData("ddim"))
    panel.controls.steps.setValue(4)
    _finish(qtbot, panel)
    before = panel.trajectories[0].last.x_t
    assert np.isfinite(before).all()
    assert panel.specs()[0].guidance == 2.0 and panel.specs()[0].y == 0
    panel.controls.guidance.setValue(50)  # w = 5.0, released
    _finish(qtbot, panel)
    spec = panel.specs()[0]
    assert spec.guidance == 5.0
    expected = mnist.task.sample(4, sampler="ddim", steps=4, y=0, guidance=5.0, seed=0)
    np.testing.assert_array_equal(panel.trajectories[0].last.x_t, expected)
    assert np.abs(expected - before).max() > 1e-4
    panel.controls.label.setCurrentIndex(panel.controls.label.findData(7))
    _finish(qtbot, panel)
    np.testing.assert_array_equal(panel.trajectories[0].last.x_t,
                                  mnist.task.sample(4, sampler="ddim", steps=4, y=7, guidance=5.0, seed=0))
    shown_x_t, shown_x0 = panel.grids[0].shown()
    assert shown_x_t is not None and shown_x0 is not None
    _close(panel)


def test_forward_mode_starts_at_the_chosen_image_and_denoises_from_any_t(qtbot, mnist):
    panel = _panel(qtbot, mnist, images=4)
    _finish(qtbot, panel)
    panel.controls.item.setValue(7)
    panel.controls.mode.setCurrentIndex(panel.controls.mode.findData(FORWARD))
    _finish(qtbot, panel)
    forward = panel.trajectories[0]
    chosen = mnist.test_data.floats(7)[0]
    assert forward[0].t == 0 and forward.last.t == 40 and len(forward) == 41
    for image in forward[0].x_t[:, 0]:  # (up to the float rounding of pixels -> [-1, 1] -> pixels)
        np.testing.assert_allclose(image, chosen, atol=1e-6)
    chain = list(mnist.task.forward_frames(forward[0].x_t * 0 + chosen, seed=0))  # core's chain, same noises
    for frame, expected in zip(forward, chain):
        np.testing.assert_array_equal(frame.x_t, expected.x_t)
    with torch.no_grad():  # beside x_t: the denoiser's x0 estimate, not the original
        x = forward_state(mnist.task.process, forward[0].x_t * 0 + chosen, 0, 30)
        eps = mnist.task.module.average(x, torch.full((4,), 30))
        abar = float(mnist.task.process.alpha_bar(30))
        x0 = ((x - (1 - abar) ** 0.5 * eps) / abar ** 0.5).clamp(-1, 1)
    np.testing.assert_allclose(forward[30].x0_pred, ((x0 + 1) / 2).numpy(), atol=1e-6)
    panel.scrubber.set_index(12)
    x_t_shown = forward[12].x_t
    panel.denoise_from_here()
    _finish(qtbot, panel)
    back = panel.trajectories[0]
    assert [int(t) for t in back.ts] == list(range(12, -1, -1))  # DDPM, every step from t = 12 down
    assert all(np.isfinite(f.x_t).all() and np.isfinite(f.x0_pred).all() for f in back)
    np.testing.assert_array_equal(back[0].x_t, x_t_shown)  # it starts from the x_t that was on screen
    assert panel.controls.denoise_button.text() == "Back to noising"
    _close(panel)


def test_two_samplers_side_by_side_start_from_the_same_noise(qtbot, moons):
    panel = _panel(qtbot, moons, particles=50)
    panel.controls.compare.setChecked(True)
    _finish(qtbot, panel)
    ddpm, ddim = panel.trajectories
    assert len(ddpm) == 41 and len(ddim) == 5  # DDPM all 40 steps, DDIM T // 10 = 4 steps
    np.testing.assert_array_equal(ddpm[0].x_t, ddim[0].x_t)
    panel.scrubber.set_index(15)  # t = 25: DDIM is still at its frame t = 30
    assert panel.shown_frame(1).t == 30
    np.testing.assert_array_equal(panel.particles[1].cloud.points(), ddim[1].x_t.astype(np.float64))
    assert panel.particles[1].isVisible()
    _close(panel)


def test_vector_field_arrows_point_to_the_predicted_x0(qtbot, moons):
    panel = _panel(qtbot, moons, particles=32)
    _finish(qtbot, panel)
    panel.scrubber.set_index(10)
    panel.controls.field.setChecked(True)
    t = panel.scrubber.t
    origins, vectors = panel.field_at(t)
    target = predicted_x0(moons.task.process, moons.task.module, origins, t)
    direction = (target - origins) / np.linalg.norm(target - origins, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), direction, atol=1e-5)
    with torch.no_grad():  # DDPM: x0 = (x - sqrt(1 - abar) eps) / sqrt(abar), eps from the EMA network
        net = moons.task.module.average
        eps = net(torch.from_numpy(origins), torch.full((len(origins),), t))
        abar = float(moons.task.process.alpha_bar(t))
        x0 = (torch.from_numpy(origins) - (1 - abar) ** 0.5 * eps) / abar ** 0.5
    np.testing.assert_allclose(target, x0.numpy(), atol=1e-5)
    _close(panel)


@pytest.mark.parametrize("config", [MOONS, LECTURE], ids=["ddpm", "lecture"])
def test_denoise_frames_from_x_T_is_the_sampler_and_forward_state_is_the_forward_chain(config):
    exp = Experiment.create(config)
    process = exp.task.process
    sampler = process.samplers[-1]  # "ddim" for DDPM, "lecture" for the lecture's process
    steps = None if process.fixed_steps else 7
    expected = list(exp.task.sample_frames(20, sampler=sampler, steps=steps, eta=0.5, seed=4))
    gen = torch.Generator().manual_seed(4)
    x_T = process.prior((20, 2), gen)
    got = list(denoise_frames(process, exp.task.module, x_T, process.timesteps, sampler=sampler, steps=steps,
                              eta=0.5, generator=gen))
    assert [f.t for f in got] == [f.t for f in expected]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a.x_t, b.x_t)
        np.testing.assert_array_equal(a.x0_pred, b.x0_pred)
    x0 = exp.test_data.floats(slice(0, 10))
    chain = list(exp.task.forward_frames(x0, seed=9))
    np.testing.assert_array_equal(forward_state(process, x0, 9, 13).numpy(), chain[13].x_t)
    if process.fixed_steps:  # the lecture's sampler: every step from t, and no other step count
        assert process.reverse_timesteps(None, start=23) == list(range(23, -1, -1))
        with pytest.raises(ValueError):
            process.reverse_timesteps(8, start=23)
    else:
        assert process.reverse_timesteps(8, start=23) == [23, 20, 15, 10, 5, 0]


def _frame(t: int, nbytes: int) -> Frame:
    half = np.zeros(nbytes // 8, np.float32)
    return Frame(t=t, x_t=half, x0_pred=half.copy())


def test_trajectory_keeps_every_frame_under_budget_then_every_other_with_t_T_and_0():
    frames = [_frame(t, 1000) for t in range(100, -1, -1)]  # 101 frames of 1000 bytes
    roomy = Trajectory(budget_bytes=10**6)
    for f in frames:
        roomy.append(f)
    assert len(roomy) == 101 and roomy.stride == 1
    tight = Trajectory(budget_bytes=30_000)
    for f in frames:
        tight.append(f)
        assert tight.nbytes <= 30_000
    tight.finish()
    ts = tight.ts
    assert ts[0] == 100 and ts[-1] == 0 and tight.peak_nbytes <= 30_000
    assert tight.stride == 4 and len(tight) == 26  # t = 100, 96, ..., 4, 0
    assert np.all(np.diff(ts) == -4)
    assert tight.index_at(50) == list(ts).index(52)  # the frame that had reached t = 50 (not past it)


def test_forward_spec_describes_itself():
    assert "forward" in RunSpec(kind=FORWARD).describe(DDPM(100))
    assert RunSpec(sampler="ddim", steps=20, eta=0.5).describe(DDPM(100)) == "DDIM · 20 steps · η = 0.5"
    assert RunSpec(sampler="ddpm", eta=0.5).describe(DDPM(100)) == "DDPM · 100 steps"  # η only where it is read
    assert RunSpec().describe(GaussianDiffusion(2.0, 30)) == "lecture's sampler · 30 steps"


def test_follow_training_samples_again_with_new_weights_once_the_run_has_played_to_t0(qtbot, moons):
    panel = _panel(qtbot, moons, particles=40)
    panel.scrubber.set_speed(240)
    qtbot.waitUntil(lambda: panel.scrubber.at_end and not panel.running, timeout=60000)
    first = panel.trajectories[0]
    started = []
    panel.runs.runs_started.connect(lambda specs, _autoplay: started.append(specs))
    panel.set_snapshot({k: v.numpy().copy() for k, v in moons.module.state_dict().items()})  # the same weights
    _settle(qtbot, panel, lambda: bool(started))  # Follow training has looked (new weights: a run by now)
    assert panel.trajectories[0] is first and started == []  # nothing new to show
    weights = {k: v.numpy().copy() for k, v in moons.module.state_dict().items()}
    for key in weights:
        if key.startswith("average.") and key.endswith("out.bias"):
            weights[key] = weights[key] + 0.5  # as if training had moved the output layer
    panel.set_snapshot(weights)
    qtbot.waitUntil(lambda: panel.trajectories[0] is not first and not panel.running, timeout=60000)
    assert panel.scrubber.playing or panel.scrubber.at_end
    assert np.abs(panel.trajectories[0].last.x_t - first.last.x_t).max() > 1e-3
    _close(panel)


def test_a_long_run_plays_faster_until_the_user_picks_a_speed(qtbot):
    from gendiff_gui.diffusion.views.scrubber import Scrubber

    scrubber = Scrubber()
    qtbot.addWidget(scrubber)
    for timesteps, fps in ((100, 30), (200, 30), (1000, 120), (2000, 240)):  # about 8 s a run, never below 30 /s
        scrubber.set_horizon(timesteps)
        assert scrubber.fps == fps, timesteps
    scrubber.speed.setCurrentIndex(scrubber.speed.findData(10))
    scrubber.speed.activated.emit(scrubber.speed.currentIndex())  # what a click or a key on the list sends
    scrubber.set_horizon(1000)
    assert scrubber.fps == 10
