"""The benchmarks' one set-up of the program's window: Qt platform, torch threads, styled QApplication, shown window."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# The tree this script lives in, not an installed copy (`python benchmarks/x.py` puts only benchmarks/ on the path,
# so `import core` found whichever checkout pip's editable install points at).
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path[:2]:
    sys.path.insert(1, ROOT)


def application(platform: str | None = None):
    """The QApplication as the program makes it, on `platform` (default: $QT_QPA_PLATFORM, else offscreen), in the
    normal look; settings go to a private folder unless $GENDIFF_SETTINGS_DIR says where (never the user's)."""
    os.environ["QT_QPA_PLATFORM"] = platform or os.environ.get("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("GENDIFF_SETTINGS_DIR", tempfile.mkdtemp(prefix="gendiff-bench-"))
    from gendiff_gui import pyside_refcount  # noqa: F401  (first: guards every later PySide call)
    from PySide6.QtWidgets import QApplication

    from gendiff_gui.widgets.theme import NORMAL, style_application

    from gendiff_gui.gui_garbage import collect_on_gui_thread

    app = QApplication.instance() or QApplication([sys.argv[0]])
    collect_on_gui_thread()  # as the program does
    style_application(app, NORMAL)
    return app


def open_window(platform: str | None = None, size: tuple[int, int] = (1280, 800)):
    """A shown MainWindow of `size` in the `application()`, with torch's thread budget for a GUI
    (`core.threads.configure_threads(gui=True)`). Returns (app, window, torch threads)."""
    from core.threads import configure_threads

    threads = configure_threads(gui=True)
    app = application(platform)
    from gendiff_gui.gui_garbage import freeze_startup_objects
    from gendiff_gui.shell.main_window import MainWindow

    window = MainWindow()
    freeze_startup_objects()  # as the program does
    window.resize(*size)
    window.show()
    return app, window, threads
