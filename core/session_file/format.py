"""A session as one safetensors file: tensors under "model.", "optim.", "data.", "view." and JSON metadata.

Layout (format "gendiff-session", version 1): the header's config is the experiment's; its metadata holds
{"kind": "session", "steps", "seconds", "optimizer_groups", "lesson", "own_data" (description), "view" (the view
state, each numpy array replaced by {"__array__": "<tensor key>"})}. Written and read by core.checkpoint's
save_checkpoint / read_tagged_file (atomic write; never unpickled; keys, dtypes and finiteness checked).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from core.checkpoint import CheckpointError, read_tagged_file, save_checkpoint
from core.session_file.content import SessionContent, TrainingState

SESSION_FORMAT = "gendiff-session"
SESSION_VERSION = 1
SESSION_SUFFIX = ".gendiff-session"
WHAT = "gendiff session"
ARRAY_TAG = "__array__"


def _split_arrays(tree: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """The tree with each numpy array moved into `arrays` under a key from its path (JSON-able remainder)."""
    if isinstance(tree, np.ndarray):
        arrays[prefix] = tree
        return {ARRAY_TAG: prefix}
    if isinstance(tree, dict):
        return {str(k): _split_arrays(v, f"{prefix}.{k}", arrays) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_split_arrays(v, f"{prefix}.{i}", arrays) for i, v in enumerate(tree)]
    return tree


def _join_arrays(tree: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(tree, dict):
        if set(tree) == {ARRAY_TAG}:
            key = tree[ARRAY_TAG]
            if not isinstance(key, str) or key not in arrays:
                raise ValueError(f"the view state names a missing array {key!r}")
            return arrays[key]
        return {k: _join_arrays(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_join_arrays(v, arrays) for v in tree]
    return tree


def write_session(path: str | os.PathLike, content: SessionContent) -> Path:
    """Write `content` atomically to `path` (raises CheckpointError; a previous file stays as it was)."""
    t = content.training
    arrays: dict[str, np.ndarray] = {f"model.{k}": v for k, v in t.weights.items()}
    arrays.update({f"optim.{k}": v for k, v in (t.optimizer or {}).items()})
    if content.points is not None:
        arrays["data.points"] = content.points
    own = None
    if content.own_data is not None:
        own = {k: v for k, v in content.own_data.items() if k != "arrays"}
        arrays.update({f"data.own.{k}": v for k, v in content.own_data["arrays"].items()})
    view = _split_arrays(content.view, "view", arrays)
    meta = {"kind": "session", "steps": t.step, "seconds": round(t.seconds, 3), "lesson": content.lesson,
            "optimizer_groups": t.optimizer_groups, "own_data": own, "view": view}
    return save_checkpoint(path, arrays, content.config, meta, fmt=SESSION_FORMAT, version=SESSION_VERSION)


def _part(state: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def read_session(path: str | os.PathLike) -> SessionContent:
    """Read and check a session file; raises CheckpointError (one readable line) for anything unusable: not a
    session, truncated, from a newer version, a pickle, or edited so that its parts no longer fit together."""
    loaded = read_tagged_file(path, SESSION_FORMAT, SESSION_VERSION, WHAT)
    meta, state, name = loaded.metadata, loaded.state, Path(path).name
    try:
        if not isinstance(meta, dict) or meta.get("kind") != "session":
            raise ValueError("its metadata is not a session's")
        groups = meta.get("optimizer_groups")
        optim = _part(state, "optim.")
        if (groups is None) != (not optim) or not isinstance(groups, (list, type(None))):
            raise ValueError("its optimiser state is incomplete")
        training = TrainingState(weights=_part(state, "model."), optimizer=optim or None, optimizer_groups=groups,
                                 step=int(meta.get("steps", 0)), seconds=float(meta.get("seconds", 0.0)))
        own = meta.get("own_data")
        if own is not None:
            if not isinstance(own, dict) or not isinstance(own.get("name"), str):
                raise ValueError("its own data set's description is unreadable")
            own = {**own, "arrays": _part(state, "data.own.")}
        view = _join_arrays(meta.get("view") or {}, _part(state, ""))
        lesson = meta.get("lesson")
        if not isinstance(view, dict) or not (lesson is None or isinstance(lesson, int)):
            raise ValueError("its view state is unreadable")
    except (ValueError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{name} cannot be opened: {exc}") from exc
    return SessionContent(config=loaded.config, training=training, points=state.get("data.points"), own_data=own,
                          lesson=lesson, view=view)
