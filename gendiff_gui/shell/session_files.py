"""File > Save session… / Open session…, the autosave and the offer to restore it after a crash.

A session (core/session_file) is the experiment (weights and Adam's state, copied consistently by
`TrainingSession.capture`, from the training worker between two steps if it is training), the user's data (an
own data set's arrays, a drawing), the lesson, and the view state: the window's tab and, from every view that
has them, `view_state() -> dict` / `restore_view_state(dict)` (latent/view_state.py, diffusion/view_state.py).
Files are written by a job (never on the GUI thread) and read and rebuilt in the session's build worker; a file
that cannot be used is one message, and the model on screen stays as it was.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from core.session_file.content import SessionContent
from core.session_file.format import SESSION_SUFFIX, read_session, write_session
from core.session_file.restore import experiment_from_session, own_data_part
from gendiff_gui.session.autosave import Autosave
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.workers import CallWorker
from gendiff_gui.widgets.offer_bar import OfferBar

log = logging.getLogger(__name__)
SESSION_FILTER = f"gendiff sessions (*{SESSION_SUFFIX});;All files (*)"


class SessionFiles(QObject):
    """`save(path)` / `open(path)` (None: a file dialog); `saved(path)`, `opened(path)` when done (tests wait)."""

    saved = Signal(str)
    opened = Signal(str)

    def __init__(self, window, autosave_folder: Path) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self._opening: dict = {}  # the session file being opened: its content and experiment once built
        self._save_paths: dict[int, Path] = {}
        self.offer = OfferBar()
        window.centralWidget().layout().insertWidget(0, self.offer)
        self.autosave = Autosave(autosave_folder, self.session, self.gather, window.track_job, self)
        self.session.experiment_changed.connect(self._on_experiment)
        if self.autosave.recovered is not None:
            self.offer.offer("gendiff did not close properly last time. Restore the work it autosaved?",
                             "Restore", "Discard", "Open the session autosaved before the crash",
                             "Delete the autosaved session")
            self.offer.accepted.connect(lambda: self.open(self.autosave.recovered))
            self.offer.declined.connect(self.autosave.discard_recovered)

    # ----- gathering -----
    def gather(self, callback: Callable[[SessionContent], None]) -> bool:
        """Call `callback(SessionContent)` with the session as it is now (asynchronously while training);
        False when there is no model yet."""
        experiment = self.session.experiment
        if experiment is None:
            return False
        return self.session.capture(lambda state: callback(self._content(experiment, state)))

    def _content(self, experiment, state) -> SessionContent:
        config = experiment.config
        tabs = self.window.view_tabs
        view = {"window": {"tab": tabs.currentIndex(), "tab_name": tabs.tabText(tabs.currentIndex())}}
        for name, widget in self.window.views().items():
            if hasattr(widget, "view_state"):
                view[name] = widget.view_state()
        lesson = self.window.lessons.current
        return SessionContent(config=config, training=state,
                              points=experiment.train_data.x if config.dataset == "points" else None,
                              own_data=own_data_part(config.dataset), lesson=lesson.number if lesson else None,
                              view=view)

    # ----- saving -----
    def save(self, path: str | Path | None = None) -> bool:
        """Write the session to `path` in a job; False if there is nothing to save (or the dialog was cancelled)."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window, "Save session", f"lesson{SESSION_SUFFIX}",
                                                  SESSION_FILTER)
            if not path:
                return False
        path = Path(path)
        if not self.gather(lambda content: self._write(path, content)):
            self.window.show_message("error", "Nothing to save yet: the model is still being built.")
            return False
        return True

    def _write(self, path: Path, content: SessionContent) -> None:
        worker = CallWorker(lambda: write_session(path, content))
        worker.returned.connect(self._on_saved)
        worker.failed.connect(lambda text: self.window.show_message("error", f"Could not save the session: {text}"))
        job = Job("save-session", worker, self)
        job.finished.connect(lambda j: j.deleteLater())
        self.window.track_job(job)
        job.start()

    def _on_saved(self, path) -> None:
        self.window.show_message("info", f"Saved the session to {path}.")
        self.saved.emit(str(path))

    # ----- opening -----
    def open(self, path: str | Path | None = None) -> None:
        """Read and rebuild the session in a worker; once its model is on screen, its lesson and views."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open session", "", SESSION_FILTER)
            if not path:
                return
        path = Path(path)
        opening: dict = {"path": path}
        self._opening = opening

        def build():
            content = read_session(path)
            opening["content"] = content
            opening["experiment"] = experiment_from_session(content)
            return opening["experiment"]

        self.window.messages.dismiss()
        self.session.stop()
        self.session.open_experiment(f"Opening {path.name}", build)

    def _on_experiment(self, _config) -> None:
        opening = self._opening
        if not opening or self.session.experiment is not opening.get("experiment"):
            return
        self._opening = {}
        content = opening["content"]
        if content.lesson is not None:
            self.window.lessons.resume(content.lesson)
        elif self.window.lessons.current is not None:
            self.window.lessons.leave()
        try:
            self._restore_views(content.view)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            log.warning("view state of %s: %s", opening["path"], exc)
            self.window.show_message("warning", f"Opened {opening['path'].name}, but part of its view state could "
                                                f"not be restored ({exc}).")
        self.opened.emit(str(opening["path"]))

    def _restore_views(self, view: dict) -> None:
        views = self.window.views()
        where = view.get("window") or {}
        tab, tab_name = where.get("tab"), where.get("tab_name")
        if isinstance(tab_name, str) and tab_name in views:  # by name: tabs are installed as their models come
            self.window.view_tabs.setCurrentWidget(views[tab_name])
        elif isinstance(tab, int) and 0 <= tab < self.window.view_tabs.count():
            self.window.view_tabs.setCurrentIndex(tab)
        for name, state in view.items():
            widget = views.get(name)
            if isinstance(state, dict) and hasattr(widget, "restore_view_state"):
                widget.restore_view_state(state)

    def closed_cleanly(self) -> None:
        self.autosave.close_cleanly()


def install(window) -> SessionFiles:
    """Save / Open session in the File menu, the autosave in the settings' folder, the crash offer above the views."""
    folder = Path(window.settings.fileName()).parent
    files = SessionFiles(window, folder)
    window.commands.save_session.triggered.connect(lambda: files.save())
    window.commands.open_session.triggered.connect(lambda: files.open())
    return files
