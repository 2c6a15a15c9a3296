"""PySide6 asks of every module imported after it whether its source says "PySide6"; answer from the file's bytes.

PySide6's import hook (`shibokensupport.feature.feature_imported`, PYSIDE-2029) runs `inspect.getsource` on each new
module to decide whether `from __feature__ import ...` may apply to it. inspect tokenises the file and linecache
keeps every line of it for the rest of the process: after torch, pyqtgraph and scipy that is 1,218 files, 24.6 MB
of strings and about 0.45 s of start-up (measured here: `import PySide6.QtWidgets` then torch, pyqtgraph and
scipy.optimize in 3.2 s, 2.8 s with this check). The question stays the same (is b"PySide6" in the module's own
.py file); modules with no such file get PySide's own answer. Where PySide has no such hook, nothing changes.
"""
from __future__ import annotations

import sys

MARK = "_gendiff_reads_bytes"


def install() -> bool:
    """Replace the hook's source test with a read of the file's bytes; True if it was installed (now or before)."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if not callable(original):
        return False
    if getattr(original, MARK, False):
        return True

    def uses_pyside(module) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return original(module)  # built-in, compiled or source-less: PySide's own answer
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return original(module)

    setattr(uses_pyside, MARK, True)
    feature._mod_uses_pyside = uses_pyside
    return True


INSTALLED = install()
