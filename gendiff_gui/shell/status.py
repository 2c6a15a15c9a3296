"""The status bar's training read-out: state, step, steps per second, elapsed time and a progress bar."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from core.config import ExperimentConfig
from gendiff_gui.session.view_pace import clamped_pace
from gendiff_gui.session.workers import TrainProgress
from gendiff_gui.widgets.theme import scaled_font

STATE_TEXT = {"empty": "no model", "loading": "loading…", "idle": "ready", "training": "training",
              "paused": "paused", "stopping": "stopping…"}
REFRESH_MS = 250  # the read-out's period at full pace (gendiff_gui.session.view_pace)


def format_duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_rate(steps_per_s: float) -> str:
    """Steps per second as read out: whole numbers from 10 on, one decimal below (a U-Net beside a busy core
    makes 0.4 steps a second, which read "0 steps/s", as if training had stopped)."""
    return f"{steps_per_s:,.0f} steps/s" if steps_per_s >= 9.95 else f"{steps_per_s:.1f} steps/s"


class TrainingStatus:
    """Permanent widgets in `status_bar`, refreshed 4 times a second (times the views' pace) from the newest progress (cheap to feed)."""

    def __init__(self, status_bar: QStatusBar) -> None:
        self.state = QLabel(STATE_TEXT["empty"])
        self.step = QLabel("step 0")
        self.rate = QLabel("– steps/s")
        self.elapsed = QLabel("0:00")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.busy = QLabel("· cores busy: views slowed")  # shown while the live views yield to training
        self.busy.setToolTip("Other programs keep the cores busy, so the map, the curves and the other live views "
                             "refresh less often and training keeps its speed. They catch up when the cores are "
                             "free or training stops.")
        self.busy.hide()
        for widget in (self.state, self.step, self.rate, self.elapsed, self.busy):
            status_bar.addPermanentWidget(widget)
        status_bar.addPermanentWidget(self.progress)
        self.steps_per_s = 0.0
        self._latest: TrainProgress | None = None
        self._previous: tuple[float, int] | None = None  # (active seconds, step) at the last rate update
        self._config: ExperimentConfig | None = None
        self._timer = QTimer(status_bar)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def apply_theme(self, theme) -> None:
        """Room for the longest texts at the theme's font size, so the numbers do not jostle."""
        metrics = QFontMetrics(scaled_font(theme=theme))
        for widget, sample in ((self.state, "stopping…"), (self.step, "step 0,000,000"),
                               (self.rate, "00,000 steps/s"), (self.elapsed, "0:00:00")):
            widget.setMinimumWidth(metrics.horizontalAdvance(sample) + round(theme.font_pt))

    def set_state(self, state: str) -> None:
        self.state.setText(STATE_TEXT.get(state, state))
        if state in ("training", "paused"):
            self._previous = None

    def set_pace(self, pace: float) -> None:
        """Say so while the live views run below full pace (gendiff_gui.session.view_pace), and read the numbers
        out `pace` times as often."""
        self.busy.setVisible(pace < 1.0)
        self._timer.setInterval(round(REFRESH_MS / clamped_pace(pace)))

    def set_experiment(self, config: ExperimentConfig, step: int) -> None:
        self._config, self._latest, self._previous = config, None, None
        self.steps_per_s = 0.0
        self.step.setText(f"step {step:,}")
        self.rate.setText("– steps/s")
        self.elapsed.setText("0:00")
        self.progress.hide()

    def set_run_length(self, config: ExperimentConfig) -> None:
        self._config = config
        self.progress.setVisible(bool(config.steps or config.seconds))
        self.progress.setValue(0)

    def on_progress(self, progress: TrainProgress) -> None:
        self._latest = progress

    def refresh(self) -> None:
        p = self._latest
        if p is None:
            return
        since = self._previous or (0.0, p.step - p.run_steps)  # first read-out of a run: its average so far
        if p.active_seconds > since[0]:
            rate = (p.step - since[1]) / (p.active_seconds - since[0])
            self.steps_per_s = rate if self._previous is None else 0.5 * self.steps_per_s + 0.5 * rate
            self.rate.setText(format_rate(self.steps_per_s))
        self._previous = (p.active_seconds, p.step)
        self.step.setText(f"step {p.step:,}")
        self.elapsed.setText(format_duration(p.active_seconds))
        cfg = self._config
        if cfg is not None and (cfg.steps or cfg.seconds):
            fraction = p.run_steps / cfg.steps if cfg.steps else p.active_seconds / cfg.seconds
            self.progress.setValue(round(1000 * min(1.0, fraction)))
            self.progress.setFormat(f"{100 * min(1.0, fraction):.0f} %")
