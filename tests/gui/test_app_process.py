"""The real program in a subprocess (offscreen): flags, SIGTERM mid-training, a bad checkpoint on the command line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

if sys.platform == "win32":
    pytest.skip("POSIX signals", allow_module_level=True)

TOY_FLAGS = ["--model", "linear-ae", "--dataset", "moons", "--verbose"]


def test_help_lists_the_flags():
    out = subprocess.run([sys.executable, "-m", "gendiff_gui", "--help"], capture_output=True, text=True,
                         timeout=60).stdout
    for flag in ("--checkpoint", "--dataset", "--model", "--presentation"):
        assert flag in out


def test_sigterm_mid_training_closes_the_window_cleanly_and_exits_0(probed_program, tmp_path):
    """SIGTERM while a run trains closes the window as its close button does: the run is stopped and joined, the
    settings are saved, the exit status is 0. (How fast: benchmarks/bench_shutdown.py.)"""
    program = probed_program(*TOY_FLAGS, "--train")
    program.wait_for("probe: training progress")  # a step is done: the worker is in its loop
    status, stderr = program.close(signal.SIGTERM)
    assert status == 0, stderr
    assert "probe: training ended" in stderr  # stopped, not abandoned at the exit
    assert "did not stop" not in stderr and "QThread: Destroyed while thread is still running" not in stderr
    assert os.listdir(tmp_path / "settings"), "the window's close did not save the settings"


def test_a_bad_checkpoint_on_the_command_line_is_reported_and_a_default_model_opens(probed_program, tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(os.urandom(1000))
    program = probed_program(*TOY_FLAGS, "--checkpoint", str(bad))
    lines = program.wait_for("Ready: linear-ae on moons").splitlines()
    status, _stderr = program.close(signal.SIGINT)  # Ctrl+C closes it cleanly too
    assert status == 0
    assert any("error" in line and "bad.safetensors" in line for line in lines)
