"""Which frozen auto-encoder a latent diffusion belongs to: the bundled default, the checks on a user's file, its hash."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from core.config import ExperimentConfig
from core.paths import MODELS_DIR

# The bundled auto-encoder a latent diffusion uses by default, per dataset. Measured on the first 1,000 MNIST test
# images (notes/issue-15.md): the conv-AE (d = 16) reconstructions are read as their own class 94.8% of the time at
# a Frechet classifier distance of 3.3 to the test set; the MLP AE (d = 2) 66.5% at 24.6; the VAE (d = 2) is no better.
DEFAULT_AUTOENCODERS = {"mnist": "mnist-denoising-ae.safetensors",
                        "fashion-mnist": "fashion-mnist-denoising-ae.safetensors"}
CARRIED_PREFIX = "codes.autoencoder."  # where a latent model's state dict carries its auto-encoder's weights


@dataclass(frozen=True)
class LinkedAutoencoder:
    """An auto-encoder checkpoint checked for use under a latent diffusion."""

    name: str  # the bundled file's name, or the user's path as given
    config: ExperimentConfig
    state: dict[str, np.ndarray]
    sha256: str


def weights_sha256(state: dict[str, np.ndarray]) -> str:
    """sha256 over the weights (sorted names, each name, dtype, shape and bytes): the auto-encoder's identity,
    the same whichever file (bundled, user's, or carried inside a latent model) holds it."""
    digest = hashlib.sha256()
    for key in sorted(state):
        value = np.ascontiguousarray(state[key])
        digest.update(f"{key}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def resolve_source(source: str, dataset: str) -> tuple[str, Path]:
    """(name, path) of an auto-encoder source: "" -> the bundled default for `dataset`, a bundled file's name ->
    that file, anything else -> the user's path."""
    if not source:
        if dataset not in DEFAULT_AUTOENCODERS:
            raise CheckpointError(f"latent diffusion needs an image dataset with a bundled auto-encoder "
                                  f"({', '.join(DEFAULT_AUTOENCODERS)}), not {dataset}")
        source = DEFAULT_AUTOENCODERS[dataset]
    bundled = MODELS_DIR / source
    if "/" not in source and bundled.is_file():
        return source, bundled
    return source, Path(source)


def load_autoencoder(source: str, dataset: str) -> LinkedAutoencoder:
    """The auto-encoder at `source` (see resolve_source), refused with one readable line (CheckpointError) when it
    is not a gendiff checkpoint, not an auto-encoder or VAE, or trained on another dataset."""
    name, path = resolve_source(source, dataset)
    ckpt = load_checkpoint(path)
    return check_autoencoder(name, ckpt, dataset)


def check_autoencoder(name: str, ckpt: Checkpoint, dataset: str) -> LinkedAutoencoder:
    model = ckpt.config.model
    if ckpt.config.family not in ("autoencoder", "vae"):
        raise CheckpointError(f"{name} is a {model} model, not an auto-encoder: a latent diffusion needs an "
                              "auto-encoder or VAE checkpoint")
    if ckpt.config.dataset != dataset:
        raise CheckpointError(f"{name} is an auto-encoder of {ckpt.config.dataset}, not of {dataset}")
    return LinkedAutoencoder(name=name, config=ckpt.config, state=ckpt.state, sha256=weights_sha256(ckpt.state))


def with_autoencoder(config: ExperimentConfig, link: LinkedAutoencoder) -> ExperimentConfig:
    """`config` recording the auto-encoder it belongs to (its source, settings and hash; d = its code size)."""
    if config.autoencoder_sha256 and config.autoencoder_sha256 != link.sha256:
        raise CheckpointError(f"{link.name} is not the auto-encoder this latent diffusion was trained on "
                              f"(sha256 {link.sha256[:12]} instead of {config.autoencoder_sha256[:12]})")
    return config.replace(autoencoder=link.name, autoencoder_config=link.config.to_json(),
                          autoencoder_sha256=link.sha256, latent_dim=link.config.latent_dim)


def autoencoder_config(config: ExperimentConfig) -> ExperimentConfig:
    """The recorded auto-encoder's own settings; CheckpointError when a latent model records none."""
    if not config.autoencoder_config:
        raise CheckpointError("this latent diffusion model records no auto-encoder; it cannot be opened without one")
    try:
        return ExperimentConfig.from_dict(json.loads(config.autoencoder_config)).validate()
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"the latent model's auto-encoder settings are unreadable: {exc}") from exc


def carried_autoencoder(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The auto-encoder weights a latent model's state dict carries (names without the prefix)."""
    return {k[len(CARRIED_PREFIX):]: v for k, v in state.items() if k.startswith(CARRIED_PREFIX)}


def check_carried(config: ExperimentConfig, state: dict[str, np.ndarray]) -> None:
    """A saved latent model must carry the auto-encoder it records, bit for bit; else one CheckpointError line."""
    autoencoder_config(config)
    carried = carried_autoencoder(state)
    if not carried:
        raise CheckpointError(f"this latent diffusion model carries no auto-encoder weights (it was trained on "
                              f"{config.autoencoder or 'an auto-encoder'}); it cannot be opened without them")
    sha = weights_sha256(carried)
    if sha != config.autoencoder_sha256:
        raise CheckpointError(f"this latent diffusion model's auto-encoder is not the one it was trained on "
                              f"(sha256 {sha[:12]} instead of {config.autoencoder_sha256[:12]})")
