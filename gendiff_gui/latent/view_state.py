"""What the latent panel keeps in a session file: its tab and sliders, the marker and h1/h2, the dropped images."""
from __future__ import annotations

from typing import Any

import numpy as np

from gendiff_gui.latent.picks import Pick
from gendiff_gui.widgets.control_values import read_controls, write_controls

CONTROLS = ("tabs", "interpolation.slider", "interpolation.spherical", "reconstructions.slider")


def _pick_state(pick: Pick | None) -> dict[str, Any] | None:
    if pick is None:
        return None
    state: dict[str, Any] = {"z": np.asarray(pick.z, np.float32), "name": pick.name}
    if pick.image is not None:
        state["image"] = np.asarray(pick.image, np.float32)
    return state


def _pick(state: Any, d: int) -> Pick | None:
    """A saved pick for d-dimensional codes (None when it is missing or does not fit)."""
    if not isinstance(state, dict) or not isinstance(state.get("z"), np.ndarray) or state["z"].shape != (d,):
        return None
    image = state.get("image")
    image = image.astype(np.float32) if isinstance(image, np.ndarray) and image.shape == (28, 28) else None
    return Pick(state["z"].astype(np.float32), image, str(state.get("name", "")))


def latent_view_state(panel) -> dict[str, Any]:
    picks = panel._picks
    return {"controls": read_controls(panel, CONTROLS), "probe": _pick_state(picks.probe),
            "h1": _pick_state(picks.ends[0]), "h2": _pick_state(picks.ends[1]),
            "dropped_names": list(panel.drops.names), "dropped_x": panel.drops.x.astype(np.float32),
            "selected": panel._selected}


def restore_latent_view_state(panel, state: dict[str, Any]) -> None:
    """Put the saved state back on a panel that shows the session's model (set_experiment has run)."""
    names, x = state.get("dropped_names"), state.get("dropped_x")
    if isinstance(names, list) and isinstance(x, np.ndarray) and x.shape == (len(names), 28, 28):
        panel.dropped.clear()
        panel._selected = -1
        panel.drops.replace_images([str(n) for n in names], x.astype(np.float32))
    write_controls(panel, dict(state.get("controls") or {}))
    if panel._net is None:
        return
    d = panel._plane.d
    picks = panel._picks
    picks.probe = _pick(state.get("probe"), d) or picks.probe
    picks.ends = [_pick(state.get(k), d) or old for k, old in zip(("h1", "h2"), picks.ends)]
    selected = state.get("selected")
    if isinstance(selected, int) and 0 <= selected < len(panel.drops):
        panel._selected = selected
    panel._refresh_now()
