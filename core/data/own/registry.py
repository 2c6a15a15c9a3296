"""The own data sets of this process, by name: `load_own(path)` reads and registers one, `own_split` serves it.

A name is the resolved path of the folder or points file (what `ExperimentConfig.dataset` and a checkpoint hold).
A session file registers the arrays it carries under their name (`register`), so a session made on another
machine opens without the folder.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data import ALL_DATASETS
from core.data.image_sets import ImageDataset
from core.data.own import limits
from core.data.own.folder_images import Progress, load_image_folder, scan_image_folder
from core.data.own.limits import OwnDataError
from core.data.own.point_files import POINT_SUFFIXES, PointSet, load_point_file


@dataclass(frozen=True)
class OwnDataset:
    """A user's data set: images (uint8, ImageDataset) or points (PointSet), and the files that were skipped."""

    name: str
    images: ImageDataset | None = None
    points: PointSet | None = None
    skipped: tuple[str, ...] = ()
    tried: int = 0

    @property
    def kind(self) -> str:
        return "image" if self.images is not None else "points"

    @property
    def class_names(self) -> tuple[str, ...]:
        return (self.images or self.points).class_names

    @property
    def size(self) -> int:
        part = self.images
        return len(part.train_images) + len(part.test_images) if part is not None else (
            len(self.points.train_points) + len(self.points.test_points))

    @property
    def label(self) -> str:
        """How a menu shows it: 'digits (own folder)'."""
        return f"{Path(self.name).name} (own {'folder' if self.kind == 'image' else 'points'})"

    def summary(self) -> str:
        """'Loaded digits: 57 images in 3 classes (0, 1, 2). Skipped 3 of 60 files: ...'"""
        noun = "images" if self.kind == "image" else "points"
        names = ", ".join(self.class_names[:6]) + (", …" if len(self.class_names) > 6 else "")
        classes = f" in {len(self.class_names)} classes ({names})" if self.class_names else ""
        skipped = limits.skipped_message(self.skipped, self.tried, "files" if self.kind == "image" else "rows")
        return f"Loaded {Path(self.name).name}: {self.size:,} {noun}{classes}. {skipped}".rstrip()


_REGISTRY: dict[str, OwnDataset] = {}
_LOCK = threading.Lock()


def dataset_name(path: str | os.PathLike) -> str:
    """The name a path registers under: absolute, symbolic links resolved."""
    return str(Path(path).expanduser().resolve())


def looks_like_own(name: str) -> bool:
    """True for a registered name, a folder, or a .csv / .npy path (never a bundled set's name, even where a
    folder of that name lies in the working directory)."""
    if name in _REGISTRY:
        return True
    if name in ALL_DATASETS:
        return False
    path = Path(name).expanduser()
    return path.is_dir() or path.suffix.lower() in POINT_SUFFIXES


def own_kind(name: str) -> str:
    """'image' or 'points', without reading the files (a folder holds images, a file points)."""
    known = _REGISTRY.get(name)
    if known is not None:
        return known.kind
    return "points" if Path(name).suffix.lower() in POINT_SUFFIXES else "image"


def register(dataset: OwnDataset) -> OwnDataset:
    with _LOCK:
        _REGISTRY[dataset.name] = dataset
    return dataset


def registered(name: str) -> OwnDataset | None:
    with _LOCK:
        return _REGISTRY.get(name)


def load_own(path: str | os.PathLike, *, seed: int = 0, progress: Progress | None = None,
             stop: threading.Event | None = None) -> OwnDataset | None:
    """Read a folder of class subfolders or a points file, register it and return it (None if `stop` was set).
    Raises OwnDataError with one line for anything that cannot be trained on."""
    name = dataset_name(path)
    if not Path(name).exists():
        raise OwnDataError(f"{Path(path).name or path!r} does not exist")
    if Path(name).is_dir():
        folder = load_image_folder(scan_image_folder(name), seed=seed, progress=progress, stop=stop)
        if folder is None:
            return None
        loaded = OwnDataset(name=name, images=folder.images, skipped=folder.skipped, tried=folder.tried)
    else:
        found = load_point_file(name, seed=seed)
        loaded = OwnDataset(name=name, points=found.points, skipped=found.skipped, tried=found.tried)
    return register(loaded)


def own_arrays(name: str, split: str) -> tuple[np.ndarray, np.ndarray | None, str, tuple[str, ...]]:
    """(x, y, kind, class names) of one split of a registered (or else now loaded) own set; images uint8."""
    data = registered(name) or load_own(name)
    train = split == "train"
    if data.images is not None:
        part = data.images
        return ((part.train_images, part.train_labels) if train else (part.test_images, part.test_labels)) + (
            "image", part.class_names)
    pts = data.points
    return ((pts.train_points, pts.train_labels) if train else (pts.test_points, pts.test_labels)) + (
        "points", pts.class_names)


def restore_registration(name: str, previous: OwnDataset | None) -> None:
    """Put back what was registered under `name` before (None: nothing) - a session that failed to open."""
    with _LOCK:
        if previous is None:
            _REGISTRY.pop(name, None)
        else:
            _REGISTRY[name] = previous
