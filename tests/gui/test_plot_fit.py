"""Plots fitted to their room (a projector's corner): legend columns and axis titles by hand-computed widths, the
audit that sees text past a plot's edge, one curve for parts that repeat each other, companions side by side or
stacked, a wrapping label that shrinks again when it widens."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFontMetrics

from gendiff_gui.curves.plot_fit import READABLE_LINES, legend_columns, titles_fit


def test_legend_columns_take_as_many_as_fit_row_by_row():
    # entries 100, 60, 80 px, gap 10: three columns need 100 + 60 + 80 + 2 x 10 = 260 px; two need
    # max(100, 80) + 60 + 10 = 170 px (entries fill rows: the first column holds entries 0 and 2)
    widths = [100.0, 60.0, 80.0]
    assert legend_columns(widths, 260, gap=10) == 3
    assert legend_columns(widths, 259, gap=10) == 2
    assert legend_columns(widths, 170, gap=10) == 2
    assert legend_columns(widths, 169, gap=10) == 1
    assert legend_columns(widths, 10, gap=10) == 1  # never none


def test_axis_titles_show_only_beside_a_readable_data_area():
    line = 20.0  # one line of tick text
    bottom = 24.0  # the bottom title's share of the height
    tall = READABLE_LINES * line + bottom  # the area with the bottom title still READABLE_LINES lines tall
    assert titles_fit(tall, left_title_px=50.0, bottom_title_px=bottom, line_px=line) == (True, True)
    assert titles_fit(tall - 1, left_title_px=50.0, bottom_title_px=bottom, line_px=line) == (True, False)
    # the rotated left title runs along the area: no longer than it, after the bottom title took its share
    assert titles_fit(tall, left_title_px=tall - bottom, bottom_title_px=bottom, line_px=line) == (True, True)
    assert titles_fit(tall, left_title_px=tall - bottom + 1, bottom_title_px=bottom, line_px=line) == (False, True)


def _plot(qtbot, width: int, height: int) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_plot_audit_finds_a_legend_wider_than_its_plot_and_a_flat_data_area(qtbot):
    from gendiff_gui.widgets.plot_audit import plot_problems

    roomy = _plot(qtbot, 500, 400)
    roomy.getPlotItem().plot([0, 1], [0, 1])
    qtbot.wait(50)
    assert plot_problems(roomy) == ([], [])

    narrow = _plot(qtbot, 160, 400)
    legend = pg.LegendItem(offset=(10, 10), labelTextSize="20pt")
    legend.setParentItem(narrow.getPlotItem().vb)
    legend.addItem(narrow.getPlotItem().plot([0, 1], [0, 1]), "a legend entry far wider than the plot")
    qtbot.wait(50)
    cut, _squeezed = plot_problems(narrow)
    assert any("legend" in text for text in cut), cut

    flat = _plot(qtbot, 500, 60)  # a data area a line or so tall under its axis
    qtbot.wait(50)
    _cut, squeezed = plot_problems(flat)
    assert len(squeezed) == 1 and "data area" in squeezed[0], squeezed


def test_parts_that_repeat_another_make_one_curve():
    from gendiff_gui.curves.loss_curves import aliased_parts

    d = np.linspace(1.0, 0.5, 6)
    # a diffusion model: "denoise" is the total; the lecture's bridge target: the bridge diagnostic is it too
    assert aliased_parts({"total": d, "denoise": d.copy()}) == {"total"}
    assert aliased_parts({"total": d, "denoise": d.copy(), "bridge": d.copy()}) == {"total", "bridge"}
    assert aliased_parts({"total": d, "denoise": d.copy(), "bridge": d / 10}) == {"total"}
    # a VAE: the total is the sum of two different parts, all three drawn
    assert aliased_parts({"total": d + 0.1, "reconstruction": d, "kl": np.full(6, 0.1)}) == set()


@pytest.mark.parametrize("width, height, beside", [(600, 250, True), (300, 250, False), (600, 500, False)])
def test_the_quality_curve_goes_beside_the_loss_plot_only_in_a_wide_low_room(qtbot, width, height, beside):
    """Beside: the room at least 1.4 times wider than tall and each plot 20 characters wide; else stacked, and the
    loss plot then leaves its step axis to the plot under it."""
    from PySide6.QtWidgets import QBoxLayout

    from gendiff_gui.curves.loss_curves import SIDE_BY_SIDE_ASPECT, SIDE_BY_SIDE_CHARS, LossCurvesView
    from gendiff_gui.curves.quality_curve import QualityCurveView

    view = LossCurvesView()
    qtbot.addWidget(view)
    quality = QualityCurveView()
    view.add_beside(quality, 1)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(50)
    room = view.height() - view.settings.height()
    expected = (view.width() >= SIDE_BY_SIDE_ASPECT * room
                and view.width() / 2 >= SIDE_BY_SIDE_CHARS * view.fontMetrics().averageCharWidth())
    assert expected == beside  # the cases are what their names say at this font
    direction = view._plots.direction()
    assert (direction == QBoxLayout.Direction.LeftToRight) == beside
    assert view.plot.getAxis("bottom").isVisible() == beside
    view.append_losses(np.arange(0, 1000, 10), {"total": np.linspace(1.0, 0.5, 100)})
    view.redraw()
    for step, value in ((100, 0.3), (500, 0.05), (900, 0.01)):
        quality.add_point(step, value)
    np.testing.assert_allclose(quality.plot.viewRange()[0], view.plot.viewRange()[0])  # the same steps under both
    quality.hide()  # alone, the loss plot keeps its step axis
    qtbot.wait(20)
    assert view.plot.getAxis("bottom").isVisible()


def test_a_wrapping_label_gets_shorter_again_when_it_widens(qtbot):
    from gendiff_gui.widgets.wrapping_label import WrappingLabel

    label = WrappingLabel("x0: what the denoiser believes the noise hides")
    qtbot.addWidget(label)
    label.resize(60, 300)
    label.show()
    qtbot.waitExposed(label)
    narrow = label.minimumHeight()
    label.resize(2000, 300)
    qtbot.wait(20)
    line = QFontMetrics(label.font()).height()
    assert narrow > 2 * line  # several lines when narrow
    margins = label.contentsMargins().top() + label.contentsMargins().bottom()
    assert label.minimumHeight() <= line + margins + 2  # one line once it is wide (it once kept the narrow height)


def test_a_narrow_loss_plot_keeps_its_last_step_label_inside(qtbot):
    """Presentation fonts in a 240 px plot: the right margin is half the range end's label ("100"), so the plot is
    not made wider than its widget (a fixed margin for "20,000" was, and its "80" was cut at the edge)."""
    from gendiff_gui.curves.loss_curves import LossCurvesView
    from gendiff_gui.widgets.plot_audit import plot_problems
    from gendiff_gui.widgets.theme import presentation_for

    view = LossCurvesView()
    qtbot.addWidget(view)
    view.apply_theme(presentation_for(800))
    view.resize(240, 300)
    view.show()
    qtbot.waitExposed(view)
    d = np.linspace(1.0, 0.5, 66)
    view.append_losses(np.arange(1, 67), {"total": d, "denoise": d.copy(), "bridge": d / 10})
    view.redraw()
    qtbot.wait(100)
    end = view.plot.vb.viewRange()[0][1]
    font = view.plot.getAxis("bottom").style["tickFont"]
    assert view.plot.layout.getContentsMargins()[2] == pytest.approx(
        QFontMetrics(font).horizontalAdvance(f"{end:g}") // 2 + 4, abs=1)
    cut, _squeezed = plot_problems(view.plot_widget)
    assert not cut, cut
