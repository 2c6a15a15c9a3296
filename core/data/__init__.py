"""Datasets for training: bundled 28x28 image sets, seeded 2-D toy sets, user points and files."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.data.image_file import ImageLoadError, LoadedImage, load_image, load_image_info, photo_steps
from core.data.image_sets import IMAGE_DATASET_FILES, ImageDataset, load_image_dataset
from core.data.toy2d import TOY_CLASS_NAMES, TOY_NAMES, make_toy, points_dataset

IMAGE_DATASETS: tuple[str, ...] = tuple(IMAGE_DATASET_FILES)  # ("mnist", "fashion-mnist")
TOY_DATASETS: tuple[str, ...] = TOY_NAMES
POINTS_DATASET = "points"  # a user-drawn point set, passed in with load_dataset(..., points=...)
# Every name load_dataset accepts ("points" also needs points=, e.g. `gendiff train --points`).
ALL_DATASETS: tuple[str, ...] = IMAGE_DATASETS + TOY_DATASETS + (POINTS_DATASET,)
SPLITS: tuple[str, ...] = ("train", "test")

TOY_TRAIN_SIZE = 20_000
TOY_TEST_SIZE = 5_000
# The test split of a toy set is an independent draw: its seed is derived from the train seed.
TOY_TEST_SEED_OFFSET = 1_000_003
# A third independent draw, neither train nor test: the large reference that 2-D sample quality is measured against.
TOY_REFERENCE_SIZE = 200_000
TOY_REFERENCE_SEED_OFFSET = 2_000_029

__all__ = [
    "ALL_DATASETS", "IMAGE_DATASETS", "POINTS_DATASET", "SPLITS", "TOY_DATASETS",
    "ArrayDataset", "ImageDataset", "ImageLoadError", "LoadedImage",
    "as_floats", "column_mean", "describe_datasets", "load_dataset", "load_image", "load_image_dataset", "load_image_info", "photo_steps",
    "make_toy", "points_dataset", "reference_points",
]


PIXEL_LEVELS = np.float32(255.0)  # a uint8 grey level g stands for the value g / 255 in [0, 1]
MEAN_BLOCK = 4000  # rows per block of column_mean (a float64 copy of one block at a time, never of a whole set)


def as_floats(x: np.ndarray) -> np.ndarray:
    """Samples as numbers: uint8 images become a new float32 array g / 255 in [0, 1] (the same numbers a float32
    copy of the whole set held); float arrays come back as they are."""
    x = np.asarray(x)
    return np.divide(x, PIXEL_LEVELS, dtype=np.float32) if x.dtype == np.uint8 else x


def column_mean(x: np.ndarray) -> np.ndarray:
    """The mean sample (float64, flattened) of `x` (uint8 images or floats), summed block by block in float64."""
    flat = x.reshape(len(x), -1)
    total = np.zeros(flat.shape[1])
    for start in range(0, len(flat), MEAN_BLOCK):
        total += as_floats(flat[start: start + MEAN_BLOCK]).sum(0, dtype=np.float64)
    return total / max(len(flat), 1)


@dataclass(frozen=True)
class ArrayDataset:
    """A dataset ready for training: x holds images (N,1,28,28) as uint8 grey levels (read them as floats in [0,1]
    with `floats`, batch by batch: MNIST's training set as float32 would be 188 MB) or points (N,2) as float32."""

    x: np.ndarray
    y: np.ndarray | None  # int64 labels, or None where the set has no meaningful label
    kind: str  # "image" or "points"
    class_names: tuple[str, ...]
    name: str

    @property
    def num_classes(self) -> int:
        """How many classes the labels range over (0 for an unlabelled set)."""
        return len(self.class_names)

    @property
    def data_shape(self) -> tuple[int, ...]:
        """Shape of one sample: (1, 28, 28) for images, (2,) for points."""
        return tuple(self.x.shape[1:])

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def floats(self, index=slice(None)) -> np.ndarray:
        """float32 samples x[index] (images in [0, 1]): a new array for images, a view or copy for points."""
        return as_floats(self.x[index])


def _image_dataset(name: str, split: str) -> ArrayDataset:
    """One split of a bundled image set (MNIST, Fashion-MNIST), as uint8."""
    raw = load_image_dataset(name)
    images = raw.train_images if split == "train" else raw.test_images
    labels = raw.train_labels if split == "train" else raw.test_labels
    return _image_arrays(images, labels, raw.class_names, name)


def _image_arrays(images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], name: str) -> ArrayDataset:
    """uint8 (N,28,28) -> a read-only uint8 view (N,1,28,28): no copy, converted per batch (ArrayDataset.floats)."""
    # Writable labels: the cached raw arrays are read-only (torch.from_numpy warns on those).
    return ArrayDataset(x=images[:, None, :, :], y=labels.copy(), kind="image", class_names=class_names, name=name)


def _own_dataset(name: str, split: str) -> ArrayDataset:
    """A user's folder of images (uint8, as the bundled sets) or points file, registered in core.data.own."""
    from core.data.own.registry import own_arrays

    x, y, kind, class_names = own_arrays(name, split)
    if kind == "image":
        return _image_arrays(x, y, class_names, name)
    return ArrayDataset(x=x.copy(), y=None if y is None else y.copy(), kind="points", class_names=class_names,
                        name=name)


def _toy_dataset(name: str, split: str, seed: int) -> ArrayDataset:
    """A fresh seeded draw: 20000 points for train, 5000 (independent seed) for test."""
    n, draw_seed = ((TOY_TRAIN_SIZE, seed) if split == "train"
                    else (TOY_TEST_SIZE, seed + TOY_TEST_SEED_OFFSET))
    x, y = make_toy(name, n, draw_seed, return_labels=True)
    return ArrayDataset(x=x, y=y, kind="points", class_names=TOY_CLASS_NAMES.get(name, ()),
                        name=name)


def reference_points(name: str, seed: int = 0) -> np.ndarray | None:
    """TOY_REFERENCE_SIZE fresh points of a toy set (independent of its train and test draws for this seed), the
    held-out reference of its sample-quality figures; None for data without a generator (own and drawn sets)."""
    if name not in TOY_DATASETS:
        return None
    return make_toy(name, TOY_REFERENCE_SIZE, seed + TOY_REFERENCE_SEED_OFFSET)


def load_dataset(name: str, split: str = "train", seed: int = 0,
                 points: Any = None) -> ArrayDataset:
    """Load a dataset by name ("mnist", "moons", ..., "points" with points=(n,2) array, or an own data set's
    path: core.data.own).

    seed only affects the toy sets (image sets are fixed). For "points" both splits are the
    given points. Raises ValueError for an unknown name or split, or invalid points.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    if points is not None and name != POINTS_DATASET:
        raise ValueError(f"points= is only used with the {POINTS_DATASET!r} dataset, not {name!r}")
    if name in IMAGE_DATASETS:
        return _image_dataset(name, split)
    if name in TOY_DATASETS:
        return _toy_dataset(name, split, seed)
    if name == POINTS_DATASET:
        if points is None:
            raise ValueError(f"the {POINTS_DATASET!r} dataset needs points=(n, 2) array")
        return ArrayDataset(x=points_dataset(points), y=None, kind="points", class_names=(),
                            name=name)
    from core.data.own.registry import looks_like_own

    if looks_like_own(name):
        return _own_dataset(name, split)
    raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(ALL_DATASETS)}, or a folder of class "
                     "subfolders of images, or a .csv / .npy of 2-D points")


def describe_datasets() -> list[dict[str, Any]]:
    """One dict per dataset (name, kind, train/test sizes, classes, shape) for `gendiff info`.

    Image sets whose file is missing or corrupt are listed with an "error" entry instead of sizes.
    """
    rows: list[dict[str, Any]] = []
    for name in IMAGE_DATASETS:
        row: dict[str, Any] = {"name": name, "kind": "image", "shape": (1, 28, 28)}
        try:
            raw = load_image_dataset(name)
        except (OSError, ValueError) as exc:
            row["error"] = str(exc)
        else:
            row.update(train_size=len(raw.train_images), test_size=len(raw.test_images),
                       classes=list(raw.class_names))
        rows.append(row)
    for name in TOY_DATASETS:
        rows.append({"name": name, "kind": "points", "shape": (2,), "train_size": TOY_TRAIN_SIZE,
                     "test_size": TOY_TEST_SIZE, "classes": list(TOY_CLASS_NAMES.get(name, ()))})
    rows.append({"name": POINTS_DATASET, "kind": "points", "shape": (2,), "train_size": None,
                 "test_size": None, "classes": [], "note": "user-drawn points"})
    return rows
