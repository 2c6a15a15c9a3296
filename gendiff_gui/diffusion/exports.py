"""Exporting the scrubber: the current frame as PNG or SVG, and the whole run as an animated GIF (Pillow).

The GIF is recorded by `GifRecorder` one frame per event-loop turn (the window stays responsive): for each chosen
frame a `render(i)` callback shows frame i and returns a picture of it; the pictures are scaled to `width`,
mapped to one palette of 96 colours taken from the first, middle and last frames (so a colour stays the same colour
through the animation; no dithering: flat colours compress well) and written with Pillow at the end.
`StageExports` is what the panel's Save frame… and Save GIF… (and the File menu entries) do with its stage.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QPoint, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QWidget

from gendiff_gui.diffusion.views.scrubber import Scrubber

FRAME_FILTER = "PNG image (*.png);;SVG image (*.svg)"
GIF_FILTER = "Animated GIF (*.gif)"
GIF_FRAMES = 80  # at most this many frames in a GIF (evenly spaced over the run, first and last included)
GIF_WIDTH = 720
GIF_COLORS = 96
HOLD_LAST_MS = 1500  # the final picture stays a moment before the GIF loops


def save_widget(widget: QWidget, path: str | Path) -> Path:
    """Write what `widget` shows to `path`: .svg as vector graphics (Qt's SVG generator), anything else as PNG."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        path = path.with_suffix(".png")
    if path.suffix.lower() == ".svg":
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(widget.size())
        generator.setViewBox(QRectF(0, 0, widget.width(), widget.height()))
        generator.setTitle("gendiff diffusion frame")
        painter = QPainter(generator)
        try:
            widget.render(painter, QPoint(0, 0))
        finally:
            painter.end()
    elif not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    if not path.exists():
        raise OSError(f"could not write {path}")
    return path


def gif_indices(count: int, max_frames: int = GIF_FRAMES) -> list[int]:
    """Up to `max_frames` frame indices evenly spread over 0 .. count - 1, the first and last always included."""
    if count <= 0:
        return []
    return [int(i) for i in np.unique(np.linspace(0, count - 1, min(count, max_frames)).round().astype(int))]


def to_pil(image: QImage, width: int | None = None) -> Image.Image:
    """A QImage as an RGB Pillow image, scaled (smoothly, aspect kept) to `width` pixels if given."""
    if width is not None and image.width() != width:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)[:, : 3 * w]
    return Image.fromarray(data.reshape(h, w, 3).copy(), "RGB")


def write_gif(frames: list[Image.Image], path: str | Path, frame_ms: int, hold_last_ms: int = HOLD_LAST_MS) -> Path:
    """Save palette frames as a looping GIF; each lasts `frame_ms`, the last `frame_ms + hold_last_ms`."""
    if not frames:
        raise ValueError("no frames to write")
    path = Path(path)
    durations = [int(frame_ms)] * len(frames)
    durations[-1] += int(hold_last_ms)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations, loop=0, disposal=1,
                   optimize=False)
    return path


class GifRecorder(QObject):
    """Records `render(i)` for each of `indices`, one per event-loop turn, then writes the GIF.

    progress(done, total) after each frame; finished(path) once written; failed(message) on any error."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, indices: list[int], render: Callable[[int], QImage], path: str | Path, *,
                 fps: float = 20.0, width: int = GIF_WIDTH, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._indices = list(indices)
        self._render = render
        self._path = Path(path)
        self._frame_ms = int(round(1000.0 / fps))
        self._width = width
        self._frames: list[Image.Image] = []
        self._palette: Image.Image | None = None
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._step)

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or 0 < len(self._frames) < len(self._indices)

    def start(self) -> None:
        if not self._indices:
            self.failed.emit("nothing to record yet")
            return
        self._frames, self._palette = [], None
        self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()
        self._frames = []

    def _shared_palette(self) -> Image.Image:
        """A palette image for every frame, from the first, middle and last pictures stacked."""
        ends = self._indices[0], self._indices[len(self._indices) // 2], self._indices[-1]
        pictures = [to_pil(self._render(i), self._width) for i in ends]
        stack = Image.new("RGB", (pictures[0].width, sum(p.height for p in pictures)))
        top = 0
        for picture in pictures:
            stack.paste(picture, (0, top))
            top += picture.height
        return stack.quantize(GIF_COLORS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)

    def _step(self) -> None:
        try:
            if self._palette is None:
                self._palette = self._shared_palette()
            picture = to_pil(self._render(self._indices[len(self._frames)]), self._width)
            self._frames.append(picture.quantize(palette=self._palette, dither=Image.Dither.NONE))
            self.progress.emit(len(self._frames), len(self._indices))
            if len(self._frames) < len(self._indices):
                self._timer.start()
                return
            path = write_gif(self._frames, self._path, self._frame_ms)
        except Exception as exc:  # a full disk, a bad path: a message, never a traceback dialog
            self._frames = []
            self.failed.emit(f"could not write {self._path.name}: {exc}")
            return
        self._frames = []
        self.finished.emit(path)


class StageExports(QObject):
    """Save frame… and Save GIF… of the diffusion panel (`parent`): what `stage` shows as PNG or SVG, and the kept
    frames as a GIF, recorded by stepping `scrubber` through them (the `region()` of the stage), then back to the
    frame shown before; `gif_button` is disabled meanwhile. Results and errors go out as `message(level, text)`."""

    message = Signal(str, str)  # level, text

    def __init__(self, stage: QWidget, scrubber: Scrubber, gif_button: QAbstractButton, region: Callable[[], QRect],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._stage, self._scrubber, self._button, self._region = stage, scrubber, gif_button, region
        self._recorder: GifRecorder | None = None

    @property
    def recording(self) -> bool:
        return self._recorder is not None

    def save_frame(self, path: str | Path | None = None) -> Path | None:
        """The frame on screen (views, titles and captions) as PNG or SVG; None: no path chosen, or an error."""
        if path is None:
            t = self._scrubber.t
            path, _ = QFileDialog.getSaveFileName(self.parent(), "Save the frame", f"diffusion-t{t}.png", FRAME_FILTER)
            if not path:
                return None
        try:
            written = save_widget(self._stage, path)
        except OSError as exc:
            self.message.emit("error", f"Could not save the frame: {exc}")
            return None
        self.message.emit("info", f"Saved the frame at t = {self._scrubber.t} to {written}.")
        return written

    def record_gif(self, count: int, path: str | Path | None = None, max_frames: int | None = None,
                   width: int | None = None) -> GifRecorder | None:
        """Record `count` kept frames (at most `max_frames`, evenly spaced, first and last included) as a GIF; the
        recorder's `finished(path)` says when it is written."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.parent(), "Save the animation", "diffusion.gif", GIF_FILTER)
            if not path:
                return None
        self._scrubber.pause()
        kwargs = {"width": width} if width else {}
        indices = gif_indices(count, max_frames or GIF_FRAMES)
        back = self._scrubber.index
        recorder = GifRecorder(indices, self._render_frame, path, parent=self, **kwargs)
        recorder.finished.connect(lambda written: self._on_recorded(written, back))
        recorder.failed.connect(lambda text: self._on_recorded(None, back, text))
        self._recorder = recorder
        self._button.setEnabled(False)
        recorder.start()
        return recorder

    def cancel(self) -> None:
        """Stop a recording (its frames are being replaced); no GIF is written."""
        if self._recorder is not None:
            self._recorder.cancel()
            self._recorder = None
            self._button.setEnabled(True)

    def _render_frame(self, index: int) -> QImage:
        self._scrubber.set_index(index)
        return self._stage.grab(self._region()).toImage()

    def _on_recorded(self, path, back: int, error: str = "") -> None:
        self._recorder = None
        self._button.setEnabled(True)
        self._scrubber.set_index(back)
        if path is None:
            self.message.emit("error", f"Could not save the GIF: {error}")
        else:
            self.message.emit("info", f"Saved the animation to {path}.")
