"""DiffusionTask (the Task protocol for any NoiseProcess: DDPM, the lecture's Gaussian diffusion) and build_diffusion(config, ...).

Pixel convention: the training loop gives images (B, C, H, W) in [0, 1]; the task maps them to [-1, 1] before
noising (Ho et al. 2020 Sec. 4) and its samplers map back, returning images in [0, 1] (clipped). Points (B, d) are
used as given (expected roughly zero mean, unit scale). Labels y (B,) int64 are used only by a conditional model.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from core.config import ExperimentConfig
from core.diffusion.ddpm import DDPM
from core.diffusion.ema import EMADenoiser
from core.diffusion.flow import FlowMatching
from core.diffusion.frames import Frame, forward_frames, to_model_space
from core.diffusion.lecture import GaussianDiffusion
from core.diffusion.process import NoiseProcess
from core.diffusion.sampling import sample, sample_frames
from core.losses import denoising_objective
from core.models.denoisers import MLPDenoiser, UNetDenoiser

# Sizes for a 2-core CPU, measured on moons with one thread (Adam 2e-3, batch 512): the DDPM reaches an expected
# energy distance 1.05-1.3 times the data floor in 20 s (T = 100); width 256 or 4 blocks learn slower in that time,
# constant-rate Adam without the weight average jitters between 2x and 5x the floor.
MLP_HIDDEN = 128  # 2-D denoiser width (3 residual blocks, Fourier features of x)
MLP_LAYERS = 3
EMA_POINTS = 0.995  # weight-average decay for 2-D models (a few thousand steps)
EMA_IMAGES = 0.999  # ... and for images (tens of thousands of steps)


class DiffusionTask:
    """Joins a denoiser (`module`, every trainable parameter) to its noise process (`process`, a NoiseProcess).

    loss(x, y) = || module(input, t) - target ||^2 with (input, target) = process.training_pair(x_0, t):
    DDPM -> L_simple = E || eps - eps_theta(x_t, t) ||^2 (Ho et al. 2020 eq. 14); lecture ->
    E || f_theta(x_{t+dt}, t+dt) - x_t ||^2 (the lecture's denoising objective). Parts: "total", "denoise" (the
    same number), and the process's `diagnostics` (no gradient), e.g. the lecture's "bridge"
    = ||f - E[x_t | x_{t+dt}, x_0]||^2: its loss minus the noise of its target, so its curve shows the learning
    that the total's curve hides.
    Classifier-free guidance training (Ho & Salimans 2022 Algorithm 1): with a conditional denoiser each label is
    replaced by the null class (index num_classes) with probability `cond_drop`. Noise comes from torch's global
    RNG, so the training loop's torch.manual_seed makes a run repeatable.
    """

    def __init__(self, module: nn.Module, process: NoiseProcess, cond_drop: float = 0.1) -> None:
        self.module = module
        self.process = process
        self.cond_drop = float(cond_drop)

    @property
    def conditional(self) -> bool:
        return bool(getattr(self.module, "conditional", False))

    def _labels(self, y: torch.Tensor | None, batch: int, device: torch.device) -> torch.Tensor | None:
        """None for an unconditional model; else y with each label dropped to the null class w.p. cond_drop."""
        if not self.conditional:
            return None
        null = self.module.num_classes
        if y is None:
            return torch.full((batch,), null, dtype=torch.long, device=device)
        y = y.to(device=device, dtype=torch.long)
        drop = torch.rand(batch, device=device) < self.cond_drop
        return torch.where(drop, torch.full_like(y, null), y)

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        if isinstance(self.module, EMADenoiser) and torch.is_grad_enabled():
            # a training step (the loop backpropagates this loss): first fold the weights of the last update into
            # the average. Evaluations run under no_grad and leave it alone.
            self.module.update()
        x0 = to_model_space(x)
        batch, device = x0.shape[0], x0.device
        labels = self._labels(y, batch, device)
        t = self.process.sample_train_t(batch, device)
        net_input, target = self.process.training_pair(x0, t)  # noise from torch's global RNG
        out = self.module(net_input, t, labels)
        total = denoising_objective(out, target)
        with torch.no_grad():
            extra = self.process.diagnostics(out, x0, t, net_input)
        return {"total": total, "denoise": total.detach(), **extra}

    def sample_frames(self, n: int, **kwargs) -> Iterator[Frame]:
        """`core.diffusion.sampling.sample_frames` with this task's process and module (frames in data space)."""
        return sample_frames(self.process, self.module, n, **kwargs)

    def sample(self, n: int, **kwargs) -> np.ndarray:
        """Final samples: (n, d) points or (n, C, H, W) images in [0, 1] (`core.diffusion.sampling.sample`)."""
        return sample(self.process, self.module, n, **kwargs)

    def forward_frames(self, x0: np.ndarray, seed: int = 0, steps: int | None = None) -> Iterator[Frame]:
        """The noising chain from data-space x0 (see frames.forward_frames)."""
        return forward_frames(self.process, x0, seed=seed, steps=steps)


def build_process(config: ExperimentConfig) -> NoiseProcess:
    """The noise process a config names: "diffusion" -> DDPM(T, schedule), "gaussian-diffusion" -> the lecture's,
    "flow" -> FlowMatching(T, coupling) (rectified flow; T is its default number of sampler steps)."""
    if config.model == "diffusion":
        return DDPM(config.timesteps, config.schedule)
    if config.model == "flow":
        return FlowMatching(config.timesteps, config.coupling)
    if config.model == "gaussian-diffusion":
        return GaussianDiffusion(sigma=config.diffusion_sigma, timesteps=config.timesteps,
                                 target=config.lecture_target, start=config.lecture_prior)
    raise ValueError(f"{config.model!r} is not a diffusion model")


def build_denoiser(config: ExperimentConfig, data_shape: Sequence[int], num_classes: int = 0) -> nn.Module:
    """The raw network: MLP for (d,) points, U-Net for (C, H, W) images; class-conditional if config.conditional."""
    shape = tuple(int(v) for v in data_shape)
    classes = int(num_classes) if config.conditional else 0
    if config.conditional and classes < 1:
        raise ValueError("a conditional diffusion model needs num_classes >= 1 (a labelled dataset)")
    if len(shape) == 1:
        width = getattr(config, "denoiser_width", None) or MLP_HIDDEN
        return MLPDenoiser(shape[0], width, MLP_LAYERS, config.timesteps, classes)
    if len(shape) == 3:
        return UNetDenoiser(shape, config.channels, config.timesteps, classes)  # type: ignore[arg-type]
    raise ValueError(f"data_shape must be (d,) points or (C, H, W) images, got {shape}")


def build_diffusion(config: ExperimentConfig, data_shape: Sequence[int], num_classes: int = 0) -> DiffusionTask:
    """A DiffusionTask rebuilt deterministically from the config (architecture and, via config.seed, initial weights),
    so a checkpoint's state_dict always fits. The global RNG is left as it was."""
    process = build_process(config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        net = build_denoiser(config, data_shape, num_classes)
    net = process.wrap_network(net)  # e.g. the lecture's LectureMean; DDPM trains the raw eps-network
    decay = ema_decay(config, data_shape)
    module = EMADenoiser(net, decay) if decay > 0 else net
    return DiffusionTask(module.to(config.device), process, config.cond_drop)


def ema_decay(config: ExperimentConfig, data_shape: Sequence[int]) -> float:
    """config.ema_decay, or when it is None the default for the data: EMA_POINTS for (d,), EMA_IMAGES for images."""
    value = getattr(config, "ema_decay", None)
    if value is None:
        return EMA_POINTS if len(tuple(data_shape)) == 1 else EMA_IMAGES
    return float(value)
