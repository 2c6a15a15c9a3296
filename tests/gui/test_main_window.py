"""The main window: checkpoints through the File menu's code path, views per family, panel, presentation, settings."""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from core.defaults import defaults_for
from gendiff_gui.shell.main_window import MainWindow
from gendiff_gui.widgets.theme import NORMAL, PRESENTATION, presentation_for


def _train_a_little(qtbot, w, steps=50):
    w.session.experiment.config = w.session.experiment.config.replace(steps=steps)
    with qtbot.waitSignal(w.session.run_finished, timeout=40000):
        w.session.train()
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)


def test_a_bad_checkpoint_shows_a_message_and_keeps_the_model(qtbot, ready_window, tmp_path):
    w = ready_window
    before = w.session.experiment
    bad = tmp_path / "random.safetensors"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    w.open_checkpoint(bad)  # what File > Open does once the dialog returns
    qtbot.waitUntil(lambda: w.messages.level == "error", timeout=40000)
    assert "random.safetensors" in w.messages.text() and "kept" in w.messages.text()
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)
    assert w.session.experiment is before and w.session.state == "idle"


def test_save_then_open_restores_weights_config_and_step(qtbot, ready_window, tmp_path, toy_config):
    w = ready_window
    _train_a_little(qtbot, w)
    saved = {k: v.copy() for k, v in w.snapshots.snapshot.items()}
    path = tmp_path / "model.safetensors"
    assert w.save_checkpoint(path)
    w.session.reset(toy_config.replace(seed=5))
    qtbot.waitUntil(lambda: w.session.state == "idle" and w.snapshots.step == 0, timeout=40000)
    w.open_checkpoint(path)
    qtbot.waitUntil(lambda: w.snapshots.step == 50 and not w.session.busy, timeout=40000)
    assert w.session.experiment.config.seed == 0
    for key, value in saved.items():
        np.testing.assert_array_equal(w.snapshots.snapshot[key], value)


def test_views_decode_with_a_copy_holding_the_latest_snapshot(qtbot, ready_window):
    w = ready_window
    _train_a_little(qtbot, w)
    copy = w.snapshots.module()
    assert copy is not w.session.experiment.module
    for key, value in copy.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), w.snapshots.snapshot[key])
    x = w.snapshots.test_data.x[:5]
    assert w.snapshots.reconstruct(x).shape == x.shape


def test_views_are_shown_only_for_their_model_family(qtbot, ready_window, toy_config):
    w = ready_window
    only_vae, autoencoders = QLabel("vae view"), QLabel("ae view")
    w.add_view("Only VAE", only_vae, families={"vae"})
    w.add_view("Auto-encoders", autoencoders, families={"autoencoder", "vae"})
    tabs = w.view_tabs

    def shown():
        return [tabs.isTabVisible(tabs.indexOf(view)) for view in (only_vae, autoencoders)]

    assert shown() == [False, True]  # a linear auto-encoder is on screen
    assert not tabs.isHidden()
    with qtbot.waitSignal(w.snapshots.experiment_ready, timeout=40000) as ready:
        w.session.reset(toy_config.replace(model="vae", hidden=16))
    assert ready.args[0] is w.session.experiment and ready.args[0].config.model == "vae"
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)
    assert shown() == [True, True]


def test_a_family_view_is_built_with_its_first_model_and_keeps_its_tab_place(qtbot, ready_window, toy_config):
    w = ready_window  # a linear auto-encoder: no diffusion panel is built, the latent space is
    assert "Latent space" in w.views() and "Diffusion" not in w.views() and "Latent diffusion" not in w.views()
    calls = []
    w.install_later("Late", {"vae"}, lambda win: (calls.append(1), win.add_view("Late", QLabel("late"), {"vae"})))
    w.install_later("Asked for", {"vae"}, lambda win: win.add_view("Asked for", QLabel("asked"), {"vae"}))
    assert calls == [] and w.view("Asked for") is not None  # view(name) builds that one only
    assert calls == [] and "Late" not in w.views()
    with qtbot.waitSignal(w.snapshots.experiment_ready, timeout=40000):
        w.session.reset(toy_config.replace(model="vae", hidden=16))
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)
    assert calls == [1]  # its family's first model built it, once
    with qtbot.waitSignal(w.snapshots.experiment_ready, timeout=40000):
        w.session.reset(toy_config.replace(model="vae", hidden=8))
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)
    assert calls == [1]
    diffusion = w.view("Diffusion")  # asked for by name (a lesson, a test): built without a diffusion model
    names = [w.view_tabs.tabText(i) for i in range(w.view_tabs.count())]
    # registration order, not building order: the built-in views first, then "Late" before "Asked for"
    assert names == ["Latent space", "Diffusion", "Late", "Asked for"]
    assert not w.view_tabs.isTabVisible(w.view_tabs.indexOf(diffusion))
    assert w.view_tabs.isTabVisible(w.view_tabs.indexOf(w.view("Late")))


def test_panel_shows_only_the_settings_of_the_chosen_model(qtbot, window):
    panel = window.panel
    panel.model.setCurrentText("vae")
    visible = {name for name, editor in panel.editors.items() if panel._form.isRowVisible(editor)}
    assert {"latent_dim", "noise_sigma", "beta", "lr", "batch_size"} <= visible
    assert not {"timesteps", "schedule", "diffusion_sigma"} & visible
    panel.model.setCurrentText("linear-ae")
    visible = {name for name, editor in panel.editors.items() if panel._form.isRowVisible(editor)}
    assert "beta" not in visible and "hidden" not in visible
    assert "x' = x + eps, eps ~ N(0, sigma^2)" in panel.editors["noise_sigma"].toolTip()
    panel.editors["lr"].setValue(3e-4)
    assert panel.config().lr == 3e-4 and panel.config().model == "linear-ae"
    panel.dataset.setCurrentText("fashion-mnist")  # a new choice starts from core's defaults for it
    assert panel.config() == defaults_for(panel.config()) and panel.config().lr != 3e-4


def test_presentation_mode_enlarges_hides_the_panel_and_esc_leaves(qtbot, ready_window):
    w = ready_window
    before = w.size()
    w.commands.presentation.trigger()
    assert w.presenting and w.isFullScreen() and w.panel_dock.isHidden()
    expected = presentation_for(w.screen().availableGeometry().height())
    assert QApplication.font().pointSizeF() == expected.font_pt > NORMAL.font_pt
    w.commands.toggle.trigger()  # Space
    qtbot.waitUntil(lambda: w.session.state == "training", timeout=20000)
    w.commands.toggle.trigger()
    assert w.session.state == "paused"
    w.commands.leave_presentation.trigger()  # Esc
    assert not w.presenting and not w.isFullScreen() and not w.panel_dock.isHidden()
    assert w.theme is NORMAL and QApplication.font().pointSizeF() == NORMAL.font_pt
    # back at its own size, or the least the normal look needs (the docks once came back at presentation sizes,
    # the window 1,586 px wide on a 1,280 px screen)
    assert w.width() <= max(before.width(), w.minimumSizeHint().width()), (before, w.size(), w.minimumSizeHint())
    assert w.height() <= max(before.height(), w.minimumSizeHint().height()), (before, w.size())
    with qtbot.waitSignal(w.session.run_finished, timeout=20000):
        w.session.stop()


def test_space_and_escape_keys_reach_their_actions(qtbot, ready_window):
    w = ready_window
    w.set_presentation(True)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=8000)
    qtbot.keyClick(w.loss_curves.plot_widget, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.session.state == "training", timeout=20000)
    qtbot.keyClick(w.loss_curves.plot_widget, Qt.Key.Key_Escape)
    assert not w.presenting
    with qtbot.waitSignal(w.session.run_finished, timeout=20000):
        w.session.stop()


def test_settings_persist_geometry_theme_and_last_experiment(qtbot, ready_window, toy_config):
    w = ready_window
    hint = w.minimumSizeHint()
    target = (max(700, hint.width() + 10), max(500, hint.height() + 10))  # inside the 800x600 offscreen screen
    w.resize(*target)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == target, timeout=8000)
    normal_size = w.size()
    w.set_presentation(True)
    w.close()
    qtbot.waitUntil(lambda: not w.session.busy, timeout=20000)
    assert os.listdir(os.environ["GENDIFF_SETTINGS_DIR"])
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.restore_settings() is True  # it was closed in presentation mode
    screen = again.screen().availableGeometry()
    if normal_size.width() <= screen.width() and normal_size.height() <= screen.height():
        assert again.size() == normal_size
    else:  # the offscreen screen (800x600) is smaller than the window's minimum: Qt clamps, the restore can't match
        assert again.size().width() >= min(normal_size.width(), screen.width()) - 16  # less a frame
    from gendiff_gui.shell.settings import load_config

    assert load_config(again.settings) == toy_config


def test_export_the_loss_plot_as_png_and_svg(qtbot, ready_window, tmp_path):
    w = ready_window
    _train_a_little(qtbot, w, steps=20)
    png = w.export_plot("Loss curves", tmp_path / "loss.png")
    svg = w.export_plot("Loss curves", tmp_path / "loss.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()


def test_a_bad_start_checkpoint_leaves_its_error_visible_after_the_default_model_is_built(qtbot, window, tmp_path,
                                                                                         toy_config):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x80\x04not a checkpoint")
    window.start(toy_config, checkpoint=bad)
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=40000)
    assert window.session.experiment.config == toy_config
    assert window.messages.level == "error" and "bad.safetensors" in window.messages.text()
    assert window.statusBar().currentMessage().startswith("Ready")


def test_closing_stops_the_jobs_views_hand_to_the_window(qtbot, window):
    import threading
    import time

    from gendiff_gui.session.jobs import Job
    from gendiff_gui.session.workers import Worker

    started = threading.Event()

    class Sampling(Worker):  # stands in for a view's sampling worker: works until asked to stop
        def work(self):
            started.set()
            while not self.stop_requested:
                time.sleep(0.005)

    job = Job("sampling", Sampling(), window)
    window.track_job(job)
    job.start()
    assert started.wait(5)
    window.close()
    assert job.wait(0)


def test_presentation_sizes_follow_the_screen_height():
    assert presentation_for(1080) is PRESENTATION and presentation_for(2160) is PRESENTATION
    small = presentation_for(800)
    assert small.font_pt == round(PRESENTATION.font_pt * 800 / 1080, 1) and small.icon_px < PRESENTATION.icon_px
    assert presentation_for(300).font_pt == 12.0  # never below a readable size


def test_save_and_open_without_a_path_ask_with_a_file_dialog(qtbot, window):
    """Ctrl+S / Ctrl+O with no path open a file dialog (which the tests' guard turns into a failure at once, so
    no test can hang on a dialog nobody answers offscreen)."""
    import pytest
    from dialog_guard import ModalDialogOpened

    with pytest.raises(ModalDialogOpened, match="getSaveFileName"):
        window.save_checkpoint()
    with pytest.raises(ModalDialogOpened, match="getOpenFileName"):
        window.open_checkpoint()
