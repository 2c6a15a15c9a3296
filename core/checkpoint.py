"""Safe checkpoints: one .safetensors file per model, its config and metrics as JSON metadata; never unpickled.

Saving writes a temporary file in the same folder, flushes it to disk and renames it into place, so a crash or a
kill mid-save leaves the previous file intact. Loading reads only the safetensors header and raw tensor bytes
(no code can run), then checks the keys, the shapes and that every value is finite.
"""
from __future__ import annotations

import glob
import json
import os
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load as st_load_bytes
from safetensors.numpy import save as st_save_bytes

from core.config import ExperimentConfig

FORMAT = "gendiff-checkpoint"
FORMAT_VERSION = 1
MAX_CHECKPOINT_BYTES = 2 * 1024**3
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with a message a person can read."""


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint file holds: the experiment's config, the weights and free-form metadata."""

    config: ExperimentConfig
    state: dict[str, np.ndarray]
    metadata: dict[str, Any]

    @property
    def metrics(self) -> dict[str, float]:
        return dict(self.metadata.get("metrics", {}))


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any], config: ExperimentConfig,
                    metadata: dict[str, Any] | None = None, *, fmt: str = FORMAT,
                    version: int = FORMAT_VERSION) -> Path:
    """Write `state` (tensors or arrays) atomically to `path` with `config` and `metadata` as JSON.

    `fmt` / `version` tag the file (a session file, core/session_file, is this file with its own tag).
    Raises CheckpointError (folder missing or read-only, disk full ...) and leaves any previous file untouched.
    """
    path = Path(path)
    arrays = {k: (v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)) for k, v in state.items()}
    arrays = {k: np.ascontiguousarray(v).reshape(v.shape) for k, v in arrays.items()}  # a scalar stays 0-d
    header = {
        "format": fmt,
        "format_version": str(version),
        "config": config.to_json(),
        "metadata": json.dumps(metadata or {}, sort_keys=True, default=_json_default),
    }
    try:
        payload = st_save_bytes(arrays, metadata=header)
    except (SafetensorError, ValueError, TypeError) as exc:
        raise CheckpointError(f"could not encode the weights: {exc}") from exc
    _remove_stale_temps(path)
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
        if hasattr(os, "fchmod"):  # mkstemp makes private 0600 files; a saved model is an ordinary file
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)  # atomic on POSIX and Windows: readers see the old file or the new one
        tmp_name = None
    except OSError as exc:
        raise CheckpointError(f"could not save {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return path


STALE_TEMP_SECONDS = 24 * 3600


def _remove_stale_temps(path: Path) -> None:
    """Delete the temporary files that saves of `path` killed mid-write left behind (.NAME.PID.xxxx.tmp): those
    of a process that no longer runs, and any older than a day. A save in progress elsewhere is left alone."""
    try:
        leftovers = list(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))
    except OSError:
        return
    for tmp in leftovers:
        pid_text = tmp.name[len(path.name) + 2:].split(".", 1)[0]
        try:
            old = time.time() - tmp.stat().st_mtime > STALE_TEMP_SECONDS
            dead = pid_text.isdigit() and int(pid_text) != os.getpid() and not _process_running(int(pid_text))
            if old or dead:
                tmp.unlink()
        except (OSError, ValueError, OverflowError):
            pass  # gone already, or not ours to delete: the save goes on


def _process_running(pid: int) -> bool:
    """True unless process `pid` surely does not exist (POSIX); elsewhere, True (only the age rule applies)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in checkpoint metadata")


def _describe_foreign(data: bytes, path: Path) -> str | None:
    """A readable reason for files that are clearly not safetensors (checked before parsing anything)."""
    if not data:
        return f"{path.name} is empty"
    if len(data) >= 9 and data[8:9] == b"{" and struct.unpack("<Q", data[:8])[0] <= len(data) - 8:
        return None  # a safetensors layout (its header's length may begin with any byte, 0x80 a pickle's too)
    if data[:2] in _PICKLE_MAGIC or data[:1] == b"\x80":
        return f"{path.name} is a Python pickle (a .pt/.pth file); gendiff never unpickles files, since that can run code"
    if data[:4] == b"PK\x03\x04":
        return (f"{path.name} is a zip archive (a PyTorch .pt/TorchScript file?); gendiff only opens .safetensors "
                "checkpoints, which cannot run code")
    if len(data) < 8:
        return f"{path.name} is truncated ({len(data)} bytes)"
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        return f"{path.name} is truncated or not a safetensors file (header claims {header_len} bytes, file has {len(data) - 8})"
    if data[8:9] != b"{":
        return f"{path.name} is not a safetensors checkpoint"
    return None


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and validate a checkpoint; raises CheckpointError with a readable message on any problem."""
    return read_tagged_file(path, FORMAT, FORMAT_VERSION, "gendiff checkpoint")


def read_tagged_file(path: str | os.PathLike, fmt: str, max_version: int, what: str) -> Checkpoint:
    """Read and validate a safetensors file tagged `fmt` (format_version at most `max_version`); `what` names
    the kind of file in messages. Raises CheckpointError with a readable message on any problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise CheckpointError(f"{path} is not a file")
        if size > MAX_CHECKPOINT_BYTES:
            raise CheckpointError(f"{path.name} is too large for a gendiff checkpoint ({size / 1e9:.1f} GB)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CheckpointError(f"{path} does not exist") from exc
    except OSError as exc:
        raise CheckpointError(f"could not read {path}: {exc.strerror or exc}") from exc
    reason = _describe_foreign(data, path)
    if reason:
        raise CheckpointError(reason)
    try:
        header_len = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8 : 8 + header_len])
        meta = header.get("__metadata__") or {}
        if not isinstance(meta, dict):
            raise ValueError("bad metadata")
        state = st_load_bytes(data)
    except (SafetensorError, ValueError, UnicodeDecodeError, struct.error, MemoryError, OverflowError, TypeError) as exc:
        raise CheckpointError(f"{path.name} is corrupt or truncated ({exc})") from exc
    if meta.get("format") != fmt:
        raise CheckpointError(f"{path.name} is a safetensors file but not a {what} (no {what} metadata)")
    try:
        version = int(meta.get("format_version", "1"))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path.name} has an unreadable format version") from exc
    if version > max_version:
        raise CheckpointError(f"{path.name} was written by a newer gendiff ({what} format {version}; this version "
                              f"reads up to {max_version}): update gendiff to open it")
    try:
        config = ExperimentConfig.from_dict(json.loads(meta["config"])).validate()
        metadata = json.loads(meta.get("metadata", "{}"))
    except (KeyError, ValueError, TypeError) as exc:
        raise CheckpointError(f"{path.name} has unreadable settings: {exc}") from exc
    for key, value in state.items():
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise CheckpointError(f"{path.name} holds NaN or Inf values (in {key}); it cannot be used")
    return Checkpoint(config=config, state=state, metadata=metadata)


def check_state_matches(module: torch.nn.Module, state: dict[str, np.ndarray], source: str = "checkpoint") -> None:
    """Raise CheckpointError listing every key or shape that differs between a module and saved weights."""
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state.items()}
    problems = [f"missing {k}" for k in sorted(expected.keys() - got.keys())]
    problems += [f"unexpected {k}" for k in sorted(got.keys() - expected.keys())]
    problems += [f"{k}: shape {got[k]} instead of {expected[k]}" for k in sorted(expected.keys() & got.keys())
                 if not _same_shape(got[k], expected[k])]
    if problems:
        shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        raise CheckpointError(f"the {source} does not match this model's architecture: {shown}")


def _same_shape(got: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    """Equal shapes; or a scalar and a one-element vector (files written before scalars were kept 0-d)."""
    return got == expected or (len(got) <= 1 and len(expected) <= 1 and np.prod(got) == np.prod(expected) == 1)


def load_state_into(module: torch.nn.Module, state: dict[str, np.ndarray], source: str = "checkpoint") -> None:
    """Copy validated weights into `module` (CPU tensors; a GPU-saved checkpoint loads the same way)."""
    check_state_matches(module, state, source)
    shapes = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    tensors = {k: torch.from_numpy(np.array(v, copy=True).reshape(shapes[k])) for k, v in state.items()}
    module.load_state_dict(tensors, strict=True)
