"""LatentDiffusionTask: DiffusionTask over standardised codes u = (enc(x) - m) / s of a frozen auto-encoder.

Training: images -> raw codes (encoded once per experiment, see `training_set`) -> u -> the noise process's loss,
any process build_process names (config.latent_process: DDPM/DDIM, the lecture's, ...). Generating: the reverse
process in code space (core.diffusion.sampling, classifier-free guidance included), then x = dec(u * s + m).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from core.config import ExperimentConfig
from core.data import ArrayDataset
from core.diffusion.ema import EMADenoiser
from core.diffusion.frames import Frame
from core.diffusion.sampling import sample_frames
from core.diffusion.task import DiffusionTask, build_process, ema_decay
from core.latent_diffusion.autoencoder_link import autoencoder_config
from core.latent_diffusion.codes import CodeSpace
from core.models.denoisers import MLPDenoiser

# The code denoiser (an MLP over d <= 16 coordinates): wider than the 2-D one, no Fourier features (the codes are
# smooth clusters, not thin 2-D curves).
LATENT_HIDDEN = 256
LATENT_LAYERS = 4
LATENT_OCTAVES = 0


_CODE_CACHE: dict[tuple[str, str, int], np.ndarray] = {}  # (auto-encoder sha256, data name, n) -> raw codes
_CODE_CACHE_LOCK = threading.Lock()
_KEY_LOCKS: dict[tuple[str, str, int], threading.Lock] = {}
_CODE_CACHE_SIZE = 4


def encoded_codes(codes: CodeSpace, images: ArrayDataset, autoencoder_sha256: str,
                  should_stop: Callable[[], bool] | None = None, chunk: int = 2048) -> np.ndarray | None:
    """Raw codes z = enc(x) of a data set, encoded once per process for each auto-encoder (keyed by its weights'
    sha256): a retrained or reset latent model, or the window warming up before Train, finds them ready.
    `should_stop` is asked between chunks: when it says so, nothing is cached and None comes back."""
    key = (autoencoder_sha256, images.name, len(images))
    with _CODE_CACHE_LOCK:
        key_lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with key_lock:  # a second caller for the same codes waits for the first instead of encoding them again
        with _CODE_CACHE_LOCK:
            cached = _CODE_CACHE.get(key)
        if cached is not None:
            return cached
        parts = []
        for start in range(0, len(images), chunk):
            if should_stop is not None and should_stop():
                return None
            parts.append(codes.encode(torch.from_numpy(images.floats(slice(start, start + chunk)))).numpy())
        z = np.concatenate(parts) if parts else np.zeros((0, codes.latent_dim), np.float32)
        with _CODE_CACHE_LOCK:
            if len(_CODE_CACHE) >= _CODE_CACHE_SIZE:
                _CODE_CACHE.pop(next(iter(_CODE_CACHE)))
            _CODE_CACHE[key] = z
    return z


class LatentDiffusionModule(nn.Module):
    """What a latent checkpoint stores: the code denoiser (`denoiser`, trained) and the frozen `codes` space
    (auto-encoder weights, m, s)."""

    def __init__(self, denoiser: nn.Module, codes: CodeSpace) -> None:
        super().__init__()
        self.denoiser = denoiser
        self.codes = codes


class LatentDiffusionTask:
    """The Task of a latent diffusion: `module` (a LatentDiffusionModule), `process` (a NoiseProcess over codes)."""

    def __init__(self, module: LatentDiffusionModule, process, cond_drop: float = 0.1,
                 autoencoder_sha256: str = "") -> None:
        self.module = module
        self.process = process
        self.autoencoder_sha256 = autoencoder_sha256  # the frozen auto-encoder's identity (keys its code cache)
        self.diffusion = DiffusionTask(module.denoiser, process, cond_drop)
        self._train_codes: ArrayDataset | None = None

    @property
    def codes(self) -> CodeSpace:
        return self.module.codes

    @property
    def conditional(self) -> bool:
        return self.diffusion.conditional

    def raw_codes(self, x: torch.Tensor) -> torch.Tensor:
        """z of a batch: images (B, C, H, W) are encoded, codes (B, d) pass as they are."""
        return self.codes.encode(x) if x.dim() == 4 else x

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The process's denoising loss on u = (z - m) / s (DiffusionTask.loss, CFG label dropping included)."""
        return self.diffusion.loss(self.codes.standardise(self.raw_codes(x)), y)

    def training_set(self, images: ArrayDataset) -> ArrayDataset:
        """The training images as raw codes (encoded once and kept); fits m, s on them when not fitted yet
        (a reopened model keeps the m, s it was trained with)."""
        if self._train_codes is None or len(self._train_codes) != len(images):
            z = encoded_codes(self.codes, images, self.autoencoder_sha256)
            if not int(self.codes.fitted):
                self.codes.fit(torch.from_numpy(z))
            self._train_codes = ArrayDataset(x=z, y=images.y, kind="points", class_names=images.class_names,
                                             name=f"{images.name} codes")
        return self._train_codes

    def sample_frames(self, n: int, **kwargs) -> Iterator[Frame]:
        """Frames of the reverse run in standardised code space (u_t, u0_hat), as core.diffusion.sampling."""
        return sample_frames(self.process, self.module.denoiser, n, **kwargs)

    def decode(self, u: np.ndarray) -> np.ndarray:
        """Images (n, C, H, W) in [0, 1] of standardised codes u (n, d)."""
        images = self.codes.decode(torch.as_tensor(np.asarray(u, dtype=np.float32)))
        return images.clamp(0.0, 1.0).numpy()

    def sample_codes(self, n: int, **kwargs) -> np.ndarray:
        """The final standardised codes u_0 (n, d) of a reverse run (arguments as core.diffusion.sampling)."""
        frame = None
        for frame in self.sample_frames(n, **kwargs):
            pass
        assert frame is not None
        return frame.x_t

    def sample(self, n: int, **kwargs) -> np.ndarray:
        """Generated images (n, C, H, W) in [0, 1]: the reverse run in code space, then the frozen decoder."""
        return self.decode(self.sample_codes(n, **kwargs))


def build_latent_diffusion(config: ExperimentConfig, data_shape: Sequence[int], num_classes: int = 0
                           ) -> LatentDiffusionTask:
    """The task a latent config describes, rebuilt deterministically (seeded; the global RNG left as it was):
    the recorded auto-encoder's architecture (its weights come from the checkpoint or the linked file) and an MLP
    denoiser over its d codes."""
    from core.experiment import build_task  # the auto-encoder's own builder (imported late: experiment imports us)

    ae_config = autoencoder_config(config).replace(device=config.device)
    process = build_process(config.replace(model=config.latent_process))
    classes = int(num_classes) if config.conditional else 0
    if config.conditional and classes < 1:
        raise ValueError("a conditional latent diffusion needs a labelled dataset")
    d = ae_config.latent_dim
    with torch.random.fork_rng(devices=[]):
        autoencoder = build_task(ae_config, tuple(data_shape), num_classes).module
        torch.manual_seed(config.seed)
        net = MLPDenoiser(d, LATENT_HIDDEN, LATENT_LAYERS, config.timesteps, classes, octaves=LATENT_OCTAVES)
    net = process.wrap_network(net)
    decay = ema_decay(config, (d,))
    denoiser = EMADenoiser(net, decay) if decay > 0 else net
    module = LatentDiffusionModule(denoiser, CodeSpace(autoencoder, d))
    return LatentDiffusionTask(module.to(config.device), process, config.cond_drop, config.autoencoder_sha256)
