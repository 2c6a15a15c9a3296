"""Made for the projector: every lesson in presentation mode, training, at 1280x800 and 1920x1080.

    python benchmarks/bench_projector.py --json                    # offscreen, both sizes, lessons 1-8
    DISPLAY=:14 python benchmarks/bench_projector.py --display     # a real full-screen window (the screen's size)

Per lesson and screen: the main picture's square side as a share of the screen height (`main_share`, want >= 0.55),
controls cut off by an ancestor's rectangle (`cut_off`, want 0), controls without an accessible name (`unnamed`,
want 0), visible scroll bars, and the lowest text contrast on screen (want >= 7:1), measured by
gendiff_gui/widgets/layout_audit.py (the same walk as tests/gui/test_projector_layout.py) after a few training
steps. Offscreen the window takes the screen's size (`set_presentation(True, screen)`); with --display it goes
full screen on the real screen (Xvfb + a window manager).
"""
from __future__ import annotations

import argparse
import time

from _report import print_result
from _window import open_window

SIZES = ((1280, 800), (1920, 1080))
TRAIN_EVENTS = 3  # progress reports to wait for (a few training steps)


def wait(app, done, timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.01)
    return True


def settle(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def measure_lesson(app, window, number: int, screen_height: int, keep_training: bool = False) -> dict:
    from gendiff_gui.widgets.layout_audit import audit_window

    opened, progress = [], []
    window.lessons.lesson_opened.connect(opened.append)
    window.session.progress.connect(progress.append)
    try:
        window.lessons.open(number)
        if not wait(app, lambda: opened, 120):
            return {"lesson": number, "error": "the lesson did not open in 120 s"}
        window.session.train()
        trained = wait(app, lambda: len(progress) >= TRAIN_EVENTS, 120)
        settle(app, 1.0)  # the views follow the new weights, the loss curves redraw
        result = audit_window(window, screen_height)
        steps = window.snapshots.step
    finally:
        window.lessons.lesson_opened.disconnect(opened.append)
        window.session.progress.disconnect(progress.append)
        window.session.stop()
        wait(app, lambda: window.session.state in ("idle", "empty"), 60)
    row = {"lesson": number, "training": trained, "step": steps, **result.figures()}
    if result.cut or result.unnamed or result.squeezed:
        row["detail"] = {"cut": result.cut[:5], "squeezed": result.squeezed[:5], "unnamed": result.unnamed[:5]}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON line per lesson and screen")
    parser.add_argument("--display", action="store_true", help="a real full-screen window on $DISPLAY")
    parser.add_argument("--lessons", type=int, nargs="*", help="only these lessons (default: all)")
    parser.add_argument("--shots", metavar="DIR", help="also save the window of each lesson as DIR/lesson-N-WxH.png")
    args = parser.parse_args()
    from PySide6.QtCore import QSize

    app, window, _threads = open_window("xcb" if args.display else None)
    from gendiff_gui.lessons.catalogue import LESSONS

    numbers = args.lessons or [item.number for item in LESSONS]
    if args.display:
        sizes = [None]
    else:
        sizes = [QSize(w, h) for w, h in SIZES]
    rows = []
    for size in sizes:
        if window.presenting:
            window.set_presentation(False)
        window.set_presentation(True, size)
        settle(app, 1.0)
        screen = size or window.screen().size()
        for number in numbers:
            row = {"screen": f"{screen.width()}x{screen.height()}", "real_window": bool(args.display),
                   "window": f"{window.width()}x{window.height()}",
                   **measure_lesson(app, window, number, screen.height())}
            rows.append(row)
            if args.shots:
                window.grab().save(f"{args.shots}/lesson-{number}-{row['screen']}.png")
            print_result(row, args.json)
    worst = {"worst_main_share": min(r.get("main_share", 0) for r in rows),
             "total_cut_off": sum(r.get("cut_off", 0) for r in rows),
             "total_squeezed": sum(r.get("squeezed", 0) for r in rows),
             "total_unnamed": sum(r.get("unnamed", 0) for r in rows),
             "lowest_text_contrast": min(r.get("lowest_text_contrast", 0) for r in rows)}
    print_result(worst, args.json)
    window.close()


if __name__ == "__main__":
    main()
