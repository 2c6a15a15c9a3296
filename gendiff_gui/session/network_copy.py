"""The one way views copy a network to the CPU: NetworkCopy (loads snapshots lazily), frozen_module for a worker,
StoppableNetwork for a worker's long core call."""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from core.data import as_floats
from core.diffusion.ema import sampling_network


def frozen_module(module: nn.Module) -> nn.Module:
    """An independent CPU copy of `module`, in eval mode with gradients off, for one thread (the GUI's or one
    worker's). Make it from a module nobody changes meanwhile (not one a worker trains)."""
    net = copy.deepcopy(module).cpu().eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


class NetworkCopy:
    """numpy in, numpy out: `encode`, `decode`, `posterior`, `reconstruct` of a private frozen copy of a network
    (never the one training), for the one thread that owns this object.

    Weights arrive as snapshots (core.training.snapshot_weights: numpy arrays nobody writes to any more).
    `load(snapshot)` only remembers them; they are copied into the network on the next call that needs them, so
    snapshots arriving faster than anyone decodes cost nothing. Another thread gets its own copy:
    `NetworkCopy(module)` again, or `frozen_copy()` for a bare nn.Module with the newest weights.
    """

    def __init__(self, module: nn.Module) -> None:
        self._module = frozen_module(module)
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
        """Use these weights from the next call on; False (and ignored) if they belong to another network."""
        if not self.fits(snapshot):
            return False
        self._pending = snapshot
        self.version += 1
        return True

    def module(self) -> nn.Module:
        """The copy with the newest snapshot loaded (for anything numpy in, numpy out does not cover)."""
        if self._pending is not None:
            state = {k: torch.from_numpy(np.asarray(v)) for k, v in self._pending.items()}
            self._module.load_state_dict(state)
            self._pending = None
        return self._module

    def frozen_copy(self) -> nn.Module:
        """An independent frozen CPU nn.Module with the newest weights, for a worker thread."""
        return frozen_module(self.module())

    @torch.inference_mode()
    def encode(self, x: np.ndarray) -> np.ndarray:
        """Codes (n, d) of data x (n, *data_shape; uint8 images are grey levels); the VAE's code is its posterior mean."""
        return self.module().encode(torch.as_tensor(as_floats(x), dtype=torch.float32)).numpy()

    @torch.inference_mode()
    def posterior(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """VAE only: (mu, sigma) of q(z|x), each (n, d)."""
        mu, logvar = self.module().posterior(torch.as_tensor(as_floats(x), dtype=torch.float32))
        return mu.numpy(), torch.exp(0.5 * logvar).numpy()

    @torch.inference_mode()
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Data (n, *data_shape) decoded from codes z (n, d)."""
        z = np.asarray(z, dtype=np.float32)
        return self.module().decode(torch.as_tensor(z.reshape(len(z), -1))).numpy()

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """dec(enc(x)), shaped like x."""
        return self.decode(self.encode(x))



class Stopped(Exception):
    """Raised by a `StoppableNetwork` called after its job was asked to stop."""


class StoppableNetwork(nn.Module):
    """`net` (a frozen copy), refusing to run once `stopped()` is True: a long core call (sampling hundreds of
    steps, a quality measure) that calls the network every step then ends within one network pass of a stop,
    raising `Stopped`, instead of keeping a closing window waiting. Looks like `net` to core (data_shape,
    conditional, num_classes); an EMA denoiser's average is the one it runs (core.diffusion.ema.sampling_network)."""

    def __init__(self, net: nn.Module, stopped) -> None:
        super().__init__()
        self.net = sampling_network(net)
        self._stopped = stopped
        for name in ("data_shape", "conditional", "num_classes"):
            if hasattr(self.net, name):
                setattr(self, name, getattr(self.net, name))

    def forward(self, *args, **kwargs):
        if self._stopped():
            raise Stopped()
        return self.net(*args, **kwargs)
