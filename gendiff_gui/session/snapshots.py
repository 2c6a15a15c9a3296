"""The latest weights of the experiment on screen, and the CPU copy of its network that views decode with.

How views get snapshots: connect to `SnapshotModel.updated(config, snapshot)`; it is emitted on the GUI
thread whenever new weights arrive (a few times a second while training, once when a model is built or
loaded, once at the end of a run). A view that needs the network (decode a latent point, reconstruct a
digit) uses `network` (a session.network_copy.NetworkCopy: numpy in, numpy out, on the GUI thread only), or
`encode`/`decode`/`reconstruct`/`module()` here, which go to it: a private CPU copy with the latest snapshot
loaded, never the module being trained in the worker. A worker thread takes `network.frozen_copy()`.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from torch import nn

from core.config import ExperimentConfig
from core.training import snapshot_weights
from gendiff_gui.session.network_copy import NetworkCopy


class SnapshotModel(QObject):
    """Holds (config, step, snapshot, data) of the current experiment and `network`, its copy; GUI thread only."""

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
        self.network: NetworkCopy | None = None  # replaced with each experiment; loaded with each snapshot

    def set_experiment(self, experiment) -> None:
        """Take a new experiment (not being trained at this moment): copy its network and current weights."""
        self.config = experiment.config
        self.train_data, self.test_data = experiment.train_data, experiment.test_data
        self.network = NetworkCopy(experiment.module)  # already holds these weights
        self.step = experiment.steps_done
        self.snapshot = snapshot_weights(experiment.module)
        self.experiment_ready.emit(experiment)
        self.updated.emit(self.config, self.snapshot)

    def update(self, snapshot: dict[str, np.ndarray], step: int) -> None:
        """New weights from the training worker (numpy copies it no longer touches)."""
        self.snapshot, self.step = snapshot, step
        if self.network is not None:
            self.network.load(snapshot)  # lazily: copied in on the next decode
        self.updated.emit(self.config, snapshot)

    def _network(self) -> NetworkCopy:
        if self.network is None:
            raise RuntimeError("no experiment yet")
        return self.network

    def module(self) -> nn.Module:
        """The CPU copy of the network with the latest snapshot loaded (lazily, once per snapshot)."""
        return self._network().module()

    def encode(self, x: np.ndarray) -> np.ndarray:
        """Codes z of data x (auto-encoder families; the VAE gives its posterior mean)."""
        return self._network().encode(x)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Data x~ decoded from codes z (auto-encoder families)."""
        return self._network().decode(z)

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return self._network().reconstruct(x)
