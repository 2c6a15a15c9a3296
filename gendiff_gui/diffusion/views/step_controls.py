"""The "Step mode" controls: a Step button (key N), the picked particle or image, and the step's formula with that
step's numbers (from the process's explain_step)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QSpinBox, QWidget

from gendiff_gui.diffusion.views.field_controls import readout_label


def term_text(value) -> str:
    """A number or a short vector as text (6 significant digits: enough to redo the step by hand)."""
    array = np.asarray(value, np.float64).ravel()
    if array.size == 1:
        return f"{float(array[0]):.6g}"
    if array.size <= 4:
        return "(" + ", ".join(f"{float(c):.6g}" for c in array) + ")"
    return f"{array.size} values, mean {array.mean():.4g}"


class StepControls(QWidget):
    """Out: `step_requested`, `picked_changed(index)`; in: `set_items(n, kind)`, `set_picked(i)` (silent),
    `show_terms(t, s, formula, [(name, value)], result)` and `show_text(text)`."""

    step_requested = Signal()
    picked_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.step = QPushButton("Step")
        self.step.setAccessibleName("Step the reverse process")
        self.step.setToolTip("one reverse step x_t → x_s from the frame on screen, with its formula and numbers "
                             "for the picked sample (key N); the first press starts from x_T")
        self.step.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.picked = QSpinBox()
        self.picked.setRange(0, 0)
        self.picked.setKeyboardTracking(False)
        self.picked.setAccessibleName("Picked sample")
        self.picked.setToolTip("the particle (click one on the plot) or image whose step is written out")
        self.formula = readout_label("Step formula", "the step's formula")
        self.numbers = readout_label("Step numbers", "the numbers of this step for the picked sample, as the "
                                     "sampler used them")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self._picked_label = QLabel("Particle")
        self._picked_label.setBuddy(self.picked)
        form.addRow(self.step)
        form.addRow(self._picked_label, self.picked)
        form.addRow(self.formula)
        form.addRow(self.numbers)
        self.step.clicked.connect(self.step_requested)
        self.picked.valueChanged.connect(self._on_picked)

    def set_items(self, count: int, kind: str) -> None:
        """`count` samples of `kind` ("Particle" or "Image") to pick from. Silent."""
        self._loading = True
        try:
            self.picked.setRange(0, max(0, int(count) - 1))
        finally:
            self._loading = False
        self._picked_label.setText(kind)

    def set_picked(self, index: int) -> None:
        self._loading = True
        try:
            self.picked.setValue(int(index))
        finally:
            self._loading = False

    def show_terms(self, t: int, s: int, formula: str, terms: list[tuple[str, object]], result) -> None:
        self.formula.setText(f"t = {t} → {s}:  {formula}")
        lines = [f"{name} = {term_text(value)}" for name, value in terms]
        lines.append(f"result = {term_text(result)}")
        self.numbers.setText("\n".join(lines))

    def show_text(self, text: str) -> None:
        self.formula.setText(text)
        self.numbers.setText("")

    def _on_picked(self, value: int) -> None:
        if not self._loading:
            self.picked_changed.emit(int(value))
