"""PySide6's per-import source check answers as PySide's own did, without keeping every module's source."""
from __future__ import annotations

import importlib
import inspect
import linecache
import sys

import pytest

from gendiff_gui import pyside_source_check


def _pyside_answer(module) -> bool:
    """PySide's own rule (shibokensupport.feature, PYSIDE-2029): "PySide6" in inspect.getsource(module)."""
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False


def test_the_check_is_installed_and_agrees_with_pysides_rule():
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not hasattr(feature, "_mod_uses_pyside"):
        pytest.skip("this PySide6 has no per-import source check")
    assert pyside_source_check.INSTALLED and pyside_source_check.install()  # idempotent
    check = feature._mod_uses_pyside
    import gendiff_gui.widgets.theme as uses  # says PySide6
    import core.metrics_2d as plain  # numpy only

    modules = [uses, plain, sys, importlib.import_module("json.decoder"), importlib.import_module("math")]
    assert [check(m) for m in modules] == [_pyside_answer(m) for m in modules] == [True, False, False, False, False]


def test_importing_a_module_no_longer_caches_its_source(tmp_path, monkeypatch):
    if sys.modules.get("shibokensupport.feature") is None:
        pytest.skip("this PySide6 has no per-import source check")
    (tmp_path / "gendiff_probe_qt.py").write_text("import PySide6.QtCore\nVALUE = 1\n")
    (tmp_path / "gendiff_probe_plain.py").write_text("import json\nVALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    linecache.clearcache()
    namespace: dict = {}
    try:
        exec("import gendiff_probe_plain, gendiff_probe_qt", namespace)  # an import statement: PySide's hook runs
        assert namespace["gendiff_probe_qt"].VALUE == 1 and namespace["gendiff_probe_plain"].VALUE == 2
        assert not {str(tmp_path / "gendiff_probe_qt.py"), str(tmp_path / "gendiff_probe_plain.py")} & set(
            linecache.cache)
        seen = sys.modules["shibokensupport.feature"].pyside_feature_dict
        assert (seen.get("gendiff_probe_qt"), seen.get("gendiff_probe_plain")) == (0, -1)  # PySide's answers
    finally:
        sys.modules.pop("gendiff_probe_qt", None)
        sys.modules.pop("gendiff_probe_plain", None)
