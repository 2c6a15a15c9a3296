"""A bounded store of one diffusion run's frames: all of them while under a memory budget, then every other one.

Policy (the memory bound of the scrubber): frames are kept in arrival order (t = T .. 0 for sampling, 0 .. T for
forward noising). While the kept frames fit `budget_bytes` every frame is kept. When the next frame would not fit,
the stride doubles: only frames whose arrival number is a multiple of the stride stay, so the first frame (t = T,
or t = 0 going forward) always stays, and the newest frame is kept as well until the next one arrives, so the end
of the run (t = 0) is always there. The slider of the scrubber then maps to the kept frames, evenly spaced in t.
A 1000-step run of 64 images (0.4 MB a frame) thus keeps every second frame. The default budget is 240 MB, so the
kept frames and those in flight (a batch from the worker not yet appended) stay under 256 MB.
"""
from __future__ import annotations

import numpy as np

from core.diffusion.frames import Frame

DEFAULT_BUDGET_BYTES = 240 * 2**20


def frame_bytes(frame: Frame) -> int:
    return int(frame.x_t.nbytes + frame.x0_pred.nbytes)


class Trajectory:
    """Frames of one run, at most `budget_bytes` of them (a single frame bigger than the budget is still kept)."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = int(budget_bytes)
        self._frames: list[Frame] = []
        self._numbers: list[int] = []  # arrival number of each kept frame
        self.stride = 1
        self.arrived = 0
        self.nbytes = 0
        self.peak_nbytes = 0
        self.complete = False
        self._ts = np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, index: int) -> Frame:
        return self._frames[index]

    @property
    def ts(self) -> np.ndarray:
        """The t of every kept frame, in order (int64, read-only use)."""
        return self._ts

    @property
    def last(self) -> Frame | None:
        return self._frames[-1] if self._frames else None

    def append(self, frame: Frame) -> bool:
        """Add the next frame of the run; returns True if earlier frames were dropped to stay within budget."""
        if self.complete:
            raise RuntimeError("the trajectory is complete")
        thinned = False
        if len(self._numbers) > 1 and self._numbers[-1] % self.stride:
            self._pop_last()  # the previous newest frame was kept only as the live end
        size = frame_bytes(frame)
        while self._frames and self.nbytes + size > self.budget_bytes and self._thin():
            thinned = True
        self._frames.append(frame)
        self._numbers.append(self.arrived)
        self.arrived += 1
        self.nbytes += size
        self.peak_nbytes = max(self.peak_nbytes, self.nbytes)
        self._ts = np.fromiter((f.t for f in self._frames), np.int64, len(self._frames))
        return thinned

    def finish(self) -> None:
        """The run has ended: its last frame (t = 0 for sampling) is the last kept one."""
        self.complete = True

    def _pop_last(self) -> None:
        self.nbytes -= frame_bytes(self._frames.pop())
        self._numbers.pop()

    def _thin(self) -> bool:
        """Double the stride, dropping the frames off it (the newest always stays). False if nothing was dropped."""
        before = len(self._frames)
        self.stride *= 2
        last = len(self._frames) - 1
        keep = [i for i, number in enumerate(self._numbers) if number % self.stride == 0 or i == last]
        self._frames = [self._frames[i] for i in keep]
        self._numbers = [self._numbers[i] for i in keep]
        self.nbytes = sum(frame_bytes(f) for f in self._frames)
        return len(self._frames) < before

    def index_at(self, t: int) -> int:
        """The kept frame the run had reached at step t: the last one not past t (t decreasing in a sampling run,
        increasing in a forward run); 0 if none."""
        ts = self._ts
        if len(ts) == 0:
            return 0
        reverse = len(ts) < 2 or ts[0] > ts[-1]
        reached = ts >= t if reverse else ts <= t
        hits = np.flatnonzero(reached)
        return int(hits[-1]) if len(hits) else 0
