"""Saving under failure: a process killed (SIGKILL) in the middle of saving, 20 times in a row, always leaves a
checkpoint that loads; a full disk or a read-only folder gives a clear message in the window and loses nothing.

Full disk: simulated by making the checkpoint's file writes (or its fsync) fail with ENOSPC, which works anywhere;
where this process may mount a tiny tmpfs (root on Linux), the same checks also run on a really full one.
Read-only folder: chmod 0o555 for ordinary users; root ignores permissions, so there a read-only tmpfs (or, if
mounting is not allowed, EROFS raised by the file creation) stands in for it.
"""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import pytest

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import ExperimentConfig

SERVER = Path(__file__).with_name("save_server.py")
ROUNDS = 20


# ----- killed while saving -----
def test_a_save_killed_at_random_moments_always_leaves_a_loadable_checkpoint(tmp_path):
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, {"w": np.zeros((4, 4), np.float32)}, ExperimentConfig(), {"version": 0})
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    server = subprocess.Popen([sys.executable, str(SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=env)
    rng = np.random.default_rng(20)
    version, interrupted = 0, 0
    try:
        assert server.stdout.readline().strip() == "ready"
        for _ in range(ROUNDS):
            temps_before = set(tmp_path.glob(".model.safetensors.*.tmp"))
            server.stdin.write(f"{path} {version + 1} {rng.uniform(0.05, 1.0):.3f}\n")
            server.stdin.flush()
            completed = json.loads(server.stdout.readline())["completed"]
            ckpt = load_checkpoint(path)  # the contract: always a whole, valid checkpoint
            found = ckpt.metadata["version"]
            # the newest finished save, or the one in flight if the kill came between its rename and its report
            assert completed <= found <= completed + 1 and found >= version, (version, completed, found)
            assert ckpt.state["w"].min() == ckpt.state["w"].max() == found  # not a mix of two versions
            interrupted += bool(set(tmp_path.glob(".model.safetensors.*.tmp")) - temps_before)
            version = found
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    print(f"{ROUNDS} kills: {interrupted} inside a write, the file always loaded, last version {version}")
    assert version > 0, "no save ever finished: the kills came too early to test anything"
    assert interrupted >= 1, "no kill landed inside a write: the test did not test a torn save"
    save_checkpoint(path, {"w": np.ones((4, 4), np.float32)}, ExperimentConfig(), {"version": -1})
    assert list(tmp_path.glob(".model.safetensors.*.tmp")) == []  # the next save sweeps what killed saves left
    assert load_checkpoint(path).metadata["version"] == -1


def test_a_save_leaves_alone_the_temporary_file_of_a_save_still_running(tmp_path):
    path = tmp_path / "model.safetensors"
    mine = tmp_path / f".model.safetensors.{os.getpid()}.abc123.tmp"  # this process: perhaps another thread saving
    other = tmp_path / ".model.safetensors.1.abc123.tmp"  # pid 1 always runs
    unrelated = tmp_path / ".other.safetensors.999999999.abc123.tmp"
    for f in (mine, other, unrelated):
        f.write_bytes(b"partial")
    save_checkpoint(path, {"w": np.zeros((2, 2), np.float32)}, ExperimentConfig())
    assert mine.exists() and other.exists() and unrelated.exists()


# ----- a full disk and a read-only folder -----
def _mount_tmpfs(where: Path, size_kb: int) -> bool:
    """Mount a tmpfs of `size_kb` at `where` (True), or say it cannot be done here (False)."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
                          capture_output=True, timeout=30)
    return done.returncode == 0


def _unmount(where: Path) -> None:
    if subprocess.run(["umount", str(where)], capture_output=True, timeout=30).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs, or a skip saying why there is none."""
    where = tmp_path / "disk"
    if not _mount_tmpfs(where, 1024):
        pytest.skip("cannot mount a tmpfs here (needs root on Linux): the ENOSPC simulation covers a full disk")
    yield where
    _unmount(where)


def _fill(folder: Path, leave_bytes: int) -> None:
    """Fill the file system holding `folder` until about `leave_bytes` are free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    (folder / "filler.bin").write_bytes(b"\0" * max(0, free - leave_bytes))


class _FullDiskFile:
    """A file object whose writes (or fsync) fail as on a full disk, after half the data went through."""

    def __init__(self, real, fail_in: str) -> None:
        self._real, self._fail_in = real, fail_in

    def write(self, data) -> int:
        if self._fail_in == "write":
            self._real.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._real.write(data)

    def fileno(self) -> int:
        if self._fail_in == "fsync":  # delayed allocation: the error only comes when the data reaches the disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._real.fileno()

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._real.close()


def _assert_save_fails_and_nothing_is_lost(window, window_state, target: Path, reason: str, failing,
                                           elsewhere: Path) -> None:
    """Under `failing()` saving to `target` fails with a message naming the file and `reason`; the old file, the
    model, its weights and its views are untouched, no temporary file is left, and afterwards it saves elsewhere."""
    old = target.read_bytes()
    before = window_state(window)
    temps = set(target.parent.glob(".*.tmp"))
    with failing():
        assert window.save_checkpoint(target) is False
    shown = window.messages.text()
    assert window.messages.level == "error" and target.name in shown and reason in shown, shown
    assert "\n" not in shown and "Traceback" not in shown
    assert target.read_bytes() == old, "the previous file was damaged"
    assert set(target.parent.glob(".*.tmp")) == temps, "a temporary file was left behind"
    before.assert_same(window)
    assert window.save_checkpoint(elsewhere) is True
    saved = load_checkpoint(elsewhere)
    for key, value in window.snapshots.snapshot.items():
        np.testing.assert_array_equal(saved.state[key], value)


@pytest.mark.parametrize("fail_in", ["write", "fsync"])
def test_a_full_disk_gives_a_message_and_keeps_the_model(vae_window, window_state, tmp_path, monkeypatch, fail_in):
    target = tmp_path / "model.safetensors"
    assert vae_window.save_checkpoint(target)  # yesterday's save
    real_fdopen = os.fdopen

    @contextmanager
    def disk_full():
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FullDiskFile(real_fdopen(*a, **k), fail_in))
        try:
            yield
        finally:
            monkeypatch.setattr(os, "fdopen", real_fdopen)

    _assert_save_fails_and_nothing_is_lost(vae_window, window_state, target, "No space left on device", disk_full,
                                           tmp_path / "elsewhere.safetensors")


def test_a_really_full_disk(vae_window, window_state, tiny_disk, tmp_path):
    target = tiny_disk / "model.safetensors"
    assert vae_window.save_checkpoint(target)
    _fill(tiny_disk, leave_bytes=16 * 1024)
    _assert_save_fails_and_nothing_is_lost(vae_window, window_state, target, "No space left on device", nullcontext,
                                           tmp_path / "elsewhere.safetensors")


def test_a_read_only_folder(vae_window, window_state, tmp_path, monkeypatch):
    folder = tmp_path / "read-only"
    folder.mkdir()
    mounted = os.geteuid() == 0 and _mount_tmpfs(folder / "fs", 1024)  # root ignores permissions: use a ro mount
    if mounted:
        folder = folder / "fs"
    target = folder / "model.safetensors"
    assert vae_window.save_checkpoint(target)

    @contextmanager
    def read_only():
        if os.geteuid() != 0:
            folder.chmod(0o555)
        elif mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True, timeout=30)
        else:  # root without mount: the file system's answer, raised where the file would be created
            def refuse(*args, **kwargs):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS))
            monkeypatch.setattr(tempfile, "mkstemp", refuse)
        try:
            yield
        finally:
            if os.geteuid() != 0:
                folder.chmod(0o755)
            elif mounted:
                subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True, capture_output=True,
                               timeout=30)
            else:
                monkeypatch.undo()

    try:
        reason = "Permission denied" if os.geteuid() != 0 else "Read-only file system"
        _assert_save_fails_and_nothing_is_lost(vae_window, window_state, target, reason, read_only,
                                               tmp_path / "elsewhere.safetensors")
    finally:
        if mounted:
            _unmount(folder)
