"""The diffusion panel's inspecting tools, in collapsible sections of its side column: which field the arrows show
and a probe point (views/field_controls, views/plot_markers), step mode with the step's formula and numbers
(step_mode, views/step_controls) and quality against steps (quality_sweep, views/quality_plot).

The panel builds one `InspectTools(panel)` and tells it `configure(experiment)` for a new model and
`frame_shown(frame)` whenever a frame is drawn; it reads `field_kind` for the arrows and calls `step()` (key N).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from core.diffusion.frames import is_image_shape
from gendiff_gui.diffusion.field_cache import (
    FIELD_CELLS,
    FIELD_KINDS,
    PULL,
    fit_lengths,
)
from gendiff_gui.diffusion.quality_sweep import QualitySweep
from gendiff_gui.diffusion.step_mode import StepCall, centre_pixel
from gendiff_gui.diffusion.views.field_controls import FieldControls
from gendiff_gui.diffusion.views.plot_markers import PickedMarker, ProbeMarker
from gendiff_gui.diffusion.views.quality_plot import QualityPlot
from gendiff_gui.diffusion.views.step_controls import StepControls
from gendiff_gui.widgets.more_section import MoreSection

PROBE_LONGEST_CELLS = 3.0  # the probe's arrow, drawn at the grid's scale, is cut at this many cells
PICK_RADIUS = 0.04  # of the plot's width: a click this close to the probe's cross drags it instead of picking


def term_items(terms) -> list[tuple[str, object]]:
    """The named numbers of a StepTerms, in order (a mapping or a sequence of (name, value) pairs)."""
    named = terms.terms
    return list(named.items()) if hasattr(named, "items") else [(str(k), v) for k, v in named]


class InspectTools(QObject):
    """Fields and probe, step mode, quality against steps for `panel` (a DiffusionPanel); see the module text."""

    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.fields = FieldControls()
        self.stepping = StepControls()
        self.quality = QualityPlot()
        controls = panel.controls
        self.fields_section = controls.add_section(_section(
            "Fields and probe", self.fields, "switch the arrows between the three fields of the network; probe a point"))
        self.step_section = controls.add_section(_section(
            "Step mode", self.stepping, "advance the reverse process one step at a time and see its formula"))
        self.quality_section = controls.add_section(_section(
            "Quality against steps", self.quality, "how close each sampler's samples are to the data, per step count"))
        view = panel.particles[0]
        self.probe = ProbeMarker(view.box, parent=self)
        self.picked_marker = PickedMarker(view.box)
        self.sweep = QualitySweep(self)
        self.picked = 0
        self.last_call: StepCall | None = None
        self._is_image = False
        self._sweep_failed = False
        self.fields.configure(FIELD_KINDS)
        self._wire()

    def _wire(self) -> None:
        f, s, q, sweep = self.fields, self.stepping, self.quality, self.sweep
        f.kind_changed.connect(lambda _kind: self._redraw())
        f.probe_toggled.connect(self._on_probe_toggled)
        f.probe_moved.connect(self._move_probe)
        self.probe.moved.connect(self._on_probe_dragged)
        s.step_requested.connect(self.step)
        s.picked_changed.connect(self.pick)
        q.measure_requested.connect(self.measure)
        q.cancel_requested.connect(sweep.cancel)
        sweep.point.connect(self._on_sweep_point)
        sweep.progress.connect(self.quality.set_progress)
        sweep.floor.connect(self.quality.set_floor)
        sweep.finished.connect(self._on_sweep_finished)
        sweep.failed.connect(self._on_sweep_failed)
        sweep.job_started.connect(self.panel.job_started)
        self.panel.particles[0].plot.scene().sigMouseClicked.connect(self._on_plot_click)

    # ----- the panel's calls -----
    @property
    def field_kind(self) -> str:
        return self.fields.current_kind or PULL

    def configure(self, experiment) -> None:
        """A new model: points or images, how many samples, the quality measure; the last sweep is forgotten."""
        self.sweep.cancel()
        self._is_image = is_image_shape(tuple(experiment.train_data.data_shape))
        self.fields_section.setVisible(not self._is_image)
        self.probe.set_visible(False if self._is_image else self.fields.probe.isChecked())
        self.quality.clear()
        self.quality.set_metric("FCD" if self._is_image else "energy distance")
        self.last_call = None
        self.stepping.show_text("Step: one reverse step at a time (N).")
        self._sync_count()

    def _sync_count(self) -> None:
        self.stepping.set_items(self.panel.controls.count.value(), "Image" if self._is_image else "Particle")
        self.picked = min(self.picked, self.stepping.picked.maximum())
        self.stepping.set_picked(self.picked)

    def frame_shown(self, frame) -> None:
        """A frame is drawn (points: the picked particle's ring and the probe follow it)."""
        if self._is_image:
            return
        self.picked_marker.set_point(frame.x_t[self.picked] if self.picked < len(frame.x_t) else None)
        self._update_probe(frame.t)

    def shutdown(self, timeout_ms: int) -> bool:
        return self.sweep.shutdown(timeout_ms)

    @property
    def busy(self) -> bool:
        return self.sweep.busy

    # ----- fields and probe -----
    def _redraw(self) -> None:
        self.panel.refresh_frame()

    def _on_probe_toggled(self, on: bool) -> None:
        self.probe.set_position(self.fields.x.value(), self.fields.y.value())
        self.probe.set_visible(on and not self._is_image)
        self._update_probe(self.panel.scrubber.t)

    def _move_probe(self, x: float, y: float) -> None:
        """The probe to (x, y) (from its spin boxes, or a test)."""
        self.probe.set_position(x, y)
        if not self.fields.probe.isChecked():
            self.fields.probe.setChecked(True)  # shows it, and updates it
        else:
            self._update_probe(self.panel.scrubber.t)

    def _on_probe_dragged(self, x: float, y: float) -> None:
        self.fields.set_probe(x, y)
        self._update_probe(self.panel.scrubber.t)

    def probe_values(self, t: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """(unscaled vector of the current kind, x̂₀) at the probe and step t (default: the one on screen)."""
        t = self.panel.scrubber.t if t is None else t
        field = self.panel.runs.field
        if field is None or t is None:
            return None
        return field.probe(self.probe.position(), t, self.field_kind)

    def _update_probe(self, t: int | None) -> None:
        if not self.fields.probe.isChecked() or self._is_image:
            self.fields.show_readout("", None, None)
            return
        values = self.probe_values(t)
        if values is None:
            return
        vector, x0 = values
        extent = self.panel.particles[0].extent()
        cell = (extent[1] - extent[0]) / FIELD_CELLS
        _origins, grid = self.panel.runs.field.raw(t, extent, self.field_kind)
        top = float(np.sqrt((np.nan_to_num(grid) ** 2).sum(1)).max()) if len(grid) else 0.0
        scale = 0.9 * cell / top if top > 0 else 0.0  # the grid's own scale: the arrows compare
        drawn = np.asarray(vector, np.float64) * scale
        drawn = fit_lengths(drawn[None], PROBE_LONGEST_CELLS * cell)[0] if np.hypot(*drawn) > \
            PROBE_LONGEST_CELLS * cell else drawn
        self.probe.show_result(drawn, x0)
        self.fields.show_readout(FIELD_KINDS[self.field_kind], vector, x0)

    # ----- step mode -----
    def step(self) -> None:
        """One reverse step (key N, the Step button); the first press, or one after t = 0, starts a new run from
        x_T in step mode with the controls' first sampler."""
        runs = self.panel.runs
        if not runs.has_model:
            return
        if not runs.stepping:
            self.panel.scrubber.pause()
            if not runs.start_stepping():
                return
        call = runs.step_once()
        if call is None:
            return
        self.last_call = call
        self.panel.scrubber.set_index(self.panel.scrubber.count - 1)
        self.show_step()

    def pick(self, index: int) -> None:
        """Write out the steps of sample `index` (a particle or an image)."""
        self.picked = int(index)
        self.stepping.set_picked(self.picked)
        self.panel.refresh_frame()
        self.show_step()

    def show_step(self) -> None:
        call, stepper = self.last_call, self.panel.runs.stepper
        if call is None or stepper is None or self.picked >= call.x_t.shape[0]:
            return
        try:
            terms = self.panel.runs.stepper.explain(call, self.picked)
        except (AttributeError, ValueError, RuntimeError) as exc:  # no numbers for this step: say so, go on
            self.stepping.show_text(f"t = {call.t} → {call.s}: no formula to show ({exc})")
            return
        items, result = term_items(terms), terms.result
        if self._is_image:  # the centre pixel's numbers
            items, result = [(name, centre_pixel(v)) for name, v in items], centre_pixel(result)
        formula = f"{terms.formula}  (centre pixel, in [−1, 1])" if self._is_image else terms.formula
        self.stepping.show_terms(call.t, call.s, formula, items, result)

    def _on_plot_click(self, event) -> None:
        """A click on the particle plot picks the particle nearest to it (not on the probe's cross)."""
        view = self.panel.particles[0]
        if self._is_image or not view.box.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.box.mapSceneToView(event.scenePos())
        x, y = point.x(), point.y()
        extent = view.extent()
        if self.probe.near(x, y, PICK_RADIUS * (extent[1] - extent[0])):
            return
        trajectories = self.panel.runs.trajectories
        if not trajectories or not len(trajectories[0]):
            return
        frame = self.panel.shown_frame(0)
        distances = np.sum((frame.x_t - np.asarray([x, y], np.float32)) ** 2, axis=1)
        self.pick(int(np.argmin(distances)))

    # ----- quality against steps -----
    def measure(self, n: int | None = None) -> None:
        """Start measuring quality against steps for the model on screen (every sampler of its process)."""
        runs = self.panel.runs
        if not runs.has_model:
            return
        process = runs.process
        self.quality.clear()
        self._sweep_failed = False
        self.quality.set_running(True)
        self.quality.set_note("measuring in the background…")
        self.sweep.start(process, runs.frozen_network(), runs.test_x, runs.train_x, list(process.samplers), n=n,
                         seed=self.panel.controls.seed.value())

    def _on_sweep_point(self, sampler: str, steps: int, value: float) -> None:
        self.quality.add_point(self.panel.runs.process.sampler_label(sampler), steps, value)

    def _on_sweep_failed(self, text: str) -> None:
        self._sweep_failed = True
        self.panel.show_message("error", f"Quality measurement failed: {text}")

    def _on_sweep_finished(self, completed: bool) -> None:
        if self.sweep.running:
            return  # a newer sweep is under way
        self.quality.set_running(False)
        self.quality.set_note("" if completed else "failed" if self._sweep_failed else "cancelled")


def _section(title: str, content: QWidget, tip: str) -> MoreSection:
    """`content` folded under `title` (the one collapsible section of the window, widgets/more_section.py)."""
    section = MoreSection(title, tip)
    section.addWidget(content)
    return section
