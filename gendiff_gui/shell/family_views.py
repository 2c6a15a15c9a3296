"""The views of the main window, one per file, and `install_views`: the one list of views per model family.

To add a view (latent map, reconstructions, diffusion scrubber ...):
1. write `views/my_view.py`: a QWidget with a numpy-in API; optional hooks the window calls:
   `apply_theme(theme)` (normal / presentation look) and `exportable_plots() -> {name: QGraphicsItem}`
   (what File > Export plot offers);
2. register it below with the families it fits ("autoencoder", "vae", "diffusion"); the window shows it as a
   tab only while the current experiment belongs to one of them;
3. for weights, connect to `window.snapshots.updated(config, snapshot)` (GUI thread, a few times a second) and
   decode with `window.snapshots.decode(z)` / `encode(x)` / `module()`: a CPU copy holding the latest
   snapshot, never the module being trained. The data of the experiment is `window.snapshots.test_data`.
   A view that wants the whole new experiment (to copy its network, read its data) connects to
   `window.snapshots.experiment_ready(experiment)`, emitted before any worker trains it; e.g. a panel with
   `set_experiment(experiment)` and `set_snapshot(weights)`:
       window.snapshots.experiment_ready.connect(panel.set_experiment)
       window.snapshots.updated.connect(lambda _config, weights: panel.set_snapshot(weights))
4. a view that runs work of its own (sampling) uses a `jobs.Job` with a `workers.Worker` and hands it to
   `window.track_job(job)`: closing the window then stops and waits for it like the training job.
"""
from __future__ import annotations


def install_views(window) -> None:
    """Register the views that depend on the model family (the loss curves are always there)."""
    # e.g. window.add_view("Latent map", LatentMapView(window.snapshots), families={"autoencoder", "vae"})
    from gendiff_gui.diffusion import panel as diffusion_panel  # the scrubber, sample grids and drawing canvas of diffusion models
    from gendiff_gui.latent import panel as latent_panel  # the latent map and what decodes from it (auto-encoders, VAEs)

    latent_panel.install(window)
    diffusion_panel.install(window)
