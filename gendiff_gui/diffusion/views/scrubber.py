"""The timeline of a diffusion run: a slider over the kept frames, play/pause, step, speed and loop.

numpy in (`set_times(ts, complete)`: the t of each frame kept so far), signals out (`index_changed(i)`). Frames may
keep arriving while it plays: at the newest frame it waits for the next one, and it stops at the last frame of a
complete run (t = 0 when sampling) unless it loops. Keys (see `handle_key`): Space play/pause, Left/Right one frame,
Home/End first/last frame. Playing advances by elapsed time x speed, so a slow paint skips frames, not seconds.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QSlider, QStyle, QToolButton,
                               QWidget)

from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

SPEEDS = (5, 10, 30, 60, 120, 240)  # frames per second
DEFAULT_SPEED = 30
RUN_SECONDS = 8.0  # until the user picks a speed, a run of T steps plays in about this long (30 /s at least)
TICK_MS = 15
KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End)


class Scrubber(QWidget):
    index_changed = Signal(int)  # the frame to show
    playing_changed = Signal(bool)
    reached_end = Signal()  # playing arrived at the last frame of a complete run (also when it loops)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ts = np.zeros(0, np.int64)
        self._complete = False
        self._index = 0
        self._horizon = 0
        self._credit = 0.0
        self._last_tick = 0.0
        icon = self.style().standardIcon
        sp = QStyle.StandardPixmap
        self._play_icon, self._pause_icon = icon(sp.SP_MediaPlay), icon(sp.SP_MediaPause)
        self.back = self._button(icon(sp.SP_MediaSeekBackward), "One frame back (Left)", lambda: self.step(-1))
        self.play_button = self._button(self._play_icon, "Play / pause (Space)", self.toggle_play)
        self.forward = self._button(icon(sp.SP_MediaSeekForward), "One frame forward (Right)", lambda: self.step(1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setMinimumWidth(40)
        self.slider.setToolTip("Drag through the run: each position is one kept frame (Left/Right: one frame)")
        self.slider.setAccessibleName("Timeline")
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderPressed.connect(self.pause)
        self.label = QLabel("t = –")
        self.label.setMinimumWidth(10)
        self.speed = QComboBox()
        for fps in SPEEDS:
            self.speed.addItem(f"{fps} /s", fps)
        self.speed.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self._speed_chosen = False  # set once the user picks a speed: from then on T changes it no more
        self.speed.activated.connect(self._on_speed_picked)  # the user's pick (a click or a key), not ours
        self.speed.setToolTip("Playing speed: frames a second")
        self.speed.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.speed.setAccessibleName("Playing speed")
        self.loop = QCheckBox("Loop")
        self.loop.setToolTip("Start again from the first frame at the end")
        self.loop.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(4)
        for widget in (self.back, self.play_button, self.forward):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.speed)
        layout.addWidget(self.loop)
        self.apply_theme(NORMAL)

    def _button(self, icon, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Space stays the window's (shell/key_router.py); Enter clicks
        button.setAccessibleName(tip.split(" (")[0])
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        self.label.setFont(scaled_font(1.2, bold=True))
        for widget in (self.speed, self.loop):
            widget.setFont(scaled_font(1.0))
        side = int(scaled_font(1.0).pointSizeF() * 2.2)
        for button in (self.back, self.play_button, self.forward):
            button.setIconSize(button.iconSize().scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio))
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("t = 000 / 000"))

    # ----- numpy in -----
    def set_horizon(self, timesteps: int) -> None:
        """T, shown beside the current t; until the user picks a speed, the speed that plays T steps in about
        RUN_SECONDS (a T = 1000 run at 120 /s, not 33 s at 30 /s)."""
        self._horizon = int(timesteps)
        if not self._speed_chosen:
            fitting = min(SPEEDS, key=lambda fps: abs(self._horizon / fps - RUN_SECONDS))
            self.speed.setCurrentIndex(self.speed.findData(max(DEFAULT_SPEED, fitting)))
        self._show_label()

    def set_times(self, ts: np.ndarray, complete: bool) -> None:
        """The t of each kept frame, in order; the current t stays put when frames are dropped or added."""
        ts = np.asarray(ts, np.int64)
        current = self.t
        self._ts, self._complete = ts, bool(complete)
        index = 0 if current is None or len(ts) == 0 else self._index_of(current)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(ts) - 1))
        self.slider.setValue(index)
        self.slider.blockSignals(False)
        changed = index != self._index or current != self.t_at(index)
        self._index = index
        self._show_label()
        if changed:
            self.index_changed.emit(index)

    def clear(self) -> None:
        """A new run begins: no frames yet, back to the first position (playing goes on when frames come)."""
        self._ts, self._complete, self._index = np.zeros(0, np.int64), False, 0
        self.set_times(self._ts, False)

    def _index_of(self, t: int) -> int:
        """The kept frame that has reached step t: the last not past it in the run's direction."""
        ts = self._ts
        reverse = len(ts) < 2 or ts[0] > ts[-1]
        hits = np.flatnonzero(ts >= t if reverse else ts <= t)
        return int(hits[-1]) if len(hits) else 0

    # ----- state -----
    @property
    def index(self) -> int:
        return self._index

    @property
    def count(self) -> int:
        return len(self._ts)

    @property
    def complete(self) -> bool:
        return self._complete

    @property
    def t(self) -> int | None:
        return self.t_at(self._index)

    def t_at(self, index: int) -> int | None:
        return int(self._ts[index]) if 0 <= index < len(self._ts) else None

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def at_end(self) -> bool:
        return self._complete and self._index >= len(self._ts) - 1

    # ----- commands -----
    def set_index(self, index: int) -> None:
        index = int(np.clip(index, 0, max(0, len(self._ts) - 1)))
        if index == self._index and self.slider.value() == index:
            return
        self._index = index
        self.slider.blockSignals(True)
        self.slider.setValue(index)
        self.slider.blockSignals(False)
        self._show_label()
        self.index_changed.emit(index)

    def step(self, delta: int) -> None:
        self.pause()
        self.set_index(self._index + delta)

    def play(self) -> None:
        if self.playing:
            return
        if self.at_end:
            self.set_index(0)  # play again from the start
        self._credit, self._last_tick = 0.0, time.perf_counter()
        self._timer.start()
        self.play_button.setIcon(self._pause_icon)
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        self.play_button.setIcon(self._play_icon)
        self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _on_speed_picked(self, _index: int) -> None:
        self._speed_chosen = True

    def set_speed(self, fps: int) -> None:
        self._speed_chosen = True
        index = self.speed.findData(int(fps))
        if index < 0:
            self.speed.addItem(f"{int(fps)} /s", int(fps))
            index = self.speed.count() - 1
        self.speed.setCurrentIndex(index)

    @property
    def fps(self) -> int:
        return int(self.speed.currentData())

    def handle_key(self, key: int) -> bool:
        """Space, Left, Right, Home, End; True if the key was used."""
        if key == Qt.Key.Key_Space:
            self.toggle_play()
        elif key == Qt.Key.Key_Left:
            self.step(-1)
        elif key == Qt.Key.Key_Right:
            self.step(1)
        elif key == Qt.Key.Key_Home:
            self.step(-len(self._ts))
        elif key == Qt.Key.Key_End:
            self.step(len(self._ts))
        else:
            return False
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.modifiers() == Qt.KeyboardModifier.NoModifier and self.handle_key(event.key()):
            event.accept()
        else:
            super().keyPressEvent(event)

    # ----- internals -----
    def _on_slider(self, value: int) -> None:
        if value != self._index:
            self._index = value
            self._show_label()
            self.index_changed.emit(value)

    def _tick(self) -> None:
        now = time.perf_counter()
        self._credit += (now - self._last_tick) * self.fps
        self._last_tick = now
        frames = int(self._credit)
        if frames < 1:
            return
        self._credit -= frames
        last = len(self._ts) - 1
        if self._index >= last:
            if not self._complete:
                self._credit = 0.0  # wait for the sampler: no catching up in a burst
                return
            if self.loop.isChecked():
                self.reached_end.emit()  # (a listener may start a new run here)
                self.set_index(0)
                return
            self.pause()
            self.reached_end.emit()
            return
        self.set_index(min(last, self._index + frames))
        if self._index >= last and self._complete and not self.loop.isChecked():
            self.pause()
            self.reached_end.emit()

    def _show_label(self) -> None:
        t = self.t
        total = f" / {self._horizon}" if self._horizon else ""
        self.label.setText("t = –" if t is None else f"t = {t}{total}")
