"""Lessons: the catalogue follows the lecture; each lesson opens its model, view and settings in the real window with
its views populated; a missing or unreadable checkpoint falls back to training from scratch; Train continues from
the bundled weights; the menu, the start page and the settings."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.checkpoint import load_checkpoint
from core.paths import PROJECT_ROOT
from gendiff_gui.lessons import catalogue
from gendiff_gui.lessons.runner import SETTINGS_KEY, startup_lesson
from gendiff_gui.lessons.catalogue import DIFFUSION, LATENT, LATENT_DIFFUSION, LESSONS, lesson
from gendiff_gui.shell.settings import open_settings
from gendiff_gui.widgets.theme import NORMAL

OPEN_MS = 60_000  # a loaded 2-core machine: MNIST's first load and a model build take seconds
LECTURE_ORDER = ("PCA", "Denoising", "Interpolating", "Variational", "Forward noising", "reverse step",
                 "from noise", "guidance", "both halves")


def _open(qtbot, window, number: int):
    with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS) as opened:
        window.lessons.open(number)
    assert opened.args == [number]
    return lesson(number)


def _stop_training(qtbot, window) -> None:
    window.session.stop()
    qtbot.waitUntil(lambda: window.session.state in ("idle", "empty"), timeout=60000)


def _populated(qtbot, window, item) -> None:
    view = window.view(item.view)
    if item.view == LATENT:
        qtbot.waitUntil(lambda: view.map_ready and len(view.map.points()) > 0, timeout=90000)
        assert np.isfinite(view.map.points()).all()
    else:
        qtbot.waitUntil(lambda: any(len(t) > 0 for t in view.trajectories), timeout=90000)
        assert view.scrubber.isVisibleTo(view)


def test_the_catalogue_follows_the_lecture_in_order():
    assert [item.number for item in LESSONS] == list(range(1, 10))
    for item, word in zip(LESSONS, LECTURE_ORDER):
        assert word.lower() in item.title.lower()
        assert item.formula and item.idea and item.sees and item.clicks
    assert {item.view for item in LESSONS[:4]} == {LATENT}
    assert {item.view for item in LESSONS[4:8]} == {DIFFUSION}
    assert lesson(9).view == LATENT_DIFFUSION and lesson(9).config.model == "latent-diffusion"
    assert (DIFFUSION, "controls.mode", "forward") in lesson(5).controls
    assert lesson(6).train_on_open and lesson(6).config.dataset == "moons"
    assert lesson(8).config.conditional
    assert "z = W x" in lesson(1).formula and "PCA" in lesson(1).idea
    with pytest.raises(ValueError):
        lesson(10)


@pytest.mark.parametrize("item", [item for item in LESSONS if item.checkpoint], ids=lambda item: item.checkpoint)
def test_a_lessons_from_scratch_model_is_its_bundled_model(item, bundled):
    """The lesson's checkpoint is bundled, and the fallback builds the same architecture it holds (so the views and
    settings fit)."""
    stored = load_checkpoint(bundled(item.checkpoint_path)).config
    fields = ["model", "dataset", "latent_dim", "noise_sigma", "conditional", "channels", "timesteps", "lecture_target"]
    if item.config.model == "gaussian-diffusion":  # (older auto-encoder checkpoints hold another unused sigma)
        fields += ["lecture_prior", "diffusion_sigma"]
    for field in fields:
        assert getattr(stored, field) == getattr(item.config, field), field


@pytest.mark.parametrize("number", [item.number for item in LESSONS])
def test_every_lesson_opens_its_model_view_and_settings_with_views_populated(qtbot, window, bundled, number):
    item = _open(qtbot, window, number)
    config = window.session.experiment.config
    assert (config.model, config.dataset, config.conditional) == (
        item.config.model, item.config.dataset, item.config.conditional)
    view = window.view(item.view)
    assert window.view_tabs.currentWidget() is view and view.isVisible()
    caption = window.lessons.caption
    assert caption.isVisible() and item.formula in caption.text() and item.title in caption.text()
    if item.checkpoint:
        bundled(item.checkpoint_path)
        assert "from scratch" not in caption.text(), caption.text()
        assert window.session.experiment.steps_done > 0  # the bundled weights, no training needed
    if item.subview:
        assert any(tabs.tabText(tabs.currentIndex()) == item.subview
                   for tabs in view.findChildren(type(window.view_tabs)))
    for name, path, value in item.controls:
        widget = window.view(name)
        for part in path.split("."):
            widget = getattr(widget, part)
        if hasattr(widget, "currentData") and value != catalogue.CLICK:
            assert value in (widget.currentData(), widget.currentText())
        elif hasattr(widget, "isCheckable") and widget.isCheckable():
            assert widget.isChecked() == bool(value)
        elif hasattr(widget, "value"):
            assert widget.value() == value
    _populated(qtbot, window, item)
    if item.view == DIFFUSION and dict((p, v) for _n, p, v in item.controls).get("controls.mode") == "forward":
        assert view.controls.forward and all(spec.kind == "forward" for spec in view.specs())
    if item.train_on_open:
        qtbot.waitUntil(lambda: window.session.state == "training", timeout=OPEN_MS)
    _stop_training(qtbot, window)


def test_a_missing_checkpoint_says_so_and_trains_from_scratch(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "MODELS_DIR", tmp_path)  # no bundled model at all
    _open(qtbot, window, 1)
    assert "mnist-linear-ae.safetensors is missing" in window.lessons.caption.text()
    assert "from scratch" in window.lessons.caption.text()
    qtbot.waitUntil(lambda: window.session.state == "training", timeout=OPEN_MS)
    assert window.session.experiment.config.model == "linear-ae"
    qtbot.waitUntil(lambda: window.snapshots.step > 0, timeout=OPEN_MS)
    _stop_training(qtbot, window)


def test_an_unreadable_checkpoint_is_reported_and_trains_from_scratch(qtbot, window, tmp_path, monkeypatch):
    (tmp_path / "mnist-linear-ae.safetensors").write_bytes(b"\x80\x04 not a checkpoint" * 50)
    monkeypatch.setattr(catalogue, "MODELS_DIR", tmp_path)
    _open(qtbot, window, 1)
    assert "could not be read" in window.lessons.caption.text()
    assert "mnist-linear-ae.safetensors" in window.messages.text()  # the session's error, in the message bar
    qtbot.waitUntil(lambda: window.session.state == "training", timeout=OPEN_MS)
    _stop_training(qtbot, window)


def test_train_continues_from_the_bundled_weights(qtbot, window, bundled):
    item = lesson(1)
    stored = load_checkpoint(bundled(item.checkpoint_path))
    _open(qtbot, window, 1)
    assert window.session.experiment.steps_done == stored.metadata["steps"]
    first = []
    window.session.progress.connect(lambda p: first.append(p) if not first else None)
    window.commands.train.trigger()  # the toolbar's Train button
    qtbot.waitUntil(lambda: bool(first), timeout=OPEN_MS)
    _stop_training(qtbot, window)
    assert first[0].steps[0] == stored.metadata["steps"] + 1  # the step count goes on ...
    assert first[0].losses["total"][0] < 1.5 * stored.metrics["test_mse"]  # ... from trained weights, not fresh


def test_menu_caption_buttons_and_start_page_switch_lessons(qtbot, window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Lessons")
    titles = [a.text() for a in menu.actions() if a.text()[1:2].isdigit()]
    assert titles == [f"&{item.number}  {item.title}" for item in LESSONS]
    three = next(a for a in menu.actions() if a.text().startswith("&3"))
    assert three.shortcut().toString() == "Ctrl+3"
    with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS):
        three.trigger()
    assert window.lessons.current.number == 3
    with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS) as opened:
        qtbot.mouseClick(window.lessons.caption.next, Qt.MouseButton.LeftButton)
    assert opened.args == [4]
    page = window.lessons.show_start_page()
    assert page.isVisible() and sorted(page.buttons) == [item.number for item in LESSONS]
    assert page.buttons[4].property("current") is True
    with qtbot.waitSignal(window.lessons.lesson_opened, timeout=OPEN_MS) as opened:
        qtbot.mouseClick(page.buttons[2], Qt.MouseButton.LeftButton)
    assert opened.args == [2] and not page.isVisible()


def test_reset_keeps_the_lesson_another_model_leaves_it_and_the_settings_forget_it(qtbot, window, toy_config):
    _open(qtbot, window, 4)
    assert window.settings.value(SETTINGS_KEY) in (4, "4")
    with qtbot.waitSignal(window.session.experiment_changed, timeout=OPEN_MS):
        window.commands.reset.trigger()  # the same model, fresh: still lesson 4
    assert window.lessons.current.number == 4 and "fresh model" in window.lessons.caption.text()
    assert window.session.experiment.steps_done == 0
    with qtbot.waitSignal(window.session.experiment_changed, timeout=OPEN_MS):
        window.start(toy_config)
    assert window.lessons.current is None and not window.lessons.caption.isVisible()
    assert window.settings.value(SETTINGS_KEY) is None


def test_startup_opens_the_flag_the_last_lesson_or_lesson_4_on_a_first_launch(toy_config):
    settings = open_settings()
    assert startup_lesson(settings, None, explicit=False) == (4, True)
    assert startup_lesson(settings, 7, explicit=False) == (7, False)
    assert startup_lesson(settings, None, explicit=True) == (None, False)
    settings.setValue(SETTINGS_KEY, 6)
    assert startup_lesson(settings, None, explicit=False) == (6, False)
    settings.remove(SETTINGS_KEY)
    settings.setValue("experiment/config", toy_config.to_json())
    assert startup_lesson(settings, None, explicit=False) == (None, False)  # the last experiment instead


def test_the_caption_is_big_on_a_projector(qtbot, window):
    window.lessons.caption.show_lesson("Lesson 1 · x", "z = W x", "idea")
    normal = window.lessons.caption.formula.fontInfo().pointSizeF()
    window.set_presentation(True)
    qtbot.waitUntil(lambda: window.lessons.caption.formula.fontInfo().pointSizeF() > normal)
    assert window.lessons.caption.formula.fontInfo().pointSizeF() >= 1.5 * window.theme.font_pt > 1.5 * NORMAL.font_pt
    window.set_presentation(False)


def test_the_teachers_page_lists_every_lesson_as_the_catalogue_says():
    page = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for item in LESSONS:
        assert f"**{item.number}** {item.title}" in page and f"--lesson {item.number}" in page
        assert " ".join(item.formula.split()).replace("|", "\\|") in page, item.number
        assert item.sees in page and item.clicks in page
    for name in ("lesson4.png", "lesson6.png"):
        shot = PROJECT_ROOT / "docs" / "screenshots" / name
        assert f"screenshots/{name}" in page and shot.is_file() and shot.stat().st_size < 300_000
