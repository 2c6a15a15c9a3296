"""StepTerms: one reverse step's formula with that step's numbers, what step mode shows beside a picked sample."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def _numpy(value: torch.Tensor | float) -> np.ndarray | float:
    """A tensor as a float64 numpy array (per sample), a number as a float."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float64).numpy().copy()
    return float(value)


@dataclass(frozen=True)
class StepTerms:
    """One step x_t -> x_s: `formula` (text), `terms` the named numbers in the order the formula reads them (a
    float for a number shared by the batch, an array (n, ...) for one row per sample), and `result` the x_s that
    the process's `step` returned (model space, (n, ...)). Recomputing the formula from the terms gives `result`."""

    formula: str
    terms: tuple[tuple[str, np.ndarray | float], ...]
    result: np.ndarray

    def values(self) -> dict[str, np.ndarray | float]:
        return dict(self.terms)

    def for_sample(self, i: int) -> "StepTerms":
        """The same step for sample i only: per-sample arrays cut to their row i."""
        rows = tuple((name, value if isinstance(value, float) else value[i]) for name, value in self.terms)
        return StepTerms(self.formula, rows, self.result[i])


def explained(formula: str, result: torch.Tensor, *terms: tuple[str, torch.Tensor | float]) -> StepTerms:
    """StepTerms from torch values (converted to numpy)."""
    return StepTerms(formula, tuple((name, _numpy(value)) for name, value in terms), _numpy(result))
