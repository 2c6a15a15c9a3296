"""The bundled 28x28 image datasets (MNIST, Fashion-MNIST) loaded from resources/data/*.npz."""
from __future__ import annotations

import functools
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import paths

IMAGE_DATASET_FILES: dict[str, str] = {"mnist": "mnist.npz", "fashion-mnist": "fashion-mnist.npz"}
_KEYS = ("train_images", "train_labels", "test_images", "test_labels", "class_names")


@dataclass(frozen=True)
class ImageDataset:
    """Raw arrays of one image set: uint8 images (N,28,28), int64 labels, class names."""

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]


def _readonly(arr: np.ndarray) -> np.ndarray:
    """Freeze an array: the dataset is cached and shared, nobody may modify it in place."""
    arr.setflags(write=False)
    return arr


def _check(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Validate shapes, dtypes and label ranges; raise ValueError naming the file otherwise."""
    n_classes = len(arrays["class_names"])
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"{path}: {split}_images must be uint8 (N,28,28), "
                             f"got {images.dtype} {images.shape}")
        if labels.shape != (len(images),):
            raise ValueError(f"{path}: {split}_labels shape {labels.shape} does not match "
                             f"{len(images)} images")
        if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(f"{path}: {split}_labels outside 0..{n_classes - 1}")


_LOAD_LOCK = threading.Lock()


def load_image_dataset(name: str) -> ImageDataset:
    """Load (once per process) the named image set from core.paths.DATA_DIR; thread-safe (a second caller, e.g. a
    model built while the program's start-up prefetch reads the file, waits for that read instead of repeating it).

    Raises ValueError for an unknown name and FileNotFoundError / ValueError (with the path and
    a hint to run scripts/convert_datasets.py) for a missing or corrupt file.
    """
    with _LOAD_LOCK:
        return _load_cached(name)


@functools.lru_cache(maxsize=None)
def _load_cached(name: str) -> ImageDataset:
    if name not in IMAGE_DATASET_FILES:
        raise ValueError(f"unknown image dataset {name!r}; valid: {', '.join(IMAGE_DATASET_FILES)}")
    path = paths.DATA_DIR / IMAGE_DATASET_FILES[name]
    hint = "regenerate it with `python scripts/convert_datasets.py`"
    if not path.is_file():
        raise FileNotFoundError(f"dataset file {path} is missing; {hint}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in _KEYS if k in npz.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"dataset file {path} is corrupt ({exc}); {hint}") from exc
    missing = [k for k in _KEYS if k not in arrays]
    if missing:
        raise ValueError(f"dataset file {path} lacks {', '.join(missing)}; {hint}")
    _check(path, arrays)
    return ImageDataset(
        name=name,
        train_images=_readonly(arrays["train_images"]),
        train_labels=_readonly(arrays["train_labels"].astype(np.int64)),
        test_images=_readonly(arrays["test_images"]),
        test_labels=_readonly(arrays["test_labels"].astype(np.int64)),
        class_names=tuple(str(c) for c in arrays["class_names"]),
    )


load_image_dataset.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]  (tests point DATA_DIR elsewhere)
