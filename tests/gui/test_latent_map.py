"""The latent map: a click decodes exactly there, dragging decodes, hover finds the nearest image, the manifold
grid is the decoder's, the map follows real training, a d > 2 map is the codes' PCA plane, VAE ellipses and prior."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
import torch
from PySide6.QtCore import QPoint, QPointF, Qt

from core.experiment import Experiment
from gendiff_gui.latent.panel import install
from gendiff_gui.latent.views.manifold import grid_points


def _pixels(grey_levels: np.ndarray) -> np.ndarray:
    """The map keeps its test images as uint8 grey levels g; as numbers they are g / 255 (float32)."""
    assert grey_levels.dtype == np.uint8
    return np.divide(grey_levels, np.float32(255), dtype=np.float32)


@torch.no_grad()
def _decode(experiment, z) -> np.ndarray:
    return experiment.module.decode(torch.as_tensor(np.asarray(z, np.float32).reshape(1, -1)))[0, 0].numpy()


def _pixel_of(panel, a: float, b: float) -> QPoint:
    scene = panel.map.box.mapViewToScene(QPointF(a, b))
    return panel.map.canvas.mapFromScene(scene)


def _map_point_at(panel, pixel: QPoint) -> tuple[float, float]:
    p = panel.map.box.mapSceneToView(panel.map.canvas.mapToScene(pixel))
    return p.x(), p.y()


def test_a_click_shows_exactly_the_decoding_of_the_clicked_latent(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    x0, x1, y0, y1 = panel.map.view_range()
    pixel = _pixel_of(panel, x0 + 0.3 * (x1 - x0), y0 + 0.7 * (y1 - y0))
    with qtbot.waitSignal(panel.probe_decoded, timeout=8000):
        qtbot.mouseClick(panel.map.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    a, b = _map_point_at(panel, pixel)
    np.testing.assert_allclose(panel.probe_tile.shown(), _decode(vae, [a, b]), atol=1e-6)
    marker = panel.map.probe.pos()
    assert (marker.x(), marker.y()) == pytest.approx((a, b), abs=1e-6)  # the code is float32


def test_dragging_the_marker_decodes_as_it_moves(qtbot, shown_panel, vae, monkeypatch):
    monkeypatch.setitem(pg.CONFIG_OPTIONS, "mouseRateLimit", 0)  # every move counts, however fast they come
    panel = shown_panel(vae)
    x0, x1, y0, y1 = panel.map.view_range()
    start = ((x0 + x1) / 2, (y0 + y1) / 2)
    panel.set_probe_code(np.array(start, np.float32))
    marker = panel.map.probe  # where the press below grabs it
    assert marker.isVisible() and (marker.pos().x(), marker.pos().y()) == pytest.approx(start, abs=1e-6)
    viewport = panel.map.canvas.viewport()
    shown = []
    panel.probe_decoded.connect(lambda image: shown.append(image.copy()))
    p = _pixel_of(panel, *start)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=p)
    decoded_after_each_move = []
    for k in range(1, 6):
        qtbot.mouseMove(viewport, p + QPoint(12 * k, -8 * k))
        decoded_after_each_move.append(len(shown))
    end = p + QPoint(60, -40)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert decoded_after_each_move == [1, 2, 3, 4, 5]  # a decoding at every move, not only at the release
    pos = panel.map.probe.pos()
    np.testing.assert_allclose(panel.probe_tile.shown(), _decode(vae, [pos.x(), pos.y()]), atol=1e-6)
    assert pos.x() > start[0] and pos.y() > start[1]


def test_hover_shows_the_nearest_test_image(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    xy = panel.map.points()
    x0, x1, y0, y1 = panel.map.view_range()
    pixel = _pixel_of(panel, 0.45 * x0 + 0.55 * x1, 0.6 * y0 + 0.4 * y1)
    a, b = _map_point_at(panel, pixel)
    d = ((xy[:, 0] - a) / (x1 - x0)) ** 2 + ((xy[:, 1] - b) / (y1 - y0)) ** 2
    expected = _pixels(panel._x_map[int(np.argmin(d)), 0])
    qtbot.mouseMove(panel.map.canvas.viewport(), pixel)
    # (before any hover the tile already shows the image nearest the marker: wait for the hovered one)
    qtbot.waitUntil(lambda: panel.nearest_tile.shown() is not None
                    and np.array_equal(panel.nearest_tile.shown(), expected), timeout=8000)


def test_before_any_hover_the_tile_shows_the_test_image_nearest_the_marker(qtbot, shown_panel, vae):
    """On a projector or from the keyboard nobody hovers: the nearest-image tile is not left an empty box."""
    panel = shown_panel(vae)
    with torch.no_grad():  # the codes by hand: the experiment's own encoder on the map's test images
        codes = vae.module.encode(torch.from_numpy(_pixels(panel._x_map))).numpy()
    z = panel._picks.probe.z
    nearest = int(np.argmin(((codes - z) ** 2).sum(1)))
    qtbot.waitUntil(lambda: panel.nearest_tile.shown() is not None, timeout=8000)
    np.testing.assert_array_equal(panel.nearest_tile.shown(), _pixels(panel._x_map[nearest, 0]))


def test_the_manifold_is_the_decoded_grid_of_the_visible_region_and_follows_zoom(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    x0, x1, y0, y1 = panel.map.view_range()
    panel.map.box.setRange(xRange=(x0 / 2, x1 / 2), yRange=(y0 / 2, y1 / 2), padding=0)
    qtbot.waitUntil(lambda: panel.manifold.extent == panel.map.view_range(), timeout=12000)
    extent = panel.manifold.extent
    picture = panel.manifold.shown()[::-1]  # back to reading order: top row first
    rows, cols = picture.shape[0] // 28, picture.shape[1] // 28
    centres = grid_points(extent, rows, cols)
    for cell in (0, cols - 1, rows * cols - 1):
        r, c = divmod(cell, cols)
        np.testing.assert_allclose(picture[28 * r: 28 * r + 28, 28 * c: 28 * c + 28],
                                   _decode(vae, centres[cell]), atol=1e-6)


def _train_a_run(qtbot, window, config, watched, shown) -> tuple[np.ndarray, list]:
    """A 40-step run of the small VAE in `window`: (the points `watched` showed before it, its encoder passes)."""
    window.start(config.replace(steps=40, lr=3e-3))
    qtbot.waitUntil(lambda: window.session.state == "idle" and watched.map_ready and shown.map_ready, timeout=60000)
    before = watched.map.points()
    passes = []
    watched.encoder.done.connect(lambda codes: passes.append(codes[0]))
    with qtbot.waitSignal(window.session.run_finished, timeout=80000):
        window.train()
    # the final snapshot came before run_finished; its passes are over once no pass of either panel is queued
    # or running (a pass of `watched` it should not have made would be counted in `passes` by then)
    qtbot.waitUntil(lambda: shown.map_ready and not watched.encoder.busy and window.session.state == "idle",
                    timeout=40000)
    return before, passes


def test_the_map_follows_a_real_training_run_in_the_main_window(qtbot, window, small_vae):
    panel = window.view("Latent space")
    before, passes = _train_a_run(qtbot, window, small_vae, panel, panel)
    assert len(passes) >= 1
    after = panel.map.points()
    assert np.abs(after - before).max() > 1e-3  # the clusters moved
    with torch.no_grad():
        expected = window.session.experiment.module.encode(torch.from_numpy(_pixels(panel._x_map))).numpy()
    np.testing.assert_allclose(after, expected, atol=1e-5)  # ... to the codes of the final weights


def test_for_d_above_2_the_map_is_the_codes_principal_plane_and_a_click_decodes_on_it(qtbot, shown_panel, small_vae):
    exp = Experiment.create(small_vae.replace(latent_dim=5))
    panel = shown_panel(exp)
    codes = panel.map_codes().astype(np.float64)
    mean = codes.mean(0)
    _, _, vt = np.linalg.svd(codes - mean, full_matrices=False)
    plane = panel.plane
    np.testing.assert_allclose(plane.mean, mean, atol=1e-6)
    np.testing.assert_allclose(np.abs(np.sum(plane.basis * vt[:2], axis=1)), 1.0, atol=1e-6)
    np.testing.assert_allclose(panel.map.points(), (codes - mean) @ plane.basis.T, atol=1e-6)
    x0, x1, y0, y1 = panel.map.view_range()
    pixel = _pixel_of(panel, 0.6 * x0 + 0.4 * x1, 0.5 * (y0 + y1))
    qtbot.mouseClick(panel.map.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    a, b = _map_point_at(panel, pixel)
    z = mean + a * plane.basis[0] + b * plane.basis[1]
    np.testing.assert_allclose(panel.probe_tile.shown(), _decode(exp, z), atol=1e-6)


def test_vae_posterior_ellipses_and_prior_samples(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    xy = panel.map.points()
    x0, x1, y0, y1 = panel.map.view_range()
    central = int(np.argmin(np.hypot(xy[:, 0] - (x0 + x1) / 2, xy[:, 1] - (y0 + y1) / 2)))
    qtbot.mouseMove(panel.map.canvas.viewport(), _pixel_of(panel, *xy[central]))
    qtbot.waitUntil(lambda: panel._hover >= 0, timeout=8000)
    with torch.no_grad():
        mu, logvar = vae.module.posterior(torch.from_numpy(_pixels(panel._x_map[panel._hover: panel._hover + 1])))
    mu, sigma = mu[0].numpy(), torch.exp(0.5 * logvar[0]).numpy()
    x, y = panel.map.ellipses.getData()
    rings = np.split(np.stack([x, y], 1), np.flatnonzero(np.isnan(x)))  # every ring after the first starts with NaN
    last = rings[-2][1:]  # the hovered image's 2-sigma ring (the last drawn)
    np.testing.assert_allclose(last.min(0), mu - 2 * sigma, rtol=0, atol=0.01 * sigma.max())  # 48 points a ring
    np.testing.assert_allclose(last.max(0), mu + 2 * sigma, rtol=0, atol=0.01 * sigma.max())  # 48 points a ring

    panel.prior_button.click()
    z = np.random.default_rng([0, 0]).standard_normal((8, 2)).astype(np.float32)
    stars = np.stack(panel.map.prior.getData(), 1)
    np.testing.assert_allclose(stars, z, atol=1e-6)
    with torch.no_grad():
        decoded = vae.module.decode(torch.from_numpy(z))[:, 0].numpy()
    strip = panel.prior_tile.shown()
    np.testing.assert_allclose(strip[:28, :28], decoded[0], atol=1e-6)
    np.testing.assert_allclose(strip[30:58, 30:58], decoded[5], atol=1e-6)  # 4 per row, 2 px gaps


def test_a_panel_behind_another_tab_skips_snapshots_and_catches_up_when_shown(qtbot, window, small_vae):
    shown = window.view("Latent space")
    hidden = install(window)  # a second panel, in a tab behind the first
    before, passes = _train_a_run(qtbot, window, small_vae, hidden, shown)
    assert passes == [] and np.array_equal(hidden.map.points(), before)  # no work for a view nobody sees
    window.view_tabs.setCurrentWidget(hidden)
    qtbot.waitUntil(lambda: len(passes) >= 1 and hidden.map_ready, timeout=40000)
    np.testing.assert_allclose(hidden.map.points(), shown.map.points(), atol=1e-6)  # the final weights' codes
