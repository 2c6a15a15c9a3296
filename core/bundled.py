"""The pretrained checkpoints shipped in resources/models, listed with the metrics stored in their metadata."""
from __future__ import annotations

from pathlib import Path

from core.checkpoint import CheckpointError, load_checkpoint
from core.paths import MODELS_DIR


def bundled_model_paths() -> list[Path]:
    return sorted(MODELS_DIR.glob("*.safetensors")) if MODELS_DIR.is_dir() else []


def describe_bundled_models() -> list[dict]:
    """One dict per bundled checkpoint: file, model, dataset, metrics (or the reason it could not be read)."""
    out = []
    for path in bundled_model_paths():
        try:
            ckpt = load_checkpoint(path)
        except CheckpointError as exc:
            out.append({"file": path.name, "model": "?", "dataset": "?", "error": str(exc)})
            continue
        out.append({"file": path.name, "model": ckpt.config.model, "dataset": ckpt.config.dataset,
                    "latent_dim": ckpt.config.latent_dim, "metrics": ckpt.metrics})
    return out
