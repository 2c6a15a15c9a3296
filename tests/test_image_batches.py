"""Image sets stay uint8 grey levels: converted to floats in [0, 1] per batch, per chunk, per block (never whole)."""
from __future__ import annotations

import numpy as np
import torch

from core.data import as_floats, column_mean, load_dataset
from core.data.image_sets import load_image_dataset
from core.experiment import batches
from core.metrics import pca_fit


def test_grey_levels_become_g_over_255_in_float32() -> None:
    levels = np.arange(256, dtype=np.uint8)
    expected = np.array([g / 255.0 for g in range(256)], dtype=np.float32)  # by hand, in float64, then rounded
    np.testing.assert_array_equal(as_floats(levels), expected)
    assert as_floats(levels).dtype == np.float32
    points = np.array([[0.5, -2.0]])
    assert as_floats(points) is points  # float samples pass through untouched


def test_image_batches_are_the_shuffled_rows_scaled_to_the_unit_interval() -> None:
    data = load_dataset("mnist", "test")
    raw = load_image_dataset("mnist").test_images
    assert data.x.dtype == np.uint8 and not data.x.flags.writeable and np.shares_memory(data.x, raw)  # no copy
    stream = batches(data, 64, seed=3)
    order = torch.randperm(len(raw), generator=torch.Generator().manual_seed(3)).numpy()  # the same seeded order
    for k in range(3):
        x, y = next(stream)
        idx = order[k * 64:(k + 1) * 64]
        assert x.dtype == torch.float32 and x.shape == (64, 1, 28, 28)
        np.testing.assert_allclose(x.numpy()[:, 0], raw[idx] / 255.0, rtol=0, atol=1e-7)
        np.testing.assert_array_equal(y.numpy(), load_image_dataset("mnist").test_labels[idx])


def test_the_mean_image_and_pca_of_grey_levels_match_those_of_their_floats() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(9001, 1, 4, 4), dtype=np.uint8)  # more rows than one block
    floats = (x.reshape(len(x), -1) / 255.0).astype(np.float32).astype(np.float64)  # the float32 levels, by hand
    np.testing.assert_allclose(column_mean(x), floats.mean(0), rtol=1e-12)
    mean, comps = pca_fit(x, 2)
    cov = np.cov(floats, rowvar=False, bias=True)
    vals, vecs = np.linalg.eigh(cov)
    np.testing.assert_allclose(mean, floats.mean(0), rtol=1e-12)
    for got, want in zip(comps, vecs[:, ::-1][:, :2].T):
        np.testing.assert_allclose(abs(got @ want), 1.0, atol=1e-6)  # the same directions, up to sign
