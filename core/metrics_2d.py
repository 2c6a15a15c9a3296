"""Energy distance between two sets of points, the sample-quality figure for 2-D generative models."""
from __future__ import annotations

import numpy as np


def _mean_pairwise_distance(a: np.ndarray, b: np.ndarray, chunk: int = 1024) -> float:
    """Mean Euclidean distance over all pairs (a_i, b_j), computed in chunks to bound memory."""
    total = 0.0
    for start in range(0, len(a), chunk):
        block = a[start:start + chunk]
        d2 = (block * block).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * block @ b.T
        total += float(np.sqrt(np.maximum(d2, 0.0)).sum())
    return total / (len(a) * len(b))


def energy_distance(a: np.ndarray, b: np.ndarray, max_points: int = 2000, seed: int = 0) -> float:
    """The energy distance (Szekely & Rizzo 2013, eq. 2.1) D^2 = 2 E|X - Y| - E|X - X'| - E|Y - Y'|.

    a, b: (n, d) and (m, d) samples; each is subsampled (without replacement, seeded) to at most `max_points`.
    Plug-in (V-statistic) estimate: the means run over all pairs, including i = j in the within-set terms, so the
    value is >= 0 and two independent draws of the same distribution give about E|X-X'| (1/n + 1/m) on average
    rather than 0. Compare a model against that floor (the same function on two draws of the data).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need two (n, d) arrays of the same d, got {a.shape} and {b.shape}")
    if len(a) == 0 or len(b) == 0:
        raise ValueError("need at least one point in each set")
    rng = np.random.default_rng(seed)
    if len(a) > max_points:
        a = a[rng.choice(len(a), max_points, replace=False)]
    if len(b) > max_points:
        b = b[rng.choice(len(b), max_points, replace=False)]
    value = 2.0 * _mean_pairwise_distance(a, b) - _mean_pairwise_distance(a, a) - _mean_pairwise_distance(b, b)
    return max(value, 0.0)


def mean_block_distance(points: np.ndarray, reference: np.ndarray, blocks: int) -> float:
    """The mean of the energy distances D(points_r, reference) over the first `blocks` disjoint blocks of
    len(reference) points (at most as many as `points` holds, at least one)."""
    ref = np.asarray(reference, dtype=np.float64)
    m = len(ref)
    blocks = max(1, min(blocks, len(points) // m))
    ref_within = _mean_pairwise_distance(ref, ref)  # E|Y - Y'| term, shared by every block
    values = []
    for r in range(blocks):
        block = np.asarray(points[r * m:(r + 1) * m], dtype=np.float64)
        d = 2.0 * _mean_pairwise_distance(block, ref) - _mean_pairwise_distance(block, block) - ref_within
        values.append(max(d, 0.0))
    return float(np.mean(values))


def energy_distance_to_floor(samples: np.ndarray, reference: np.ndarray, data: np.ndarray,
                             repeats: int = 4, sample_blocks: int | None = None) -> dict[str, float]:
    """Energy distance of model samples to held-out `reference` points, beside the floor, each averaged over
    disjoint blocks of len(reference) points (`mean_block_distance`): `sample_blocks` of samples (default
    `repeats`) and `repeats` of data. Each block's distance estimates the same expectation (blocks are the same
    size), so more sample blocks only narrow the model's side.

    energy_distance: mean over blocks r of D(samples_r, reference); energy_distance_data: mean of D(data_r,
    reference) for disjoint blocks of other data (`data`, e.g. the training set): what a perfect model would score;
    energy_distance_ratio: their quotient (1 = as close as the data to itself). One pair of draws is a poor
    measurement: the V-statistic of two draws of one distribution fluctuates by about 35% of its mean (heavy-tailed:
    moons' train[:2000] vs test[:2000] gives 4.7x its expectation), so the ratio of a perfect model ranged
    0.3 - 4.2 over draws of moons; averaged over 4 blocks against the same reference (whose own fluctuation then
    enters both sides alike), 0.86 - 1.17 (std 0.09; checkerboard 0.17).
    """
    model = mean_block_distance(samples, reference, repeats if sample_blocks is None else sample_blocks)
    floor = mean_block_distance(data, reference, repeats)
    return {"energy_distance": model, "energy_distance_data": floor,
            "energy_distance_ratio": model / max(floor, 1e-12)}
