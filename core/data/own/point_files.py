"""A .csv or .npy of 2-D points, optionally with a label column -> standardised (n, 2) points and labels.

.npy: a numeric (n, 2) array, or (n, 3) whose last column holds integer labels (never unpickled).
.csv: two numeric columns x, y and optionally a third, the label (numbers or names); a first line that is not
numbers is a header. Rows that cannot be read are skipped and listed. The points are standardised as the bundled
2-D sets are: x <- (x - mean) / s, one s over both axes, s^2 = mean ||x - mean||^2 / 2 (about unit variance,
the scale the diffusion models' unit noise is made for).
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.own import limits
from core.data.own.limits import OwnDataError, gigabytes
from core.data.own.split import split_indices

POINT_SUFFIXES = (".csv", ".npy")


@dataclass(frozen=True)
class PointSet:
    """Standardised float32 points split into train and test, int64 labels (or None), class names."""

    name: str
    train_points: np.ndarray
    train_labels: np.ndarray | None
    test_points: np.ndarray
    test_labels: np.ndarray | None
    class_names: tuple[str, ...]


@dataclass(frozen=True)
class PointFile:
    points: PointSet
    skipped: tuple[str, ...]
    tried: int


def standardise(points: np.ndarray) -> np.ndarray:
    """(x - mean) / s with s^2 = mean ||x - mean||^2 / 2 (one scale for both axes: the shape is kept)."""
    points = np.asarray(points, np.float64)
    centred = points - points.mean(0)
    scale = float(np.sqrt((centred ** 2).sum(1).mean() / 2.0))
    return (centred / (scale if scale > 1e-12 else 1.0)).astype(np.float32)


def _label_codes(raw: list[str]) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """Labels as 0..K-1 with their names (numeric labels sorted as numbers); None for a single label."""
    distinct = set(raw)
    if len(distinct) < 2:
        return None, ()
    try:
        names = sorted(distinct, key=float)
    except ValueError:
        names = sorted(distinct)
    if len(names) > limits.MAX_CLASSES:
        raise OwnDataError(f"the label column has {len(names):,} different labels; at most {limits.MAX_CLASSES} "
                           "classes can be trained on")
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[r] for r in raw], np.int64), tuple(_tidy(n) for n in names)


def _tidy(label: str) -> str:
    """'3.0' -> '3' (a label column saved as floats), other names as they are."""
    try:
        value = float(label)
    except ValueError:
        return label
    return str(int(value)) if value.is_integer() else label


def _read_npy(path: Path) -> tuple[np.ndarray, list[str] | None, list[str], int]:
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise OwnDataError(f"{path.name} is not a plain numeric .npy array ({exc})") from exc
    if arr.dtype.kind not in "iuf" or arr.ndim != 2 or arr.shape[1] not in (2, 3):
        raise OwnDataError(f"{path.name} must hold a numeric (n, 2) or (n, 3) array, not {arr.dtype} {arr.shape}")
    arr = arr.astype(np.float64)
    good = np.isfinite(arr).all(1)
    skipped = [f"row {i}: not finite" for i in np.flatnonzero(~good)[: limits.SHOWN_NAMES + 1]]
    skipped += [""] * max(0, int((~good).sum()) - len(skipped))  # counted, not named
    arr = arr[good]
    labels = None if arr.shape[1] == 2 else [str(v) for v in arr[:, 2]]
    return arr[:, :2], labels, skipped, len(good)


def _read_csv(path: Path) -> tuple[np.ndarray, list[str] | None, list[str], int]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OwnDataError(f"{path.name} is not a text .csv file") from exc
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if rows and not _numbers(rows[0][:2]):
        rows = rows[1:]  # a header
    points, labels, skipped = [], [], []
    width = 3 if rows and len(rows[0]) >= 3 else 2
    for line, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        values = _numbers(cells[:2])
        if values is None or len(cells) < width or not all(np.isfinite(values)):
            skipped.append(f"row {line}: {','.join(cells)[:30]!r} is not x,y{',label' if width == 3 else ''}")
            continue
        points.append(values)
        labels.append(cells[2] if width == 3 else "")
    arr = np.array(points, np.float64).reshape(-1, 2)
    return arr, (labels if width == 3 else None), skipped, len(rows)


def _numbers(cells: list[str]) -> list[float] | None:
    try:
        return [float(c) for c in cells] if len(cells) == 2 else None
    except ValueError:
        return None


def load_point_file(path: str | os.PathLike, seed: int = 0) -> PointFile:
    """Read, check, standardise and split a points file; raises OwnDataError (one line) if it cannot be used."""
    path = Path(path)
    if path.suffix.lower() not in POINT_SUFFIXES:
        raise OwnDataError(f"{path.name}: points come as a .csv or .npy file")
    try:
        size = path.stat().st_size
        if size > limits.MAX_POINT_FILE_BYTES:
            raise OwnDataError(f"{path.name} is {gigabytes(size)}; points files are read up to "
                               f"{gigabytes(limits.MAX_POINT_FILE_BYTES)}")
        reader = _read_npy if path.suffix.lower() == ".npy" else _read_csv
        xy, raw_labels, skipped, tried = reader(path)
    except OSError as exc:
        raise OwnDataError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if len(xy) > limits.MAX_POINTS:
        raise OwnDataError(f"{path.name} holds {len(xy):,} points; at most {limits.MAX_POINTS:,} are trained on")
    if len(xy) < limits.MIN_POINTS:
        detail = limits.skipped_message(skipped, tried, "rows")
        raise OwnDataError(f"{path.name} holds {len(xy)} usable points; at least {limits.MIN_POINTS} are needed. "
                           f"{detail}".rstrip())
    labels, class_names = _label_codes(raw_labels) if raw_labels is not None else (None, ())
    x = standardise(xy)
    train, test = split_indices(labels, len(x), seed)
    pick = (lambda idx: None) if labels is None else (lambda idx: labels[idx])
    points = PointSet(name=str(path), train_points=x[train], train_labels=pick(train), test_points=x[test],
                      test_labels=pick(test), class_names=class_names)
    return PointFile(points=points, skipped=tuple(skipped), tried=tried)
