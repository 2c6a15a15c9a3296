"""The `gendiff-gui` program: command-line flags, the QApplication with its theme and thread budget, the window."""
from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from core.config import ALL_MODELS, ExperimentConfig
from core.defaults import defaults_for
from gendiff_gui.shell.fields import NAMED_DATASETS
from gendiff_gui.lessons.catalogue import LESSONS

if TYPE_CHECKING:
    from gendiff_gui.session.jobs import Job


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gendiff-gui",
        description="Train auto-encoders and diffusion models live and watch what they learn.")
    parser.add_argument("--checkpoint", metavar="FILE", help="open a saved model (.safetensors)")
    parser.add_argument("--lesson", type=int, choices=[item.number for item in LESSONS], metavar="N",
                        help="open lesson N (1-8) of the lecture: its bundled model, data and views")
    parser.add_argument("--dataset", choices=NAMED_DATASETS, help="dataset of a new model (default: the last used)")
    parser.add_argument("--model", choices=ALL_MODELS, help="model of a new model (default: the last used)")
    parser.add_argument("--presentation", action="store_true",
                        help="start in presentation mode: full screen, large, contrasted (F11 toggles, Esc leaves)")
    parser.add_argument("--train", action="store_true", help="start training as soon as the model is ready")
    parser.add_argument("--verbose", action="store_true", help="report every message and state change on stderr")
    return parser.parse_args(argv)


def initial_config(args: argparse.Namespace, last: ExperimentConfig | None) -> ExperimentConfig:
    """The last experiment (or the defaults) with the flags applied; a new model or dataset gets its defaults."""
    config = last or defaults_for(ExperimentConfig())
    changes = {k: v for k, v in (("model", args.model), ("dataset", args.dataset)) if v}
    return defaults_for(config.replace(**changes)) if changes else config


def prefetch_dataset(args: argparse.Namespace) -> Job | None:
    """Start reading the image set the first window most likely shows (MNIST: lessons 1-4 and 8, the first launch)
    in a job, while torch and the window's modules import: the model's build then finds it in memory (0.2-0.4 s
    off the start-up). Returns the started `Job`, or None when there is nothing to read ahead. Needs the
    QApplication (a job's thread runs an event loop); imports neither torch nor the window."""
    name = args.dataset or "mnist"
    if name not in ("mnist", "fashion-mnist") or args.checkpoint:
        return None
    from core.data.image_sets import load_image_dataset  # thread-safe: a build that needs it waits for this read
    from gendiff_gui.session.jobs import Job
    from gendiff_gui.session.workers import CallWorker

    job = Job("prefetch", CallWorker(lambda: _quietly(load_image_dataset, name)))
    job.start()
    return job


def _quietly(fn, *args) -> None:
    """A prefetch that fails says nothing: the build that needs the data reports the problem itself."""
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - any failure here is reported later, by the real load
        pass


def run(argv: list[str]) -> int:
    args = parse_args(argv)  # before Qt: --help and bad flags need no display
    from core.allocator import keep_big_blocks_returnable

    keep_big_blocks_returnable()  # before the big allocations: freed tensors go back to the OS (core/allocator.py)
    from gendiff_gui import pyside_refcount  # noqa: F401  (explicit: the editable install may skip __init__)
    from gendiff_gui import pyside_source_check  # noqa: F401  (before torch: see the module)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])  # first (25 ms): the prefetch's job needs it
    from gendiff_gui.gui_garbage import collect_on_gui_thread, freeze_startup_objects

    collect_on_gui_thread()  # no garbage collection inside a Qt call (see gui_garbage.py)
    prefetch = prefetch_dataset(args)  # reads while torch and the window's modules import (seconds)
    from core.threads import configure_threads
    from gendiff_gui import startup_probe
    from gendiff_gui.lessons.runner import startup_lesson
    from gendiff_gui.shell.main_window import MainWindow
    from gendiff_gui.shell.quit_signals import install_quit_handlers
    from gendiff_gui.shell.settings import APPLICATION, ORGANIZATION, load_config, open_settings
    from gendiff_gui.widgets.theme import NORMAL, style_application

    configure_threads(gui=True)  # one core for the event loop, the rest for training
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    style_application(app, NORMAL)
    settings = open_settings()
    window = MainWindow(settings)
    freeze_startup_objects()
    if prefetch is not None:
        window.track_job(prefetch)  # closing stops and waits for it like for any job
    reporter = _StderrReporter(args.verbose)
    window.session.message.connect(reporter.message)
    window.session.state_changed.connect(reporter.state)
    presentation = window.restore_settings() or args.presentation
    lesson, first_launch = startup_lesson(settings, args.lesson, bool(args.checkpoint or args.model or args.dataset))
    if lesson is None:
        window.start(initial_config(args, load_config(settings)), checkpoint=args.checkpoint, train=args.train)
    else:
        window.lessons.open(lesson)
        if args.train:
            window.session.train()
    heartbeat = install_quit_handlers(app, window)
    window.show()
    if first_launch:
        window.lessons.show_start_page()
    if os.environ.get(startup_probe.ENV):
        startup_probe.install(app, window)
    if presentation:
        window.set_presentation(True)
    code = app.exec()
    heartbeat.stop()
    return code


class _StderrReporter:
    """Errors always reach the terminal; with --verbose, every message and state change too."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose

    def message(self, level: str, text: str) -> None:
        if level == "error" or self.verbose:
            print(f"gendiff-gui: {level}: {text}", file=sys.stderr, flush=True)

    def state(self, state: str) -> None:
        if self.verbose:
            print(f"gendiff-gui: state: {state}", file=sys.stderr, flush=True)
