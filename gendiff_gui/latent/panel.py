"""The auto-encoder half of the lecture on one panel: the latent map and everything that decodes from it.

Views: latent map, decoding at a marker, manifold, interpolation, reconstructions, W/V against PCA, dropped images.

Wiring (three calls): `set_experiment(experiment)` when a model is built or loaded (not while a worker trains it),
`set_snapshot(weights)` whenever new weights arrive, `drop_files(paths)` (drops on the panel, or on any widget
passed to `accept_drops_on`, are handled already). Messages for a status bar come out of `message(level, text)`,
background jobs (the map's encoder, the PCA fit) out of `job_started(job)`. `install(window)` does all of it for
the main window. The parts: picks.py (the marker, h₁, h₂), view_refresh.py (drawing each view),
refresh_scheduler.py (pacing the refreshes), background_encoder.py and pca_baseline.py (the jobs).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QWidget

from gendiff_gui.latent.background_encoder import BackgroundEncoder
from gendiff_gui.latent.pca_baseline import PcaBaseline
from gendiff_gui.latent.photo_steps_job import PhotoSteps
from gendiff_gui.latent.picks import Pick
from gendiff_gui.latent.plane import LatentPlane
from gendiff_gui.latent.refresh_scheduler import RefreshScheduler
from gendiff_gui.latent.view_refresh import LatentViews
from gendiff_gui.latent.view_state import latent_view_state, restore_latent_view_state
from gendiff_gui.session.jobs import Job, stop_and_wait
from gendiff_gui.session.network_copy import NetworkCopy

MAP_POINTS = 5000
CLOSE_WAIT_MS = 1500  # a panel shown on its own waits this long for its jobs when closed
LEVEL_COLORS = {"info": "#1A1A1A", "warning": "#8A5A00", "error": "#B00020"}


class LatentPanel(LatentViews):
    """The behaviour of the latent panel (its drawing: LatentViews, its widgets: LatentLayout).

    `snapshots` (the main window's session.snapshots.SnapshotModel): decode with its `network` (one CPU copy for
    the whole GUI thread) instead of a copy of the panel's own. The background encoder always has its own copy
    (it works in other threads).
    """

    message = Signal(str, str)  # level ("info", "warning", "error"), text
    job_started = Signal(object)  # a session Job of the map's encoder or of the PCA fit, about to start

    def __init__(self, parent: QWidget | None = None, *, map_points: int = MAP_POINTS, seed: int = 0,
                 snapshots=None) -> None:
        super().__init__(parent, seed=seed)
        self._map_points = map_points
        self._snapshots = snapshots
        self._labels_pending = True
        self._stale = False  # new weights arrived while the panel was hidden (or its pass was dropped at a close)
        self.encoder = BackgroundEncoder(self)
        self.encoder.done.connect(self._on_codes)
        self.pca = PcaBaseline(self)
        self.photo_steps = PhotoSteps(self)  # the selected dropped file's reading, step by step
        self._refresh = RefreshScheduler(lambda: self._refresh_steps(overlays=False), self)  # _on_codes placed them
        for owner in (self.encoder, self.pca, self.photo_steps):
            owner.job_started.connect(self.job_started)
        self.accept_drops_on(self)
        self._wire()

    def _wire(self) -> None:
        self.map.clicked.connect(self._on_map_point)
        self.map.probe_dragged.connect(self._on_map_point)
        self.map.endpoint_picked.connect(self._on_endpoint_picked)
        self.map.hovered.connect(self._on_hover)
        self.map.view_range_changed.connect(lambda _r: self._on_view_range())
        self.tabs.currentChanged.connect(lambda _i: self._refresh_tab())
        self.fit_button.clicked.connect(self.map.fit_view)
        self.prior_button.clicked.connect(self.sample_prior)
        self.interpolation.lambda_changed.connect(lambda _l: self._refresh_interpolation_current())
        self.interpolation.spherical_changed.connect(lambda _s: self._refresh_interpolation())
        self.interpolation.endpoint_requested.connect(self._on_endpoint_requested)
        self.reconstructions.sigma_changed.connect(lambda _s: self._refresh_reconstructions())
        self.dropped.selected.connect(self.select_dropped)
        self.drops.added.connect(self._on_dropped)
        self.drops.message.connect(self.show_message)
        self.drops.errors_changed.connect(lambda errors: self.dropped.show_message("\n".join(errors)))
        self.drops.loader.progress.connect(self.dropped.set_progress)
        self.pca.ready.connect(self.weights.set_pca)
        self.photo_steps.ready.connect(self.dropped.steps.set_steps)
        self.photo_steps.failed.connect(lambda name, text: self.dropped.steps.show_text(text))

    def accept_drops_on(self, widget: QWidget) -> None:
        """Make `widget` (e.g. the main window) a drop zone for image files handled by this panel."""
        self.drops.target.attach(widget)

    def set_pace(self, pace: float) -> None:
        """The map's re-encoding and the views' refreshes at `pace` (gendiff_gui.session.view_pace)."""
        self.encoder.set_pace(pace)
        self._refresh.set_pace(pace)

    # ----- the three calls -----
    def set_experiment(self, experiment) -> None:
        """Show a freshly built or loaded experiment (copies its network: call it when no worker trains it)."""
        config, test = experiment.config, experiment.test_data
        if config.family not in ("autoencoder", "vae") or test.kind != "image":
            self._clear()
            self.map.set_title("no map: it shows auto-encoders trained on images (28×28)")
            return
        shared = self._snapshots
        if shared is not None and shared.config is config and shared.network is not None:
            self._net = shared.network
        else:
            self._net = NetworkCopy(experiment.module)
        self.encoder.set_network(NetworkCopy(experiment.module))
        self._take_experiment(experiment, self._map_points)
        self._labels_pending = True
        is_vae = self._net.is_vae
        self.prior_button.setVisible(is_vae)
        self.prior_tile.setVisible(is_vae)
        self.prior_tile.clear()
        self.interpolation.set_spherical_available(is_vae)
        self.reconstructions.set_sigma(config.noise_sigma)
        linear = config.model == "linear-ae"
        self.tabs.setTabVisible(self.tabs.indexOf(self.weights), linear)
        if linear:
            self.weights.set_pca(None)
            self.pca.request(config.dataset, experiment.train_data.x, config.latent_dim)
        else:
            self.pca.cancel()
        self.drops.set_encoder(self._net.encode, config.latent_dim)
        self.encoder.submit(self._map_parts())
        self._refresh_now()

    def _map_parts(self) -> list[np.ndarray]:
        """What the encoder encodes: the map's images, then the dropped ones."""
        return [self._x_map, self.drops.x[:, None]]

    def _clear(self) -> None:
        """No model to show: stop the map's work and empty what was drawn from the previous one."""
        self._net, self._codes = None, None
        self.encoder.set_network(None)
        self.pca.cancel()
        self._refresh.cancel()
        self._empty_views()

    def set_snapshot(self, snapshot: dict[str, np.ndarray]) -> None:
        """New weights (numpy copies the trainer no longer touches): the map re-encodes, the views follow."""
        if self._net is None or not self._net.fits(snapshot):
            return  # no model on screen, or weights of another model (arriving before set_experiment)
        if self._net is not getattr(self._snapshots, "network", None):
            self._net.load(snapshot)  # a copy of the panel's own (the window's is loaded by its SnapshotModel)
        self._state = snapshot
        if self.window().isVisible() and not self.isVisible():
            self._stale = True  # behind another view of the window: catch up when shown (showEvent)
            return
        self.encoder.submit(self._map_parts(), snapshot)  # -> _on_codes -> the other views

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale and self._net is not None:
            self._stale = False
            self.encoder.submit(self._map_parts(), self._state)  # -> _on_codes -> the views

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        """The main window closing (`install` filters its events): nothing new starts; its `track_job` then stops
        and waits for the jobs under way."""
        if event.type() == QEvent.Type.Close and obj is self.window():
            self._stop_work()
        return False

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Only a panel shown as a window of its own gets this: it stops and waits for its jobs itself."""
        self._stop_work()
        stop_and_wait(self.jobs(), CLOSE_WAIT_MS)
        super().closeEvent(event)

    def _stop_work(self) -> None:
        """Forget queued map passes and the PCA request, and ask the jobs under way to stop (a panel shown again
        catches up in showEvent)."""
        if self.encoder.busy:
            self._stale = self._net is not None
        self.encoder.cancel()
        self.pca.cancel()
        self.photo_steps.cancel()

    def jobs(self) -> list[Job]:
        """The panel's jobs whose threads have not ended."""
        return [*self.encoder.jobs(), *self.pca.jobs(), *self.photo_steps.jobs()]

    def drop_files(self, paths: list[str | Path]) -> None:
        """Load these image files (folders: the image files inside) as if dropped on the window."""
        self.drops.add_files(paths)

    def show_message(self, level: str, text: str) -> None:
        """One line under the panel (never a dialog), also sent out as `message` for a status bar."""
        self.status.setStyleSheet(f"color: {LEVEL_COLORS.get(level, LEVEL_COLORS['info'])}")
        self.status.setText(text)
        self.message.emit(level, text)

    # ----- the marker, h1 / h2, hover -----
    def _on_map_point(self, a: float, b: float) -> None:
        if self._net is None:
            return
        probe = self._picks.probe
        had_image = probe is not None and probe.image is not None
        self._picks.probe = Pick(self._plane.to_latent([[a, b]])[0])
        self._show_probe()
        if had_image:  # its posterior ellipse goes; the others stay as they are
            self._refresh_ellipses()

    def set_probe_code(self, z: np.ndarray) -> None:
        """Put the marker at code z (shown on the map through its plane) and decode it."""
        self._picks.probe = Pick(np.asarray(z, np.float32).reshape(-1))
        self._show_probe()

    def _on_endpoint_picked(self, i: int, a: float, b: float) -> None:
        if self._net is None:
            return
        self._picks.ends[i] = Pick(self._plane.to_latent([[a, b]])[0])
        self._refresh_interpolation()
        self._refresh_ellipses()

    def _on_endpoint_requested(self, i: int) -> None:
        if self._picks.probe is not None:
            self._picks.ends[i] = self._picks.probe.copy()
            self._refresh_interpolation()
            self._refresh_ellipses()

    def _on_hover(self, index: int) -> None:
        if self._net is None or not 0 <= index < len(self._x_map):
            return
        self._hover = index
        self._show_nearest(index)
        self._refresh_ellipses()

    # ----- keeping views in step with the weights -----
    def _on_codes(self, codes: list[np.ndarray | None]) -> None:
        if self._net is None or codes[0] is None or len(codes[0]) != len(self._x_map):
            return
        self._codes = codes[0]
        if codes[1] is not None:
            self.drops.update_codes(codes[1])
        self._plane.fit(self._codes)
        self.map.set_points(self._plane.to_map(self._codes), self._y_map if self._labels_pending else None)
        self._labels_pending = False
        self._picks.reencode(self._net.encode)  # the marker, h1, h2 follow in the same repaint of the map as the points
        self._show_probe()
        self._place_overlays()
        self._refresh.request()  # the views below and beside the map follow, within their share of the GUI thread

    def _refresh_steps(self, every_tab: bool = False, overlays: bool = True) -> list:
        """Everything shown that depends on the weights, as small steps (each one decode batch at most); what is
        drawn on the map changes in the first step only, so the map (the costliest view to paint) repaints once.
        Of the tabs below the map only the one on top follows (the others catch up when picked), unless every_tab."""
        if self._net is None:
            return []
        tabs = self._tab_steps()
        shown = [step for tab, step in tabs.items() if every_tab or tab is self.tabs.currentWidget()]
        first = [self._refresh_overlays] if overlays else []
        return [*first, *shown, *self._manifold_steps(), self._refresh_prior]

    def _tab_steps(self) -> dict:
        return {self.interpolation: self._refresh_strip, self.reconstructions: self._refresh_reconstructions,
                self.dropped: self._show_selected_dropped, self.weights: self._refresh_weights}

    def _refresh_tab(self) -> None:
        """The tab just picked shows the newest weights."""
        step = self._tab_steps().get(self.tabs.currentWidget())
        if step is not None and self._net is not None:
            step()

    def _on_view_range(self) -> None:
        """The map's visible region changed (the user zoomed or panned, or it follows the codes): new manifold."""
        if self._refresh.waiting:
            return  # the refresh about to start draws the grid over the new region
        if self._refresh.running:
            self._refresh.then(self._manifold_steps)  # once the refresh under way ends
            return
        self._refresh_manifold()

    def _refresh_now(self) -> None:
        for step in self._refresh_steps(every_tab=True):
            step()

    # ----- dropped images -----
    def _on_dropped(self, first: int, count: int) -> None:
        self.dropped.add_entries(self.drops.names[first: first + count], self.drops.x[first: first + count])
        if first == 0 or self._selected < 0:
            self.tabs.setCurrentWidget(self.dropped)
            self.dropped.select(first)  # -> select_dropped
        else:
            self._place_overlays()
        if not self.drops.loader.busy and not self.drops.errors:
            self.dropped.show_message(f"{len(self.drops)} image(s); click one to put the marker on it.")

    def select_dropped(self, index: int) -> None:
        """Make dropped image `index` the marker's point: its code, its input and its reconstruction."""
        if not 0 <= index < len(self.drops):
            return
        self._selected = index
        if self.dropped.list.currentRow() != index:
            self.dropped.select(index)
            return
        if index < len(self.drops.paths):
            self.photo_steps.request(self.drops.paths[index])  # -> the steps view, off the GUI thread
        if self._net is not None:
            d = self.drops
            self._picks.probe = Pick(d.z[index].copy(), d.x[index], d.names[index])
            self._show_probe()
            self._show_selected_dropped()
            self._place_overlays()

    # ----- sessions (gendiff_gui/shell/session_files.py) -----
    def view_state(self) -> dict:
        """Tab, sliders, the marker and h₁/h₂, the dropped images (latent/view_state.py)."""
        return latent_view_state(self)

    def restore_view_state(self, state: dict) -> None:
        restore_latent_view_state(self, state)

    # ----- for tests and benchmarks -----
    def dropped_codes(self) -> np.ndarray:
        return self.drops.z.copy()

    @property
    def map_ready(self) -> bool:
        return self._codes is not None and not self.encoder.busy

    def map_codes(self) -> np.ndarray | None:
        return None if self._codes is None else self._codes.copy()

    @property
    def plane(self) -> LatentPlane:
        return self._plane


def install(window) -> LatentPanel:
    """Add the panel to the main window as the "Latent space" tab of the auto-encoder families and wire it:
    experiments and snapshots from the window's session (decoding with its network copy), drops anywhere on the
    window, messages to its bar, and its jobs to `window.track_job` (stopped and waited for at close)."""
    panel = LatentPanel(snapshots=window.snapshots)
    window.add_view("Latent space", panel, families={"autoencoder", "vae"})
    window.snapshots.experiment_ready.connect(panel.set_experiment)  # before any worker trains it
    window.snapshots.updated.connect(lambda _config, snapshot: panel.set_snapshot(snapshot))
    panel.message.connect(window.messages.show_message)
    panel.job_started.connect(window.track_job)
    window.view_pace.changed.connect(panel.set_pace)
    panel.set_pace(window.view_pace.pace)  # installed mid-run on a busy machine: slow from the start
    panel.status.hide()  # the window's message bar says it
    panel.accept_drops_on(window)
    window.installEventFilter(panel)  # its Close: no new job starts after the window has stopped them
    if window.session.experiment is not None and not window.session.busy:
        panel.set_experiment(window.session.experiment)
    return panel
