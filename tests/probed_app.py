"""The real `gendiff-gui` in a subprocess with probe lines on stderr, for the tests that close it while it works.

As a script, `python tests/probed_app.py [gendiff-gui flags]` is the program itself (its entry point, flags and
shutdown path are the program's own) plus one stderr line at each of these events of its workers:
`probe: training started`, `probe: training progress` (a run's first progress: a step is done, the worker is in its
loop), `probe: training ended`, and the same three for sampling (`probe: sampling frames`: its first frames).
The tests' side (through the `probed_program` fixture of tests/conftest.py): `Program(flags, settings_dir)` starts
it, `wait_for(line)` waits for a line, `close(signal)` sends the signal (Ctrl+C, a logout: the window closes as by
its close button) and returns the exit status and stderr.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATIENCE_S = 120.0  # a generous bound for anything the program should do soon (a loaded 2-core machine)


def _announce(worker_class, name: str, first_signal: str) -> None:
    """Wrap `worker_class.work` in the lines `probe: <name> started`, `... <first_signal>` (its first emit) and
    `... ended`."""
    from PySide6.QtCore import Qt

    work = worker_class.work

    def announced_work(self) -> None:
        print(f"probe: {name} started", file=sys.stderr, flush=True)
        said = []

        def once(*_args) -> None:
            if not said:
                said.append(True)
                print(f"probe: {name} {first_signal}", file=sys.stderr, flush=True)

        getattr(self, first_signal).connect(once, Qt.ConnectionType.DirectConnection)  # in the worker's thread
        try:
            work(self)
        finally:
            print(f"probe: {name} ended", file=sys.stderr, flush=True)

    worker_class.work = announced_work


def main() -> None:
    from gendiff_gui.diffusion.sampling_job import SamplingWorker
    from gendiff_gui.session.workers import TrainWorker

    _announce(TrainWorker, "training", "progress")
    _announce(SamplingWorker, "sampling", "frames")
    from gendiff_gui.__main__ import main as gendiff_gui_main

    gendiff_gui_main(sys.argv[1:])


class Program:
    """The probed program in a subprocess (offscreen, private settings); a thread reads its stderr line by line
    (select() cannot see lines already buffered)."""

    def __init__(self, flags: list[str], settings_dir: Path, **env: str) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GENDIFF_SETTINGS_DIR=str(settings_dir),
                   PYTHONPATH=str(ROOT), **env)
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *flags],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
        self.seen: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=lambda: [self._lines.put(line) for line in self.proc.stderr],
                                        daemon=True)
        self._reader.start()

    def text(self) -> str:
        """stderr so far."""
        while not self._lines.empty():
            self.seen.append(self._lines.get())
        return "".join(self.seen)

    def wait_for(self, needle: str, timeout: float = PATIENCE_S) -> str:
        """Wait until a stderr line holds `needle` (one seen before counts); returns stderr so far. Kills the
        program and fails if it ends first or `timeout` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return self.text()
            try:
                self.seen.append(self._lines.get(timeout=0.2))
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    break
        self.proc.kill()
        raise AssertionError(f"no {needle!r} on stderr:\n{self.text()}")

    def close(self, signal_number: int, timeout: float = PATIENCE_S) -> tuple[int, str]:
        """Send `signal_number` and wait for the program to exit; returns (exit status, all of stderr)."""
        self.proc.send_signal(signal_number)
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"still running {timeout:.0f} s after the signal:\n{self.text()}") from None
        self._reader.join(timeout)  # it ends at the end of the pipe
        return status, self.text()


if __name__ == "__main__":
    main()
