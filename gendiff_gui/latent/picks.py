"""The points of the latent space the user chose: the marker (probe) and the interpolation's ends h₁, h₂."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class Pick:
    """A point of the latent space the user chose: a code, or an image's code (re-encoded as weights change)."""

    z: np.ndarray  # (d,)
    image: np.ndarray | None = None  # (28, 28)
    name: str = ""

    def copy(self) -> Pick:
        return Pick(self.z.copy(), self.image, self.name)


class Picks:
    """`probe` (the marker) and `ends` ([h₁, h₂] of the interpolation), each a Pick or None before a model."""

    def __init__(self) -> None:
        self.probe: Pick | None = None
        self.ends: list[Pick | None] = [None, None]

    def reset(self, d: int, ends: list[tuple[np.ndarray, str]]) -> None:
        """A new model with d-dimensional codes: the marker at 0, h₁ and h₂ these (image, name) pairs."""
        self.probe = Pick(np.zeros(d, np.float32))
        self.ends = [Pick(np.zeros(d, np.float32), image, name) for image, name in ends]

    @property
    def both_ends(self) -> tuple[Pick, Pick] | None:
        h1, h2 = self.ends
        return None if h1 is None or h2 is None else (h1, h2)

    def of_images(self) -> list[Pick]:
        """The marker, h₁, h₂ that are images (in that order)."""
        return [p for p in (self.probe, *self.ends) if p is not None and p.image is not None]

    def reencode(self, encode: Callable[[np.ndarray], np.ndarray]) -> None:
        """The picks that are images follow the encoder: h <- enc(x) with the newest weights."""
        picks = self.of_images()
        if picks:
            for pick, z in zip(picks, encode(np.stack([p.image for p in picks])[:, None])):
                pick.z = z
