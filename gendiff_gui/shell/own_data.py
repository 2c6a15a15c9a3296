"""Train on your own data: File > Train on a folder… / Train on a points file…, or a drop of such a folder or file
on the window. The data set is read in a worker (core.data.own: caps, skipped files listed in one message), added
to the panel's dataset choice under its name, and a model of the panel's family is built on it and trained."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from core.data.own.folder_images import IMAGE_SUFFIXES
from core.data.own.point_files import POINT_SUFFIXES
from core.defaults import defaults_for
from gendiff_gui.session.jobs import Job
from gendiff_gui.session.own_data_job import OwnDataWorker

POINTS_FILTER = "2-D points (*.csv *.npy);;All files (*)"


def is_own_data_path(path: Path) -> bool:
    """A folder with class subfolders (even empty ones: the loader says what is wrong) or a .csv / .npy file;
    a flat folder of images is not one (those are encoded as dropped images)."""
    if path.is_dir():
        try:
            return any(p.is_dir() and not p.name.startswith(".") for p in path.iterdir())
        except OSError:
            return False
    return path.suffix.lower() in POINT_SUFFIXES


class OwnData(QObject):
    """`load(path)` reads an own data set in a job and trains on it; `loaded(OwnDataset)` once it is in the panel."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.job: Job | None = None

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "Train on a folder (one subfolder of images per class)")
        if path:
            self.load(path)

    def choose_points(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Train on a points file", "", POINTS_FILTER)
        if path:
            self.load(path)

    def load(self, path: str | Path) -> None:
        if self.job is not None:
            self.window.show_message("warning", "Still reading the previous data set; drop again when it is done.")
            return
        worker = OwnDataWorker(path)
        worker.progress.connect(self._on_progress)
        worker.returned.connect(self._on_loaded)
        worker.failed.connect(self._on_failed)
        self.job = Job("own-data", worker, self)
        self.job.finished.connect(self._on_job_finished)
        self.window.track_job(self.job)
        self.window.messages.dismiss()
        self.window.show_message("info", f"Reading {Path(path).name}…")
        self.job.start()

    def _on_progress(self, done: int, total: int) -> None:
        self.window.statusBar().showMessage(f"Reading your data set: {done:,} of {total:,} files…", 4000)

    def _on_failed(self, text: str) -> None:
        self.window.show_message("error", f"Cannot train on it: {text}")

    def _on_loaded(self, data) -> None:
        panel = self.window.panel
        panel.add_dataset(data.name, data.label)
        config = panel.config()
        model = config.model
        if data.kind == "points" and model.startswith("conv-"):
            model = model.removeprefix("conv-")  # the MLP twin: a convolution needs 28x28 images
        config = defaults_for(config.replace(dataset=data.name, model=model))
        panel.set_config(config)
        self.window.show_message("warning" if data.skipped else "info", data.summary())
        self.window.session.reset(config)
        self.window.session.train()

    def _on_job_finished(self, job: Job) -> None:
        self.job = None
        job.deleteLater()


class DropRouter(QObject):
    """An event filter put on every drop zone of the window after the views' own: a drop of one own data folder
    or points file goes to `OwnData.load`; every other drop goes on to the views."""

    def __init__(self, own: OwnData) -> None:
        super().__init__(own)
        self.own = own

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.Drop:
            return False
        mime = event.mimeData()
        urls = mime.urls() if mime.hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return False
        path = Path(urls[0].toLocalFile())
        if not is_own_data_path(path) or path.suffix.lower() in IMAGE_SUFFIXES:
            return False
        event.acceptProposedAction()
        self.own.load(path)
        return True


def install(window) -> OwnData:
    """The File menu's two actions and the drop routing (call it after the views are installed)."""
    own = OwnData(window)
    window.commands.train_folder.triggered.connect(own.choose_folder)
    window.commands.train_points.triggered.connect(own.choose_points)
    router = DropRouter(own)
    for widget in (window, *window.findChildren(QWidget)):
        if widget.acceptDrops():
            widget.installEventFilter(router)
    return own
