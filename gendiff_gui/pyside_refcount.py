"""Work around PySide6 builds that drop a reference to None on every void call (fatal on Python < 3.12).

PySide6 6.12's bindings return Py_None from void methods without a new reference, which is harmless where
None is immortal (Python >= 3.12) but, on 3.11, lowers None's count by one per call (and True's through some
virtual overrides): a window that paints while training reaches zero within a minute and aborts with
"Fatal Python error: none_dealloc". When a probe shows the leak, None, True and False get a reference count so
large that no session can use it up, which is what Python 3.12 makes of them anyway.
"""
from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 48  # at a million leaked references a second: about nine years


def leaks_none_references(calls: int = 200) -> bool:
    """Call a void PySide method `calls` times and see whether None's reference count falls with them."""
    from PySide6.QtCore import QPoint

    point = QPoint()
    before = sys.getrefcount(None)
    for _ in range(calls):
        point.setX(1)
    return before - sys.getrefcount(None) >= calls // 2


def immortalize_singletons() -> None:
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += RESERVE


def apply() -> bool:
    """Apply the workaround where needed; returns True if it was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython" or not leaks_none_references():
        return False
    immortalize_singletons()
    return True


APPLIED = apply()
