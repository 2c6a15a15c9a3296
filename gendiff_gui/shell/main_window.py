"""The main window: experiment panel, training controls, views per model family, menus; it owns the session's jobs.

Normal look: the experiment's settings in the left column with the loss curves under them, the lesson caption
over the views, which take the rest.

Views: `add_view(name, widget, families)` puts a widget in the view tabs, shown while the current model's family
is one of `families`; `install_views` (shell/family_views.py) is the one list of them. The look: `set_theme(theme)`
styles the application (`widgets.theme.style_application(app, theme)`) and calls each part's one hook,
`apply_theme(theme)`; fonts come from `widgets.theme.scaled_font`. Weights reach views through `window.snapshots`
(a SnapshotModel, session/snapshots.py: `experiment_ready(experiment)` for a new model, `updated(config,
snapshot)` for new weights). Background work is a `session.jobs.Job`: the session owns its build and training
jobs; any other (a view's sampling, the start-up prefetch) is handed to `track_job`.
Presentation mode (`set_presentation`): full screen, the views beside a side column that holds the lesson caption,
the view's own side controls (a view's optional `place_side(layout | None)` hook moves them there and back) and the
loss curves as a corner, so the view's `main_picture()` widgets get the screen's height. Keys: Space plays or pauses
what is on screen (a view's optional `play_pause() -> bool`, else training), Page Up / Down step frames (a view's
`step_frames(delta) -> bool`) or lessons; shell/key_router.py lets them through from any control.
Closing: every job (the session's and the tracked ones) is asked to stop, then waited for (at most 1.5 s in all),
then the window closes (the application's once-per-process torch warm-up is no job of the window's: not waited for).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QMainWindow, QSizePolicy, QSplitter,
                               QVBoxLayout, QWidget)

from core.config import ExperimentConfig
from core.data.own.registry import looks_like_own
from gendiff_gui import pyside_refcount  # noqa: F401 (first: guards every later PySide call)
from gendiff_gui.widgets import plot_export as export
from gendiff_gui.session import training_session as session_states
from gendiff_gui.lessons import runner as lesson_runner
from gendiff_gui.shell import own_data, session_files
from gendiff_gui.shell.actions import create_actions
from gendiff_gui.shell.key_router import KeyRouter
from gendiff_gui.shell.experiment_panel import ExperimentPanel
from gendiff_gui.session.jobs import Job
from gendiff_gui.widgets.eliding_status_bar import ElidingStatusBar
from gendiff_gui.widgets.message_bar import MessageBar
from gendiff_gui.widgets.more_section import QWIDGETSIZE_MAX
from gendiff_gui.session.training_session import TrainingSession, needs_new_model
from gendiff_gui.session.view_pace import ViewPace
from gendiff_gui.shell.settings import load_config, open_settings, save_config
from gendiff_gui.shell.status import TrainingStatus
from gendiff_gui.widgets.theme import NORMAL, PRESENTATION, Theme, presentation_for, style_application
from gendiff_gui.shell.family_views import install_views
from gendiff_gui.curves.loss_curves import LossCurvesView
from gendiff_gui.widgets.tab_order import next_in_chain, place_in_chain, screen_chain
from gendiff_gui.widgets.tab_sizing import CurrentPageTabs

log = logging.getLogger(__name__)
ALL_FAMILIES = frozenset({"autoencoder", "vae", "diffusion", "latent-diffusion"})
CHECKPOINT_FILTER = "gendiff checkpoints (*.safetensors);;All files (*)"
CLOSE_TIMEOUT_MS = 1500
SIDE_MAX_SHARE = 0.42  # presentation: the side column takes at most this share of the window ...
SIDE_SLACK_KEPT_PX = 24  # ... and leaves the main picture this much of its blank beside it


def experiment_title(config: ExperimentConfig) -> str:
    """What the toolbar says is on screen, e.g. "vae on mnist · d = 2"."""
    detail = f"T = {config.timesteps}" if config.family == "diffusion" else f"d = {config.latent_dim}"
    dataset = Path(config.dataset).name if looks_like_own(config.dataset) else config.dataset  # an own set: its path
    return f"{config.model} on {dataset} · {detail}"


def _checked_families(families: Iterable[str] | None) -> frozenset[str]:
    """`families` as a frozenset (None: every family); an unknown name is a ValueError."""
    families = frozenset(families) if families is not None else ALL_FAMILIES
    unknown = families - ALL_FAMILIES
    if unknown:
        raise ValueError(f"unknown model families {sorted(unknown)}; use {sorted(ALL_FAMILIES)}")
    return families


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("gendiff — auto-encoders and diffusion, trained live")
        self.settings = settings if settings is not None else open_settings()
        self.session = TrainingSession(self)
        self.snapshots = self.session.snapshots
        self.theme: Theme = NORMAL
        self.presenting = False
        self._normal_layout: tuple[QByteArray, QByteArray] | None = None
        self._views: list[tuple[str, QWidget, frozenset[str]]] = []
        self._view_slots: list[int] = []  # beside `_views`: each view's place in the order of `install_later`
        self._later: list[tuple[int, str | None, frozenset[str], Callable]] = []  # installers not run yet
        self._next_slot = 0
        self._installing: int | None = None  # the slot of the installer now adding its views
        self._tracked_jobs: list[Job] = []  # views' own jobs (sampling ...), stopped with the window
        self._closed = False  # closing is final: the views' late jobs are stopped as they start
        self._fitting_side = False
        self._side_timer = QTimer(self)  # presentation: the side column refitted once a resize has settled
        self._side_timer.setSingleShot(True)
        self._side_timer.setInterval(0)
        self._side_timer.timeout.connect(self._fit_side)

        self.panel = ExperimentPanel()
        self.loss_curves = LossCurvesView()
        # The loss curves live under the experiment's settings, in the left column, not under the views: below
        # the views they took a third of the height, which at 1280 x 800 left lesson 4's map 120 px tall and its
        # decoded tiles cut to slivers, while the column beside held nothing below the seed.
        self.left_column = QWidget()
        column = QVBoxLayout(self.left_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.panel)
        column.addWidget(self.loss_curves, 1)
        # as wide as the settings make the column: the plot's own width hint must not widen it into the views
        self.loss_curves.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.panel_dock = QDockWidget("Experiment", self)
        self.panel_dock.setObjectName("experimentDock")
        self.panel_dock.setWidget(self.left_column)
        self.panel_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.panel_dock)

        self.messages = MessageBar()
        self.view_tabs = CurrentPageTabs()
        self.view_tabs.setDocumentMode(True)
        self.view_tabs.hide()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.view_tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setChildrenCollapsible(False)
        # An explicit minimum, not the sum of the panels' own (up to 650 px with presentation fonts): on a screen
        # lower than the window would want, a view's bottom row is cut off instead of the whole window running
        # off the screen with the loss curves and the status bar.
        self.view_tabs.setMinimumHeight(240)
        self.side_column = QWidget()  # presentation mode: caption, the view's controls, the loss curves
        self.side_column.setObjectName("presentationSide")
        side = QVBoxLayout(self.side_column)
        side.setContentsMargins(0, 0, 0, 0)
        side.addStretch(1)  # the room the loss curves take once shown (stretch 100), before: below the rest
        self.splitter.addWidget(self.side_column)
        self.splitter.setStretchFactor(1, 0)
        self.side_column.hide()
        self._side_owner: QWidget | None = None  # the view whose controls are in the side column
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.messages)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.commands = create_actions(self)
        self.keys = KeyRouter(self)
        self.setStatusBar(ElidingStatusBar(self))  # a long status tip stops before the read-out
        self.status = TrainingStatus(self.statusBar())
        self.view_pace = ViewPace(self)  # the live views' pace: slower while other programs want the cores
        self._connect()
        install_views(self)
        self.lessons = lesson_runner.install(self)  # caption banner, Lessons menu (lessons/runner.py)
        self.session_files = session_files.install(self)  # File > Save / Open session, autosave, crash offer
        self.own_data = own_data.install(self)  # File > Train on a folder / points file, and such drops
        self.lessons.lesson_opened.connect(lambda _number: self._arrange())  # a new caption, new controls
        self.set_theme(NORMAL)
        self._on_state(self.session.state)
        self.resize(1280, 800)
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Shrink and move the window into its screen's available area (a laptop's 1280 x 800 less its panel, or a
        size saved on a bigger monitor): nothing of it may hang off the screen."""
        screen = self.screen()
        if screen is None or self.presenting or self.isFullScreen():
            return  # presentation mode fills its screen (or the projector a test emulates) by itself
        area = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # the window manager's title bar and borders
        self._fitted_frame = frame
        width = min(self.width(), max(area.width() - frame.width(), self.minimumWidth()))
        height = min(self.height(), max(area.height() - frame.height(), self.minimumHeight()))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = max(area.left(), min(self.x(), area.right() + 1 - width - frame.width()))
        y = max(area.top(), min(self.y(), area.bottom() + 1 - height - frame.height()))
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    # ----- views -----
    def add_view(self, name: str, widget: QWidget, families: Iterable[str] | None = None) -> None:
        """Show `widget` as a tab while the experiment's family is in `families` (None: every family). Tabs keep
        the order of their installers in `install_views`, whenever each one runs."""
        families = _checked_families(families)
        slot = self._installing
        if slot is None:  # added directly, not by an installer: after those registered so far
            slot, self._next_slot = self._next_slot, self._next_slot + 1
        index = sum(1 for s in self._view_slots if s <= slot)
        self._views.insert(index, (name, widget, families))
        self._view_slots.insert(index, slot)
        self.view_tabs.insertTab(index, widget, name)
        if hasattr(widget, "apply_theme"):
            widget.apply_theme(self.theme)
        self._show_views_for(self.snapshots.config)

    def install_later(self, name: str | None, families: Iterable[str], install: Callable) -> None:
        """Run `install(window)`, which adds the view `name` (None: no tab of its own) with `add_view`, the first
        time a model of one of `families` is shown or `view(name)` asks for it: a window opened on an
        auto-encoder builds no diffusion panel (start-up time and memory)."""
        self._later.append((self._next_slot, name, _checked_families(families), install))
        self._next_slot += 1

    def _run_installers(self, wanted: Callable[[str | None, frozenset[str]], bool]) -> None:
        """Run, in their order, the waiting installers for which `wanted(name, families)` holds (one at a time:
        an installer's own `add_view` runs none; this loop goes on to the next)."""
        while self._installing is None:
            entry = next((e for e in self._later if wanted(e[1], e[2])), None)
            if entry is None:
                return
            self._later.remove(entry)
            self._installing = entry[0]
            try:
                entry[3](self)
            finally:
                self._installing = None

    def view(self, name: str) -> QWidget | None:
        """The view tab called `name`, installed now if it was waiting for its first model; None if none is."""
        self._run_installers(lambda view_name, _families: view_name == name)
        return self.views().get(name)

    def track_job(self, job: Job) -> None:
        """A job the session does not own (a view's sampling, the start-up prefetch): closing the window stops it
        and waits for it too; one handed over after the window closed (a late timer's) is stopped at once."""
        self._tracked_jobs.append(job)
        job.finished.connect(self._tracked_jobs.remove)
        if self._closed:
            job.request_stop()

    def views(self) -> dict[str, QWidget]:
        """The view tabs installed so far (`view(name)` installs one that waits)."""
        return {name: widget for name, widget, _ in self._views}

    def _show_views_for(self, config: ExperimentConfig | None) -> None:
        family = config.family if config is not None else None
        if family is not None:
            self._run_installers(lambda _name, families: family in families)
        any_visible = False
        for index, (_name, _widget, families) in enumerate(self._views):
            visible = family in families
            self.view_tabs.setTabVisible(index, visible)
            any_visible |= visible
        self.view_tabs.setVisible(any_visible)
        shown = sum(self.view_tabs.isTabVisible(i) for i in range(self.view_tabs.count()))
        self.view_tabs.tabBar().setVisible(shown > 1)  # one view: its tab says nothing
        # ... and takes no focus: the tab widget's focus goes to its bar, and Tab into a hidden bar left the
        # focus where it was (from the message bar's close button, Tab went nowhere)
        self.view_tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.TabFocus if shown > 1 else Qt.FocusPolicy.NoFocus)
        self._arrange()

    def exportable_plots(self) -> dict[str, object]:
        plots = dict(self.loss_curves.exportable_plots())
        for index, (name, widget, _families) in enumerate(self._views):
            if self.view_tabs.isTabVisible(index) and hasattr(widget, "exportable_plots"):
                plots.update({f"{name}: {k}" if k != name else k: v for k, v in widget.exportable_plots().items()})
        return plots

    # ----- wiring -----
    def _connect(self) -> None:
        a, s = self.commands, self.session
        a.open.triggered.connect(lambda: self.open_checkpoint())
        a.save.triggered.connect(lambda: self.save_checkpoint())
        a.quit.triggered.connect(self.close)
        a.train.triggered.connect(self.train)
        a.pause.triggered.connect(s.pause)
        a.stop.triggered.connect(s.stop)
        a.reset.triggered.connect(self.reset)
        a.toggle.triggered.connect(self.play_pause)
        a.previous_frame.triggered.connect(lambda: self.step_frames(-1))
        a.next_frame.triggered.connect(lambda: self.step_frames(+1))
        self.view_tabs.currentChanged.connect(lambda _i: self._arrange())
        a.presentation.toggled.connect(self.set_presentation)
        a.leave_presentation.triggered.connect(lambda: self.set_presentation(False))
        a.log_scale.setChecked(self.loss_curves.log_scale.isChecked())
        a.log_scale.toggled.connect(self.loss_curves.set_log_scale)
        self.loss_curves.log_scale.toggled.connect(a.log_scale.setChecked)
        a.export_menu.aboutToShow.connect(self._fill_export_menu)
        self.panel.edited.connect(self._on_panel_edited)
        s.experiment_changed.connect(self._on_experiment)
        s.progress.connect(self._on_progress)
        s.progress.connect(self.view_pace.observe)
        self.view_pace.changed.connect(self.loss_curves.set_pace)
        self.view_pace.changed.connect(self.status.set_pace)
        self.view_pace.changed.connect(s.set_pace)
        s.state_changed.connect(self._on_state)
        s.message.connect(self.show_message)

    def show_message(self, level: str, text: str) -> None:
        """In the message bar; information that would hide an error, and any information in presentation mode
        (the picture keeps the room), goes to the status bar instead."""
        if (self.presenting and level == "info") or not self.messages.show_message(level, text):
            self.statusBar().showMessage(text, 8000)

    def _on_progress(self, progress) -> None:
        self.loss_curves.append_losses(progress.steps, progress.losses)
        self._show_loss_curves(True)
        self.status.on_progress(progress)

    def _show_loss_curves(self, on: bool) -> None:
        """Show or hide the loss curves (under the settings; in presentation mode the side column's corner)."""
        if on == self.loss_curves.isHidden():
            self.loss_curves.setVisible(on)

    def _on_experiment(self, config: ExperimentConfig) -> None:
        self.loss_curves.clear()
        self._show_loss_curves(False)  # an empty plot teaches nothing: the views get its room until Train
        self.panel.set_config(config)
        self.panel.set_hint("")
        self.status.set_experiment(config, self.snapshots.step)
        self._show_views_for(config)
        self.commands.title.setText(experiment_title(config))

    def _on_state(self, state: str) -> None:
        a = self.commands
        a.train.setEnabled(state in (session_states.IDLE, session_states.PAUSED, session_states.STOPPING))
        a.train.setText("Resume" if state == session_states.PAUSED else "Train")
        a.pause.setEnabled(state == session_states.TRAINING)
        a.stop.setEnabled(state in (session_states.TRAINING, session_states.PAUSED))
        a.save.setEnabled(self.session.experiment is not None)
        if state == session_states.TRAINING and self.session.experiment is not None:
            self.status.set_run_length(self.session.experiment.config)
        self.status.set_state(state)
        if state != session_states.TRAINING:
            self.view_pace.reset()  # nothing of ours trains: the views may use the cores again

    def _on_panel_edited(self, config: ExperimentConfig) -> None:
        current = self.session.experiment
        changed = current is not None and needs_new_model(config, current.config)
        self.panel.set_hint("These settings need a new model: Train or Reset builds it (the curves start over)."
                            if changed else "")

    # ----- commands -----
    def start(self, config: ExperimentConfig | None = None, checkpoint: str | Path | None = None,
              train: bool = False) -> None:
        """The first experiment: a checkpoint if given, else `config`, the last one used, or the defaults."""
        config = config or load_config(self.settings) or ExperimentConfig()
        self.panel.set_config(config)
        if checkpoint is not None:
            self.session.load(checkpoint, fallback=config)
        else:
            self.session.build(config)
        if train:
            self.session.train()

    def train(self) -> None:
        self.messages.dismiss()  # a new action: the last error has been read
        self.session.train(self.panel.config())

    def current_view(self) -> QWidget | None:
        return self.view_tabs.currentWidget() if self.view_tabs.isVisible() else None

    def main_picture(self) -> list[QWidget]:
        """The widgets of the picture the lesson is about (the current view's `main_picture()` hook)."""
        hook = getattr(self.current_view(), "main_picture", None)
        return list(hook()) if hook is not None else []

    def play_pause(self) -> None:
        """Space: the current view plays or pauses what it shows (its `play_pause()` hook), else training."""
        hook = getattr(self.current_view(), "play_pause", None)
        if hook is None or not hook():
            self.toggle_training()

    def step_frames(self, delta: int) -> None:
        """Page Up / Down: the current view steps its frames (`step_frames(delta)` hook), else the lessons."""
        hook = getattr(self.current_view(), "step_frames", None)
        if hook is None or not hook(delta):
            self.lessons.step(delta)

    def toggle_training(self) -> None:
        """Space: pause, resume or start."""
        self.messages.dismiss()
        self.session.toggle(self.panel.config())

    def reset(self) -> None:
        self.messages.dismiss()
        self.session.reset(self.panel.config())

    def open_checkpoint(self, path: str | Path | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open checkpoint", "", CHECKPOINT_FILTER)
            if not path:
                return
        self.messages.dismiss()
        self.session.load(path)

    def save_checkpoint(self, path: str | Path | None = None) -> bool:
        if path is None:
            cfg = self.session.experiment.config if self.session.experiment else ExperimentConfig()
            name = f"{cfg.model}-{cfg.dataset}-step{self.snapshots.step}.safetensors"
            path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", name, CHECKPOINT_FILTER)
            if not path:
                return False
        self.messages.dismiss()
        return self.session.save(path)

    def export_plot(self, name: str, path: str | Path | None = None) -> Path | None:
        item = self.exportable_plots()[name]
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, f"Export {name}", f"{name.lower().replace(' ', '-')}.png",
                                                  export.FILE_FILTER)
            if not path:
                return None
        try:
            written = export.export_plot(item, path)
        except Exception as exc:  # an exporter failure is a message, never a traceback dialog
            self.show_message("error", f"Could not export {name}: {exc}")
            return None
        self.show_message("info", f"Exported {name} to {written}.")
        return written

    def _fill_export_menu(self) -> None:
        menu = self.commands.export_menu
        menu.clear()
        for name in self.exportable_plots():
            menu.addAction(f"{name}…").triggered.connect(lambda _=False, n=name: self.export_plot(n))

    # ----- presentation mode -----
    def set_presentation(self, on: bool, screen: QSize | None = None) -> None:
        """Presentation mode on or off; `screen`: the size of the screen to fill instead of the window's own
        (tests and benchmarks emulate a projector with it; the window then takes that geometry, not full screen)."""
        if on == self.presenting:
            return
        self.presenting = on
        height = screen.height() if screen is not None else self.screen().availableGeometry().height()
        if on:
            self._normal_layout = (self.saveGeometry(), self.saveState())
            self.panel_dock.hide()
            self.menuBar().hide()
            if screen is not None:
                self.setGeometry(QRect(self.geometry().topLeft(), screen))
            else:
                self.showFullScreen()
        else:
            self.showNormal()
            self.menuBar().show()
        self.commands.presentation.setChecked(on)
        self.commands.leave_presentation.setEnabled(on)
        self.set_theme(presentation_for(height) if on else NORMAL)
        self._arrange()
        if not on and self._normal_layout is not None:
            # after the normal look is back: the docks restored beside presentation-sized contents made the
            # window 1,586 px wide on a 1,280 px screen
            self.restoreGeometry(self._normal_layout[0])
            self.restoreState(self._normal_layout[1])
            self.fit_to_screen()
        self.view_tabs.setFocus()

    def _arrange(self) -> None:
        """Normal: the views above the loss curves, the caption on top. Presentation: the views beside a side
        column with the caption, the current view's side controls and the loss curves."""
        caption = self.lessons.caption if hasattr(self, "lessons") else None
        view = self.current_view() if self.presenting else None
        if self._side_owner is not None and self._side_owner is not view:
            self._side_owner.place_side(None)  # its controls go home
            self._side_owner = None
        side = self.side_column.layout()
        if self.presenting:
            if caption is not None and caption.parentWidget() is not self.side_column:
                side.insertWidget(0, caption)
                caption.set_narrow(True)
            if view is not None and hasattr(view, "place_side") and self._side_owner is None:
                view.place_side(side)
                self._side_owner = view
            if self.loss_curves.parentWidget() is not self.side_column:
                side.insertWidget(side.count() - 1, self.loss_curves, 100)
            self.splitter.setOrientation(Qt.Orientation.Horizontal)
            self.side_column.show()
            self._fit_side()
            QTimer.singleShot(0, self._focus_first_view_control)  # once the new layout has placed the widgets
        else:
            if caption is not None and caption.parentWidget() is self.side_column:
                self.centralWidget().layout().insertWidget(0, caption)
                caption.set_narrow(False)
            if self.loss_curves.parentWidget() is self.side_column:
                self.left_column.layout().addWidget(self.loss_curves, 1)
            self.side_column.hide()
            self.side_column.setMinimumWidth(0)
            self.side_column.setMaximumWidth(QWIDGETSIZE_MAX)
            self.splitter.setOrientation(Qt.Orientation.Vertical)

    def _set_side_width(self, side_px: int) -> None:
        self.side_column.setFixedWidth(side_px)  # what it holds wraps; the views keep the rest
        self.splitter.setSizes([max(self.splitter.width(), 400) - side_px, side_px])

    def _fit_side(self) -> None:
        """The side column at `side_width()`, and then wider by the width the main picture leaves blank: a square
        as tall as the view lets it be leaves blank beside it in the widget that holds it (lesson 6 at 1280 x 800:
        340 px of white beside the particles while the column's loss corner was a sliver), up to SIDE_MAX_SHARE
        of the window."""
        if not self.presenting:
            return
        self._fitting_side = True  # the resizes it makes are its own, not a reason to fit again
        try:
            self._set_side_width(self.side_width())  # (the splitter places the views at once, their layouts follow)
            for picture in self.main_picture():  # a view laid out later (a lesson's first model) fits it again
                if picture.parentWidget() is not None:
                    picture.parentWidget().installEventFilter(self)  # (once: installing again only reorders)
            pictures = [w for w in self.main_picture() if w.isVisible() and w.parentWidget() is not None]
            if not pictures or any(w.height() < w.parentWidget().height() - 2 for w in pictures):
                return  # (a picture not as tall as its holder is held by its width: narrower, it would shrink)
            slack = min(w.parentWidget().width() - w.width() for w in pictures) - SIDE_SLACK_KEPT_PX
            widest = round(self.width() * SIDE_MAX_SHARE)
            current = self.side_column.width()
            if slack > 0 and current < widest:
                self._set_side_width(min(widest, current + slack))
        finally:
            self._fitting_side = False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.presenting and not self._fitting_side:  # (a window manager makes it full screen later)
            self._side_timer.start()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name (the main pictures' holders)
        if event.type() == QEvent.Type.Resize and self.presenting and not self._fitting_side:
            self._side_timer.start()
        return super().eventFilter(watched, event)

    def _tab_regions(self) -> list[QWidget]:
        """Presentation mode's Tab order: a message's close button, the toolbar, the views (row by row), then the
        side column, and round again."""
        return [self.messages, self.commands.toolbar, self.view_tabs, self.side_column]

    def _focus_first_view_control(self) -> None:
        """Focus outside the presentation ring (a control of the normal look, now hidden) goes to the view's first
        control."""
        focus = QApplication.focusWidget()
        chain = screen_chain(self._tab_regions())
        if chain and (focus is None or not focus.isVisible() or place_in_chain(chain, focus) is None):
            first = next((w for w in chain if self.view_tabs.isAncestorOf(w)), chain[0])
            first.setFocus(Qt.FocusReason.TabFocusReason)

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802 - Qt's name
        """Tab and Shift+Tab in presentation mode follow the screen (widgets/tab_order.py)."""
        if not self.presenting:
            return super().focusNextPrevChild(forward)
        target = next_in_chain(screen_chain(self._tab_regions()), QApplication.focusWidget(), forward)
        if target is None:
            return super().focusNextPrevChild(forward)
        target.setFocus(Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason)
        return True

    def side_width(self) -> int:
        """The presentation side column: the width of 22 characters of the theme's font, at least a quarter of
        the window (the view's controls, the caption and a corner of loss curves)."""
        return max(self.width() // 4, round(self.theme.font_pt * 22))

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        app = QApplication.instance()
        if app is not None:
            style_application(app, theme)
        self.commands.toolbar.setIconSize(QSize(theme.icon_px, theme.icon_px))
        # a style sheet, not setFont: the application's style sheet would reset the font when the label is shown
        self.commands.title.setStyleSheet(f"font-size: {theme.font_pt * 1.25:.0f}pt; font-weight: bold;")
        self.messages.apply_theme(theme)
        self.status.apply_theme(theme)
        self.loss_curves.apply_theme(theme)
        for _name, widget, _families in self._views:
            if hasattr(widget, "apply_theme"):
                widget.apply_theme(theme)
        self.lessons.apply_theme(theme)

    # ----- settings and closing -----
    def restore_settings(self) -> bool:
        """Geometry and dock layout of the last session; returns True if the last theme was presentation."""
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.fit_to_screen()  # saved on another monitor, perhaps a bigger one
        return self.settings.value("theme", "normal") == PRESENTATION.name

    def save_settings(self) -> None:
        geometry, state = self._normal_layout if self.presenting and self._normal_layout else (
            self.saveGeometry(), self.saveState())
        self.settings.setValue("window/geometry", geometry)
        self.settings.setValue("window/state", state)
        self.settings.setValue("theme", self.theme.name)
        save_config(self.settings, self.session.experiment.config if self.session.experiment else self.panel.config())
        self.settings.sync()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self.fit_to_screen)  # again once the window manager's frame is known

    def moveEvent(self, event) -> None:
        super().moveEvent(event)
        # a window manager frames the window after it is shown, often later than the first turn of the event loop
        # (openbox at 1280 x 800: the status bar hung 20 px below the screen): fit again when the frame changes
        frame = self.frameGeometry().size() - self.geometry().size()
        if frame != getattr(self, "_fitted_frame", frame):
            QTimer.singleShot(0, self, self.fit_to_screen)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        if not self.session.shutdown(CLOSE_TIMEOUT_MS, others=self._tracked_jobs):
            log.warning("a job did not stop within %d ms", CLOSE_TIMEOUT_MS)
        self.save_settings()
        self.session_files.closed_cleanly()  # no crash marker, no autosave for the next start
        event.accept()
