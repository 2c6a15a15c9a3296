"""The "Fields and probe" controls: which field of the network the arrows show, and a probe point with its numbers."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QWidget,
)

PROBE_RANGE = 50.0  # the probe's coordinates (the plot's extent is a few units)


def _coordinate(name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(-PROBE_RANGE, PROBE_RANGE)
    spin.setDecimals(2)
    spin.setSingleStep(0.05)
    spin.setKeyboardTracking(False)
    spin.setAccessibleName(f"Probe {name}")
    spin.setToolTip(f"the probe's {name} coordinate (or drag the cross on the plot; arrow keys step it here)")
    return spin


def readout_label(name: str, tip: str) -> QLabel:
    """A word-wrapped, selectable label of numbers, with its accessible name and tooltip."""
    label = QLabel("")
    label.setAccessibleName(name)
    label.setToolTip(tip)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def format_vector(v: np.ndarray) -> str:
    """(a, b) with 4 significant digits each."""
    return "(" + ", ".join(f"{float(c):.4g}" for c in np.asarray(v).ravel()) + ")"


class FieldControls(QWidget):
    """Out: `kind_changed(kind)`, `probe_toggled(on)`, `probe_moved(x, y)` (from the spin boxes); in: `configure
    (kinds)`, `set_probe(x, y)` (silent), `show_readout(kind label, vector, x0)`."""

    kind_changed = Signal(str)
    probe_toggled = Signal(bool)
    probe_moved = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.kind = QComboBox()
        self.kind.setAccessibleName("Vector field kind")
        self.kind.setToolTip("what the arrows show, all from the same network: the pull toward x̂₀, the predicted "
                             "noise ε̂, the score −ε̂/σ_t (which way the density grows) or the velocity v "
                             "(where the sampler moves x)")
        self.kind.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.probe = QCheckBox("Probe")
        self.probe.setAccessibleName("Show the field probe")
        self.probe.setToolTip("a point on the plot (drag the cross) showing its vector and its x̂₀")
        self.probe.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.x, self.y = _coordinate("x"), _coordinate("y")
        coords = QWidget()
        row = QHBoxLayout(coords)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.x)
        row.addWidget(self.y)
        self.readout = readout_label("Probe readout", "the probe's vector (unscaled) and the x̂₀ the network "
                                     "predicts there")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Field", self.kind)
        form.addRow(self.probe)
        form.addRow(coords)
        form.addRow(self.readout)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.probe.toggled.connect(self.probe_toggled)
        for spin in (self.x, self.y):
            spin.valueChanged.connect(self._on_spin)

    def configure(self, kinds: dict[str, str]) -> None:
        """The field kinds offered ({kind: label}); the current one is kept when still offered. Silent."""
        current = self.kind.currentData()
        self._loading = True
        try:
            self.kind.clear()
            for kind, label in kinds.items():
                self.kind.addItem(label, kind)
            index = self.kind.findData(current)
            self.kind.setCurrentIndex(max(index, 0))
        finally:
            self._loading = False

    @property
    def current_kind(self) -> str:
        return self.kind.currentData()

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def set_probe(self, x: float, y: float) -> None:
        self._loading = True
        try:
            self.x.setValue(x)
            self.y.setValue(y)
        finally:
            self._loading = False

    def show_readout(self, label: str, vector: np.ndarray | None, x0: np.ndarray | None) -> None:
        if vector is None or x0 is None:
            self.readout.setText("")
            return
        norm = float(np.sqrt(np.sum(np.asarray(vector, np.float64) ** 2)))
        self.readout.setText(f"{label}: {format_vector(vector)}, length {norm:.4g}\nx̂₀ = {format_vector(x0)}")

    def _on_kind(self, _index: int) -> None:
        if not self._loading:
            self.kind_changed.emit(self.current_kind)

    def _on_spin(self, _value: float) -> None:
        if not self._loading:
            self.probe_moved.emit(self.x.value(), self.y.value())
