"""Test helpers: ImageFolder-style folders of bundled MNIST test digits written as PNGs, and points files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from core.data.image_sets import load_image_dataset


def digit_folder(root: Path, digits=(3, 5, 7), per_class: int = 20, names=None) -> tuple[Path, dict[str, np.ndarray]]:
    """root/<name>/<i>.png for the first `per_class` test digits of each class; returns (root, {name: images})."""
    raw = load_image_dataset("mnist")
    written = {}
    for digit, name in zip(digits, names or [f"digit-{d}" for d in digits]):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        index = np.flatnonzero(raw.test_labels == digit)[:per_class]
        for i in index:
            Image.fromarray(raw.test_images[i]).save(folder / f"{i}.png")
        written[name] = raw.test_images[index]
    return root, written


def labelled_points(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points of two blobs (label 0 left, 1 right), not standardised."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    points = rng.normal(size=(n, 2)) * [0.5, 2.0] + np.where(labels[:, None] == 1, [6.0, 1.0], [-2.0, 1.0])
    return points, labels
