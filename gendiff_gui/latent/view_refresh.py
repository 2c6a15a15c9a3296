"""The latent panel's numpy state and how each of its views is drawn from it with the network's copy."""
from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from core.data import as_floats
from core.training import snapshot_weights
from gendiff_gui.latent.drops import DroppedImages
from gendiff_gui.latent.layout import LatentLayout
from gendiff_gui.latent.picks import Picks
from gendiff_gui.latent.plane import LatentPlane
from gendiff_gui.latent.views.manifold import grid_points, grid_shape
from gendiff_gui.session.network_copy import NetworkCopy

STRIP_LAMBDAS = np.linspace(0.0, 1.0, 9)
PATH_LAMBDAS = np.linspace(0.0, 1.0, 41)
PRIOR_SAMPLES = 8
MANIFOLD_CELLS = 15


def interpolate_codes(h1: np.ndarray, h2: np.ndarray, lambdas: np.ndarray, spherical: bool = False) -> np.ndarray:
    """core.interpolation's lerp / slerp on numpy codes: one row per λ (λ = 1 gives h1, λ = 0 gives h2)."""
    from core.interpolation import lerp, slerp

    a = torch.as_tensor(np.asarray(h1, dtype=np.float32))
    b = torch.as_tensor(np.asarray(h2, dtype=np.float32))
    lam = torch.as_tensor(np.asarray(lambdas, dtype=np.float32))
    return (slerp if spherical else lerp)(a, b, lam).numpy()


class LatentViews(LatentLayout):
    """What the panel shows and how each view is drawn (its widgets: LatentLayout; its wiring: LatentPanel).

    `_net` is the network copy the GUI thread decodes with (None: no model on screen); the picks, the map's
    images and their codes, the plane the map shows, the reconstructions' inputs and the prior's draws are the
    rest of the state. Each `_refresh_*` / `_show_*` redraws one view from them.
    """

    probe_decoded = Signal(object)  # the (28, 28) image just shown for the marker

    def __init__(self, parent: QWidget | None = None, *, seed: int = 0) -> None:
        super().__init__(parent)
        self._seed = seed
        self._net: NetworkCopy | None = None
        self._model = ""
        self._state: dict[str, np.ndarray] = {}
        self._plane = LatentPlane(2)
        self._x_map = np.zeros((0, 1, 28, 28), np.float32)
        self._y_map = np.zeros(0, np.int64)
        self._class_names: tuple[str, ...] = ()
        self._codes: np.ndarray | None = None
        self._picks = Picks()
        self._hover = -1
        self._recon_x = np.zeros((0, 28, 28), np.float32)
        self._recon_eps = np.zeros((0, 28, 28), np.float32)
        self._prior_z: np.ndarray | None = None
        self._prior_draws = 0
        self._selected = -1  # the dropped image the marker is on
        self.drops = DroppedImages(self)

    def _take_experiment(self, experiment, map_points: int) -> None:
        """The state for a new experiment (its network copy already in `_net`): up to `map_points` test images for
        the map (seeded), one per class for the reconstructions, the picks back at their start; the map's labels."""
        config, test = experiment.config, experiment.test_data
        self._model = config.model
        self._state = snapshot_weights(experiment.module)
        self._plane = LatentPlane(config.latent_dim)
        rng = np.random.default_rng(self._seed)
        n = min(map_points, len(test))
        idx = np.sort(rng.choice(len(test), n, replace=False))
        labels = test.y if test.y is not None else np.full(len(test), -1, np.int64)
        self._x_map, self._y_map = test.x[idx], labels[idx]  # as stored (uint8 grey levels): encoded chunk by chunk
        self._class_names = tuple(test.class_names)
        self._codes, self._hover = None, -1
        self.map.set_classes(self._class_names)
        self.map.set_axis_labels(*self._plane.axis_labels)
        plane = " (PCA plane)" if self._plane.is_pca else ""
        self.map.set_title(f"enc(x) of {n:,} test images{plane}")
        firsts = [int(np.argmax(labels == k)) for k in range(len(self._class_names)) if np.any(labels == k)]
        columns = (firsts or list(range(10)))[:10]
        self._recon_x = test.floats(columns)[:, 0]
        self._recon_eps = rng.standard_normal(self._recon_x.shape).astype(np.float32)
        self._picks.reset(config.latent_dim, [(test.floats(i)[0], f"test image {i}") for i in (columns + [0, 1])[:2]])
        self._prior_z = None

    def _empty_views(self) -> None:
        """No model: nothing drawn on the map, no decoded tile."""
        self.map.set_points(np.zeros((0, 2)))
        self.map.set_probe(None)
        self.map.set_endpoints(None, None)
        self.map.set_markers(np.zeros((0, 2)), [])
        self.map.set_prior_samples(None)
        self.map.set_ellipses(np.zeros((0, 2)), np.zeros((0, 2, 2)))
        self.map.set_classes(())
        for tile in (self.probe_tile, self.nearest_tile, self.prior_tile):
            tile.clear()

    def _decode(self, z: np.ndarray) -> np.ndarray:
        """Images (n, 28, 28) decoded from codes z (n, d)."""
        return self._net.decode(z)[:, 0]

    def _reconstruct(self, x: np.ndarray) -> np.ndarray:
        """dec(enc(x)) of images x (n, 28, 28), as (n, 28, 28)."""
        return self._net.reconstruct(x[:, None])[:, 0]

    # ----- on the map -----
    def _show_probe(self) -> None:
        probe = self._picks.probe
        image = self._decode(probe.z[None])[0]
        self.probe_tile.set_image(image)
        if probe.image is not None:
            self.probe_tile.set_caption(f"dec(enc(x)) of {probe.name}")
        elif self._plane.d <= 3:
            # dec(z) with z's numbers in place: short enough for the narrow column beside a projected map
            self.probe_tile.set_caption("dec(" + ", ".join(f"{v:.2f}" for v in probe.z) + ")")
        else:
            self.probe_tile.set_caption("dec(z) at the marker")
        self.map.set_probe(self._plane.to_map(probe.z)[0])
        if self._hover < 0 and self._codes is not None and len(self._codes) == len(self._x_map):
            # nobody has hovered a point (a projector, the keyboard): the test image whose code is nearest the
            # marker's, so the tile is not an empty box until the first mouse-over
            self._show_nearest(int(np.argmin(((self._codes - probe.z) ** 2).sum(1))))
        self.probe_decoded.emit(image)

    def _show_nearest(self, index: int) -> None:
        """Test image `index` (one of the map's points) in the nearest-image tile, captioned with its class."""
        self.nearest_tile.set_image(as_floats(self._x_map[index, 0]))
        label = int(self._y_map[index])
        name = self._class_names[label] if 0 <= label < len(self._class_names) else "?"
        self.nearest_tile.set_caption(f"nearest image ({name})")  # of the test set (the map's points)

    def _place_overlays(self) -> None:
        """Everything drawn at a code, re-projected (the plane of a d > 2 map moves as the codes change)."""
        plane = self._plane
        if self._picks.probe is not None:
            self.map.set_probe(plane.to_map(self._picks.probe.z)[0])
        self._show_endpoints()
        self.map.set_markers(plane.to_map(self.drops.z) if len(self.drops) else np.zeros((0, 2)),
                             self.drops.names, self._selected)
        self.map.set_prior_samples(None if self._prior_z is None else plane.to_map(self._prior_z))
        self._refresh_ellipses()

    def _refresh_overlays(self) -> None:
        """The marker, h1, h2 and the posteriors with the newest weights (images re-encoded: h <- enc(x))."""
        self._picks.reencode(self._net.encode)
        self._show_probe()
        self._show_endpoints()
        self._refresh_ellipses()

    def _show_endpoints(self) -> None:
        ends = self._picks.both_ends
        if ends is None:
            self.map.set_endpoints(None, None)
            return
        h1, h2 = ends
        path = interpolate_codes(h1.z, h2.z, PATH_LAMBDAS, self.interpolation.is_spherical)
        plane = self._plane
        self.map.set_endpoints(plane.to_map(h1.z)[0], plane.to_map(h2.z)[0], plane.to_map(path))

    def _refresh_ellipses(self) -> None:
        """The VAE's posterior N(mu, diag sigma^2) of each chosen image: the marker's, h1's, h2's, the hovered one."""
        if self._net is None or not self._net.is_vae:
            self.map.set_ellipses(np.zeros((0, 2)), np.zeros((0, 2, 2)))
            return
        images = [p.image for p in self._picks.of_images()]
        if 0 <= self._hover < len(self._x_map):
            images.append(as_floats(self._x_map[self._hover, 0]))
        if not images:
            self.map.set_ellipses(np.zeros((0, 2)), np.zeros((0, 2, 2)))
            return
        mu, sigma = self._net.posterior(np.stack(images)[:, None])
        self.map.set_ellipses(self._plane.to_map(mu), self._plane.covariances(sigma))

    # ----- the tabs below the map -----
    def _refresh_interpolation(self) -> None:
        self._refresh_strip()
        self._show_endpoints()

    def _refresh_strip(self) -> None:
        ends = self._picks.both_ends
        if self._net is None or ends is None:
            return
        codes = interpolate_codes(ends[0].z, ends[1].z, STRIP_LAMBDAS, self.interpolation.is_spherical)
        self.interpolation.set_strip(self._decode(codes))
        self._refresh_interpolation_current()

    def _refresh_interpolation_current(self) -> None:
        ends = self._picks.both_ends
        if self._net is None or ends is None:
            return
        lam = np.array([self.interpolation.lam])
        code = interpolate_codes(ends[0].z, ends[1].z, lam, self.interpolation.is_spherical)
        self.interpolation.set_current(self._decode(code)[0])

    def _refresh_reconstructions(self) -> None:
        if self._net is None or not len(self._recon_x):
            return
        noisy = self._recon_x + self.reconstructions.sigma * self._recon_eps  # x' = x + eps, eps ~ N(0, sigma^2)
        self.reconstructions.set_rows(self._recon_x, noisy, self._reconstruct(noisy))

    def _show_selected_dropped(self) -> None:
        i, d = self._selected, self.drops
        if self._net is None or not 0 <= i < len(d):
            return
        self.dropped.set_pair(d.x[i], self._reconstruct(d.x[i][None])[0], d.names[i])

    def _refresh_weights(self) -> None:
        if self._model == "linear-ae" and "W" in self._state:
            self.weights.set_weights(self._state["W"], self._state["V"])

    # ----- beside the map -----
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

        def current() -> bool:  # steps planned for the previous model (another latent size) do nothing
            return self._net is not None and codes.shape[1] == self._plane.d

        def decode(start: int) -> None:
            if current():
                images[start: start + chunk] = self._decode(codes[start: start + chunk])

        def show() -> None:
            if current():
                self.manifold.set_grid(images.reshape(rows, cols, *images.shape[1:]), extent)

        return [lambda s=s: decode(s) for s in range(0, len(codes), chunk)] + [show]

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
        self.prior_tile.set_images(self._decode(self._prior_z), cols=PRIOR_SAMPLES // 2)
        self.prior_tile.set_caption("dec(z), z ~ N(0, I)  ★")
