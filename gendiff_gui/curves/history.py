"""A loss history with flat memory: bucket means of a fixed capacity, halving its resolution when full (no Qt)."""
from __future__ import annotations

import math

import numpy as np


class DecimatedSeries:
    """(step, value) pairs kept as at most `capacity` bucket means, plus an exponential moving average.

    Every bucket averages `stride` consecutive steps; when the buffer is full, neighbouring buckets are merged
    and the stride doubles, so a run of 100k steps keeps the same memory and drawing cost as one of 2k.
    The smoothed value is TensorBoard's debiased EMA, s_n = (w s_{n-1} + (1 - w) x_n) / (1 - w^n).
    """

    def __init__(self, capacity: int = 2048, smoothing: float = 0.0) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number >= 2")
        self.capacity = capacity
        self.stride = 1
        self._steps = np.empty(capacity)
        self._means = np.empty(capacity)
        self._smooth = np.empty(capacity)
        self._n = 0
        self._sum = 0.0
        self._count = 0
        self._last_step = 0.0
        self._w = smoothing
        self._ema = 0.0
        self._norm = 0.0

    def __len__(self) -> int:
        return self._n + (1 if self._count else 0)

    def extend(self, steps: np.ndarray, values: np.ndarray) -> None:
        w = self._w
        for step, value in zip(np.asarray(steps).tolist(), np.asarray(values).tolist()):
            if not math.isfinite(value):
                continue
            self._ema = w * self._ema + (1.0 - w) * value
            self._norm = w * self._norm + (1.0 - w)
            self._sum += value
            self._count += 1
            self._last_step = step
            if self._count == self.stride:
                self._push(step, self._sum / self._count, self._ema / self._norm)
                self._sum, self._count = 0.0, 0

    def _push(self, step: float, mean: float, smooth: float) -> None:
        self._steps[self._n], self._means[self._n], self._smooth[self._n] = step, mean, smooth
        self._n += 1
        if self._n == self.capacity:  # full: merge neighbours, so every bucket spans the new, doubled stride
            half = self.capacity // 2
            self._steps[:half] = self._steps[1::2]
            self._means[:half] = 0.5 * (self._means[0::2] + self._means[1::2])
            self._smooth[:half] = self._smooth[1::2]
            self._n = half
            self.stride *= 2

    def set_smoothing(self, w: float) -> None:
        """Change the EMA weight (0 = none, 0.99 = heavy) and recompute it over the kept buckets."""
        self._w = w
        w_bucket = w ** self.stride  # one bucket spans `stride` steps
        ema = norm = 0.0
        for i, mean in enumerate(self._means[: self._n].tolist()):
            ema = w_bucket * ema + (1.0 - w_bucket) * mean
            norm = w_bucket * norm + (1.0 - w_bucket)
            self._smooth[i] = ema / norm
        self._ema, self._norm = ema, norm

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps, bucket means, smoothed) including the bucket still being filled."""
        n = self._n
        steps, means, smooth = self._steps[:n], self._means[:n], self._smooth[:n]
        if self._count:
            steps = np.append(steps, self._last_step)
            means = np.append(means, self._sum / self._count)
            smooth = np.append(smooth, self._ema / self._norm if self._norm else self._sum / self._count)
        return steps.copy(), means.copy(), smooth.copy()
