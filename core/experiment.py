"""An experiment: a config turned into data, a network and its training objective, ready to train or to load."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core.adam import Adam
from core.autoencoder_task import AutoencoderTask, VAETask
from core.checkpoint import (Checkpoint, CheckpointError, check_state_matches, load_checkpoint, load_state_into,
                             save_checkpoint)
from core.config import ExperimentConfig
from core.data import ArrayDataset, column_mean, load_dataset
from core.device import choose_device
from core.lr_schedule import lr_schedule
from core.models.autoencoders import LinearAutoencoder, conv_autoencoder, mlp_autoencoder
from core.models.vae import conv_vae, mlp_vae
from core.tasks import Task
from core.training import TrainEvent, train


def build_task(config: ExperimentConfig, data_shape: tuple[int, ...], num_classes: int) -> Task:
    """The network of `config.model` (seeded by config.seed) wrapped in its training objective."""
    torch.manual_seed(config.seed)
    bounded = len(data_shape) == 3  # images live in [0, 1]: decode through a sigmoid
    model = config.model
    if model == "linear-ae":
        return AutoencoderTask(LinearAutoencoder(data_shape, config.latent_dim), config.noise_sigma)
    if model == "ae":
        return AutoencoderTask(mlp_autoencoder(data_shape, config.latent_dim, config.hidden, bounded),
                               config.noise_sigma)
    if model == "conv-ae":
        return AutoencoderTask(conv_autoencoder(data_shape, config.latent_dim), config.noise_sigma)
    if model == "vae":
        return VAETask(mlp_vae(data_shape, config.latent_dim, config.hidden, bounded), config.beta,
                       config.noise_sigma)
    if model == "conv-vae":
        return VAETask(conv_vae(data_shape, config.latent_dim), config.beta, config.noise_sigma)
    if config.family == "latent-diffusion":
        from core.latent_diffusion.task import build_latent_diffusion

        return build_latent_diffusion(config, data_shape, num_classes)
    from core.diffusion.task import build_diffusion  # imported lazily: auto-encoder users never pay for it

    return build_diffusion(config, data_shape, num_classes)


def batches(data: ArrayDataset, batch_size: int, seed: int) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """Endless shuffled float32 minibatches (a new permutation each epoch, seeded); uint8 images are converted one
    batch at a time, in the thread that iterates (the training thread), so no float copy of the set is ever made."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.from_numpy(data.y) if data.y is not None else None
    n = len(data)
    batch_size = min(batch_size, n)
    while True:
        order = torch.randperm(n, generator=gen)
        for start in range(0, n - batch_size + 1, batch_size):
            idx = order[start : start + batch_size]
            yield torch.from_numpy(data.floats(idx.numpy())), (y[idx] if y is not None else None)


@dataclass
class Experiment:
    """A config with its data, task and network; `module` is the trained nn.Module."""

    config: ExperimentConfig
    train_data: ArrayDataset
    test_data: ArrayDataset
    task: Task
    steps_done: int = 0
    seconds_done: float = 0.0
    # Adam's moments, kept from one run to the next (a session file saves them); None: a fresh Adam next run.
    optimizer: Adam | None = None

    @property
    def module(self) -> nn.Module:
        return self.task.module

    @property
    def family(self) -> str:
        return self.config.family

    @classmethod
    def create(cls, config: ExperimentConfig, points: np.ndarray | None = None) -> "Experiment":
        """Load the data of `config.dataset` (or the user's `points`) and build a fresh, seeded network."""
        config = config.validate()
        linked = None
        if config.family == "latent-diffusion":  # the frozen auto-encoder under it (default: bundled for the data)
            from core.latent_diffusion.autoencoder_link import load_autoencoder, with_autoencoder

            linked = load_autoencoder(config.autoencoder, config.dataset)
            config = with_autoencoder(config, linked)
        train_data = load_dataset(config.dataset, "train", seed=config.seed, points=points)
        test_data = load_dataset(config.dataset, "test", seed=config.seed, points=points)
        exp = cls._assemble(config, train_data, test_data)
        if linked is not None:
            load_state_into(exp.module.codes.autoencoder, linked.state, "auto-encoder")
        return exp

    @classmethod
    def _assemble(cls, config: ExperimentConfig, train_data: ArrayDataset, test_data: ArrayDataset) -> "Experiment":
        task = build_task(config, train_data.data_shape, train_data.num_classes)
        module = task.module.to(config.device)  # every family alike (a no-op on the CPU); batches follow it
        if isinstance(module, LinearAutoencoder):
            module.set_data_mean(torch.from_numpy(column_mean(train_data.x).astype(np.float32)))
        module.eval()
        return cls(config=config, train_data=train_data, test_data=test_data, task=task)

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, points: np.ndarray | None = None,
                        device: str = "cpu") -> "Experiment":
        """Rebuild an experiment from a checkpoint (validated; raises CheckpointError), on `device`."""
        ckpt = load_checkpoint(path)
        return cls.from_loaded(ckpt, points=points, device=device)

    @classmethod
    def from_loaded(cls, ckpt: Checkpoint, points: np.ndarray | None = None, device: str = "cpu") -> "Experiment":
        """Rebuild the checkpoint's experiment on this machine; raises CheckpointError (and nothing else) when its
        settings cannot build a model or its weights do not fit it.

        The file's settings are not trusted: the network is first built on torch's "meta" device (shapes only,
        nothing allocated) and compared with the weights, so settings claiming a huge network are refused before
        any memory is spent. The device the file names is not used: the experiment opens on `device` (the CPU unless
        the caller asks for another), so a model trained on a GPU opens in the window on the CPU.
        """
        meta = ckpt.metadata
        config = ckpt.config.replace(device=choose_device(device))
        try:
            if points is None and meta.get("points") is not None:
                points = np.asarray(meta["points"], dtype=np.float32)
            config = config.validate()
            if config.family == "latent-diffusion":  # it must carry the very auto-encoder it records
                from core.latent_diffusion.autoencoder_link import check_carried

                check_carried(config, ckpt.state)
            train_data = load_dataset(config.dataset, "train", seed=config.seed, points=points)
            test_data = load_dataset(config.dataset, "test", seed=config.seed, points=points)
            with torch.device("meta"):
                shapes = build_task(config.replace(device="meta"), train_data.data_shape, train_data.num_classes)
            check_state_matches(shapes.module, ckpt.state)
            exp = cls._assemble(config, train_data, test_data)
            load_state_into(exp.module, ckpt.state)
            exp.steps_done = int(meta.get("steps", 0))
            exp.seconds_done = float(meta.get("seconds", 0.0))
        except CheckpointError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, RuntimeError, MemoryError,
                AssertionError, NotImplementedError) as exc:
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise CheckpointError(f"the checkpoint's settings cannot build a model here: {reason}") from exc
        return exp

    def to(self, device: str) -> "Experiment":
        """Move the network to `device` (its config says so from now on); returns self."""
        self.task.module.to(device)
        self.config = self.config.replace(device=device)
        return self

    def batches(self, seed: int | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        data = self.train_data
        if hasattr(self.task, "training_set"):  # a task that trains on a transform of the data (latent codes)
            data = self.task.training_set(data)
        return batches(data, self.config.batch_size, self.config.seed if seed is None else seed)

    def train(self, *, steps: int | None = None, seconds: float | None = None,
              stop: threading.Event | None = None, snapshot_every_s: float = 0.25) -> Iterator[TrainEvent]:
        """Continue training from the current weights; yields the training loop's events."""
        if steps is None and seconds is None:
            steps, seconds = self.config.steps, self.config.seconds
        optimizer = self.make_optimizer()
        # a decaying lr (config.lr_decay) spans a run of known length (steps or seconds); an open-ended run keeps
        # config.lr
        bounded = steps is not None or seconds is not None
        schedule = lr_schedule(self.config.lr_decay, self.config.lr) if bounded else None
        for event in train(self.task, self.batches(seed=self.config.seed + self.steps_done), lr=self.config.lr,
                           steps=steps, seconds=seconds, stop=stop, snapshot_every_s=snapshot_every_s,
                           start_step=self.steps_done, optimizer=optimizer, lr_schedule=schedule):
            if event.done:
                self.steps_done = event.step
                self.seconds_done += event.seconds
                if event.diverged:
                    self.optimizer = None  # its moments may hold the step that diverged: the next run starts afresh
            yield event

    def make_optimizer(self) -> Adam:
        """The experiment's Adam (made on first use, as core.training.train makes one), at the config's lr."""
        if self.optimizer is None:
            params = [p for p in self.module.parameters() if p.requires_grad]
            self.optimizer = Adam(params, lr=self.config.lr)
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr  # a changed learning rate applies to the next run
        return self.optimizer

    def save(self, path: str | os.PathLike, metrics: dict[str, float] | None = None,
             extra: dict[str, Any] | None = None) -> None:
        meta: dict[str, Any] = {
            "dataset": self.config.dataset,
            "data_shape": list(self.train_data.data_shape),
            "num_classes": self.train_data.num_classes,
            "class_names": list(self.train_data.class_names),
            "steps": self.steps_done,
            "seconds": round(self.seconds_done, 3),
            "metrics": metrics or {},
        }
        if self.config.dataset == "points":
            meta["points"] = self.train_data.x.tolist()
        meta.update(extra or {})
        save_checkpoint(path, self.module.state_dict(), self.config, meta)
