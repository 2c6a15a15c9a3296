"""A fork server for test_saving.py: imports core once, then for each round forks a child that saves a ~10 MB
checkpoint again and again, and kills it with SIGKILL after a given delay.

Protocol (one line each way): stdin `<path> <first version> <delay seconds>`; stdout `{"completed": n}`, the last
version whose save_checkpoint call had returned (first version - 1 if none). Version v's weights all equal v.
Forking saves the interpreter start and the torch import (seconds each on a busy machine) for every round.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time

import numpy as np

from core.checkpoint import save_checkpoint
from core.config import ExperimentConfig

SIDE = 1600  # 1600 x 1600 float32 = 10.2 MB


def save_forever(path: str, first: int, report: int) -> None:
    """The child: save versions first, first + 1, ... writing each finished version's number to `report`."""
    weights = np.empty((SIDE, SIDE), np.float32)
    version = first
    while True:
        weights.fill(version)
        save_checkpoint(path, {"w": weights}, ExperimentConfig(), {"version": version})
        os.write(report, f"{version}\n".encode())
        version += 1


def one_round(path: str, first: int, delay: float) -> int:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns: it is killed
        os.close(read)
        try:
            save_forever(path, first, write)
        finally:
            os._exit(1)
    os.close(write)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    reported = b""
    while chunk := os.read(read, 65536):
        reported += chunk
    os.close(read)
    done = [int(v) for v in reported.split()]
    return done[-1] if done else first - 1


def main() -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        path, first, delay = line.split()
        print(json.dumps({"completed": one_round(path, int(first), float(delay))}), flush=True)


if __name__ == "__main__":
    main()
