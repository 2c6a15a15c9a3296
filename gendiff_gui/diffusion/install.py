"""The diffusion panel in the main window: its tab, weights in, messages out, File menu entries, jobs, drawings."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QAction

from core.config import DIFFUSION_MODELS, ExperimentConfig


def wire(window, panel) -> None:
    """Add `panel` (a DiffusionPanel) to the main window as the "Diffusion" tab of diffusion models and wire it:
    experiments and snapshots from the window, messages to its bar, training on a drawing, File menu entries, and
    its sampling jobs stopped when the window closes (`window.track_job`) and the panel shut down on the window's
    Close (its `shutdown`: the scrubber pauses, no run starts after it). Shows the window's current experiment, if
    any."""
    window.add_view("Diffusion", panel, families={"diffusion"})
    window.snapshots.experiment_ready.connect(panel.set_experiment)
    window.snapshots.updated.connect(lambda _config, snapshot: panel.set_snapshot(snapshot))
    panel.message.connect(window.messages.show_message)
    panel.train_on_points.connect(lambda points: train_on_drawing(window, points))
    track = getattr(window, "track_job", None)
    if track is not None:
        panel.job_started.connect(track)
        panel.window_waits_for_jobs = True  # its Close waits for them: the panel's own need not
    window.installEventFilter(panel)  # its Close: the scrubber stops playing and no run starts any more
    add_menu_entries(window, panel)
    if window.session.experiment is not None:
        panel.set_experiment(window.session.experiment)


def train_on_drawing(window, points: np.ndarray) -> None:
    """Build a diffusion model on the drawn points (the panel's diffusion settings if it shows a diffusion model)
    and train it live."""
    config = window.panel.config()
    if config.model not in DIFFUSION_MODELS:
        config = ExperimentConfig(model="diffusion")
    config = config.replace(dataset="points", conditional=False)
    window.session.stop()
    window.session.build(config, points=points)
    window.session.train()
    window.messages.show_message("info", f"Training a {config.model} model on your {len(points):,} points…")


def add_menu_entries(window, panel) -> None:
    """File > Export diffusion frame… / Export diffusion animation (GIF)…, before Quit (enabled with a model)."""
    quit_action = window.commands.quit
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    file_menu = next((m for m in menus if quit_action in m.actions()), None)
    if file_menu is None:
        return
    frame = QAction("Export diffusion frame (PNG, SVG)…", window)
    gif = QAction("Export diffusion animation (GIF)…", window)
    frame.triggered.connect(lambda: panel.save_frame())
    gif.triggered.connect(lambda: panel.export_gif())
    file_menu.insertAction(quit_action, frame)
    file_menu.insertAction(quit_action, gif)
    file_menu.insertSeparator(quit_action)
    file_menu.aboutToShow.connect(lambda: [a.setEnabled(panel.has_model) for a in (frame, gif)])
