"""The lesson catalogue: the lecture's ideas in order (its eight, then the two halves joined), each a bundled model, the views to show and a caption.

Data only (no Qt): `runner.py` opens a lesson in the window, `start_page.py` lists them, README.md
describes them for a teacher. A lesson names a bundled checkpoint (`resources/models/<name>.safetensors`); when
that file is missing or unreadable, the lesson builds `config` instead and trains it from scratch.

`controls` are settings applied once the model is on screen: (view, attribute path in that view's widget, value),
the value in the widget's own units (a combo box: its item data or text; a slider or spin box: its integer; a
check box: on/off; a push button: "click"). tests/gui/test_lessons.py checks every path exists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.config import ExperimentConfig
from core.defaults import defaults_for
from core.paths import MODELS_DIR

LATENT, DIFFUSION = "Latent space", "Diffusion"  # the window's view tabs (names given by the panels' install)
LATENT_DIFFUSION = "Latent diffusion"
CLICK = "click"


@dataclass(frozen=True)
class Lesson:
    number: int
    title: str
    idea: str  # one sentence the class reads (may hold <sub>subscripts</sub>)
    formula: str  # the lecture's formula, in Unicode with <sub>subscripts</sub> (Qt rich text and Markdown)
    checkpoint: str | None  # bundled model name (file stem in resources/models); None: always from scratch
    config: ExperimentConfig  # the model to build when there is no checkpoint (or it is missing)
    view: str  # which view tab of the window
    subview: str | None = None  # which tab inside that view
    controls: tuple[tuple[str, str, object], ...] = ()
    train_on_open: bool = False  # start training as soon as the model is ready
    sees: str = ""  # what the class sees (docs, start page; may hold <sub>)
    clicks: str = ""  # what the teacher clicks (docs; may hold <sub>)

    @property
    def checkpoint_path(self) -> Path | None:
        return MODELS_DIR / f"{self.checkpoint}.safetensors" if self.checkpoint else None

    @property
    def heading(self) -> str:
        return f"Lesson {self.number} · {self.title}"


def _config(**values) -> ExperimentConfig:
    """The model's and dataset's defaults (core.defaults), the lesson's own `values` over them."""
    return defaults_for(ExperimentConfig(**values)).replace(**values)


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1, "Linear auto-encoder vs PCA",
        idea="Squeeze 784 pixels through d = 8 numbers and back with two matrices: the linear auto-encoder "
             "learns the same subspace as PCA (its error meets PCA's).",
        formula="z = W x,   x̃ = V z,   minimise MSE(x, x̃)",
        checkpoint="mnist-linear-ae", config=_config(model="linear-ae", dataset="mnist", latent_dim=8),
        view=LATENT, subview="W, V and PCA",
        sees="rows of W and columns of V as images beside PCA's components, the angle between the subspaces",
        clicks="compare W's rows with PCA's components, read the angle between the subspaces; Train continues"),
    Lesson(
        2, "Denoising auto-encoder",
        idea="Corrupt the input, ask for the clean digit back: the code keeps what makes a digit, not the noise.",
        formula="x′ = x + ε,   ε ~ N(0, σ²),   z = W x′,   minimise MSE(x, dec(z))",
        checkpoint="mnist-denoising-ae",
        config=_config(model="conv-ae", dataset="mnist", latent_dim=16, noise_sigma=0.5),
        view=LATENT, subview="Reconstructions",
        sees="rows x, x′ = x + ε and x̃ = dec(enc(x′)) with a live σ slider (trained at σ = 0.5)",
        clicks="drag the σ slider from 0 to 1: the digits come back until the noise drowns them"),
    Lesson(
        3, "Interpolating in latent space",
        idea="Encode two images, walk the straight line between their codes and decode every point on it.",
        formula="h₁ = enc(x₁),  h₂ = enc(x₂),  h = λ h₁ + (1 − λ) h₂,  x̃ = dec(h)",
        checkpoint="mnist-ae", config=_config(model="ae", dataset="mnist", latent_dim=2),
        view=LATENT, subview="Interpolation",
        sees="the 2-D latent map of 5,000 test digits and the strip dec(h) for λ from 0 to 1",
        clicks="Shift+click the map for h₁, Ctrl+click for h₂, drag the λ slider; gaps decode to non-digits"),
    Lesson(
        4, "Variational auto-encoder and the reparameterisation",
        idea="The encoder gives a Gaussian, not a point; the KL term packs the codes around N(0, I), so any "
             "z ~ N(0, I) decodes to a digit.",
        formula="z = μ + σ · ε,   ε ~ N(0, I),   loss = reconstruction + β · KL(N(μ, σ²) ‖ N(0, I))",
        checkpoint="mnist-vae", config=_config(model="vae", dataset="mnist", latent_dim=2),
        view=LATENT, subview="Interpolation",
        controls=((LATENT, "fit_button", CLICK),),
        sees="the latent map already filled (no training), the decoded manifold beside it",
        clicks="Sample z ~ N(0, I) (★ on the map); click or drag on the map to decode; Train continues"),
    Lesson(
        5, "Forward noising",
        idea="Add a little Gaussian noise, again and again: any data set ends as a Gaussian blob.",
        formula="x<sub>t+Δt</sub> = x<sub>t</sub> + η,   η ~ N(0, σ² Δt)",
        checkpoint="moons-lecture",
        config=_config(model="gaussian-diffusion", dataset="moons", timesteps=1000, lecture_target="bridge",
                       lecture_prior="matched"),
        view=DIFFUSION, subview="Watch diffusion",
        controls=((DIFFUSION, "controls.mode", "forward"),),
        sees="2,000 points of the two moons spreading into noise, step by step, with a few trails",
        clicks="▶ (or Space) plays, drag the timeline; Denoise from here runs the learned reverse sampler back"),
    Lesson(
        6, "Learning the reverse step",
        idea="Train f to undo one step of noise: given x<sub>t+Δt</sub>, predict x<sub>t</sub>. Watch the noise "
             "turn into two moons while it trains.",
        formula="min<sub>θ</sub> E ‖ f<sub>θ</sub>(x<sub>t+Δt</sub>) − x<sub>t</sub> ‖²,   "
                "so f<sub>θ</sub>(z) ≈ E[x<sub>t</sub> | x<sub>t+Δt</sub> = z]",
        checkpoint=None, config=_config(model="gaussian-diffusion", dataset="moons", steps=4000),
        view=DIFFUSION, subview="Watch diffusion", train_on_open=True,
        controls=((DIFFUSION, "controls.follow", True), (DIFFUSION, "controls.field", True)),
        sees="a model trained live from scratch on the two moons: the loss curve, and samples that re-run "
             "with the newest weights",
        clicks="nothing: training starts by itself (moons within a minute on a laptop); Pause; Reset starts over"),
    Lesson(
        7, "Generating from noise",
        idea="Start from pure noise and apply the learned reverse step T times: the noise becomes data.",
        formula="x̂<sub>T</sub> ~ N(0, σ²);   for t = T−Δt … 0:   "
                "x̂<sub>t</sub> ~ N(f<sub>θ</sub>(x̂<sub>t+Δt</sub>), σ² Δt)",
        checkpoint="8gaussians-lecture",
        config=_config(model="gaussian-diffusion", dataset="8gaussians", timesteps=1000),  # as its bundled model
        view=DIFFUSION, subview="Watch diffusion",
        controls=((DIFFUSION, "controls.field", True),),
        sees="2,000 particles flowing from a Gaussian blob into eight clusters, the arrows of f<sub>θ</sub> behind them",
        clicks="▶ (or Space) plays, drag the timeline; Resample draws a new x̂<sub>T</sub>"),
    Lesson(
        8, "Conditioning and guidance",
        idea="Give the denoiser the class y too (dropped 10 % of the time in training); to sample, push the "
             "prediction away from the unconditional one, toward y, by w.",
        formula="ε̂ = ε<sub>θ</sub>(x<sub>t</sub>, ∅) + w · (ε<sub>θ</sub>(x<sub>t</sub>, y) − "
                "ε<sub>θ</sub>(x<sub>t</sub>, ∅))",
        checkpoint="mnist-conditional-diffusion",
        config=_config(model="diffusion", dataset="mnist", conditional=True, channels=16),
        view=DIFFUSION, subview="Watch diffusion",
        controls=((DIFFUSION, "controls.sampler", "ddim"), (DIFFUSION, "controls.steps", 50)),
        sees="16 digits of the chosen class appearing from noise (DDIM, 50 steps), each beside its predicted x₀",
        clicks="pick a class, drag the guidance w (0: any digit, 1: conditional, 3: very typical)"),
    Lesson(
        9, "Latent diffusion: both halves joined",
        idea="Diffuse the auto-encoder's codes instead of the pixels: a small denoiser learns 16 numbers per "
             "digit in a minute, and the frozen decoder turns its samples into images (how Stable Diffusion works).",
        formula="u = (enc(x) − m) / s,   min<sub>θ</sub> E ‖ ε − ε<sub>θ</sub>(u<sub>t</sub>, t, y) ‖²,   "
                "x̂ = dec(s · û<sub>0</sub> + m)",
        checkpoint=None,
        config=_config(model="latent-diffusion", dataset="mnist", conditional=True),
        view=LATENT_DIFFUSION,
        controls=((LATENT_DIFFUSION, "class_box", 3), (LATENT_DIFFUSION, "guidance", 3),
                  (LATENT_DIFFUSION, "follow", True)),
        sees="the codes of the test digits on the bundled conv auto-encoder's latent map (PCA plane of d = 16), "
             "particles moving from noise into the chosen class's cluster, six of them decoded as they go",
        clicks="press Train: within a minute the particles land in the cluster of the chosen class and decode "
               "to its digits; change the class or w; Measure FCD"),
)


def plain(text: str) -> str:
    """`text` without markup, for places that show plain text: x<sub>t+Δt</sub> -> x_(t+Δt), x<sub>t</sub> -> x_t."""
    return re.sub(r"<sub>(.*?)</sub>", lambda m: f"_{m[1]}" if len(m[1]) == 1 else f"_({m[1]})", text)


def lesson(number: int) -> Lesson:
    """The lesson with this number (1-based); ValueError for another number."""
    for item in LESSONS:
        if item.number == number:
            return item
    raise ValueError(f"no lesson {number}; lessons are 1 to {len(LESSONS)}")
