"""Bad and odd image files dropped on the real main window: a one-line message each, and nothing else changes.

The loader itself is tested file by file in tests/test_load_image*.py; here every case goes through the window
(drop -> DropLoader -> load_image_info -> latent panel -> message bar) while a small VAE is on screen, and the
model's weights, the views' snapshot and the map's points must come out exactly as they went in.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtWidgets import QApplication
from event_probe import EventProbe  # tests/ is on sys.path (its conftest's folder)


# ----- files a student might drop -----
def _stroke(mode: str = "L", size=(100, 100), ink=0, paper=255) -> Image.Image:
    img = Image.new(mode, size, paper)
    ImageDraw.Draw(img).rectangle((38, 15, 61, 84), fill=ink)
    return img


def _asymmetric() -> Image.Image:
    """Heavy on the left: EXIF rotations move the mass."""
    img = Image.new("RGB", (120, 80), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 20, 40, 60), fill="black")
    draw.rectangle((40, 38, 110, 42), fill="black")
    return img


def _bomb(path: Path) -> None:
    """A 200-byte PNG whose header claims 50,000 x 50,000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 50_000, 50_000, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


def _truncated(path: Path, fmt: str) -> None:
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    buf = io.BytesIO()
    noise.save(buf, fmt)
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])


def _frames() -> list[Image.Image]:
    later = [Image.new("L", (100, 100), 255) for _ in range(2)]
    for k, img in enumerate(later):
        ImageDraw.Draw(img).rectangle((10, 20 + 30 * k, 90, 30 + 30 * k), fill=0)
    return [_stroke()] + later


def _save(img: Image.Image, path: Path, **kwargs) -> None:
    img.save(path, **kwargs)


def _with_orientation(path: Path, orientation: int) -> None:
    img = _asymmetric()
    exif = img.getexif()
    exif[0x0112] = orientation
    img.save(path, exif=exif, quality=95)


def _palette_with_transparency(path: Path) -> None:
    img = Image.new("P", (100, 100), 0)
    img.putpalette([255, 255, 255, 0, 0, 90] + [0] * 762)
    ImageDraw.Draw(img).rectangle((38, 15, 61, 84), fill=1)
    img.save(path, transparency=0)


def _sixteen_bit(path: Path) -> None:
    arr = np.full((100, 100), 65535, dtype="<u2")
    arr[15:85, 38:62] = 0
    Image.fromarray(arr).save(path)


REFUSED = {  # name -> (writer, what the message must say)
    "bomb.png": (_bomb, "image too large"),
    "cut.png": (lambda p: _truncated(p, "PNG"), "truncated or corrupt"),
    "cut.jpg": (lambda p: _truncated(p, "JPEG"), "truncated or corrupt"),
    "report.png": (lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
                   "looks like a PDF document"),
    "notes.png": (lambda p: p.write_text("Dear teacher, this is not a picture.\n" * 10), "looks like text"),
    "dot.png": (lambda p: Image.new("L", (1, 1), 255).save(p), "blank"),
    "empty.png": (lambda p: p.write_bytes(b""), "empty file"),
}

LOADED = {  # name -> (writer, a note the message must carry, or "")
    "exif3.jpg": (lambda p: _with_orientation(p, 3), "EXIF orientation tag (3)"),
    "exif6.jpg": (lambda p: _with_orientation(p, 6), "EXIF orientation tag (6)"),
    "exif8.jpg": (lambda p: _with_orientation(p, 8), "EXIF orientation tag (8)"),
    "bad-exif.jpg": (lambda p: _save(_stroke(), p, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00"
                                                         b"\x03\xff\xff\xff\xff"), "EXIF"),
    "anim.gif": (lambda p: _save(_frames()[0], p, save_all=True, append_images=_frames()[1:], duration=100, loop=0),
                 "first frame of 3 (animated GIF)"),
    "pages.tiff": (lambda p: _save(_frames()[0], p, save_all=True, append_images=_frames()[1:]),
                   "first page of 3 (multi-page TIFF)"),
    "grey16.png": (_sixteen_bit, ""),
    "palette.png": (_palette_with_transparency, "transparent areas treated as white"),
    "la.png": (lambda p: _save(_stroke("LA", ink=(0, 255), paper=(0, 0)), p), "transparent areas treated as white"),
    "cmyk.jpg": (lambda p: _save(_stroke("CMYK", ink=(0, 0, 0, 255), paper=(0, 0, 0, 0)), p), ""),
    "strip.png": (lambda p: _save(_stroke(size=(10000, 20), ink=0, paper=255), p), ""),
}


def _write(folder: Path, name: str, table: dict) -> Path:
    path = folder / name
    table[name][0](path)
    return path


def _messages(window) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    window.view("Latent space").message.connect(lambda level, text: seen.append((level, text)))
    return seen


def test_each_refused_file_shows_its_reason_and_changes_nothing(qtbot, vae_window, drop, window_state, tmp_path,
                                                               patience):
    w = vae_window
    panel = w.view("Latent space")
    seen = _messages(w)
    before = window_state(w)
    for name, (write, reason) in REFUSED.items():
        path = tmp_path / name
        write(path)
        seen.clear()
        with qtbot.waitSignal(panel.drops.loader.finished, timeout=patience):  # the drop's load is over
            drop.files(path)
        assert any(level == "error" for level, _ in seen), (name, seen)
        shown = w.messages.text()
        assert w.messages.level == "error" and name in shown and reason in shown, (name, shown)
        assert "\n" not in shown and "Traceback" not in shown and len(shown) < 300, shown
        assert QApplication.activeModalWidget() is None
        assert not panel.drops.loader.busy
        before.assert_same(w)


def test_each_odd_but_valid_file_is_loaded_and_says_what_was_done(qtbot, vae_window, drop, window_state, tmp_path,
                                                                  patience):
    w = vae_window
    panel = w.view("Latent space")
    before = window_state(w)
    for count, (name, (write, note)) in enumerate(LOADED.items(), start=1):
        path = tmp_path / name
        write(path)
        drop.files(path)
        qtbot.waitUntil(lambda: len(panel.drops) == count, timeout=patience)
        qtbot.waitUntil(lambda: f"Loaded {name}" in w.messages.text(), timeout=patience)
        shown = w.messages.text()
        assert w.messages.level == "info" and note in shown, (name, shown)
        pixels = panel.drops.x[-1]
        assert pixels.shape == (28, 28) and np.isfinite(pixels).all() and pixels.max() > 0.5, name
        assert len(panel.map.markers.getData()[0]) == count  # marked on the map
        before.dropped = count
        before.assert_same(w)  # the model, the snapshot and the map's points are untouched


def test_exif_rotations_reach_the_window_turned(qtbot, vae_window, drop, tmp_path, patience):
    """Orientation 3 puts the heavy side right, 6 on top, 8 at the bottom (as the photo is shown)."""
    panel = vae_window.view("Latent space")
    paths = [_write(tmp_path, f"exif{k}.jpg", LOADED) for k in (3, 6, 8)]
    drop.files(*paths)
    qtbot.waitUntil(lambda: len(panel.drops) == 3, timeout=patience)
    x = {name: panel.drops.x[i] for i, name in enumerate(panel.drops.names)}
    assert x["exif3.jpg"][:, 14:].sum() > 1.5 * x["exif3.jpg"][:, :14].sum()
    assert x["exif6.jpg"][:14].sum() > 1.5 * x["exif6.jpg"][14:].sum()
    assert x["exif8.jpg"][14:].sum() > 1.5 * x["exif8.jpg"][:14].sum()


@pytest.mark.parametrize("what", ["url", "text", "empty folder"])
def test_a_web_address_text_or_a_folder_without_images_gives_a_message(qtbot, vae_window, drop, window_state,
                                                                        tmp_path, patience, what):
    w = vae_window
    before = window_state(w)
    mime = QMimeData()
    if what == "url":
        mime.setUrls([QUrl("https://example.org/seven.png")])
        expected = "web address (https://example.org/seven.png)"
    elif what == "text":
        mime.setText("a seven, please")
        expected = "dropped text ('a seven, please')"
    else:  # both notes in one message: a second message would hide the first
        folder = tmp_path / "holiday"
        folder.mkdir()
        (folder / "notes.txt").write_text("no pictures here")
        mime.setUrls([QUrl.fromLocalFile(str(folder))])
        expected = "folder 'holiday' holds no image files"
    drop.mime(mime)
    qtbot.waitUntil(lambda: expected in w.messages.text(), timeout=patience)
    if what == "empty folder":
        assert "1 file(s) in dropped folders skipped" in w.messages.text()
    assert w.messages.level == "warning"
    assert not w.view("Latent space").drops.loader.busy  # nothing was queued to load later
    before.assert_same(w)


def test_a_thousand_files_with_bad_ones_keep_the_window_responsive(qtbot, vae_window, drop, window_state, tmp_path,
                                                                   digit_png, patience):
    """1000 files (every 100th one a text file named .png) dropped as a folder on the window: loaded in chunks
    with a progress bar, the event loop serves other events between any two chunks, each bad file is named, the
    model is untouched. (How long the loop waits at most: benchmarks/bench_drop_load.py.)"""
    w = vae_window
    panel = w.view("Latent space")
    folder = tmp_path / "class photos"
    folder.mkdir()
    digit_png(folder / "template.png", index=7, scale=1)
    template = (folder / "template.png").read_bytes()
    (folder / "template.png").unlink()
    for i in range(1000):
        path = folder / f"digit{i:04d}.png"
        if i % 100 == 99:
            path.write_text(f"note {i}: not a digit\n" * 5)
        else:
            path.write_bytes(template)
    before = window_state(w)
    progress: list[tuple[int, int]] = []
    panel.drops.loader.progress.connect(lambda done, total: progress.append((done, total)))
    progress_seen = []
    panel.drops.loader.progress.connect(lambda done, total: progress_seen.append(panel.dropped.progress.isVisible()))
    served = EventProbe(lambda: len(progress))  # an event posted at each chunk: how many chunks came before it
    panel.drops.loader.progress.connect(lambda _done, _total: served.post())
    drop.files(folder)
    assert "Loading 1000 dropped files" in w.messages.text()
    qtbot.waitUntil(lambda: not panel.drops.loader.busy and len(panel.drops) == 990, timeout=120_000)
    assert progress[-1] == (1000, 1000) and len(progress) > 10 and any(progress_seen[1:-1])
    qtbot.waitUntil(lambda: len(served.lags) == len(progress), timeout=patience)
    # an event posted during one chunk (a click, a paint) is served before the chunk after next has run
    assert max(served.lags) <= 1, served.lags
    assert "Loaded 990 of 1000 dropped files" in w.messages.text() and "digit0999.png" in w.messages.text()
    assert w.messages.level == "warning" and panel.dropped.progress.isHidden()
    assert len(panel.map.markers.getData()[0]) == 990
    before.dropped = 990
    before.assert_same(w)


def test_a_drop_while_the_previous_one_is_still_loading(qtbot, vae_window, drop, tmp_path, digit_png, patience):
    """A second drop arriving after the first one's bad file failed, while its good files still load: the final
    summary counts both drops and names the bad file (it used to reset the errors it then indexed)."""
    w = vae_window
    panel = w.view("Latent space")
    first = tmp_path / "first"
    first.mkdir()
    (first / "a-bad.png").write_text("not an image")
    digit_png(first / "digit.png", index=1, scale=1)
    for i in range(300):
        (first / f"digit{i:03d}.png").write_bytes((first / "digit.png").read_bytes())
    late = digit_png(tmp_path / "late.png", index=2)
    drop.files(first)
    qtbot.waitUntil(lambda: bool(panel.drops.errors), timeout=patience)
    assert panel.drops.loader.busy, "the first drop finished too fast to test a drop during it"
    with qtbot.waitSignal(panel.drops.loader.finished, timeout=patience):  # once, when both drops are loaded
        drop.files(late)
    assert len(panel.drops) == 302
    assert "Loaded 302 of 303 dropped files" in w.messages.text() and "a-bad.png" in w.messages.text()
