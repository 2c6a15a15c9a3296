"""The latest weights of the experiment on screen, and a CPU copy of its network that views decode with.

How views get snapshots: connect to `SnapshotModel.updated(config, snapshot)`; it is emitted on the GUI
thread whenever new weights arrive (a few times a second while training, once when a model is built or
loaded, once at the end of a run). A view that needs the network (decode a latent point, reconstruct a
digit) calls `encode`/`decode`/`reconstruct` (numpy in, numpy out), or `module()` for anything else: that
is a private CPU copy loaded with the latest snapshot, never the module being trained in the worker.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal
from torch import nn

from core.config import ExperimentConfig


class SnapshotModel(QObject):
    """Holds (config, step, snapshot, data) of the current experiment; GUI thread only."""

    updated = Signal(object, object)  # ExperimentConfig, dict[str, np.ndarray]
    # A new experiment (built or loaded), before any training on it: a view may read it now (its data, its
    # module to copy) but must not keep the module, which a worker will train.
    experiment_ready = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config: ExperimentConfig | None = None
        self.step = 0
        self.snapshot: dict[str, np.ndarray] = {}
        self.train_data = None  # core.data ArrayDataset (numpy), for views that show examples
        self.test_data = None
        self._module: nn.Module | None = None
        self._loaded_version = -1
        self._version = 0

    def set_experiment(self, experiment) -> None:
        """Take a new experiment (not being trained at this moment): copy its network and current weights."""
        self.config = experiment.config
        self.train_data, self.test_data = experiment.train_data, experiment.test_data
        self._module = copy.deepcopy(experiment.module).cpu().eval()
        for p in self._module.parameters():
            p.requires_grad_(False)
        self.step = experiment.steps_done
        self.snapshot = {k: v.detach().cpu().numpy().copy() for k, v in experiment.module.state_dict().items()}
        self._version += 1
        self._loaded_version = self._version  # the copy already holds these weights
        self.experiment_ready.emit(experiment)
        self.updated.emit(self.config, self.snapshot)

    def update(self, snapshot: dict[str, np.ndarray], step: int) -> None:
        """New weights from the training worker (numpy copies it no longer touches)."""
        self.snapshot, self.step = snapshot, step
        self._version += 1
        self.updated.emit(self.config, snapshot)

    def module(self) -> nn.Module:
        """The CPU copy of the network with the latest snapshot loaded (lazily, once per snapshot)."""
        if self._module is None:
            raise RuntimeError("no experiment yet")
        if self._loaded_version != self._version:
            state = {k: torch.from_numpy(np.asarray(v)) for k, v in self.snapshot.items()}
            self._module.load_state_dict(state)
            self._loaded_version = self._version
        return self._module

    @torch.no_grad()
    def encode(self, x: np.ndarray) -> np.ndarray:
        """Codes z of data x (auto-encoder families; the VAE gives its posterior mean)."""
        return self.module().encode(torch.as_tensor(x, dtype=torch.float32)).numpy()

    @torch.no_grad()
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Data x~ decoded from codes z (auto-encoder families)."""
        return self.module().decode(torch.as_tensor(z, dtype=torch.float32)).numpy()

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return self.decode(self.encode(x))
