"""A folder of images with one subfolder per class (the ImageFolder layout) -> a uint8 ImageDataset.

The layout is `root/<class name>/**/<image file>`; class names are the subfolder names, sorted. Everything that
can be checked without decoding (no class folders, one class, too many classes, too many or too large files) is
refused by `scan_image_folder` before a single image is read; `load_image_folder` then reads each file through
the hardened `load_image` (photos work: it finds the ink) and skips the files it refuses.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.image_file import ImageLoadError, load_image
from core.data.image_sets import ImageDataset
from core.data.own import limits
from core.data.own.limits import OwnDataError, gigabytes
from core.data.own.split import split_indices

# Only files that look like images by their names are tried (a folder holds .DS_Store, notes ...).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
Progress = Callable[[int, int], None]  # (files done, files in all)


@dataclass(frozen=True)
class FolderScan:
    """What a folder holds, before anything is decoded: the class names and each image file with its label."""

    root: Path
    class_names: tuple[str, ...]
    files: tuple[tuple[Path, int], ...]
    total_bytes: int


@dataclass(frozen=True)
class FolderImages:
    """A loaded folder: the uint8 images split into train and test, and one line per skipped file."""

    images: ImageDataset
    skipped: tuple[str, ...]
    tried: int


def _image_files(folder: Path, budget: int) -> tuple[list[Path], int]:
    """Image files under `folder` (recursively, sorted, hidden ones skipped) and their total size; stops early
    once more than `budget` are found (the caller refuses the folder)."""
    found, size = [], 0
    for root, dirs, names in os.walk(folder):  # does not follow links to folders
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            path = Path(root) / name
            try:
                size += path.stat().st_size
            except OSError:
                pass  # gone or unreadable: load_image says why
            found.append(path)
            if len(found) > budget:
                return found, size
    return found, size


def scan_image_folder(root: str | os.PathLike) -> FolderScan:
    """List the classes and image files of an ImageFolder-style folder; raises OwnDataError (one line) for a
    folder that is not one or breaks a cap (limits.MAX_CLASSES, MAX_IMAGES, MAX_TOTAL_BYTES)."""
    root = Path(root)
    name = root.name or str(root)
    if not root.is_dir():
        raise OwnDataError(f"{name!r} is not a folder")
    try:
        subfolders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        raise OwnDataError(f"cannot read folder {name!r}: {exc.strerror or exc}") from exc
    if len(subfolders) > limits.MAX_CLASSES:
        raise OwnDataError(f"folder {name!r} has {len(subfolders):,} class subfolders; at most "
                           f"{limits.MAX_CLASSES} classes can be trained on")
    files: list[tuple[Path, int]] = []
    names: list[str] = []
    total = 0
    for folder in subfolders:
        found, size = _image_files(folder, limits.MAX_IMAGES - len(files))
        if found:
            files += [(path, len(names)) for path in found]
            names.append(folder.name)
            total += size
        if len(files) > limits.MAX_IMAGES:
            raise OwnDataError(f"folder {name!r} holds more than {limits.MAX_IMAGES:,} image files, the most "
                               "gendiff trains on; use a smaller selection")
        if total > limits.MAX_TOTAL_BYTES:
            raise OwnDataError(f"folder {name!r} holds more than {gigabytes(limits.MAX_TOTAL_BYTES)} of images, "
                               "the most gendiff reads; use a smaller selection")
    if not names:
        loose = _image_files(root, 0)[0] if not subfolders else []
        hint = (" (its images lie loose: put each class in a subfolder, e.g. digits/0/a.png, digits/1/b.png)"
                if loose else "")
        raise OwnDataError(f"folder {name!r} holds no images in class subfolders{hint}")
    if len(names) < 2:
        raise OwnDataError(f"folder {name!r} has only one class ({names[0]!r}); a class map needs at least two "
                           "subfolders, one per class")
    return FolderScan(root=root, class_names=tuple(names), files=tuple(files), total_bytes=total)


def load_image_folder(scan: FolderScan, *, seed: int = 0, progress: Progress | None = None,
                      stop: threading.Event | None = None) -> FolderImages | None:
    """Read every file of `scan` as a 28x28 uint8 image (load_image, then x255) and hold out a seeded sixth of
    each class for testing. Files load_image refuses are skipped and listed; None if `stop` was set."""
    images, labels, skipped = [], [], []
    total = len(scan.files)
    for done, (path, label) in enumerate(scan.files, start=1):
        if stop is not None and stop.is_set():
            return None
        try:
            pixels = load_image(path)  # float32 (28, 28) in [0, 1]
        except ImageLoadError as exc:
            skipped.append(f"{path.relative_to(scan.root)} ({str(exc).split(': ', 1)[-1]})")
        else:
            images.append(np.round(pixels * 255.0).astype(np.uint8))
            labels.append(label)
        if progress is not None:
            progress(done, total)
    name = scan.root.name or str(scan.root)
    present = sorted(set(labels))
    if len(present) < 2:
        what = "none" if not images else f"only those of class {scan.class_names[present[0]]!r}"
        raise OwnDataError(f"folder {name!r}: {what} of its {total} image files could be read, and training "
                           f"needs two classes. {limits.skipped_message(skipped, total)}".rstrip())
    x = np.stack(images)
    y = np.asarray(labels, dtype=np.int64)
    train, test = split_indices(y, len(y), seed)
    data = ImageDataset(name=str(scan.root), train_images=x[train], train_labels=y[train], test_images=x[test],
                        test_labels=y[test], class_names=scan.class_names)
    return FolderImages(images=data, skipped=tuple(skipped), tried=total)
