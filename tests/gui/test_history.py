"""The decimated loss history: flat memory, exact bucket means, debiased EMA (no Qt needed)."""
from __future__ import annotations

import numpy as np
import pytest

from gendiff_gui.curves.history import DecimatedSeries


def test_short_history_is_kept_exactly():
    series = DecimatedSeries(capacity=8)
    series.extend(np.arange(1, 6), np.array([5.0, 4.0, 3.0, 2.0, 1.0]))
    steps, means, _ = series.arrays()
    np.testing.assert_array_equal(steps, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(means, [5, 4, 3, 2, 1])


def test_100k_steps_stay_within_capacity_and_keep_the_mean():
    rng = np.random.default_rng(0)
    series = DecimatedSeries(capacity=1024)
    values = 1.0 + rng.random(100_000)
    for start in range(0, 100_000, 1000):  # arrives in chunks, like the worker's emits
        series.extend(np.arange(start + 1, start + 1001), values[start:start + 1000])
    steps, means, _ = series.arrays()
    assert len(steps) <= 1025
    assert series.stride == 128
    assert np.all(np.diff(steps) > 0)
    assert steps[-1] == 100_000
    # buckets are exact averages of consecutive steps
    stride = series.stride
    full = len(steps) - 1 if 100_000 % stride else len(steps)
    expected = values[: full * stride].reshape(full, stride).mean(axis=1)
    np.testing.assert_allclose(means[:full], expected, rtol=1e-12)


def test_ema_is_debiased_and_recomputed_when_smoothing_changes():
    series = DecimatedSeries(capacity=64, smoothing=0.9)
    series.extend(np.arange(1, 4), np.array([10.0, 10.0, 10.0]))
    _, _, smooth = series.arrays()
    np.testing.assert_allclose(smooth, [10.0, 10.0, 10.0])  # no pull towards 0 at the start
    series.extend(np.arange(4, 5), np.array([0.0]))
    assert series.arrays()[2][-1] == pytest.approx(10 * (1 - 0.1 / (1 - 0.9 ** 4)))
    series.set_smoothing(0.0)
    np.testing.assert_allclose(series.arrays()[2], [10, 10, 10, 0])


def test_non_finite_values_are_skipped():
    series = DecimatedSeries(capacity=8)
    series.extend(np.arange(1, 4), np.array([1.0, np.nan, np.inf]))
    assert len(series) == 1
