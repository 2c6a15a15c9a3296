"""The experiment panel: dataset, model and the settings relevant to that model, each explained by its formula."""
from __future__ import annotations

import importlib.util

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout,
                               QWidget)

from core.config import ALL_MODELS, DIFFUSION_MODELS, MODEL_DESCRIPTIONS, ExperimentConfig
from core.data import IMAGE_DATASETS
from core.data.own.registry import looks_like_own, own_kind, registered
from core.defaults import defaults_for
from gendiff_gui.shell.fields import FIELDS, NAMED_DATASETS, Field
from gendiff_gui.widgets.sci_spinbox import ScientificSpinBox


def model_available(model: str) -> bool:
    """Diffusion models need core.diffusion, which may not be installed yet."""
    if model in DIFFUSION_MODELS:
        return importlib.util.find_spec("core.diffusion.task") is not None
    return True


def dataset_fits(model: str, dataset: str) -> bool:
    """Convolutional models only take 28x28 images (bundled, or an own folder's); a latent diffusion only a bundled
    image set (it models the codes of that set's bundled auto-encoder)."""
    if dataset in IMAGE_DATASETS:
        return True
    if model == "latent-diffusion":
        return False
    if not model.startswith("conv-"):
        return True
    return looks_like_own(dataset) and own_kind(dataset) == "image"


def _editor(field: Field) -> QWidget:
    if field.kind == "choice":
        box = QComboBox()
        box.addItems(list(field.choices))
        return box
    if field.kind == "int":
        box = QSpinBox()
        box.setRange(int(field.minimum), int(field.maximum))
        box.setSpecialValueText(field.special_zero)
        box.setAccelerated(True)
    elif field.kind == "sci":
        box = ScientificSpinBox()
        box.setRange(field.minimum, field.maximum)
    else:
        box = QDoubleSpinBox()
        box.setDecimals(2)
        box.setSingleStep(0.05)
        box.setRange(field.minimum, field.maximum)
    box.setKeyboardTracking(False)
    return box


class ExperimentPanel(QWidget):
    """Edits an ExperimentConfig; `edited(config)` whenever a setting changes (applied on Train or Reset)."""

    edited = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = ExperimentConfig()
        self._loading = False
        self.dataset = QComboBox()
        for name in NAMED_DATASETS:
            self.dataset.addItem(name, name)
        # an own data set's name is its path: the box shows a short label, and stays the side panel's width
        self.dataset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset.setMinimumContentsLength(14)
        self.dataset.setToolTip("the data the model learns: 28x28 images (MNIST, Fashion-MNIST) or 2-D point sets, "
                                "or your own (File > Train on a folder…, or drop a folder on the window)")
        self.model = QComboBox()
        for name in ALL_MODELS:
            self.model.addItem(name)
            index = self.model.count() - 1
            self.model.setItemData(index, MODEL_DESCRIPTIONS[name], Qt.ItemDataRole.ToolTipRole)
        self._form = QFormLayout()
        self._form.addRow("Dataset", self.dataset)
        self._form.addRow("Model", self.model)
        self.editors: dict[str, QWidget] = {}
        for field in FIELDS:
            editor = _editor(field)
            editor.setToolTip(field.tooltip)
            label = QLabel(field.label)
            label.setToolTip(field.tooltip)
            self._form.addRow(label, editor)
            self.editors[field.name] = editor
            signal = editor.currentTextChanged if isinstance(editor, QComboBox) else editor.valueChanged
            signal.connect(self._changed)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setObjectName("panelHint")
        layout = QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self.dataset.currentIndexChanged.connect(self._choice_changed)
        self.model.currentTextChanged.connect(self._choice_changed)
        self._update_availability()
        self.set_config(self._config)

    # ----- public API -----
    def config(self) -> ExperimentConfig:
        """The config the form describes (settings of other models keep their previous values)."""
        values = {"model": self.model.currentText(), "dataset": self.dataset.currentData()}
        for field in FIELDS:
            editor = self.editors[field.name]
            if isinstance(editor, QComboBox):
                values[field.name] = editor.currentText()
            elif field.name == "steps":
                values[field.name] = editor.value() or None
            else:
                values[field.name] = editor.value()
        return self._config.replace(**values)

    def set_config(self, config: ExperimentConfig) -> None:
        self._loading = True
        try:
            self._config = config
            if self.dataset.findData(config.dataset) < 0:  # "points" (a drawing), an own data set
                self.add_dataset(config.dataset)
            self.dataset.setCurrentIndex(self.dataset.findData(config.dataset))
            self.model.setCurrentText(config.model)
            for field in FIELDS:
                editor = self.editors[field.name]
                value = getattr(config, field.name)
                if isinstance(editor, QComboBox):
                    editor.setCurrentText(str(value))
                else:
                    editor.setValue(value or 0)
        finally:
            self._loading = False
        self._update_availability()

    def add_dataset(self, name: str, label: str | None = None) -> None:
        """Offer data set `name` (a drawing, an own folder or points file) in the dataset choice."""
        if self.dataset.findData(name) >= 0:
            return
        own = registered(name)
        self.dataset.addItem(label or (own.label if own is not None else name), name)
        self.dataset.setItemData(self.dataset.count() - 1, name, Qt.ItemDataRole.ToolTipRole)

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)

    # ----- internals -----
    def _update_availability(self) -> None:
        model = self.model.currentText()
        for i in range(self.model.count()):
            self.model.model().item(i).setEnabled(model_available(self.model.itemText(i)))
        for i in range(self.dataset.count()):
            self.dataset.model().item(i).setEnabled(dataset_fits(model, self.dataset.itemData(i)))
        if not dataset_fits(model, self.dataset.currentData()):
            self.dataset.blockSignals(True)
            self.dataset.setCurrentIndex(self.dataset.findData(IMAGE_DATASETS[0]))
            self.dataset.blockSignals(False)
        for field in FIELDS:
            self._form.setRowVisible(self.editors[field.name], model in field.models)

    def _choice_changed(self, *_args) -> None:
        """A new model or dataset starts from the learning rate, batch size and timesteps that suit it."""
        if self._loading:
            return
        self._update_availability()
        self.set_config(defaults_for(self.config()))
        self.edited.emit(self.config())

    def _changed(self, *_args) -> None:
        if self._loading:
            return
        self._update_availability()
        self.edited.emit(self.config())
