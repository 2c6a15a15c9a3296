"""Shared fixtures of the reliability gate: one torch thread, a shown window with a small model, drops, state probes.

The guards of tests/conftest.py (no QThread left running, no Qt warning, private settings) apply here too.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.config import ExperimentConfig

# Small models: the machine is shared and has 2 cores.
SMALL_VAE = ExperimentConfig(model="vae", dataset="mnist", latent_dim=2, hidden=32, batch_size=64, seed=0)
TOY_AE = ExperimentConfig(model="linear-ae", dataset="moons", latent_dim=1, seed=0)
BUSY_MS = 30_000  # generous bound for anything "quick" on a loaded 2-core machine: never a speed goal


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture
def patience() -> int:
    """Milliseconds to wait for anything that should be quick (a busy shared machine may take long)."""
    return BUSY_MS


# ----- windows (`window` itself: tests/conftest.py) -----
@pytest.fixture
def vae_window(window, started_window):
    """The window showing a small MNIST VAE (hidden 32), idle, its latent map drawn."""
    return started_window(SMALL_VAE, ready=lambda: latent_panel(window).map_ready, timeout=BUSY_MS)


def latent_panel(window):
    return window.view("Latent space")


# ----- what must not change -----
@dataclass
class WindowState:
    """What a refused file or checkpoint must leave exactly as it was."""

    experiment: object
    weights: dict[str, np.ndarray]  # the module being trained
    snapshot: dict[str, np.ndarray]  # what the views decode with
    step: int
    map_points: np.ndarray
    dropped: int

    @classmethod
    def of(cls, window) -> "WindowState":
        exp = window.session.experiment
        module = exp.module if exp is not None else None
        return cls(
            experiment=exp,
            weights={k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()} if module else {},
            snapshot={k: np.array(v, copy=True) for k, v in window.snapshots.snapshot.items()},
            step=window.snapshots.step,
            map_points=latent_panel(window).map.points().copy(),
            dropped=len(latent_panel(window).drops),
        )

    def assert_same(self, window) -> None:
        now = WindowState.of(window)
        assert now.experiment is self.experiment, "the model on screen was replaced"
        assert now.step == self.step and now.dropped == self.dropped
        for name in ("weights", "snapshot"):
            before, after = getattr(self, name), getattr(now, name)
            assert before.keys() == after.keys(), name
            for key in before:
                np.testing.assert_array_equal(after[key], before[key], err_msg=f"{name}[{key}] changed")
        np.testing.assert_array_equal(now.map_points, self.map_points, err_msg="the map's points moved")


@pytest.fixture
def window_state():
    """WindowState.of(window) to take a picture; .assert_same(window) to compare."""
    return WindowState.of


# ----- drops -----
def files_mime(*paths):
    from PySide6.QtCore import QMimeData, QUrl

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop_on(widget, mime) -> None:
    """What a user's drop sends: DragEnter (the widget or a parent that takes drops accepts it), then Drop."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    pos = QPointF(widget.width() / 2, widget.height() / 2)
    actions, button, mods = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        enter = QDragEnterEvent(pos, actions, mime, button, mods)  # PySide6 >= 6.12
    except TypeError:
        enter = QDragEnterEvent(pos.toPoint(), actions, mime, button, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the window refused the drag"
    QApplication.sendEvent(widget, QDropEvent(pos, actions, mime, button, mods))


@dataclass
class Dropper:
    """Drops on the real main window (on its loss plot: a widget outside the latent panel)."""

    window: object

    @property
    def target(self):
        return self.window.loss_curves.plot_widget.viewport()

    def files(self, *paths, on=None) -> None:
        drop_on(on or self.target, files_mime(*paths))

    def mime(self, mime, on=None) -> None:
        drop_on(on or self.target, mime)


@pytest.fixture
def drop(window) -> Dropper:
    return Dropper(window)


def _digit_png(path: Path, index: int = 0, scale: int = 3) -> Path:
    from core.data import load_dataset

    pixels = (load_dataset("mnist", "test", seed=0).floats(index)[0] * 255).astype(np.uint8)
    Image.fromarray(pixels).resize((28 * scale, 28 * scale), Image.Resampling.BILINEAR).save(path)
    return path


@pytest.fixture
def digit_png():
    """digit_png(path, index=0, scale=3): a real MNIST test digit saved as a PNG (a file a student might drop)."""
    return _digit_png


# ----- exceptions that Qt would only print -----
class SlotErrors:
    """Exceptions raised inside Qt slots or Python threads (PySide prints them through sys.excepthook and goes on;
    pytest never sees them). `watch()` records them while chaining to the hooks already installed."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    @contextmanager
    def watch(self) -> Iterator["SlotErrors"]:
        old_sys, old_thread = sys.excepthook, threading.excepthook

        def on_error(kind, value, tb) -> None:
            self.errors.append(f"{kind.__name__}: {value}")
            old_sys(kind, value, tb)

        def on_thread_error(args) -> None:
            self.errors.append(f"in thread {args.thread.name if args.thread else '?'}: "
                               f"{args.exc_type.__name__}: {args.exc_value}")
            old_thread(args)

        sys.excepthook, threading.excepthook = on_error, on_thread_error
        try:
            yield self
        finally:
            sys.excepthook, threading.excepthook = old_sys, old_thread


@pytest.fixture
def slot_errors() -> SlotErrors:
    return SlotErrors()
