"""Test setup: Qt runs offscreen; GUI and reliability tests fail on a leaked running QThread or on any Qt warning."""
from __future__ import annotations

import gc
import os
import re
import sys
import weakref
from pathlib import Path

import pytest

from dialog_guard import refuse_modal_dialogs

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

GUI_DIR = Path(__file__).parent / "gui"
GUARDED_DIRS = (GUI_DIR, Path(__file__).parent / "reliability")  # tests that drive the window get the guards
# Qt messages that are not the program's fault (the offscreen platform's limits).
IGNORED_QT_MESSAGES = [re.compile(p) for p in (r"This plugin does not support",)]


def _is_gui_test(request) -> bool:
    parents = Path(str(request.node.fspath)).parents
    return any(folder in parents for folder in GUARDED_DIRS)


@pytest.fixture(autouse=True)
def _gui_test_guards(request, monkeypatch, tmp_path):
    """For tests under tests/gui and tests/reliability: private QSettings, no QThread left running, no Qt warning."""
    if not _is_gui_test(request):
        gc.enable()  # GUI tests turn automatic collection off (gendiff_gui/gui_garbage.py); their teardown collected
        yield
        return
    monkeypatch.setenv("GENDIFF_SETTINGS_DIR", str(tmp_path / "settings"))
    import gendiff_gui.pyside_refcount  # noqa: F401  (PySide 6.12 on Python 3.11 leaks None references)
    from PySide6.QtCore import QThread

    started: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    base_start = QThread.start

    def recording_start(self, *args, **kwargs):
        frame = sys._getframe(1)
        started[self] = f"{frame.f_code.co_filename}:{frame.f_lineno}"
        return base_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", recording_start)
    refuse_modal_dialogs(monkeypatch)
    qtlog = request.getfixturevalue("qtlog") if "qtbot" in request.fixturenames else None
    if "qtbot" in request.fixturenames:
        from gendiff_gui.gui_garbage import collect_on_gui_thread

        request.getfixturevalue("qapp")
        collect_on_gui_thread()  # as the program does: no collection inside a Qt call
        gc.disable()  # (again, after a non-GUI test turned it back on)
    yield
    gc.collect()  # between tests: a safe point, and the next test starts without this one's garbage
    leaked = []
    for thread, where in list(started.items()):
        try:
            if thread.isRunning():
                leaked.append(f"{thread.objectName() or thread!r} started at {where}")
                thread.quit()
                thread.wait(5000)
        except RuntimeError:  # the C++ object is already gone: it was not running
            pass
    if leaked:
        pytest.fail("test left QThreads running:\n  " + "\n  ".join(leaked), pytrace=False)
    if qtlog is not None:
        warnings = [r for r in qtlog.records if r.log_type_name in ("WARNING", "CRITICAL", "FATAL")
                    and not any(p.search(r.message) for p in IGNORED_QT_MESSAGES)]
        if warnings:
            pytest.fail("Qt warnings:\n  " + "\n  ".join(r.message for r in warnings), pytrace=False)


@pytest.fixture
def window(qtbot):
    """A shown MainWindow without a model (GUI and reliability tests); closed at the end, its training and sampling
    jobs stopped and drained, and the process's torch warm-up (which a first model starts) ended."""
    from gendiff_gui.session.training_session import torch_warm_up_running
    from gendiff_gui.shell.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    sampling = win.views().get("Diffusion")
    qtbot.waitUntil(lambda: not win.session.busy and not (sampling is not None and sampling.busy)
                    and not torch_warm_up_running(), timeout=40000)


@pytest.fixture
def started_window(qtbot, window):
    """started_window(config, ready=None, timeout=40000): the window with `config` built and idle (and `ready()`
    true, when given)."""
    def start(config, ready=None, timeout: int = 40000):
        window.start(config)
        qtbot.waitUntil(lambda: window.session.state == "idle" and (ready is None or ready()), timeout=timeout)
        return window

    return start


@pytest.fixture
def probed_program(tmp_path):
    """probed_program(*flags, **env): the real program with probe lines (tests/probed_app.py) in a subprocess,
    settings in tmp_path; killed at the end if still running."""
    from probed_app import Program  # tests/ is on sys.path: this file's folder

    started = []

    def start(*flags: str, **env: str) -> Program:
        started.append(Program(list(flags), tmp_path / "settings", **env))
        return started[-1]

    yield start
    for program in started:
        if program.proc.poll() is None:
            program.proc.kill()
            program.proc.wait(30)
