"""`install_views`: the one list of the views that depend on the model family (the loss curves are always there).

Each family's views live in a feature folder with an `install(window)` (gendiff_gui/latent/panel.py: the latent
space of auto-encoders and VAEs; gendiff_gui/diffusion/panel.py: the diffusion scrubber, sample grids and drawing
canvas). To add one:
1. write a QWidget with a numpy-in API in its feature folder; optional hooks the window calls:
   `apply_theme(theme)` (the normal / presentation look, its one theme hook; fonts from
   `gendiff_gui.widgets.theme.scaled_font`) and `exportable_plots() -> {name: QGraphicsItem}` (what File > Export
   plot offers);
2. in its `install(window)`, `window.add_view(name, widget, families)` with the families it fits ("autoencoder",
   "vae", "diffusion", "latent-diffusion"): the window shows it as a tab only while the current experiment
   belongs to one of them; then register that `install` in `install_views` below (`window.install_later`: it
   runs when the first model of those families is shown, so it must catch up with `window.session.experiment`);
3. weights reach it through `window.snapshots` (session/snapshots.py): `experiment_ready(experiment)`, emitted
   for a new model before any worker trains it (read its data; never keep the module itself), and
   `updated(config, snapshot)`, emitted on the GUI thread a few times a second with the latest weights. Decode and
   encode on the GUI thread with `window.snapshots.network` (session/network_copy.py's `NetworkCopy`, the one CPU
   copy, holding the latest snapshot); a worker thread takes its own `network.frozen_copy()`. E.g. for a panel
   with `set_experiment` and `set_snapshot`:
       window.snapshots.experiment_ready.connect(panel.set_experiment)
       window.snapshots.updated.connect(lambda _config, weights: panel.set_snapshot(weights))
4. work of its own (sampling) runs as a `session.jobs.Job` with a `session.workers.Worker`, handed to
   `window.track_job(job)`: closing the window then stops and waits for it like the training job.
5. live work it repeats while a model trains (re-encoding, refreshing, measuring) takes a `set_pace(pace)` and is
   connected to `window.view_pace.changed` (session/view_pace.py): below 1 the cores are contended, so it runs
   1 / pace times less often and training keeps them.
"""
from __future__ import annotations

import importlib


def _install_of(module: str):
    """`install(window)` of the view module `module`, imported only when the installer runs."""
    return lambda window: importlib.import_module(module).install(window)


def install_views(window) -> None:
    """Register the views that depend on the model family (the loss curves are always there), in their tab order.
    Each is built the first time a model of its family is shown (`window.install_later`), but the latent space,
    built at once: it also takes image drops anywhere on the window."""
    window.install_later("Latent space", {"autoencoder", "vae"}, _install_of("gendiff_gui.latent.panel"))
    window.install_later("Diffusion", {"diffusion"}, _install_of("gendiff_gui.diffusion.panel"))
    window.install_later("Latent diffusion", {"latent-diffusion"}, _install_of("gendiff_gui.latent_diffusion.panel"))
    # diffusion models: sample quality beside the loss curves (no tab of its own)
    window.install_later(None, {"diffusion"}, _install_of("gendiff_gui.curves.quality_curve"))
    window.view("Latent space")
