"""The experiment settings the panel shows: for each, its label, range, the models it applies to and the formula it controls."""
from __future__ import annotations

from dataclasses import dataclass

from core.config import (AUTOENCODER_MODELS, DIFFUSION_MODELS, LATENT_DIFFUSION_MODELS, LECTURE_PRIORS, LECTURE_TARGETS,
                         VAE_MODELS)
from core.data import ALL_DATASETS, POINTS_DATASET

AE_AND_VAE = AUTOENCODER_MODELS + VAE_MODELS
ALL = AE_AND_VAE + DIFFUSION_MODELS + LATENT_DIFFUSION_MODELS
# Data a model can be built from by name (user-drawn points come with the drop zone, a later view).
NAMED_DATASETS = tuple(d for d in ALL_DATASETS if d != POINTS_DATASET)


@dataclass(frozen=True)
class Field:
    """One ExperimentConfig attribute as a form row."""

    name: str  # the ExperimentConfig attribute
    label: str
    tooltip: str  # the lecture's formula this setting controls
    models: tuple[str, ...]  # the models it is shown for
    kind: str  # "int", "float", "sci" (a positive float shown like 1e-3) or "choice"
    minimum: float = 0
    maximum: float = 1
    choices: tuple[str, ...] = ()
    special_zero: str = ""  # text shown for 0 (e.g. "until stopped" for the run length)


FIELDS: tuple[Field, ...] = (
    Field("latent_dim", "Latent size d",
          "latent size d: z = W x (W is d x m), x~ = V z (V is m x d).\n"
          "d = 2 lets you see the whole latent space as a map.",
          AE_AND_VAE, "int", 1, 256),
    Field("hidden", "Hidden width",
          "width of the hidden layers: z = enc(x), x~ = dec(z) are MLPs with this many units per layer.",
          ("ae", "vae"), "int", 8, 2048),
    Field("noise_sigma", "Noise sigma",
          "noise sigma: x' = x + eps, eps ~ N(0, sigma^2); z = W x', loss = MSE(x, x~) against the clean x.\n"
          "0 = plain auto-encoder, > 0 = de-noising auto-encoder.",
          AE_AND_VAE, "float", 0.0, 5.0),
    Field("beta", "Beta (KL weight)",
          "beta: loss = reconstruction + beta * KL( N(mu, sigma^2) || N(0, I) ),\n"
          "with z = mu + sigma * eps, eps ~ N(0, I).",
          VAE_MODELS, "float", 0.0, 20.0),
    Field("timesteps", "Timesteps T",
          "T noising steps: x_{t+1} = x_t + eta_t, eta_t ~ N(0, sigma^2);\n"
          "sampling runs x^_t ~ N(f(x^_{t+1}), sigma^2) for t = T-1 ... 0.",
          DIFFUSION_MODELS + LATENT_DIFFUSION_MODELS, "int", 2, 5000),
    Field("schedule", "Noise schedule",
          "DDPM variance schedule beta_t (linear or cosine):\n"
          "x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, abar_t = prod_{s<=t} (1 - beta_s).",
          ("diffusion",), "choice", choices=("linear", "cosine")),
    Field("coupling", "Pairing of data and noise",
          "flow matching pairs each data point x_0 with a noise draw eps and learns v = eps - x_0\n"
          "on x_t = (1 - t) x_0 + t eps. independent: as drawn; ot: the batch's optimal-transport\n"
          "assignment, so paths cross less and 10 Euler steps follow them.",
          ("flow",), "choice", choices=("independent", "ot")),
    Field("diffusion_sigma", "Diffusion sigma",
          "sigma of the lecture's Gaussian diffusion: x_{t+dt} = x_t + eta, eta ~ N(0, sigma^2 dt);\n"
          "reverse step x_t ~ N(f(x_{t+dt}), sigma^2 dt).",
          ("gaussian-diffusion",), "float", 0.01, 20.0),
    Field("lecture_target", "Regression target",
          "what f(x_{t+dt}) is fitted to. sample: the lecture's drawn x_t, a target whose noise\n"
          "(variance sigma^2 dt) hides the signal at large T; bridge: its mean given x_0,\n"
          "E[x_t | x_{t+dt}, x_0] = x_0 + ((k-1)/k) (x_{t+dt} - x_0): the same minimiser (the losses differ\n"
          "by a constant), learned from far fewer samples.",
          ("gaussian-diffusion",), "choice", choices=LECTURE_TARGETS),
    Field("lecture_prior", "Sampling starts from",
          "where generation starts. lecture: pure noise x_1 ~ N(0, sigma^2), as on the slide;\n"
          "matched: N(0, sigma^2 + 1), the mean and variance that x_1 = x_0 + N(0, sigma^2) really has\n"
          "for data of unit variance. The reverse steps cannot undo a start that is too narrow:\n"
          "with a perfect f on moons (sigma 2, T 200) the lecture's start leaves samples 1.8 x the\n"
          "data floor in energy distance, the matched one 1.26.",
          ("gaussian-diffusion",), "choice", choices=LECTURE_PRIORS),
    Field("lr", "Learning rate",
          "learning rate: theta <- theta - lr * Adam(grad_theta L).\n"
          "Too large and the loss diverges (the run stops and keeps the last good weights).",
          ALL, "sci", 1e-6, 1e6),
    Field("batch_size", "Batch size",
          "batch size B: each step minimises L = (1/B) sum_{i=1..B} loss(x_i).",
          ALL, "int", 1, 4096),
    Field("steps", "Run length (steps)",
          "stop the run after this many training steps (\"until stopped\": train until Stop or Pause).",
          ALL, "int", 0, 10_000_000, special_zero="until stopped"),
    Field("seed", "Seed",
          "random seed of the initial weights and of the minibatch order (same seed, same run).",
          ALL, "int", 0, 2**31 - 1),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}


def fields_for(model: str) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS if model in f.models)
