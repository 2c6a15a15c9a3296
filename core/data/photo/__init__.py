"""From a grey photo (or a clean drawing) of a digit to MNIST's 28x28 input, step by step (see steps.py)."""
from __future__ import annotations

from core.data.photo.steps import DigitSteps, read_digit

__all__ = ["DigitSteps", "read_digit"]
