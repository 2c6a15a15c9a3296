"""Drag and drop: a dropped PNG lands where `gendiff encode` says; bad files, text and web addresses only give a
message; a folder of 1000 files loads in chunks without freezing the window; clicking an entry selects it."""
from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core import cli
from core.data import load_image
from gendiff_gui.latent.panel import LatentPanel, install
from event_probe import EventProbe  # tests/ is on sys.path (its conftest's folder)


@pytest.fixture
def panel(shown_panel, vae) -> LatentPanel:
    return shown_panel(vae, settled=False)


def _digit_png(vae, path, index: int = 0, scale: int = 4):
    pixels = (vae.test_data.floats(index)[0] * 255).astype(np.uint8)
    Image.fromarray(pixels).resize((28 * scale, 28 * scale), Image.Resampling.BILINEAR).save(path)
    return path


def _bomb_png(path, side: int = 50_000):
    """A 200-byte PNG whose header claims side x side pixels (2.5 gigapixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


def _drop(widget, mime: QMimeData) -> None:
    """What a user's drop sends: DragEnter (finds the widget, or a parent, that takes drops), then Drop."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    actions, button, mods = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        enter = QDragEnterEvent(pos, actions, mime, button, mods)  # PySide6 >= 6.12 (the QPoint form is deprecated)
    except TypeError:
        enter = QDragEnterEvent(pos.toPoint(), actions, mime, button, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(pos, actions, mime, button, mods))


def _files(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _state(panel):
    probe = panel.probe_tile.shown()
    return (panel.dropped.count(), panel.dropped_codes().copy(), len(panel.map.markers.getData()[0]),
            None if probe is None else probe.copy(), panel.map.points().copy())


def _assert_unchanged(panel, before) -> None:
    after = _state(panel)
    assert after[0] == before[0] and after[2] == before[2]
    np.testing.assert_array_equal(after[1], before[1])
    np.testing.assert_array_equal(after[3], before[3])
    np.testing.assert_array_equal(after[4], before[4])


def test_a_dropped_png_gets_a_marker_at_the_code_the_cli_reports(qtbot, panel, vae, tmp_path, capsys):
    ckpt = tmp_path / "vae.safetensors"
    vae.save(ckpt)
    png = _digit_png(vae, tmp_path / "my digit.png", index=3)
    _drop(panel.map.canvas.viewport(), _files(png))  # on the map: any widget of the window takes drops
    qtbot.waitUntil(lambda: panel.dropped.count() == 1, timeout=20000)
    assert cli.main(["encode", str(ckpt), str(png), "--json"]) == 0
    code = np.array(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["codes"][0]["code"])
    mx, my = panel.map.markers.getData()
    np.testing.assert_allclose([mx[0], my[0]], code, atol=2e-6)  # the CLI rounds to 6 decimals
    assert panel.map._marker_labels[0].textItem.toPlainText() == "my digit.png"
    with torch.no_grad():
        rec = vae.module.decode(torch.from_numpy(code.astype(np.float32))[None])[0, 0].numpy()
    np.testing.assert_allclose(panel.dropped.output.shown(), rec, atol=1e-5)  # x and its reconstruction
    np.testing.assert_array_equal(panel.dropped.input.shown(), load_image(png))
    assert "my digit.png" in panel.status.text()


@pytest.mark.parametrize("kind, reason", [("text", "not an image"), ("empty", "empty file"),
                                          ("bomb", "image too large")])
def test_a_bad_file_shows_its_name_and_reason_and_changes_nothing(qtbot, panel, vae, tmp_path, kind, reason):
    _drop(panel, _files(_digit_png(vae, tmp_path / "good.png")))
    qtbot.waitUntil(lambda: panel.dropped.count() == 1, timeout=20000)
    before = _state(panel)
    path = {"text": tmp_path / "notes.txt", "empty": tmp_path / "empty.png", "bomb": tmp_path / "bomb.png"}[kind]
    if kind == "text":
        path.write_text("a shopping list, not a digit\n" * 20)
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        _bomb_png(path)
    messages = []
    panel.message.connect(lambda level, text: messages.append((level, text)))
    with qtbot.waitSignal(panel.drops.loader.finished, timeout=20000):  # the drop's load is over
        _drop(panel, _files(path))
    assert not panel.drops.loader.busy and messages
    level, text = messages[-1]
    assert level == "error" and path.name in text and reason in text
    assert panel.status.text() == text and panel.status.isVisible()
    assert "Traceback" not in text and len(text) < 200
    assert QApplication.activeModalWidget() is None
    _assert_unchanged(panel, before)


@pytest.mark.parametrize("what", ["text", "url"])
def test_dropped_text_or_a_web_address_gives_a_message(qtbot, panel, what):
    before = _state(panel)
    mime = QMimeData()
    if what == "text":
        mime.setText("seven")
    else:
        mime.setUrls([QUrl("https://example.org/digit.png")])
    loads, messages = [], []
    panel.drops.loader.progress.connect(lambda done, total: loads.append((done, total)))
    panel.message.connect(lambda level, text: messages.append(text))
    _drop(panel, mime)
    assert loads == [] and not panel.drops.loader.busy  # no file was queued: nothing can load later
    assert len(messages) == 1
    text = panel.status.text()
    assert ("dropped text" in text) if what == "text" else ("web address" in text and "example.org" in text)
    _assert_unchanged(panel, before)


def test_a_thousand_files_load_in_chunks_without_freezing_the_window(qtbot, panel, vae, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1000):
        _digit_png(vae, folder / f"digit{i:04d}.png", index=i % 50, scale=1)
    (folder / "README.txt").write_text("not an image")
    progress = []
    panel.drops.loader.progress.connect(lambda done, total: progress.append((done, total)))
    served = EventProbe(lambda: len(progress))  # an event posted at each chunk: how many chunks came before it
    panel.drops.loader.progress.connect(lambda _done, _total: served.post())
    messages = []
    panel.message.connect(lambda level, text: messages.append(text))
    _drop(panel, _files(folder))
    assert not panel.dropped.progress.isHidden() and "Loading 1000" in panel.status.text()
    qtbot.waitUntil(lambda: panel.dropped.count() == 1000 and not panel.drops.loader.busy, timeout=60000)
    assert len(progress) > 20 and progress[-1] == (1000, 1000)  # many small chunks, progress shown
    qtbot.waitUntil(lambda: len(served.lags) == len(progress), timeout=20000)
    # Loading in one go would hold the event loop for the whole load; in chunks, an event posted during one chunk
    # (a click, a paint) is served before the chunk after next has run. (How long it waits: bench_drop_load.py.)
    assert max(served.lags) <= 1, served.lags
    assert panel.dropped.progress.isHidden()
    assert len(panel.map.markers.getData()[0]) == 1000
    assert any("1 file(s) in dropped folders skipped" in m for m in messages)  # README.txt, by its name
    assert panel.status.text() == "Loaded 1000 of 1000 dropped files."


def test_clicking_an_entry_selects_that_image(qtbot, panel, vae, tmp_path):
    pngs = [_digit_png(vae, tmp_path / f"d{i}.png", index=i) for i in range(3)]
    panel.drop_files(pngs)
    qtbot.waitUntil(lambda: panel.dropped.count() == 3, timeout=20000)
    item = panel.dropped.list.item(2)
    rect = panel.dropped.list.visualItemRect(item)
    qtbot.mouseClick(panel.dropped.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    codes = panel.dropped_codes()
    sx, sy = panel.map.selected_marker.getData()
    np.testing.assert_allclose([sx[0], sy[0]], codes[2], atol=1e-6)
    with torch.no_grad():
        rec = vae.module.decode(torch.from_numpy(codes[2:3]))[0, 0].numpy()
    np.testing.assert_allclose(panel.probe_tile.shown(), rec, atol=1e-6)
    assert panel.probe_tile.caption.text().endswith("d2.png")


def test_a_drop_anywhere_on_the_main_window_reaches_the_panel(qtbot, window, vae, small_vae, tmp_path):
    panel = install(window)
    window.start(small_vae)
    qtbot.waitUntil(lambda: window.session.state == "idle" and panel.map_ready, timeout=60000)
    png = _digit_png(vae, tmp_path / "from the curves.png", index=5)
    _drop(window.loss_curves.plot_widget.viewport(), _files(png))  # a plot outside the panel
    qtbot.waitUntil(lambda: panel.dropped.count() == 1, timeout=20000)
    assert "from the curves.png" in window.messages.text()
    _drop(window.panel, _files(tmp_path / "missing.png"))  # the experiment form, in its dock
    qtbot.waitUntil(lambda: "missing.png" in window.messages.text(), timeout=20000)
    assert "file not found" in window.messages.text() and panel.dropped.count() == 1
