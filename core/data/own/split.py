"""A seeded train/test split that holds out the same share of every class."""
from __future__ import annotations

import numpy as np

from core.data.own.limits import TEST_FRACTION


def split_indices(labels: np.ndarray | None, n: int, seed: int = 0,
                  fraction: float = TEST_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) index arrays, sorted: of each class's k items round(k * fraction) go to test (at least one
    when k >= 2, never all of them); `labels` None: all n items are one class."""
    rng = np.random.default_rng(seed)
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    train, test = [], []
    for members in groups:
        k = len(members)
        held = min(max(int(round(k * fraction)), 1 if k >= 2 else 0), k - 1) if k else 0
        order = rng.permutation(members)
        test.append(order[:held])
        train.append(order[held:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
