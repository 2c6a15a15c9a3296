"""The engine stays Qt-free: importing every core module loads no Qt binding (the GUI is a layer on top)."""
from __future__ import annotations

import subprocess
import sys


def test_importing_core_loads_no_qt():
    code = (
        "import importlib, pkgutil, sys\n"
        "import core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imported Qt modules: {out.stdout}"
