"""What the diffusion panel keeps in a session file: its tab and sampling controls, the image dropped for forward
noising, and the scrubber's run (re-run from the same seed: the same frames) and position."""
from __future__ import annotations

from typing import Any

import numpy as np

from gendiff_gui.widgets.control_values import read_controls, write_controls

CONTROLS = ("tabs", "controls.mode", "controls.sampler", "controls.steps", "controls.eta", "controls.label",
            "controls.guidance", "controls.count", "controls.seed", "controls.compare", "controls.sampler_b",
            "controls.steps_b", "controls.trails", "controls.field", "controls.follow", "controls.item")


def diffusion_view_state(panel) -> dict[str, Any]:
    state: dict[str, Any] = {"controls": read_controls(panel, CONTROLS), "index": panel.scrubber.index,
                             "t": panel.scrubber.t}
    if panel.runs.dropped is not None:
        state["dropped_name"], state["dropped_x"] = panel.runs.dropped[0], panel.runs.dropped[1]
    return state


def restore_diffusion_view_state(panel, state: dict[str, Any]) -> None:
    """Set the controls (without a run per change), then one run of what they say, paused at the saved frame
    once it is complete (panel._on_run_finished)."""
    if not panel.has_model:
        return
    write_controls(panel, dict(state.get("controls") or {}), quiet=panel.controls)
    panel.controls.show_relevant()
    image = state.get("dropped_x")
    if isinstance(image, np.ndarray) and image.shape == (28, 28) and panel.runs.is_image:
        panel.runs.set_dropped(image, str(state.get("dropped_name", "dropped image")))
    index = state.get("index")
    panel.scrub_to_when_complete = index if isinstance(index, int) and index >= 0 else None
    panel.resample(autoplay=False)
