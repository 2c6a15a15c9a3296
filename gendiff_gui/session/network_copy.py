"""A CPU copy of an auto-encoder that the GUI thread encodes and decodes with, loaded from the latest snapshot."""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn


class SnapshotNet:
    """numpy in, numpy out: `encode`, `decode`, `posterior` of a private copy of the network (never the one training).

    `load(snapshot)` only remembers the weights; they are copied into the network on the next call that needs
    them, so snapshots arriving faster than anyone decodes cost nothing.
    """

    def __init__(self, module: nn.Module) -> None:
        self._module = copy.deepcopy(module).cpu().eval()
        for p in self._module.parameters():
            p.requires_grad_(False)
        self._shapes = {k: tuple(v.shape) for k, v in self._module.state_dict().items()}
        self._pending: dict[str, np.ndarray] | None = None
        self.version = 0  # bumped by every load: who caches results compares it

    @property
    def is_vae(self) -> bool:
        return hasattr(self._module, "posterior")

    @property
    def data_shape(self) -> tuple[int, ...]:
        return tuple(self._module.data_shape)

    def fits(self, snapshot: dict[str, np.ndarray]) -> bool:
        """True if `snapshot` has this network's keys and shapes (not another model's weights)."""
        return snapshot.keys() == self._shapes.keys() and all(
            tuple(np.shape(v)) == self._shapes[k] for k, v in snapshot.items())

    def load(self, snapshot: dict[str, np.ndarray]) -> bool:
        """Use these weights (numpy arrays nobody else writes to) from the next call on; False (and ignored) if
        they belong to another network."""
        if not self.fits(snapshot):
            return False
        self._pending = snapshot
        self.version += 1
        return True

    def module(self) -> nn.Module:
        if self._pending is not None:
            state = {k: torch.from_numpy(np.asarray(v)) for k, v in self._pending.items()}
            self._module.load_state_dict(state)
            self._pending = None
        return self._module

    @torch.inference_mode()
    def encode(self, x: np.ndarray) -> np.ndarray:
        """Codes (n, d) of data x (n, 1, 28, 28); the VAE's code is its posterior mean."""
        return self.module().encode(torch.as_tensor(x, dtype=torch.float32)).numpy()

    @torch.inference_mode()
    def posterior(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """VAE only: (mu, sigma) of q(z|x), each (n, d)."""
        mu, logvar = self.module().posterior(torch.as_tensor(x, dtype=torch.float32))
        return mu.numpy(), torch.exp(0.5 * logvar).numpy()

    @torch.inference_mode()
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Images (n, 28, 28) decoded from codes z (n, d)."""
        out = self.module().decode(torch.as_tensor(np.asarray(z, dtype=np.float32).reshape(len(z), -1)))
        return out.numpy().reshape(len(z), *out.shape[-2:])

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return self.decode(self.encode(x))


def interpolate_codes(h1: np.ndarray, h2: np.ndarray, lambdas: np.ndarray, spherical: bool = False) -> np.ndarray:
    """core.interpolation's lerp / slerp on numpy codes: one row per λ (λ = 1 gives h1, λ = 0 gives h2)."""
    from core.interpolation import lerp, slerp

    a = torch.as_tensor(np.asarray(h1, dtype=np.float32))
    b = torch.as_tensor(np.asarray(h2, dtype=np.float32))
    lam = torch.as_tensor(np.asarray(lambdas, dtype=np.float32))
    return (slerp if spherical else lerp)(a, b, lam).numpy()
