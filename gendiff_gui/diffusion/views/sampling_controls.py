"""The control column of the diffusion panel: mode, sampler, steps, η, class and guidance, samples, seed, a second
sampler to compare, what to show, forward-mode source, and the run and export buttons.

Values out (`sampler_settings()`), signals out: `changed` when a setting needs a new run (combo boxes and spin boxes
at once, sliders when released or moved by a key), `display_changed` for what is drawn, and one signal per button.
Only the controls that apply to the model and mode are shown (η for the samplers that read it, a step count unless
the process's samplers take every step, classes for a conditional model ...): what applies comes from the process
(its `samplers`, `fixed_steps`, `eta_samplers`, see core.diffusion.process), never from its name.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSlider,
                               QSpinBox, QVBoxLayout, QWidget)

from gendiff_gui.widgets.more_section import MoreSection
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font

SAMPLE, FORWARD = "sample", "forward"
GUIDANCE_SCALE = 10  # slider units per unit of w
DEFAULT_GUIDANCE = 2.0
MAX_IMAGES = 64
MAX_PARTICLES = 20000
DENOISE_TEXTS = ("Denoise from here", "Back to noising")  # the button's two texts: run back, or play forward


def _combo(tip: str, items: tuple[tuple[str, object], ...] = ()) -> QComboBox:
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    box.setToolTip(tip)
    box.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches it; a click leaves the focus (and the arrows) alone
    return box


def _slider(low: int, high: int, tip: str) -> tuple[QSlider, QLabel]:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    slider.setToolTip(tip)
    label = QLabel("")
    label.setToolTip(tip)
    return slider, label


def _spin(low: int, high: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setKeyboardTracking(False)
    spin.setToolTip(tip)
    return spin


class SamplingControls(QWidget):
    changed = Signal()
    display_changed = Signal()
    follow_toggled = Signal(bool)
    resample_requested = Signal()
    denoise_requested = Signal()
    save_frame_requested = Signal()
    save_gif_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self._conditional = False
        self._is_image = False
        self._fixed_steps = False  # the process's samplers visit every step: no step count to choose
        self._eta_samplers: tuple[str, ...] = ()  # the samplers that read η
        self._comparable = True  # a second run can differ (another sampler, or another step count)
        self.mode = _combo("Noise → data: the reverse sampler from pure noise x_T down to x_0. Data → noise: noise "
                           "added to data step by step (then: Denoise from here)",
                           (("Noise → data", SAMPLE), ("Data → noise", FORWARD)))
        self.sampler = _combo("the reverse sampler")
        self.steps, self.steps_label = _slider(1, 200, "number of reverse steps (DDPM and DDIM visit an evenly "
                                                       "strided subset of t = T … 0)")
        self.eta, self.eta_label = _slider(0, 100, "DDIM's η: 0 deterministic, 1 as noisy as DDPM")
        self.label = _combo("class to generate (classifier-free guidance)")
        self.guidance, self.guidance_label = _slider(0, 8 * GUIDANCE_SCALE, "guidance w: 0 unconditional, "
                                                     "1 conditional, > 1 pushed further toward the class")
        self.count = _spin(1, MAX_PARTICLES, "how many samples (particles or images)")
        self.seed = _spin(0, 999_999, "the seed of x_T and of every step's noise: the same seed, the same run")
        self.compare = QCheckBox("Side by side, same seed:")
        self.compare.setToolTip("the same seed (the same x_T) under a second sampler")
        self.sampler_b = _combo("the second sampler")
        self.steps_b = _spin(1, 200, "steps of the second sampler")
        self.trails = QCheckBox("Trails")
        self.trails.setChecked(True)
        self.field = QCheckBox("Vector field")
        self.field.setToolTip("arrows on a grid: the field chosen under Fields and probe (at first the pull from "
                              "x toward the denoiser's predicted x₀(x, t)) at this t, scaled together so the "
                              "longest fits one cell")
        self.follow = QCheckBox("Follow training")
        self.follow.setChecked(True)
        self.follow.setToolTip("when a run has played to t = 0, sample again with the newest weights")
        self.item = _spin(0, 0, "which test image is noised (or drop an image file on the panel)")
        self.source = QLabel("")
        self.source.setWordWrap(True)
        self.denoise_button = QPushButton(DENOISE_TEXTS[0])
        self.denoise_button.setToolTip("run the reverse sampler from the x_t on screen back to t = 0")
        self.resample_button = QPushButton("Resample")
        self.frame_button = QPushButton("Save frame…")
        self.frame_button.setToolTip("the frame on screen as PNG or SVG")
        self.gif_button = QPushButton("Save GIF…")
        self.gif_button.setToolTip("the whole run as an animated GIF")
        self.resample_button.setToolTip("draw a new x_T (the same settings, the next seed's noise)")
        self.trails.setToolTip("the paths of a few particles over their last frames")
        for button in (self.denoise_button, self.resample_button, self.frame_button, self.gif_button,
                       self.compare, self.trails, self.field, self.follow):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches it; a click leaves the focus alone
        for widget, name in ((self.mode, "Mode"), (self.sampler, "Sampler"), (self.steps, "Steps"),
                             (self.eta, "DDIM eta"), (self.label, "Class"), (self.guidance, "Guidance w"),
                             (self.count, "Samples"), (self.seed, "Seed"), (self.sampler_b, "Second sampler"),
                             (self.steps_b, "Steps of the second sampler"), (self.item, "Test image"),
                             (self.source, "Source of x0")):
            widget.setAccessibleName(name)
        self._layout()
        self._wire()
        self.show_relevant()

    def _layout(self) -> None:
        """What a lesson uses on top (mode, sampler, steps, class and guidance, what to show, the run buttons);
        samples, seed, the second sampler, the test image and the exports under More."""
        self.run_settings = QWidget()  # the sampler: on top normally, under More on a projector (set by the lesson)
        form = QFormLayout(self.run_settings)
        form.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Mode", self.mode), ("Sampler", self.sampler), (self.steps_label, self.steps),
                              (self.eta_label, self.eta)):
            form.addRow(label, widget)
        class_form = QFormLayout()
        for label, widget in (("Class", self.label), (self.guidance_label, self.guidance)):
            class_form.addRow(label, widget)
        more_form = QFormLayout()
        more_form.addRow("Samples", self.count)
        more_form.addRow("Seed", self.seed)
        more_form.addRow(self.compare)
        self.pair = QWidget()
        pair = QHBoxLayout(self.pair)
        pair.setContentsMargins(0, 0, 0, 0)
        pair.addWidget(self.sampler_b, 1)
        pair.addWidget(self.steps_b)
        more_form.addRow("", self.pair)
        more_form.addRow("Test image", self.item)
        self._forms = {w: f for f, ws in ((form, (self.steps, self.eta)), (class_form, (self.label, self.guidance)),
                                          (more_form, (self.item, self.compare, self.pair))) for w in ws}
        shows = QHBoxLayout()
        shows.addWidget(self.trails)
        shows.addWidget(self.field)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resample_button)
        buttons.addWidget(self.denoise_button)
        exports = QHBoxLayout()
        exports.addWidget(self.frame_button)
        exports.addWidget(self.gif_button)
        extra = QWidget()
        self._extra_column = extra_column = QVBoxLayout(extra)
        extra_column.setContentsMargins(0, 0, 0, 0)
        extra_column.addLayout(more_form)
        extra_column.addLayout(exports)
        self.more = MoreSection("More settings", "samples, seed, a second sampler side by side, the test image, "
                                "Save frame… and Save GIF…")
        self.more.addWidget(extra)
        self.more.set_expanded(True)
        self._column = column = QVBoxLayout(self)
        column.setContentsMargins(4, 0, 4, 0)
        column.addWidget(self.run_settings)
        column.addLayout(class_form)
        column.addLayout(shows)
        column.addWidget(self.follow)
        column.addWidget(self.source)
        column.addLayout(buttons)
        column.addWidget(self.more)
        column.addStretch(1)

    def add_section(self, section: QWidget) -> QWidget:
        """A further (collapsible) section inside More (on a projector folded away with it: one click)."""
        self._extra_column.addWidget(section)
        return section

    def _wire(self) -> None:
        for box in (self.mode, self.sampler, self.label, self.sampler_b):
            box.currentIndexChanged.connect(self._on_setting)
        for spin in (self.count, self.seed, self.steps_b, self.item):
            spin.valueChanged.connect(self._on_setting)
        self.compare.toggled.connect(self._on_setting)
        for slider in (self.steps, self.eta, self.guidance):  # a new run on release (or on a key press)
            slider.valueChanged.connect(lambda _v, s=slider: self._on_slider(s))
            slider.sliderReleased.connect(self._on_setting)
        self.trails.toggled.connect(lambda _on: self.display_changed.emit())
        self.field.toggled.connect(lambda _on: self.display_changed.emit())
        self.follow.toggled.connect(self.follow_toggled)
        self.resample_button.clicked.connect(self.resample_requested)
        self.denoise_button.clicked.connect(self.denoise_requested)
        self.frame_button.clicked.connect(self.save_frame_requested)
        self.gif_button.clicked.connect(self.save_gif_requested)

    # ----- in -----
    def configure(self, samplers: list[tuple[str, str]], timesteps: int, classes: list[str] | None,
                  is_image: bool, items: int, count: int, seed: int, *, fixed_steps: bool = False,
                  eta_samplers: tuple[str, ...] = ()) -> None:
        """Settings for a new model: its samplers ((name, label), the first the default), steps 1..T (none to choose
        with `fixed_steps`), the samplers that read η, its classes (None: unconditional), images or points, how
        many test items, default sample count and seed. Silent."""
        self._loading = True
        try:
            names = [name for name, _ in samplers]
            self._fixed_steps, self._eta_samplers = bool(fixed_steps), tuple(eta_samplers)
            self._comparable = len(names) > 1 or not fixed_steps
            for box, default in ((self.sampler, names[0]), (self.sampler_b, names[-1])):
                box.clear()
                for name, text in samplers:
                    box.addItem(text, name)
                box.setCurrentIndex(box.findData(default))
            self.steps.setRange(1, timesteps)
            self.steps.setValue(timesteps)
            self.steps_b.setRange(1, timesteps)
            self.steps_b.setValue(max(1, timesteps // 10))
            self.eta.setValue(0)
            self.label.clear()
            for i, name in enumerate(classes or ()):
                self.label.addItem(name if name == str(i) else f"{i}: {name}", i)
            if classes:
                self.label.addItem("none (unconditional)", None)
            self.guidance.setValue(round(DEFAULT_GUIDANCE * GUIDANCE_SCALE))
            self.count.setMaximum(MAX_IMAGES if is_image else MAX_PARTICLES)
            self.count.setValue(count)
            self.seed.setValue(seed)
            self.mode.setCurrentIndex(0)
            self.compare.setChecked(False)
            self.item.setRange(0, max(0, items - 1))
            self.item.setValue(0)
        finally:
            self._loading = False
        self._conditional, self._is_image = bool(classes), is_image
        self.show_relevant()

    def set_forward(self, forward: bool) -> None:
        """Switch mode without asking for a run (the caller starts one)."""
        self._loading = True
        self.mode.setCurrentIndex(self.mode.findData(FORWARD if forward else SAMPLE))
        self._loading = False
        self.show_relevant()

    def set_denoising(self, denoising: bool) -> None:
        self.denoise_button.setText(DENOISE_TEXTS[1] if denoising else DENOISE_TEXTS[0])

    def set_source(self, text: str) -> None:
        self.source.setText(text)

    # ----- out -----
    @property
    def forward(self) -> bool:
        return self.mode.currentData() == FORWARD

    def sampler_settings(self) -> list[dict]:
        """One dict of sampling settings (sampler, steps, eta, y, guidance, seed, n), two when comparing."""
        fixed = self._fixed_steps
        common = dict(sampler=self.sampler.currentData(), steps=None if fixed else self.steps.value(),
                      eta=self.eta.value() / 100.0, y=self.label.currentData() if self._conditional else None,
                      guidance=self.guidance.value() / GUIDANCE_SCALE, seed=self.seed.value(), n=self.count.value())
        runs = [common]
        if self.compare.isChecked() and self._comparable:
            runs.append(dict(common, sampler=self.sampler_b.currentData(),
                             steps=None if fixed else self.steps_b.value()))
        return runs

    # ----- looks -----
    def show_relevant(self) -> None:
        """Only the controls that apply: DDIM's η, the classes of a conditional model, the forward source..."""
        sampler = self.sampler.currentData()
        forward, rows = self.forward, self._forms
        rows[self.steps].setRowVisible(self.steps, not self._fixed_steps)
        rows[self.eta].setRowVisible(self.eta, sampler in self._eta_samplers)
        rows[self.label].setRowVisible(self.label, self._conditional)
        rows[self.guidance].setRowVisible(self.guidance, self._conditional and self.label.currentData() is not None)
        rows[self.item].setRowVisible(self.item, forward and self._is_image)
        for row in (self.compare, self.pair):
            rows[row].setRowVisible(row, not forward and self._comparable)
        self.steps_b.setVisible(not self._fixed_steps)
        self.denoise_button.setVisible(forward)
        self.field.setVisible(not self._is_image)
        self.trails.setVisible(not self._is_image)
        self.source.setVisible(forward)
        self.steps_label.setText(f"Steps: {self.steps.value()}")
        for slider, label in ((self.steps, self.steps_label), (self.eta, self.eta_label),
                              (self.guidance, self.guidance_label)):
            slider.setAccessibleDescription(label.text())
        self.eta_label.setText(f"η = {self.eta.value() / 100:.2f}")
        self.guidance_label.setText(f"w = {self.guidance.value() / GUIDANCE_SCALE:.1f}")

    def _buttons_row_width(self) -> int:
        """The width Resample and the denoise button need side by side, the button in its wider text, with the
        column's margins: the column is never narrower (a translated or larger font would clip them)."""
        metrics = self.denoise_button.fontMetrics()
        current = metrics.horizontalAdvance(self.denoise_button.text())
        widest = max(metrics.horizontalAdvance(text) for text in DENOISE_TEXTS)
        denoise = self.denoise_button.sizeHint().width() - current + widest
        margins = self._column.contentsMargins()
        spacing = max(self._column.spacing(), 6)
        return self.resample_button.sizeHint().width() + spacing + denoise + margins.left() + margins.right()

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Fonts follow the theme; on a projector the sampler and the less used settings fold under More (one click
        away): the lesson has set them."""
        font = scaled_font(1.0)
        for widget in self.findChildren(QWidget):
            widget.setFont(font)
        self.setFixedWidth(max(int(font.pointSizeF() * 21), self._buttons_row_width()))
        if theme.presentation:
            self._extra_column.insertWidget(0, self.run_settings)
        else:
            self._column.insertWidget(0, self.run_settings)
        self.more.set_expanded(not theme.presentation)

    # ----- internals -----
    def _on_slider(self, slider: QSlider) -> None:
        self.show_relevant()
        if not slider.isSliderDown():
            self._on_setting()

    def _on_setting(self, *_args) -> None:
        if self._loading:
            return
        self.show_relevant()
        self.changed.emit()
