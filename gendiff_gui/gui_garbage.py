"""Python's cyclic garbage collector runs only from the GUI thread's event loop, never in the middle of a Qt call.

Left automatic, a collection can start inside any allocation, e.g. while PySide asks Python whether a class
overrides `disconnectNotify` during `QObject::disconnect`, which holds Qt's signal-slot lock. If that collection
destroys a QObject (a closed window's menu in a reference cycle), its destructor waits for the same lock: the
program hangs (seen in this project's suite, in pyqtgraph's `GraphicsItem._updateView`). pyqtgraph's
`GarbageCollector` (after Erik Janssens) is the field's answer: automatic collection off, a QTimer collecting once a
second from the event loop, where no Qt lock is held.
"""
from __future__ import annotations

_collector = None


def collect_on_gui_thread(interval_s: float = 1.0):
    """Turn automatic collection off and collect from a QTimer every `interval_s` (once per process; call it after
    the QApplication exists, on the GUI thread). Returns the collector."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=interval_s)
    return _collector


def freeze_startup_objects() -> int:
    """Move every object alive now (the modules, classes and widgets of start-up, torch's among them) into the
    permanent generation (`gc.freeze`): the collector's full passes then walk only what came later. Measured
    after importing torch, PySide6 and pyqtgraph: a full pass over their 230,000 objects took 150 ms (of the GUI
    thread, where the collector runs), about 0 once they are frozen. Garbage among them, if any, stays
    (start-up's objects live as long as the program). Returns how many objects were frozen."""
    import gc

    gc.freeze()
    return gc.get_freeze_count()
