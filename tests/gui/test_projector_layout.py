"""Made for the projector: every lesson in presentation mode at 1280x800 and 1920x1080 (one window, no training)
has its main picture as a square of at least 55 % of the screen height, no control cut off by an ancestor and no
control without an accessible name (gendiff_gui/widgets/layout_audit.py, the walk bench_projector.py makes too);
the WCAG contrast formula; the loss plot's x range and legend; the side column taking the blank beside a square
picture; Space and Page Down from any control; the map's keys."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QSpinBox

from gendiff_gui.curves.plot_range import x_range
from gendiff_gui.lessons.catalogue import LESSONS
from gendiff_gui.shell.main_window import SIDE_MAX_SHARE, SIDE_SLACK_KEPT_PX
from gendiff_gui.widgets.layout_audit import audit_window, contrast_ratio, relative_luminance

SIZES = (QSize(1280, 800), QSize(1920, 1080))
MIN_SHARE = 0.55
OPEN_MS = 90_000


def test_contrast_ratio_matches_hand_computed_wcag_values():
    # L = 0.2126 R + 0.7152 G + 0.0722 B of linearised channels; ratio = (L1 + 0.05) / (L2 + 0.05)
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#FF0000", "#FFFFFF") == pytest.approx(1.05 / (0.2126 + 0.05), rel=1e-6)  # 4.00
    grey = ((0x77 / 255 + 0.055) / 1.055) ** 2.4  # 0x77 / 255 = 0.467 > 0.03928: the power branch
    assert relative_luminance("#777777") == pytest.approx(grey, rel=1e-9)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    dark = 0x08 / 255 / 12.92  # 0x08 / 255 = 0.031 <= 0.03928: the linear branch
    assert relative_luminance("#080808") == pytest.approx(dark, rel=1e-9)


def test_the_x_range_follows_the_data_when_training_continues():
    assert x_range(1500, 0) == (0.0, 2000.0)
    lo, hi = x_range(15_400, 15_000)
    assert (lo, hi) == (15_000.0, 15_500.0)
    lo, hi = x_range(15_490, 14_990)
    assert lo <= 14_990 and hi >= 15_490 and hi - lo <= 2_000  # a round span, not 0 .. 20,000


def test_the_legend_follows_the_models_loss_parts(qtbot):
    from gendiff_gui.curves.loss_curves import LossCurvesView

    view = LossCurvesView()
    qtbot.addWidget(view)
    steps = np.arange(10, dtype=np.int64)
    reconstruction, kl = np.linspace(3.0, 2.0, 10), np.linspace(0.1, 0.4, 10)
    view.append_losses(steps, {"total": reconstruction + kl, "reconstruction": reconstruction, "kl": kl})
    assert [label.text for _sample, label in view.legend.items] == ["total loss", "reconstruction", "KL"]
    view.clear()  # a diffusion model replaces the VAE: its one part is the whole total, one curve named by the part
    denoise = np.linspace(1.0, 0.5, 10)
    view.append_losses(steps + 15_000, {"total": denoise, "denoise": denoise.copy(), "bridge": denoise / 10})
    view.append_losses(steps + 15_010, {"total": denoise, "denoise": denoise.copy(), "bridge": denoise / 10})
    view.redraw()
    assert [label.text for _sample, label in view.legend.items] == ["denoising", "bridge"]
    assert set(view.curves) == {"denoise", "bridge"}
    assert len(view.curves["denoise"].getData()[0]) == 20
    assert view.plot.vb.viewRange()[0][0] == pytest.approx(15_000)
    view.clear()  # a VAE again: the total is back
    view.append_losses(steps, {"total": reconstruction + kl, "reconstruction": reconstruction, "kl": kl})
    assert [label.text for _sample, label in view.legend.items] == ["total loss", "reconstruction", "KL"]


def test_every_lesson_in_presentation_mode_fills_the_screen_and_names_every_control(qtbot, window, bundled):
    failures = []
    for size in SIZES:
        window.set_presentation(True, size)
        for item in LESSONS:
            with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS):
                window.lessons.open(item.number)
            window.session.stop()
            qtbot.waitUntil(lambda: window.session.state in ("idle", "empty"), timeout=OPEN_MS)
            qtbot.waitUntil(lambda: bool(window.main_picture()) and all(w.isVisible() and w.width() > 0 and w.height() > 0
                                                                  for w in window.main_picture()), timeout=OPEN_MS)
            qtbot.wait(300)  # the layout settles after the lesson's settings (no assertion waits on time)
            result = audit_window(window, size.height(), contrast=False)
            where = f"lesson {item.number} at {size.width()}x{size.height()}"
            if result.main_share < MIN_SHARE:
                failures.append(f"{where}: main picture {result.main_side} px = {result.main_share:.2f} of the height")
            failures += [f"{where}: cut off {c}" for c in result.cut]
            failures += [f"{where}: squeezed {c}" for c in result.squeezed]
            failures += [f"{where}: unnamed {c}" for c in result.unnamed]
            failures += [f"{where}: scroll bar in {c}" for c in result.scroll_bars]
        window.set_presentation(False)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("lesson", [3, 6])  # a latent map, and a diffusion lesson with its live quality curve
def test_the_main_picture_keeps_its_size_while_training(qtbot, window, bundled, lesson):
    """Training shows the loss curves (and, for diffusion, the live quality curve beside them): in presentation
    mode they live in the side column's corner and must not take width from the main picture."""
    size = SIZES[0]
    window.set_presentation(True, size)
    with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS):
        window.lessons.open(lesson)
    progress = []
    window.session.progress.connect(progress.append)
    window.session.train()
    qtbot.waitUntil(lambda: len(progress) >= 3, timeout=OPEN_MS)
    qtbot.waitUntil(lambda: window.loss_curves.isVisible(), timeout=OPEN_MS)
    qtbot.wait(300)  # the layout settles after the curves appear (no assertion waits on time)
    result = audit_window(window, size.height(), contrast=False)
    # a picture as tall as its holder leaves the blank beside it to the side column (up to its widest)
    pictures = window.main_picture()
    height_bound = all(w.height() >= w.parentWidget().height() - 2 for w in pictures)
    blank = min(w.parentWidget().width() - w.width() for w in pictures)
    side, widest = window.side_column.width(), round(window.width() * SIDE_MAX_SHARE)
    window.session.stop()
    qtbot.waitUntil(lambda: window.session.state in ("idle", "empty", "paused"), timeout=OPEN_MS)
    window.set_presentation(False)
    assert result.main_share >= MIN_SHARE, f"lesson {lesson} training: {result.main_side} px = {result.main_share:.2f}"
    assert not result.cut and not result.unnamed and not result.squeezed, (result.cut, result.unnamed, result.squeezed)
    if height_bound:
        assert blank <= SIDE_SLACK_KEPT_PX + 2 or side >= widest - 1, (blank, side, widest)


@pytest.mark.parametrize("lesson", [6, 9])
def test_tab_goes_round_every_control_on_screen_and_back(qtbot, window, bundled, lesson):
    """In presentation mode Tab visits each visible, enabled control that takes Tab focus once (counted here from
    the widget tree, not from the window's own list) and comes back to where it began; Shift+Tab walks back.
    Once it stopped on the message bar's close button and went nowhere (Qt's chain led into a hidden tab bar)."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    window.set_presentation(True, SIZES[0])
    with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS):
        window.lessons.open(lesson)
    window.session.stop()
    qtbot.waitUntil(lambda: window.session.state in ("idle", "empty", "paused"), timeout=OPEN_MS)
    window.activateWindow()
    qtbot.wait(300)

    def takes_tab(w: QWidget) -> bool:
        return (w.isVisible() and w.isEnabled() and w.focusProxy() is None
                and bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus))

    regions = (window.messages, window.commands.toolbar, window.view_tabs, window.side_column)
    expected = {id(w) for region in regions if region.isVisible() for w in region.findChildren(QWidget)
                if takes_tab(w)}
    start = QApplication.focusWidget()
    assert start is not None and start.isVisible()
    seen, visible = [], []
    for _ in range(len(expected)):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
        visible.append(seen[-1] is not None and seen[-1].isVisible())
    back = []
    for _ in range(3):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
        back.append(QApplication.focusWidget())
    window.set_presentation(False)
    assert all(visible)
    assert {id(w) for w in seen} == expected and len(seen) == len(expected)  # each once ...
    assert seen[-1] is start  # ... and round to the start
    assert back == [seen[-2], seen[-3], seen[-4]]  # Shift+Tab: the same ring backwards


def test_space_and_page_down_reach_the_window_from_a_spin_box(qtbot, ready_window):
    w = ready_window
    spin = next(box for box in w.panel.findChildren(QSpinBox) if box.isVisible())
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    value = spin.value()
    qtbot.keyClick(spin, Qt.Key.Key_Space)  # no model view with a timeline: Space trains
    qtbot.waitUntil(lambda: w.session.state == "training", timeout=20000)
    assert spin.value() == value
    qtbot.keyClick(spin, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.session.state in ("paused", "idle"), timeout=20000)
    stepped = []
    w.lessons.step = stepped.append  # Page Down steps the lessons where no view steps frames
    qtbot.keyClick(spin, Qt.Key.Key_PageDown)
    assert stepped == [1] and spin.value() == value


def test_the_latent_maps_arrow_keys_move_a_cursor_and_enter_decodes_there(qtbot):
    from gendiff_gui.latent.views.latent_map import CURSOR_STEPS, LatentMapView

    view = LatentMapView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    qtbot.waitExposed(view)
    view.set_classes([str(i) for i in range(3)])
    view.set_points(np.array([[-1.0, -1.0], [1.0, 1.0], [0.0, 0.5]]), np.array([0, 1, 2]))
    view.box.setRange(xRange=(-2, 2), yRange=(-2, 2), padding=0)
    x0, x1, y0, y1 = view.view_range()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    clicked, ends = [], []
    view.clicked.connect(lambda a, b: clicked.append((a, b)))
    view.endpoint_picked.connect(lambda i, a, b: ends.append((i, a, b)))
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    a = (x0 + x1) / 2 + (x1 - x0) / CURSOR_STEPS
    b = (y0 + y1) / 2 + 2 * (y1 - y0) / CURSOR_STEPS
    assert clicked == [pytest.approx((a, b))]
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [e[0] for e in ends] == [0, 1] and ends[0][1:] == pytest.approx((a, b))
    assert view.description().startswith("3 codes in 3 classes")


@pytest.mark.parametrize("screen", [None, 800, 1080])
def test_the_run_buttons_are_never_clipped_in_either_text(qtbot, started_window, screen):
    """Resample and the denoise button share a row of the fixed-width controls column: each gets at least the
    width its text needs (its size hint), in both of the denoise button's texts, in the window normally and
    projected on a 1280x800 or 1920x1080 screen."""
    from core.config import ExperimentConfig
    from gendiff_gui.diffusion.views.sampling_controls import DENOISE_TEXTS, FORWARD

    window = started_window(ExperimentConfig(model="diffusion", dataset="moons", timesteps=20, hidden=32))
    if screen is not None:
        window.set_presentation(True, QSize(screen * 16 // 10 if screen == 800 else 1920, screen))
    controls = window.view("Diffusion").controls
    controls.mode.setCurrentIndex(controls.mode.findData(FORWARD))  # the denoise button belongs to this mode
    for text in DENOISE_TEXTS:
        controls.denoise_button.setText(text)
        controls.layout().activate()
        qtbot.wait(20)
        for button in (controls.resample_button, controls.denoise_button):
            assert button.isVisible()
            assert button.width() >= button.sizeHint().width(), (screen, button.text(), button.width())


def test_a_tab_bar_too_narrow_for_its_tabs_elides_them_and_keeps_every_one_in_sight(qtbot):
    """Lesson 4 in presentation at 1280x800 hid its last view ("Dropped images") behind Qt's scroll arrows. Now
    every tab lies inside the bar, its label elided, its full name in its tooltip."""
    from PySide6.QtWidgets import QLabel

    from gendiff_gui.widgets.tab_sizing import CurrentPageTabs

    tabs = CurrentPageTabs()
    names = ("Interpolation", "Reconstructions", "Dropped images")
    for name in names:
        tabs.addTab(QLabel(name), name)
    qtbot.addWidget(tabs)
    tabs.resize(tabs.tabBar().sizeHint().width() // 2, 200)
    tabs.show()
    qtbot.waitExposed(tabs)
    bar = tabs.tabBar()
    assert bar.width() < sum(bar.tabSizeHint(i).width() for i in range(len(names)))  # really too narrow
    for i, name in enumerate(names):
        assert bar.rect().contains(bar.tabRect(i)), name
        assert tabs.tabText(i) == name and tabs.tabToolTip(i) == name


@pytest.mark.parametrize("lesson", [1, 2])  # the W / V / PCA strips, and the reconstructions x, x', x~
def test_the_strips_beside_the_map_show_their_digits_large_and_the_decoded_grid_its_title(qtbot, window, bundled,
                                                                                          lesson):
    """In the narrow column beside the map a strip of ten 28 px images in one row was shown 8 px a digit (lesson
    2 at 1280x800), the decoded grid a 35 px sliver with its title cut: each strip now wraps into the rows that show
    it largest, and the grid keeps its title's width. Scale by hand: the view's side over the mosaic's."""
    window.set_presentation(True, SIZES[0])
    with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS):
        window.lessons.open(lesson)
    panel = window.view("Latent space")
    page = panel.tabs.currentWidget()
    rows = page.rows if lesson == 2 else [page.w_row, page.v_row, page.pca_row]
    qtbot.waitUntil(lambda: all(row.shown() is not None for row in rows), timeout=OPEN_MS)
    qtbot.wait(300)  # the layout settles after the lesson's settings (no assertion waits on time)
    sizes = []
    for row in rows:
        height, width = row.shown().shape
        sizes.append(28 * min(row.view.width() / width, row.view.height() / height))
    title = panel.manifold.plot.titleLabel
    title_fits = title.item.boundingRect().width() <= panel.manifold.plot.vb.width() + panel.manifold.plot.getAxis(
        "left").width() + 4
    window.set_presentation(False)
    assert min(sizes) >= 28, np.round(sizes, 1)  # at least MNIST's own 28 px a digit
    assert title_fits
