"""Axes for small plots: tick labels that never overprint one another, and a log axis's labels chosen for a few
lines of height (`log_ticks`: the decades once two or more are in view, else the data's two ends)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg


def without_overlaps(specs: list, gap_px: float = 4.0) -> list:
    """Tick labels (pyqtgraph text specs: (rect, flags, text)) in drawing order, each one dropped if its rectangle,
    widened by `gap_px`, meets one already kept: the major level comes first, so it keeps its labels."""
    kept: list = []
    for spec in specs:
        rect = spec[0].adjusted(-gap_px, -gap_px / 2, gap_px, gap_px / 2)
        if not any(rect.intersects(other[0]) for other in kept):
            kept.append(spec)
    return kept


class NonOverlappingAxis(pg.AxisItem):
    """An axis whose tick labels never overlap (a narrow corner, big presentation fonts)."""

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph's name
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis, ticks, texts = specs
        return axis, ticks, without_overlaps(texts)


def log_ticks(low: float, high: float, margin: float = 0.0) -> list[tuple[float, str]]:
    """Labelled ticks for a log axis showing log10 values low - margin .. high + margin: the decades in it, or
    where fewer than two fall in it, the data's ends low and high (2 significant digits; inside the view, where a
    label at its very edge would be cut). Only these: a plot a few lines tall overprinted the labels pyqtgraph adds
    at 2, 3, ... 9 times each decade."""
    decades = [float(d) for d in range(int(np.ceil(low - margin)), int(np.floor(high + margin)) + 1)]
    if len(decades) >= 2:
        return [(d, f"{10.0 ** d:g}") for d in decades]
    return [(v, f"{10.0 ** v:.2g}") for v in (low, high)]
