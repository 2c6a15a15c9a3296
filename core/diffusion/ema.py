"""Exponential moving average (EMA) of a denoiser's weights, kept inside the module so snapshots and checkpoints carry it."""
from __future__ import annotations

import copy

import torch
from torch import nn


def _params_to_buffers(module: nn.Module) -> None:
    """Turn every parameter of `module` into a buffer of the same name (so it is saved but never optimised)."""
    for sub in module.modules():
        for name, param in list(sub._parameters.items()):
            if param is None:
                continue
            del sub._parameters[name]
            sub.register_buffer(name, param.detach().clone())


class EMADenoiser(nn.Module):
    """A denoiser `live` (trained: forward runs it) and `average`, its EMA (sampled from).

    average <- d * average + (1 - d) * live after every training step, d = min(decay, (1 + n) / (10 + n)) with n
    the number of updates so far (the usual warm-up, so early samples are not stuck at the initial weights).
    Ho et al. 2020 App. B sample from such an average (decay 0.9999 over 800k steps); with a few thousand steps,
    as here, 0.99-0.999 plays the same part: constant-rate Adam leaves the weights jittering around the optimum, and
    samples from the jittering weights are visibly worse (measured in the report of task.py's defaults).
    The average's weights are buffers, not parameters: `parameters()` lists only the trained weights, while
    `state_dict()` holds both ("live.*", "average.*", "updates").
    """

    def __init__(self, live: nn.Module, decay: float) -> None:
        super().__init__()
        if not 0.0 < decay < 1.0:
            raise ValueError("EMA decay must be in (0, 1)")
        self.live = live
        self.average = copy.deepcopy(live)
        _params_to_buffers(self.average)
        self.decay = float(decay)
        self.register_buffer("updates", torch.zeros((), dtype=torch.long))
        self.data_shape = getattr(live, "data_shape", None)
        self.conditional = getattr(live, "conditional", False)
        self.num_classes = getattr(live, "num_classes", 0)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.live(x, t, y)

    @torch.no_grad()
    def update(self) -> None:
        """Move the average one step toward the live weights."""
        n = int(self.updates)
        d = min(self.decay, (1.0 + n) / (10.0 + n))
        live = dict(self.live.named_parameters())
        for name, avg in self.average.named_buffers():
            src = live.get(name)
            if src is None:  # a true buffer of the network (none in ours): copy it
                src = self.live.get_buffer(name)
                avg.copy_(src)
            else:
                avg.lerp_(src.detach(), 1.0 - d)
        self.updates += 1


def sampling_network(denoiser: nn.Module) -> nn.Module:
    """The network to sample from: the EMA average of an EMADenoiser, else the denoiser itself."""
    return denoiser.average if isinstance(denoiser, EMADenoiser) else denoiser
