"""The diffusion panel in the main window: its tab, Space for the scrubber, File menu exports, training a drawing."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from core.config import ExperimentConfig
from gendiff_gui.diffusion.views.draw_canvas import standardise

MOONS = ExperimentConfig(model="diffusion", dataset="moons", timesteps=40, seed=0)


def test_the_panel_is_the_diffusion_tab_and_space_drives_its_scrubber_not_training(qtbot, window):
    window.start(MOONS)
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=40000)
    panel = window.view("Diffusion")
    index = window.view_tabs.indexOf(panel)
    assert window.view_tabs.isTabVisible(index)
    qtbot.waitUntil(lambda: panel.scrubber.at_end and not panel.busy, timeout=60000)
    panel.scrubber.set_index(3)
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert panel.scrubber.playing and window.session.state == "idle"
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert not panel.scrubber.playing
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Export diffusion animation (GIF)…" in texts and "Export diffusion frame (PNG, SVG)…" in texts
    assert "Diffusion: particles" in window.exportable_plots()


def test_training_on_a_drawing_builds_a_points_model_and_the_panel_follows_it(qtbot, window):
    window.start(MOONS)
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=40000)
    panel = window.view("Diffusion")
    angles = np.linspace(0, 2 * np.pi, 60)
    panel.canvas.draw_stroke(np.stack([0.6 * np.cos(angles), 0.6 * np.sin(angles)], 1))
    drawn = panel.canvas.points()
    assert len(drawn) > 100
    panel.tabs.setCurrentWidget(panel.canvas)
    button = panel.canvas.train_button
    qtbot.waitUntil(lambda: not button.visibleRegion().isEmpty(), timeout=12000)  # laid out: a click lands
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.state == "training", timeout=60000)
    window.session.stop()
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=40000)
    experiment = window.session.experiment
    assert experiment.config.dataset == "points" and experiment.config.model == "diffusion"
    np.testing.assert_allclose(experiment.train_data.x, standardise(drawn), atol=1e-6)
    assert window.panel.config().dataset == "points"  # Train again continues this model, not a new one
    assert panel.trajectories and panel.particles[0].data_picture.image is not None


def test_a_closed_window_starts_no_sampling_run_and_stops_one_handed_to_it(qtbot, window):
    """Closing is final: the scrubber stops playing, a late Follow or resample starts no run, and a job a view
    starts after the close (a timer's) is stopped at once instead of outliving the window."""
    from gendiff_gui.session.jobs import Job
    from gendiff_gui.session.workers import Worker

    window.start(MOONS)
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=40000)
    panel = window.view("Diffusion")
    qtbot.waitUntil(lambda: panel.scrubber.at_end and not panel.busy, timeout=60000)
    panel.scrubber.set_index(0)
    panel.scrubber.play()
    window.close()
    assert not panel.scrubber.playing
    panel.runs.resample()  # what Follow training's timer or the scrubber's last tick would call
    assert not panel.runs.busy and not panel.runs.running

    class Waits(Worker):
        def work(self) -> None:
            while not self.stop_requested:
                self._stop.wait(0.01)

    late = Job("late", Waits())
    window.track_job(late)
    late.start()
    qtbot.waitUntil(lambda: not late.alive, timeout=5000)
