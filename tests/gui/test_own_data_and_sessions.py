"""In the window: training on a dropped folder (its class names on the latent map's legend), sessions that reopen
exactly (weights, optimiser, data, view state), bad session files that change nothing, and the autosave a crash
leaves, offered at the next start."""
from __future__ import annotations

import struct

import numpy as np
import pytest
import torch
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core.config import ExperimentConfig
from core.data.own.registry import dataset_name
from own_data_folders import digit_folder


def _drop_folder(widget, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:
        enter = QDragEnterEvent(pos, *args)  # PySide6 >= 6.12
    except TypeError:
        enter = QDragEnterEvent(pos.toPoint(), *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(pos, *args))


def _weights(window) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in window.session.experiment.module.state_dict().items()}


def _same_weights(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _difference(a, b, where: str = "") -> str | None:
    """The path of the first entry where two view states differ (None: identical, key by key, array by array)."""
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return f"{where}: keys {sorted(a)} != {sorted(b) if isinstance(b, dict) else b!r}"
        return next((d for k in a if (d := _difference(a[k], b[k], f"{where}.{k}"))), None)
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{where}: {len(a)} != {len(b)} items"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := _difference(x, y, f"{where}[{i}]"))), None)
    if isinstance(a, np.ndarray):
        same = isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
        return None if same else f"{where}: arrays differ"
    return None if a == b else f"{where}: {a!r} != {b!r}"


def _optimizer_state(window) -> dict:
    state = window.session.experiment.optimizer.state_dict()["state"]
    return {(i, n): t.clone() for i, s in state.items() for n, t in s.items()}


@pytest.fixture
def digits(tmp_path):
    return digit_folder(tmp_path / "digits", per_class=20)[0]


def _own_model_ready(window, digits) -> bool:
    exp = window.session.experiment
    return exp is not None and exp.config.dataset == dataset_name(digits)


def test_a_dropped_folder_trains_and_its_class_names_are_on_the_legend(qtbot, started_window, digits):
    w = started_window(ExperimentConfig(model="vae", dataset="mnist", hidden=32, latent_dim=2, steps=None))
    _drop_folder(w, digits)
    qtbot.waitUntil(lambda: _own_model_ready(w, digits) and w.snapshots.step >= 3, timeout=60000)
    w.session.stop()
    qtbot.waitUntil(lambda: w.session.state == "idle", timeout=30000)
    latent = w.view("Latent space")
    assert [label.text for _sample, label in latent.map.legend.items] == ["digit-3", "digit-5", "digit-7"]
    assert w.panel.dataset.currentText() == "digits (own folder)"
    assert w.panel.config().dataset == dataset_name(digits)
    assert "digits" in w.commands.title.text()


def test_a_folder_with_one_class_is_refused_in_the_window_and_the_model_kept(qtbot, ready_window, tmp_path):
    w = ready_window
    one = digit_folder(tmp_path / "one", digits=(2,), per_class=3)[0]
    before, experiment = _weights(w), w.session.experiment
    w.own_data.load(one)
    qtbot.waitUntil(lambda: "only one class" in w.messages.text(), timeout=20000)
    qtbot.waitUntil(lambda: w.own_data.job is None, timeout=20000)
    assert w.session.experiment is experiment and _same_weights(before, _weights(w))


def _latent_view_set_up(qtbot, w, tmp_path):
    """A model on screen: the latent tab, the reconstructions tab below the map, λ = 0.37, h1 at a chosen code, a
    dropped image."""
    latent = w.view("Latent space")
    w.view_tabs.setCurrentWidget(latent)
    from PIL import Image
    from core.data.image_sets import load_image_dataset

    Image.fromarray(load_image_dataset("mnist").test_images[0]).save(tmp_path / "seven.png")
    latent.drop_files([tmp_path / "seven.png"])
    qtbot.waitUntil(lambda: len(latent.drops) == 1, timeout=20000)
    latent.interpolation.set_lambda(0.37)
    latent.set_probe_code(np.array([0.25, -0.5], np.float32))
    latent.interpolation.take[0].click()  # h1 <- the marker
    latent.tabs.setCurrentWidget(latent.reconstructions)
    return latent


def test_a_session_reopens_exactly(qtbot, started_window, digits, tmp_path):
    w = started_window(ExperimentConfig(model="vae", dataset="mnist", hidden=32, steps=None))
    w.own_data.load(digits)
    qtbot.waitUntil(lambda: _own_model_ready(w, digits) and w.snapshots.step >= 3, timeout=60000)
    w.session.stop()
    qtbot.waitUntil(lambda: w.session.state == "idle", timeout=30000)
    latent = _latent_view_set_up(qtbot, w, tmp_path)
    qtbot.waitUntil(lambda: latent.map_ready, timeout=30000)  # h2 (an image) encoded with the final weights
    weights, optimizer, view = _weights(w), _optimizer_state(w), latent.view_state()
    data = w.session.experiment.train_data.x.copy()
    path = tmp_path / "class.gendiff-session"
    with qtbot.waitSignal(w.session_files.saved, timeout=30000):
        assert w.session_files.save(path)
    # change everything: a new model, other views
    w.session.reset(w.panel.config().replace(seed=5))
    qtbot.waitUntil(lambda: w.session.state == "idle" and not _same_weights(weights, _weights(w)), timeout=30000)
    latent.interpolation.set_lambda(0.9)
    w.view_tabs.setCurrentIndex(0 if w.view_tabs.currentWidget() is not w.view_tabs.widget(0) else 1)
    with qtbot.waitSignal(w.session_files.opened, timeout=60000):
        w.session_files.open(path)
    assert _same_weights(weights, _weights(w))
    again = _optimizer_state(w)
    assert again.keys() == optimizer.keys() and all(torch.equal(optimizer[k], again[k]) for k in optimizer)
    np.testing.assert_array_equal(w.session.experiment.train_data.x, data)
    assert w.view_tabs.currentWidget() is latent
    qtbot.waitUntil(lambda: latent.map_ready, timeout=30000)
    restored = latent.view_state()
    assert restored["controls"]["interpolation.slider"] == 37 and restored["h1"]["z"].tolist() == [0.25, -0.5]
    assert _difference(view, restored) is None, _difference(view, restored)


def test_the_scrubber_reopens_on_its_run_and_frame(qtbot, started_window, tmp_path):
    w = started_window(ExperimentConfig(model="diffusion", dataset="moons", timesteps=20, hidden=32, steps=None))
    panel = w.view("Diffusion")
    qtbot.waitUntil(lambda: panel.scrubber.complete and not panel.busy, timeout=30000)
    panel.controls.seed.setValue(11)  # a new run
    qtbot.waitUntil(lambda: panel.scrubber.complete and not panel.busy, timeout=30000)
    panel.scrubber.pause()
    panel.scrubber.set_index(7)
    frame = panel.trajectories[0][7].x_t.copy()
    view = panel.view_state()
    path = tmp_path / "scrub.gendiff-session"
    with qtbot.waitSignal(w.session_files.saved, timeout=30000):
        w.session_files.save(path)
    panel.controls.seed.setValue(3)
    qtbot.waitUntil(lambda: panel.scrubber.complete and not panel.busy, timeout=30000)
    with qtbot.waitSignal(w.session_files.opened, timeout=60000):
        w.session_files.open(path)
    qtbot.waitUntil(lambda: panel.scrubber.complete and panel.scrubber.index == 7, timeout=30000)
    assert _difference(view, panel.view_state()) is None, _difference(view, panel.view_state())
    np.testing.assert_array_equal(panel.trajectories[0][7].x_t, frame)  # the same run: seeded, same weights


def _truncated(path, tmp_path):
    out = tmp_path / "cut.gendiff-session"
    out.write_bytes(path.read_bytes()[:-100])
    return out


def _newer(path, tmp_path):
    import json

    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8: 8 + n])
    header["__metadata__"]["format_version"] = "99"
    text = json.dumps(header).encode()
    out = tmp_path / "newer.gendiff-session"
    out.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n:])
    return out


def _hand_edited(path, tmp_path):
    data = bytearray(path.read_bytes())
    at = data.find(b'\\"kind\\"')  # in the header: "metadata": "{\\"kind\\": ...
    data[at: at + 8] = b'  kind\\"'  # the same length; the metadata's JSON no longer parses
    out = tmp_path / "edited.gendiff-session"
    out.write_bytes(bytes(data))
    return out


def _pickled(path, tmp_path):
    import pickle

    out = tmp_path / "evil.gendiff-session"
    out.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    return out


@pytest.mark.parametrize("spoil, says", [(_truncated, "truncated"), (_newer, "newer gendiff"),
                                         (_hand_edited, "unreadable settings"), (_pickled, "pickle")],
                         ids=["truncated", "newer", "hand-edited", "pickle"])
def test_a_bad_session_file_is_one_message_and_changes_nothing(qtbot, ready_window, tmp_path, spoil, says):
    w = ready_window
    good = tmp_path / "good.gendiff-session"
    with qtbot.waitSignal(w.session_files.saved, timeout=30000):
        w.session_files.save(good)
    experiment, before = w.session.experiment, _weights(w)
    w.session_files.open(spoil(good, tmp_path))
    qtbot.waitUntil(lambda: "failed" in w.messages.text(), timeout=30000)
    text = w.messages.text()
    assert says in text and "The current model is kept." in text and "\n" not in text
    qtbot.waitUntil(lambda: w.session.state == "idle", timeout=20000)
    assert w.session.experiment is experiment and _same_weights(before, _weights(w))


def _drain(qtbot, window) -> None:
    from gendiff_gui.session.training_session import torch_warm_up_running

    sampling = window.views().get("Diffusion")
    qtbot.waitUntil(lambda: not window.session.busy and not (sampling is not None and sampling.busy)
                    and not torch_warm_up_running(), timeout=40000)


def test_after_a_crash_the_next_start_offers_the_autosave(qtbot, monkeypatch):
    from gendiff_gui.shell.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.start(ExperimentConfig(model="ae", dataset="moons", hidden=16, latent_dim=1, steps=30))
    first.session.train()
    qtbot.waitUntil(lambda: first.session.state == "idle" and first.session.experiment.steps_done == 30,
                    timeout=40000)
    autosave = first.session_files.autosave
    with qtbot.waitSignal(autosave.written, timeout=30000):
        autosave.save_now()
    weights = _weights(first)
    assert autosave.marker.exists() and autosave.path.exists()
    monkeypatch.setattr(first.session_files, "closed_cleanly", lambda: None)  # the crash: no clean close
    first.close()
    _drain(qtbot, first)

    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    second.start(ExperimentConfig(model="ae", dataset="moons", hidden=16, latent_dim=1, seed=9))
    qtbot.waitUntil(lambda: second.session.state == "idle", timeout=30000)
    offer = second.session_files.offer
    assert offer.isVisible() and "did not close properly" in offer.label.text()
    assert not _same_weights(weights, _weights(second))
    with qtbot.waitSignal(second.session_files.opened, timeout=30000):
        offer.accept_button.click()
    assert _same_weights(weights, _weights(second)) and second.session.experiment.steps_done == 30
    assert not offer.isVisible()
    second.close()  # a clean close: no marker, no autosave for the next start
    _drain(qtbot, second)
    assert not second.session_files.autosave.marker.exists() and not second.session_files.autosave.path.exists()


def test_a_clean_close_leaves_nothing_to_offer(qtbot):
    from gendiff_gui.shell.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.session_files.autosave.recovered is None and second.session_files.offer.isHidden()
    second.close()


def test_a_marker_of_a_gendiff_still_running_is_no_crash(qtbot):
    """Two windows at once: the second start must not offer the first one's autosave (its marker's process lives)."""
    import os

    from gendiff_gui.shell.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    autosave = first.session_files.autosave
    autosave.path.write_bytes(b"an autosave of a running program")
    autosave.marker.write_text(str(os.getppid()))  # a process that is alive, and not this one
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.session_files.autosave.recovered is None and second.session_files.offer.isHidden()
    second.close()
    first.close()
