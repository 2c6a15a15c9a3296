"""The real program in a subprocess (offscreen): flags, SIGTERM mid-training, a bad checkpoint on the command line."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

if sys.platform == "win32":
    pytest.skip("POSIX signals", allow_module_level=True)

TOY_FLAGS = ["--model", "linear-ae", "--dataset", "moons", "--verbose"]


def _start(args, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GENDIFF_SETTINGS_DIR=str(tmp_path / "settings"))
    return subprocess.Popen([sys.executable, "-m", "gendiff_gui", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)


def _wait_for_line(proc, needle: str, timeout: float = 30.0) -> list[str]:
    """stderr lines up to the first that contains `needle` (read by a thread: select() cannot see buffered lines)."""
    if not hasattr(proc, "lines"):
        proc.lines = queue.Queue()
        proc.reader = threading.Thread(target=lambda: [proc.lines.put(line) for line in proc.stderr], daemon=True)
        proc.reader.start()
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = proc.lines.get(timeout=0.2)
        except queue.Empty:
            continue
        lines.append(line)
        if needle in line:
            return lines
    proc.kill()
    raise AssertionError(f"no {needle!r} on stderr:\n{''.join(lines)}")


def test_help_lists_the_flags():
    out = subprocess.run([sys.executable, "-m", "gendiff_gui", "--help"], capture_output=True, text=True,
                         timeout=60).stdout
    for flag in ("--checkpoint", "--dataset", "--model", "--presentation"):
        assert flag in out


def test_sigterm_mid_training_exits_0_within_2_seconds(tmp_path):
    proc = _start([*TOY_FLAGS, "--train"], tmp_path)
    _wait_for_line(proc, "state: training")
    time.sleep(0.3)  # well into the run
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    elapsed = time.monotonic() - t0
    proc.reader.join(5)  # it ends at the end of the pipe
    stderr = "".join(proc.lines.queue)
    assert rc == 0, stderr
    assert elapsed < 2.0
    assert "QThread: Destroyed while thread is still running" not in stderr


def test_a_bad_checkpoint_on_the_command_line_is_reported_and_a_default_model_opens(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(os.urandom(1000))
    proc = _start([*TOY_FLAGS, "--checkpoint", str(bad)], tmp_path)
    lines = _wait_for_line(proc, "Ready: linear-ae on moons")
    proc.send_signal(signal.SIGINT)  # Ctrl+C closes it cleanly too
    assert proc.wait(timeout=10) == 0
    assert any("error" in line and "bad.safetensors" in line for line in lines)
