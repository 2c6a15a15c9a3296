"""A spin box for positive numbers spanning decades (a learning rate): shows 1e-3, steps by a factor of sqrt(10)."""
from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox


class ScientificSpinBox(QDoubleSpinBox):
    """Text like `3e-4`; the arrow keys multiply or divide by about 3 (1, 3, 10, 30 ...)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.3g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        exponent = round(2 * math.log10(value)) + steps  # half-decades: 1e-3, 3e-3, 1e-2 ...
        mantissa = 1.0 if exponent % 2 == 0 else 3.0
        self.setValue(mantissa * 10 ** (exponent // 2))
