"""Sensible starting settings per model and dataset (what the CLI and the GUI's form begin from)."""
from __future__ import annotations

from core.config import ExperimentConfig

# (model family or name, dataset kind) -> settings; later entries refine earlier ones
_DEFAULTS: list[tuple[str, str, dict]] = [
    ("autoencoder", "*", {"lr": 1e-3, "batch_size": 128}),
    ("vae", "*", {"lr": 1e-3, "batch_size": 128}),
    ("linear-ae", "image", {"lr": 2e-3, "batch_size": 256}),
    ("diffusion", "points", {"lr": 2e-3, "batch_size": 512, "timesteps": 100}),
    ("diffusion", "image", {"lr": 1e-3, "batch_size": 64, "timesteps": 200}),
]


def _kind(dataset: str) -> str:
    return "image" if dataset in ("mnist", "fashion-mnist") else "points"


def defaults_for(config: ExperimentConfig) -> ExperimentConfig:
    """`config` with the learning rate, batch size and timesteps that suit its model and dataset."""
    kind = _kind(config.dataset)
    changes: dict = {}
    for who, where, values in _DEFAULTS:
        if who in (config.family, config.model) and where in ("*", kind):
            changes.update(values)
    return config.replace(**changes)
