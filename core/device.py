"""Which torch device to run on (the one rule the command line's --device and checkpoint loading share), and the
moves to it: where a module lives, a batch sent there."""
from __future__ import annotations

import itertools

import torch

DEVICES = ("auto", "cpu", "cuda", "mps")
_MISSING = {"cuda": "no CUDA GPU is available", "mps": "Apple's MPS is not available"}


def device_available(kind: str) -> bool:
    """True when this machine has a device of type `kind` ("cpu", "cuda", "mps")."""
    if kind == "cpu":
        return True
    if kind == "cuda":
        return torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None)
    return kind == "mps" and mps is not None and mps.is_available()


def choose_device(name: str = "auto", *, fallback: bool = True) -> str:
    """The device to use for `name`.

    "auto": "cuda" if there is a CUDA GPU, else "mps" if there is Apple's MPS, else "cpu". Any other name (e.g.
    "cuda:1"): itself when this machine has that type of device; otherwise "cpu" with `fallback` (a checkpoint
    saved on a GPU opens on a CPU-only machine), or a ValueError saying what is missing without it (the user
    asked for that device).
    """
    if name == "auto":
        return next((kind for kind in ("cuda", "mps") if device_available(kind)), "cpu")
    try:
        kind = torch.device(name).type
    except (RuntimeError, TypeError, ValueError):
        kind = None
    if kind is not None and device_available(kind):
        return name
    if fallback:
        return "cpu"
    raise ValueError(f"device {name!r} asked for, but {_MISSING.get(kind or '', 'this machine has no such device')}")


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of a module's first parameter or buffer (CPU for a module that has none)."""
    for tensor in itertools.chain(module.parameters(), module.buffers()):
        return tensor.device
    return torch.device("cpu")


def to_device(tensor: torch.Tensor | None, device: torch.device) -> torch.Tensor | None:
    """`tensor` on `device` (itself when it is there already, as every CPU batch on a CPU is; None stays None)."""
    if tensor is None or tensor.device == device:
        return tensor
    return tensor.to(device, non_blocking=True)
