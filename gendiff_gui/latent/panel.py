"""The auto-encoder half of the lecture on one panel: the latent map and everything that decodes from it.

Views: latent map, decoding at a marker, manifold, interpolation, reconstructions, W/V against PCA, dropped images.

Wiring (three calls): `set_experiment(experiment)` when a model is built or loaded (not while a worker trains it),
`set_snapshot(weights)` whenever new weights arrive, `drop_files(paths)` (drops on the panel, or on any widget
passed to `accept_drops_on`, are handled already). Messages for a status bar come out of `message(level, text)`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from gendiff_gui.latent.background_encoder import BackgroundEncoder
from gendiff_gui.session.network_copy import SnapshotNet, interpolate_codes
from gendiff_gui.latent.drops import DroppedImages
from gendiff_gui.latent.layout import LatentLayout
from gendiff_gui.latent.plane import LatentPlane
from gendiff_gui.latent.pca_baseline import PcaBaseline
from gendiff_gui.latent.views.manifold import grid_points, grid_shape

MAP_POINTS = 5000
STRIP_LAMBDAS = np.linspace(0.0, 1.0, 9)
PATH_LAMBDAS = np.linspace(0.0, 1.0, 41)
PRIOR_SAMPLES = 8
MANIFOLD_CELLS = 15
# While a model trains, every view follows the map: each pass of the background encoder (a few a second) moves the
# points, the marker and the ellipses in one repaint of the map, then the other views refresh in small steps,
# spending at most this share of the GUI thread (their measured cost spaces the refreshes out).
REFRESH_SHARE = 0.1
LEVEL_COLORS = {"info": "#1A1A1A", "warning": "#8A5A00", "error": "#B00020"}


@dataclass
class Pick:
    """A point of the latent space the user chose: a code, or an image's code (re-encoded as weights change)."""

    z: np.ndarray  # (d,)
    image: np.ndarray | None = None  # (28, 28)
    name: str = ""


class LatentPanel(LatentLayout):
    """The behaviour of the latent panel (its widgets: LatentLayout): numpy state, decoding, refreshing."""

    message = Signal(str, str)  # level ("info", "warning", "error"), text
    probe_decoded = Signal(object)  # the (28, 28) image just shown for the marker

    def __init__(self, parent: QWidget | None = None, *, map_points: int = MAP_POINTS, seed: int = 0) -> None:
        super().__init__(parent)
        self._map_points, self._seed = map_points, seed
        self._net: SnapshotNet | None = None
        self._model = ""
        self._state: dict[str, np.ndarray] = {}
        self._plane = LatentPlane(2)
        self._x_map = np.zeros((0, 1, 28, 28), np.float32)
        self._y_map = np.zeros(0, np.int64)
        self._class_names: tuple[str, ...] = ()
        self._codes: np.ndarray | None = None
        self._labels_pending = True
        self._probe: Pick | None = None
        self._ends: list[Pick | None] = [None, None]
        self._hover = -1
        self._recon_x = np.zeros((0, 28, 28), np.float32)
        self._recon_eps = np.zeros((0, 28, 28), np.float32)
        self._prior_z: np.ndarray | None = None
        self._prior_draws = 0
        self._selected = -1  # the dropped image the marker is on
        self._refresh_cost = 0.0
        self._refresh_started = -float("inf")
        self.encoder: BackgroundEncoder | None = None
        self.drops = DroppedImages(self)
        self.pca = PcaBaseline(self)
        self.accept_drops_on(self)
        self._refresh_timer = QTimer(self, singleShot=True)
        self._refresh_timer.timeout.connect(self._refresh_views)
        self._pending_steps: list = []
        self._range_moved = False  # the map's range changed while a refresh was under way
        self._stale = False  # new weights arrived while the panel was hidden behind another view
        self._refresh_spent = 0.0
        self._step_timer = QTimer(self, singleShot=True, interval=0)
        self._step_timer.timeout.connect(self._run_refresh_step)
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

    def accept_drops_on(self, widget: QWidget) -> None:
        """Make `widget` (e.g. the main window) a drop zone for image files handled by this panel."""
        self.drops.target.attach(widget)

    # ----- the three calls -----
    def set_experiment(self, experiment) -> None:
        """Show a freshly built or loaded experiment (copies its network: call it when no worker trains it)."""
        config, test = experiment.config, experiment.test_data
        if config.family not in ("autoencoder", "vae") or test.kind != "image":
            self._clear()
            self.map.set_title("no map: it shows auto-encoders trained on images (28×28)")
            return
        self._net = SnapshotNet(experiment.module)
        if self.encoder is not None:
            self.encoder.cancel()
            self.encoder.deleteLater()
        self.encoder = BackgroundEncoder(SnapshotNet(experiment.module), self)
        self.encoder.done.connect(self._on_codes)
        self._model = config.model
        self._state = {k: v.detach().cpu().numpy().copy() for k, v in experiment.module.state_dict().items()}
        self._plane = LatentPlane(config.latent_dim)
        rng = np.random.default_rng(self._seed)
        n = min(self._map_points, len(test))
        idx = np.sort(rng.choice(len(test), n, replace=False))
        labels = test.y if test.y is not None else np.full(len(test), -1, np.int64)
        self._x_map, self._y_map = test.x[idx], labels[idx]
        self._class_names = tuple(test.class_names)
        self._codes, self._labels_pending, self._hover = None, True, -1
        self.map.set_classes(self._class_names)
        self.map.set_axis_labels(*self._plane.axis_labels)
        plane = " (PCA plane)" if self._plane.is_pca else ""
        self.map.set_title(f"enc(x) of {n:,} test images{plane}")
        firsts = [int(np.argmax(labels == k)) for k in range(len(self._class_names)) if np.any(labels == k)]
        columns = (firsts or list(range(10)))[:10]
        self._recon_x = test.x[columns, 0]
        self._recon_eps = rng.standard_normal(self._recon_x.shape).astype(np.float32)
        self._probe = Pick(np.zeros(config.latent_dim, np.float32))
        ends = (columns + [0, 1])[:2]
        self._ends = [Pick(np.zeros(config.latent_dim, np.float32), test.x[i, 0], f"test image {i}") for i in ends]
        self._prior_z = None
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
        self.encoder.submit([self._x_map, self.drops.x[:, None]])
        self._refresh_now()

    def _clear(self) -> None:
        """No model to show: stop the map's work and empty what was drawn from the previous one."""
        self._net, self._codes = None, None
        if self.encoder is not None:
            self.encoder.cancel()
        self.pca.cancel()
        self._refresh_timer.stop()
        self._pending_steps = []
        self.map.set_points(np.zeros((0, 2)))
        self.map.set_probe(None)
        self.map.set_endpoints(None, None)
        self.map.set_markers(np.zeros((0, 2)), [])
        self.map.set_prior_samples(None)
        self.map.set_ellipses(np.zeros((0, 2)), np.zeros((0, 2, 2)))
        self.map.set_classes(())
        for tile in (self.probe_tile, self.nearest_tile, self.prior_tile):
            tile.clear()

    def set_snapshot(self, snapshot: dict[str, np.ndarray]) -> None:
        """New weights (numpy copies the trainer no longer touches): the map re-encodes, the views follow."""
        if self._net is None or not self._net.load(snapshot):
            return  # no model on screen, or weights of another model (arriving before set_experiment)
        self._state = snapshot
        if self.window().isVisible() and not self.isVisible():
            self._stale = True  # behind another view of the window: catch up when shown (showEvent)
            return
        self.encoder.submit([self._x_map, self.drops.x[:, None]], snapshot)  # -> _on_codes -> the other views

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale and self._net is not None:
            self._stale = False
            self.encoder.submit([self._x_map, self.drops.x[:, None]], self._state)  # -> _on_codes -> the views

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
        had_image = self._probe is not None and self._probe.image is not None
        self._probe = Pick(self._plane.to_latent([[a, b]])[0])
        self._show_probe()
        if had_image:  # its posterior ellipse goes; the others stay as they are
            self._refresh_ellipses()

    def set_probe_code(self, z: np.ndarray) -> None:
        """Put the marker at code z (shown on the map through its plane) and decode it."""
        self._probe = Pick(np.asarray(z, np.float32).reshape(-1))
        self._show_probe()

    def _show_probe(self) -> None:
        probe = self._probe
        image = self._net.decode(probe.z[None])[0]
        self.probe_tile.set_image(image)
        if probe.image is not None:
            self.probe_tile.set_caption(f"dec(enc(x)) of {probe.name}")
        elif self._plane.d <= 3:
            self.probe_tile.set_caption("dec(z),  z = (" + ", ".join(f"{v:.2f}" for v in probe.z) + ")")
        else:
            self.probe_tile.set_caption("dec(z) at the marker")
        self.map.set_probe(self._plane.to_map(probe.z)[0])
        self.probe_decoded.emit(image)

    def _on_endpoint_picked(self, i: int, a: float, b: float) -> None:
        if self._net is None:
            return
        self._ends[i] = Pick(self._plane.to_latent([[a, b]])[0])
        self._refresh_interpolation()
        self._refresh_ellipses()

    def _on_endpoint_requested(self, i: int) -> None:
        if self._probe is not None:
            self._ends[i] = Pick(self._probe.z.copy(), self._probe.image, self._probe.name)
            self._refresh_interpolation()
            self._refresh_ellipses()

    def _on_hover(self, index: int) -> None:
        if self._net is None or not 0 <= index < len(self._x_map):
            return
        self._hover = index
        self.nearest_tile.set_image(self._x_map[index, 0])
        label = int(self._y_map[index])
        name = self._class_names[label] if 0 <= label < len(self._class_names) else "?"
        self.nearest_tile.set_caption(f"nearest test image ({name})")
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
        self._reencode_picks()  # the marker, h1, h2 follow the weights in the same repaint of the map as the points
        self._show_probe()
        self._place_overlays()
        self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        """The views below and beside the map follow the newest weights: now, or once the last refresh's cost
        has been paid back (REFRESH_SHARE of the GUI thread)."""
        if self._refresh_timer.isActive() or self._pending_steps:
            return  # one on its way already; it will use the newest weights
        wait = self._refresh_cost / REFRESH_SHARE - (time.perf_counter() - self._refresh_started)
        self._refresh_timer.start(int(max(0.0, wait) * 1000))

    def _place_overlays(self) -> None:
        """Everything drawn at a code, re-projected (the plane of a d > 2 map moves as the codes change)."""
        plane = self._plane
        if self._probe is not None:
            self.map.set_probe(plane.to_map(self._probe.z)[0])
        self._show_endpoints()
        self.map.set_markers(plane.to_map(self.drops.z) if len(self.drops) else np.zeros((0, 2)),
                             self.drops.names, self._selected)
        self.map.set_prior_samples(None if self._prior_z is None else plane.to_map(self._prior_z))
        self._refresh_ellipses()

    def _refresh_steps(self, every_tab: bool = False, overlays: bool = True) -> list:
        """Everything shown that depends on the weights, as small steps (each one decode batch at most); what is
        drawn on the map changes in the first step only, so the map (the costliest view to paint) repaints once.
        Of the tabs below the map only the one on top follows (the others catch up when picked), unless every_tab."""
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
        if self._refresh_timer.isActive():
            return  # the refresh about to start draws the grid over the new region
        if self._pending_steps:
            self._range_moved = True  # once the refresh under way ends
            return
        self._refresh_manifold()

    def _refresh_overlays(self) -> None:
        """The marker, h1, h2 and the posteriors with the newest weights (images re-encoded: h <- enc(x))."""
        self._reencode_picks()
        self._show_probe()
        self._show_endpoints()
        self._refresh_ellipses()

    def _refresh_views(self) -> None:
        """After new weights: run the refresh steps one per event-loop turn (a click waits for one step at most),
        timing them to throttle the next refresh."""
        if self._net is None:
            return
        self._pending_steps = self._refresh_steps(overlays=False)  # _on_codes placed the overlays
        self._refresh_started = time.perf_counter()
        self._range_moved = False  # these steps draw the grid over the region visible now
        self._refresh_spent = 0.0
        self._step_timer.start()

    def _run_refresh_step(self) -> None:
        if self._net is None or not self._pending_steps:
            return
        t0 = time.perf_counter()
        self._pending_steps.pop(0)()
        self._refresh_spent += time.perf_counter() - t0
        if not self._pending_steps and self._range_moved:
            self._range_moved = False
            self._pending_steps = self._manifold_steps()
        if self._pending_steps:
            self._step_timer.start()
        else:
            self._refresh_cost = self._refresh_spent

    def _refresh_now(self) -> None:
        for step in self._refresh_steps(every_tab=True):
            step()

    def _reencode_picks(self) -> None:
        """The marker, h1 and h2 that are images follow the encoder: h <- enc(x) with the newest weights."""
        picks = [p for p in (self._probe, *self._ends) if p is not None and p.image is not None]
        if picks:
            codes = self._net.encode(np.stack([p.image for p in picks])[:, None])
            for pick, z in zip(picks, codes):
                pick.z = z

    def _refresh_weights(self) -> None:
        if self._model == "linear-ae" and "W" in self._state:
            self.weights.set_weights(self._state["W"], self._state["V"])

    def _show_endpoints(self) -> None:
        h1, h2 = self._ends
        if h1 is None or h2 is None:
            self.map.set_endpoints(None, None)
            return
        path = interpolate_codes(h1.z, h2.z, PATH_LAMBDAS, self.interpolation.is_spherical)
        plane = self._plane
        self.map.set_endpoints(plane.to_map(h1.z)[0], plane.to_map(h2.z)[0], plane.to_map(path))

    def _refresh_interpolation(self) -> None:
        self._refresh_strip()
        self._show_endpoints()

    def _refresh_strip(self) -> None:
        h1, h2 = self._ends
        if self._net is None or h1 is None or h2 is None:
            return
        codes = interpolate_codes(h1.z, h2.z, STRIP_LAMBDAS, self.interpolation.is_spherical)
        self.interpolation.set_strip(self._net.decode(codes))
        self._refresh_interpolation_current()

    def _refresh_interpolation_current(self) -> None:
        h1, h2 = self._ends
        if self._net is None or h1 is None or h2 is None:
            return
        lam = np.array([self.interpolation.lam])
        code = interpolate_codes(h1.z, h2.z, lam, self.interpolation.is_spherical)
        self.interpolation.set_current(self._net.decode(code)[0])

    def _refresh_reconstructions(self) -> None:
        if self._net is None or not len(self._recon_x):
            return
        noisy = self._recon_x + self.reconstructions.sigma * self._recon_eps  # x' = x + eps, eps ~ N(0, sigma^2)
        self.reconstructions.set_rows(self._recon_x, noisy, self._net.reconstruct(noisy[:, None]))

    def _refresh_manifold(self) -> None:
        """Decode the grid over the visible region now (the user moved the map)."""
        for step in self._manifold_steps(chunk=MANIFOLD_CELLS ** 2):
            step()

    def _manifold_steps(self, chunk: int = 3 * MANIFOLD_CELLS) -> list:
        """The manifold as steps of `chunk` decodings each (a conv decoder takes ~0.1 ms an image), then shown."""
        if self._net is None or self._codes is None:
            return []
        extent = self.map.view_range()
        rows, cols = grid_shape(self.manifold.aspect(), MANIFOLD_CELLS)
        codes = self._plane.to_latent(grid_points(extent, rows, cols))
        images = np.zeros((len(codes), *self._x_map.shape[-2:]), np.float32)

        def decode(start: int) -> None:
            if self._net is not None:
                images[start: start + chunk] = self._net.decode(codes[start: start + chunk])

        def show() -> None:
            self.manifold.set_grid(images.reshape(rows, cols, *images.shape[1:]), extent)

        return [lambda s=s: decode(s) for s in range(0, len(codes), chunk)] + [show]

    def _refresh_ellipses(self) -> None:
        """The VAE's posterior N(mu, diag sigma^2) of each chosen image: the marker's, h1's, h2's, the hovered one."""
        if self._net is None or not self._net.is_vae:
            self.map.set_ellipses(np.zeros((0, 2)), np.zeros((0, 2, 2)))
            return
        images = [p.image for p in (self._probe, *self._ends) if p is not None and p.image is not None]
        if 0 <= self._hover < len(self._x_map):
            images.append(self._x_map[self._hover, 0])
        if not images:
            self.map.set_ellipses(np.zeros((0, 2)), np.zeros((0, 2, 2)))
            return
        mu, sigma = self._net.posterior(np.stack(images)[:, None])
        self.map.set_ellipses(self._plane.to_map(mu), self._plane.covariances(sigma))

    # ----- the prior -----
    def sample_prior(self) -> None:
        """Draw z ~ N(0, I) (seeded, a new draw each press), decode it and show where it lands on the map."""
        if self._net is None or not self._net.is_vae:
            return
        rng = np.random.default_rng([self._seed, self._prior_draws])
        self._prior_draws += 1
        self._prior_z = rng.standard_normal((PRIOR_SAMPLES, self._plane.d)).astype(np.float32)
        self._refresh_prior()
        self.map.set_prior_samples(self._plane.to_map(self._prior_z))

    def _refresh_prior(self) -> None:
        if self._net is None or self._prior_z is None:
            return
        self.prior_tile.set_images(self._net.decode(self._prior_z), cols=PRIOR_SAMPLES // 2)
        self.prior_tile.set_caption("dec(z), z ~ N(0, I)  ★")

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
        if self._net is not None:
            d = self.drops
            self._probe = Pick(d.z[index].copy(), d.x[index], d.names[index])
            self._show_probe()
            self._show_selected_dropped()
            self._place_overlays()

    def _show_selected_dropped(self) -> None:
        i, d = self._selected, self.drops
        if self._net is None or not 0 <= i < len(d):
            return
        self.dropped.set_pair(d.x[i], self._net.reconstruct(d.x[i][None, None])[0], d.names[i])

    # ----- for tests and benchmarks -----
    def dropped_codes(self) -> np.ndarray:
        return self.drops.z.copy()

    @property
    def map_ready(self) -> bool:
        return self._codes is not None and (self.encoder is None or not self.encoder.busy)

    def map_codes(self) -> np.ndarray | None:
        return None if self._codes is None else self._codes.copy()

    @property
    def plane(self) -> LatentPlane:
        return self._plane


def install(window) -> LatentPanel:
    """Add the panel to the main window as the "Latent space" tab of the auto-encoder families and wire it:
    experiments and snapshots from the window's session, drops anywhere on the window, messages to its bar."""
    panel = LatentPanel()
    window.add_view("Latent space", panel, families={"autoencoder", "vae"})
    window.snapshots.experiment_ready.connect(panel.set_experiment)  # before any worker trains it
    window.snapshots.updated.connect(lambda _config, snapshot: panel.set_snapshot(snapshot))
    panel.message.connect(window.messages.show_message)
    panel.status.hide()  # the window's message bar says it
    panel.accept_drops_on(window)
    if window.session.experiment is not None and not window.session.busy:
        panel.set_experiment(window.session.experiment)
    return panel
