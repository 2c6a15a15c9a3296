"""For benchmarks/bench_startup.py: with GENDIFF_EXIT_WHEN_READY=1 the program prints one line and quits as soon as
its window is painted with a populated view (the latent map has points, or a diffusion run has frames)."""
from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import QTimer

ENV = "GENDIFF_EXIT_WHEN_READY"
READY = "gendiff-gui: ready"
POLL_MS = 10


def populated(window) -> str:
    """The name of a view that shows data now ('' if none): the visible tab's latent map or diffusion frames."""
    view = window.view_tabs.currentWidget() if window.view_tabs.isVisible() else None
    if view is None:
        return ""
    if getattr(view, "map_ready", False) and len(view.map.points()) > 0:
        return "latent map"
    trajectories = getattr(view, "trajectories", None) or ()
    if any(len(t) for t in (trajectories() if callable(trajectories) else trajectories)):
        return "diffusion frames"
    return ""


def install(app, window, stream=sys.stdout) -> QTimer:
    """Poll until `populated`, repaint the window (the first paint with data), print READY and a JSON object (the
    view, the lesson on screen, other visible windows such as the start page, the training step), then quit."""
    timer = QTimer(window)
    timer.setInterval(POLL_MS)

    def check() -> None:
        what = populated(window)
        if not what or not window.isVisible():
            return
        timer.stop()
        window.repaint()
        lessons = getattr(window, "lessons", None)
        current = lessons.current.number if lessons is not None and lessons.current is not None else None
        shown = [w.windowTitle() for w in app.topLevelWidgets() if w.isVisible() and w is not window]
        state = {"view": what, "lesson": current, "other_windows": shown, "step": window.snapshots.step,
                 "process_seconds": round(time.process_time(), 3)}
        print(f"{READY} {json.dumps(state)}", file=stream, flush=True)
        window.close()
        app.quit()

    timer.timeout.connect(check)
    timer.start()
    return timer
