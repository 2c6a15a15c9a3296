"""One frozen description of an experiment: which model, which data, how to train it."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from core.lr_schedule import LR_DECAYS

AUTOENCODER_MODELS = ("linear-ae", "ae", "conv-ae")
VAE_MODELS = ("vae", "conv-vae")
DIFFUSION_MODELS = ("diffusion", "gaussian-diffusion", "flow")
LECTURE_TARGETS = ("sample", "bridge")  # the lecture's regression target: the drawn x_t, or its bridge mean
LECTURE_PRIORS = ("lecture", "matched")  # where the lecture's sampler starts: N(0, sigma^2) or N(0, sigma^2 + 1)
LATENT_DIFFUSION_MODELS = ("latent-diffusion",)  # a diffusion over a frozen auto-encoder's codes
ALL_MODELS = AUTOENCODER_MODELS + VAE_MODELS + DIFFUSION_MODELS + LATENT_DIFFUSION_MODELS
MAX_TIMESTEPS = 100_000

MODEL_DESCRIPTIONS = {
    "linear-ae": "linear auto-encoder z = Wx, x~ = Vz (the lecture's first model)",
    "ae": "MLP auto-encoder",
    "conv-ae": "convolutional auto-encoder",
    "vae": "MLP variational auto-encoder, z = mu + sigma * eps",
    "conv-vae": "convolutional variational auto-encoder",
    "diffusion": "DDPM / DDIM denoising diffusion (variance preserving, epsilon prediction)",
    "gaussian-diffusion": "the lecture's Gaussian diffusion x_{t+dt} = x_t + N(0, sigma^2 dt)",
    "latent-diffusion": "diffusion over the standardised codes of a frozen auto-encoder, decoded by its decoder",
    "flow": "flow matching on rectified flow's straight path x_t = (1 - t) x_0 + t eps (velocity prediction)",
}


def model_family(model: str) -> str:
    """'autoencoder', 'vae', 'diffusion' or 'latent-diffusion' for a model name."""
    if model in AUTOENCODER_MODELS:
        return "autoencoder"
    if model in VAE_MODELS:
        return "vae"
    if model in DIFFUSION_MODELS:
        return "diffusion"
    if model in LATENT_DIFFUSION_MODELS:
        return "latent-diffusion"
    raise ValueError(f"unknown model {model!r}; choose one of {', '.join(ALL_MODELS)}")


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything needed to rebuild a model and rerun its training.

    Stored as JSON in every checkpoint's metadata, so every field is a plain value.
    """

    model: str = "vae"
    dataset: str = "mnist"
    # auto-encoders
    latent_dim: int = 2  # d in z = Wx (W is d x m)
    noise_sigma: float = 0.0  # denoising AE: x' = x + eps, eps ~ N(0, sigma^2)
    beta: float = 1.0  # VAE: loss = reconstruction + beta * KL
    hidden: int = 400  # width of the MLP layers
    # diffusion
    timesteps: int = 200  # T: number of noising steps
    schedule: str = "linear"  # DDPM beta schedule: linear | cosine
    coupling: str = "independent"  # flow matching's pairs of data and noise: independent | ot (minibatch OT)
    diffusion_sigma: float = 2.0  # lecture: eta ~ N(0, sigma^2 dt), total time 1 (2 = twice unit-scale data's std)
    lecture_target: str = "sample"  # lecture: regress on the drawn x_t ("sample") or E[x_t | x_{t+dt}, x_0] ("bridge")
    lecture_prior: str = "lecture"  # lecture: sample from x_1 ~ N(0, sigma^2) ("lecture") or N(0, sigma^2 + 1) ("matched")
    conditional: bool = False  # class-conditional denoiser (classifier-free guidance)
    cond_drop: float = 0.1  # probability a label is dropped during training (CFG)
    channels: int = 32  # base width of the U-Net
    denoiser_width: int | None = None  # width of the 2-D denoiser's MLP; None: core.diffusion.task.MLP_HIDDEN
    lr_decay: str = "none"  # "cosine": the lr falls to 0 over a run of known steps or seconds (core.lr_schedule)
    ema_decay: float | None = None  # diffusion: sample from an EMA of the weights; None: 0.995 points, 0.999 images; 0: off
    # latent diffusion: the noise process over the codes (a model name build_process takes) and the frozen auto-encoder
    latent_process: str = "diffusion"
    autoencoder: str = ""  # where the auto-encoder came from (a bundled file's name or the user's path); "" = default
    autoencoder_config: str = ""  # the auto-encoder's own ExperimentConfig as JSON (rebuilds its architecture)
    autoencoder_sha256: str = ""  # sha256 of its weights (core.latent_diffusion.autoencoder_link.weights_sha256)
    # optimisation
    lr: float = 1e-3
    batch_size: int = 128
    seed: int = 0
    steps: int | None = None  # stop after this many steps ...
    seconds: float | None = None  # ... or after this much wall time (whichever is set)
    device: str = "cpu"

    @property
    def family(self) -> str:
        return model_family(self.model)

    def replace(self, **changes: Any) -> "ExperimentConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "ExperimentConfig":
        """Build from a dict, ignoring unknown keys (checkpoints from newer versions) with defaults for missing ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def validate(self) -> "ExperimentConfig":
        """Raise ValueError with a readable message if a setting is out of range."""
        model_family(self.model)
        rules = (  # (holds, what it says when it does not)
            (self.latent_dim >= 1, "latent_dim must be at least 1"),
            (self.hidden >= 1, "hidden must be at least 1"),
            (self.channels >= 1, "channels must be at least 1"),
            (self.denoiser_width is None or 1 <= self.denoiser_width <= 4096, "denoiser_width must be in 1..4096"),
            (self.noise_sigma >= 0, "noise_sigma must be >= 0"),
            (self.beta >= 0, "beta must be >= 0"),
            (self.timesteps >= 2, "timesteps must be at least 2"),
            # the noise schedules hold T values each: bounded memory
            (self.timesteps < 2 or self.timesteps <= MAX_TIMESTEPS, f"timesteps must be at most {MAX_TIMESTEPS:,}"),
            (self.schedule in ("linear", "cosine"), "schedule must be 'linear' or 'cosine'"),
            (self.coupling in ("independent", "ot"), "coupling must be 'independent' or 'ot'"),
            (not (self.coupling == "ot" and self.conditional),
             "coupling 'ot' pairs noise with data regardless of class: it is for unconditional models"),
            (self.lr > 0, "lr must be > 0"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (0 <= self.cond_drop < 1, "cond_drop must be in [0, 1)"),
            (self.ema_decay is None or 0 <= self.ema_decay < 1, "ema_decay must be in [0, 1)"),
            (self.lr_decay in LR_DECAYS, f"lr_decay must be one of {', '.join(LR_DECAYS)}"),
            (self.lecture_target in LECTURE_TARGETS, f"lecture_target must be one of {', '.join(LECTURE_TARGETS)}"),
            (self.lecture_prior in LECTURE_PRIORS, f"lecture_prior must be one of {', '.join(LECTURE_PRIORS)}"),
        )
        problems = [text for holds, text in rules if not holds]
        if problems:
            raise ValueError("; ".join(problems))
        return self

