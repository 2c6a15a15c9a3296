"""A session's experiment rebuilt (its own data registered, weights and Adam's moments put back), and the part
of a session that describes an own data set."""
from __future__ import annotations

from typing import Any

import numpy as np

from core.checkpoint import Checkpoint, CheckpointError
from core.data.image_sets import ImageDataset
from core.data.own import registry
from core.data.own.point_files import PointSet
from core.experiment import Experiment
from core.session_file.content import SessionContent
from core.session_file.optimizer_state import restore_optimizer

_IMAGE_KEYS = ("train_images", "train_labels", "test_images", "test_labels")
_POINT_KEYS = ("train_points", "train_labels", "test_points", "test_labels")


def own_data_part(name: str) -> dict[str, Any] | None:
    """The registered own data set `name` as a session part (its arrays travel in the file: a session opens on
    a machine without the folder), or None for a bundled data set."""
    data = registry.registered(name)
    if data is None:
        return None
    part = data.images if data.images is not None else data.points
    keys = _IMAGE_KEYS if data.images is not None else _POINT_KEYS
    arrays = {k: getattr(part, k) for k in keys if getattr(part, k) is not None}
    return {"name": data.name, "kind": data.kind, "class_names": list(data.class_names),
            "skipped": list(data.skipped), "tried": data.tried, "arrays": arrays}


def _own_dataset(part: dict[str, Any]) -> registry.OwnDataset:
    """Rebuild the OwnDataset a session carries; ValueError if its arrays do not make one."""
    arrays, names = part["arrays"], tuple(str(n) for n in part.get("class_names", ()))
    if part.get("kind") == "image":
        x = [np.asarray(arrays[k]) for k in _IMAGE_KEYS]
        if any(a.dtype != np.uint8 or a.ndim != 3 or a.shape[1:] != (28, 28) for a in x[::2]):
            raise ValueError("its own images are not uint8 (n, 28, 28)")
        labels = [a.astype(np.int64) for a in x[1::2]]
        if any(len(lab) != len(img) or (len(lab) and not 0 <= lab.min() <= lab.max() < len(names))
               for img, lab in zip(x[::2], labels)):
            raise ValueError("its own images' labels do not fit their classes")
        images = ImageDataset(part["name"], x[0], labels[0], x[2], labels[1], names)
        return registry.OwnDataset(name=part["name"], images=images, skipped=tuple(part.get("skipped", ())),
                                   tried=int(part.get("tried", 0)))
    pts = [np.asarray(arrays[k], np.float32) for k in ("train_points", "test_points")]
    if any(p.ndim != 2 or p.shape[1] != 2 for p in pts):
        raise ValueError("its own points are not (n, 2)")
    labels = [arrays.get(k) for k in ("train_labels", "test_labels")]
    labels = [None if lab is None else np.asarray(lab, np.int64) for lab in labels]
    points = PointSet(part["name"], pts[0], labels[0], pts[1], labels[1], names)
    return registry.OwnDataset(name=part["name"], points=points, skipped=tuple(part.get("skipped", ())),
                               tried=int(part.get("tried", 0)))


def experiment_from_session(content: SessionContent) -> Experiment:
    """The session's experiment, exactly as it was saved (weights, optimiser, step, data); raises CheckpointError
    (one line) if its parts do not fit, and then leaves the own data sets registered as they were."""
    previous = None
    if content.own_data is not None:
        try:
            dataset = _own_dataset(content.own_data)
        except (ValueError, TypeError, KeyError) as exc:
            raise CheckpointError(f"the session's own data cannot be used: {exc}") from exc
        if dataset.name != content.config.dataset:
            raise CheckpointError("the session's own data is not the data set its model was trained on")
        previous = registry.registered(dataset.name)
        registry.register(dataset)
    t = content.training
    ckpt = Checkpoint(config=content.config, state=t.weights, metadata={"steps": t.step, "seconds": t.seconds})
    try:
        exp = Experiment.from_loaded(ckpt, points=content.points)
        if t.optimizer is not None:
            exp.optimizer = restore_optimizer(exp.module, exp.config.lr, t.optimizer, t.optimizer_groups)
    except CheckpointError:
        if content.own_data is not None:
            registry.restore_registration(content.own_data["name"], previous)
        raise
    return exp
