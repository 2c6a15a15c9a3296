"""A task joins a network to its training objective, so one training loop serves every model family."""
from __future__ import annotations

from typing import Protocol

import torch
from torch import nn


class Task(Protocol):
    """What the training loop needs from a model family.

    `module` holds every trainable parameter (and is what a checkpoint stores);
    `loss` returns a dict of scalar tensors whose key "total" is minimised, the other keys
    (reconstruction, kl, denoise ...) are the parts shown on the loss curves.
    """

    module: nn.Module

    def loss(self, x: torch.Tensor, y: torch.Tensor | None) -> dict[str, torch.Tensor]: ...
