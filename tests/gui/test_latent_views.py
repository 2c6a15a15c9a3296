"""Interpolation (λ = 0 and 1 give the ends), reconstructions x, x′, x̃ with the live σ, the linear AE against PCA."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from core.config import ExperimentConfig
from core.experiment import Experiment
from core.image_grid import fitting_columns
from core.interpolation import slerp
from gendiff_gui.latent.panel import LatentPanel
from gendiff_gui.latent.view_refresh import STRIP_LAMBDAS
from gendiff_gui.latent.views.interpolation import LINEAR_FORMULA
from gendiff_gui.widgets.image_tile import ImageTile


@torch.no_grad()
def _decode(experiment, z) -> np.ndarray:
    codes = torch.as_tensor(np.asarray(z, np.float32).reshape(-1, experiment.config.latent_dim))
    return experiment.module.decode(codes)[:, 0].numpy()


def _untile(strip: np.ndarray, n: int, pad: int = 2, size: int = 28) -> np.ndarray:
    """The n images of a strip drawn with `pad` pixels between them, row by row (a wrapped strip has several)."""
    cols = (strip.shape[1] + pad) // (size + pad)
    return np.stack([strip[(i // cols) * (size + pad): (i // cols) * (size + pad) + size,
                           (i % cols) * (size + pad): (i % cols) * (size + pad) + size] for i in range(n)])


def _click(qtbot, panel, a: float, b: float, modifier=Qt.KeyboardModifier.NoModifier) -> np.ndarray:
    pixel = panel.map.canvas.mapFromScene(panel.map.box.mapViewToScene(QPointF(a, b)))
    qtbot.mouseClick(panel.map.canvas.viewport(), Qt.MouseButton.LeftButton, modifier, pixel)
    p = panel.map.box.mapSceneToView(panel.map.canvas.mapToScene(pixel))
    return np.array([p.x(), p.y()], np.float32)


def test_interpolation_ends_are_the_two_decodings_linear_and_spherical(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    view = panel.interpolation
    assert view.formula.text() == LINEAR_FORMULA == "h = λ·h₁ + (1 − λ)·h₂ → dec(h)"
    x0, x1, y0, y1 = panel.map.view_range()
    h1 = _click(qtbot, panel, 0.8 * x0 + 0.2 * x1, 0.7 * y0 + 0.3 * y1)
    view.take[0].click()  # h1 <- marker
    h2 = _click(qtbot, panel, 0.25 * x0 + 0.75 * x1, 0.2 * y0 + 0.8 * y1, Qt.KeyboardModifier.ControlModifier)
    end1, end2 = _decode(vae, h1)[0], _decode(vae, h2)[0]
    assert not np.allclose(end1, end2)
    for spherical in (False, True):
        view.spherical.setChecked(spherical)
        strip = _untile(view.strip.shown(), len(STRIP_LAMBDAS))
        np.testing.assert_allclose(strip[0], end2, atol=1e-6)  # left: λ = 0 -> h2
        np.testing.assert_allclose(strip[-1], end1, atol=1e-6)  # right: λ = 1 -> h1
        view.set_lambda(0.0)
        np.testing.assert_allclose(view.current.shown(), end2, atol=1e-6)
        view.set_lambda(1.0)
        np.testing.assert_allclose(view.current.shown(), end1, atol=1e-6)
    view.set_lambda(0.5)
    middle = slerp(torch.from_numpy(h1), torch.from_numpy(h2), torch.tensor([0.5])).numpy()
    np.testing.assert_allclose(view.current.shown(), _decode(vae, middle)[0], atol=1e-6)
    assert "sin" in view.formula.text()
    view.spherical.setChecked(False)
    np.testing.assert_allclose(view.current.shown(), _decode(vae, (h1 + h2) / 2)[0], atol=1e-5)
    start, end = panel.map.endpoints[0].pos(), panel.map.endpoints[1].pos()
    assert (start.x(), start.y(), end.x(), end.y()) == pytest.approx((*h1, *h2), abs=1e-6)


def test_shift_click_sets_h1_and_the_strip_follows(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    x0, x1, y0, y1 = panel.map.view_range()
    h1 = _click(qtbot, panel, 0.5 * (x0 + x1), 0.6 * y0 + 0.4 * y1, Qt.KeyboardModifier.ShiftModifier)
    strip = _untile(panel.interpolation.strip.shown(), len(STRIP_LAMBDAS))
    np.testing.assert_allclose(strip[-1], _decode(vae, h1)[0], atol=1e-6)


def test_reconstructions_show_x_the_noisy_x_and_its_decoding_with_the_live_sigma(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    view = panel.reconstructions
    assert view.sigma == vae.config.noise_sigma == 0.0
    n = 10
    x, noisy, rec = (_untile(row.shown(), n) for row in view.rows)
    np.testing.assert_array_equal(noisy, x)
    view.set_sigma(0.5)
    x2, noisy, rec = (_untile(row.shown(), n) for row in view.rows)
    np.testing.assert_array_equal(x2, x)
    assert np.std(noisy - x) == pytest.approx(0.5, rel=0.05)  # x' = x + eps, eps ~ N(0, 0.5^2)
    assert abs(np.mean(noisy - x)) < 0.03
    with torch.no_grad():
        expected = vae.module.decode(vae.module.encode(torch.from_numpy(noisy[:, None])))[:, 0].numpy()
    np.testing.assert_allclose(rec, expected, atol=1e-6)
    labels = [int(vae.test_data.y[np.flatnonzero((vae.test_data.floats()[:, 0] == img).all(axis=(1, 2)))[0]]) for img in x]
    assert labels == list(range(10))  # one column per class


def test_fitting_columns_show_a_strip_largest_in_its_room():
    # 8 images 28 px, no pad: in 240 x 30 one row scales min(240/224, 30/28) = 1.07; 2 rows of 4 min(240/112,
    # 30/56) = 0.54: one row. In 120 x 120: 8 cols 0.54, 4 cols (2 rows) min(1.07, 2.14) = 1.07, 3 cols (3 rows)
    # min(1.43, 1.43) = 1.43, 2 cols (4 rows) min(2.14, 1.07): 3 columns.
    assert fitting_columns(8, 28, 28, 240, 30) == 8
    assert fitting_columns(8, 28, 28, 120, 120) == 3
    # with pad 2: 5 x 2 min(150/148, 100/58) = 1.01; 4 x 3 min(150/118, 100/88) = 1.14; 3 x 4 min(1.70, 0.85)
    assert fitting_columns(10, 28, 28, 150, 100, pad=2) == 4
    assert fitting_columns(1, 28, 28, 10, 500) == 1


def test_a_wrapping_strip_takes_the_rows_its_room_gives_and_keeps_its_images_in_order(qtbot):
    tile = ImageTile("x", pad=2, min_px=10, wrap=True)
    qtbot.addWidget(tile)
    images = np.random.default_rng(0).random((10, 28, 28)).astype(np.float32)
    tile.resize(700, 80)
    tile.show()
    qtbot.waitExposed(tile)
    tile.set_images(images)
    assert tile.shown().shape == (28, 10 * 30 - 2)  # wide and low: one row
    tile.resize(180, 140)
    qtbot.waitUntil(lambda: tile.shown().shape[0] > 28)  # narrow: tiled again on the resize, in rows
    rows, width = tile.shown().shape
    cols = (width + 2) // 30
    assert fitting_columns(10, 28, 28, tile.view.width(), tile.view.height(), 2) == cols > 1
    np.testing.assert_array_equal(_untile(tile.shown(), 10), images)


def test_linear_ae_weights_beside_pca_and_the_subspace_angle(qtbot):
    exp = Experiment.create(ExperimentConfig(model="linear-ae", dataset="mnist", latent_dim=3, seed=0))
    exp.train_data = dataclasses.replace(exp.train_data, x=exp.train_data.x[:6000])  # a faster PCA, same checks
    panel = LatentPanel(map_points=500)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.pca.ready, timeout=90000) as ready:
        panel.set_experiment(exp)
    components = ready.args[0]  # (3, 784), PCA of the training set
    view = panel.weights
    assert panel.tabs.isTabVisible(panel.tabs.indexOf(view))
    w = exp.module.W.detach().numpy()
    first = w[0] / np.abs(w[0]).max()
    np.testing.assert_allclose(view.w_row.shown()[:28, :28], first.reshape(28, 28), atol=1e-6)
    assert 30 < view.angle_deg <= 90  # random weights: far from PCA

    rng = np.random.default_rng(0)
    mix = rng.standard_normal((3, 3))  # any basis of PCA's subspace is as good as PCA
    state = {k: v.detach().numpy().copy() for k, v in exp.module.state_dict().items()}
    state["V"] = (components.T @ mix).astype(np.float32)
    panel.tabs.setCurrentWidget(panel.interpolation)
    strip_before = panel.interpolation.strip.shown().copy()
    panel.set_snapshot(state)
    # a refresh with the new weights has drawn the tab on top (its strip decodes with the new V) and has ended:
    # had it refreshed the tabs behind too, the weights tab would show the new V by now
    qtbot.waitUntil(lambda: not np.array_equal(panel.interpolation.strip.shown(), strip_before)
                    and not panel._refresh.waiting and not panel._refresh.running, timeout=30000)
    assert view.angle_deg > 30  # a tab behind another one waits ...
    panel.tabs.setCurrentWidget(view)  # ... and shows the newest weights when picked
    qtbot.waitUntil(lambda: view.angle_deg is not None and view.angle_deg < 0.1, timeout=12000)
    v0 = state["V"][:, 0] / np.abs(state["V"][:, 0]).max()
    np.testing.assert_allclose(view.v_row.shown()[:28, :28], v0.reshape(28, 28), atol=1e-6)

    other = rng.standard_normal((784, 3))
    other -= components.T @ (components @ other)  # orthogonal to PCA's subspace
    state = dict(state, V=other.astype(np.float32))
    panel.set_snapshot(state)
    qtbot.waitUntil(lambda: view.angle_deg is not None and view.angle_deg > 89.9, timeout=12000)


def test_weights_tab_only_for_the_linear_ae_and_prior_only_for_the_vae(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    assert not panel.tabs.isTabVisible(panel.tabs.indexOf(panel.weights))
    assert panel.prior_button.isVisible() and panel.interpolation.spherical.isVisible()
    panel.set_experiment(Experiment.create(ExperimentConfig(model="ae", dataset="mnist", latent_dim=2, hidden=32)))
    assert not panel.prior_button.isVisible() and not panel.interpolation.spherical.isVisible()
    qtbot.waitUntil(lambda: panel.map_ready, timeout=40000)
    assert len(panel.map.points()) == 1000


def test_a_model_of_2d_points_clears_the_map_and_ignores_its_snapshots(qtbot, shown_panel, vae):
    panel = shown_panel(vae)
    toy = Experiment.create(ExperimentConfig(model="ae", dataset="moons", latent_dim=1, hidden=16))
    panel.set_experiment(toy)
    assert len(panel.map.points()) == 0 and "images" in panel.map.plot.titleLabel.text
    panel.set_snapshot({k: v.detach().numpy() for k, v in toy.module.state_dict().items()})
    panel.set_snapshot({k: v.detach().numpy() for k, v in vae.module.state_dict().items()})
    # nothing that could draw later was started: no map pass queued or running, no refresh due or under way
    assert not panel.encoder.busy and not panel.jobs()
    assert not panel._refresh.waiting and not panel._refresh.running
    assert len(panel.map.points()) == 0 and panel.probe_tile.shown() is None
    panel.set_experiment(vae)  # and back
    qtbot.waitUntil(lambda: panel.map_ready and len(panel.map.points()) == 1000, timeout=40000)


def test_presentation_look_scales_text_and_points_with_the_application_font(qtbot, shown_panel, vae):
    from PySide6.QtWidgets import QApplication

    from gendiff_gui.widgets.theme import PRESENTATION, style_application

    panel = shown_panel(vae)
    app = QApplication.instance()
    font, palette, style = app.font(), app.palette(), app.style().name()
    before = (panel.map.scatter.opts["size"], panel.interpolation.formula.font().pointSizeF())
    try:
        style_application(app, PRESENTATION)
        panel.apply_theme(PRESENTATION)
        after = (panel.map.scatter.opts["size"], panel.interpolation.formula.font().pointSizeF())
        assert after[0] > before[0] and after[1] > 1.5 * before[1]
        assert len(panel.map.legend.items) == 10
        assert len(panel.map.points()) == 1000  # nothing lost on the way
    finally:  # the application as the other tests expect it
        app.setStyle(style)
        app.setPalette(palette)
        app.setFont(font)


def test_the_maps_legend_stands_beside_the_plot_only_where_both_fit(qtbot, shown):
    """Beside a narrow plot the legend's second column was cut off by the canvas' edge: there it goes (the cluster
    labels name the classes), and on a wide canvas it is back, whole, inside the canvas."""
    from gendiff_gui.latent.views.latent_map import LatentMapView

    view = shown(LatentMapView(), 900, 600)
    view.set_classes([str(i) for i in range(10)])
    view.set_title("enc(x) of 5,000 test images")
    qtbot.wait(50)
    assert view.legend.isVisible() and view.legend.scene() is not None
    right = view.legend.mapRectToScene(view.legend.boundingRect()).right()
    assert right <= view.canvas.width()
    assert view.plot.sceneBoundingRect().right() <= view.legend.sceneBoundingRect().left()  # beside, not over it
    narrow = view.plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() + view.legend.boundingRect().width() - 20
    view.resize(int(narrow), 400)
    qtbot.waitUntil(lambda: not view.legend.isVisible())
    view.resize(900, 600)
    qtbot.waitUntil(lambda: view.legend.isVisible()
                    and view.legend.mapRectToScene(view.legend.boundingRect()).right() <= view.canvas.width())
