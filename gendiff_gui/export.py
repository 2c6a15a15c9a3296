"""Export a plot (any pyqtgraph item) as a PNG or SVG file with pyqtgraph's exporters."""
from __future__ import annotations

from pathlib import Path

import pyqtgraph.exporters as exporters
from PySide6.QtWidgets import QGraphicsItem

FILE_FILTER = "PNG image (*.png);;SVG image (*.svg)"


def export_plot(item: QGraphicsItem, path: str | Path, width: int = 1600) -> Path:
    """Write `item` to `path`; the suffix (.png or .svg, default .png) picks the format."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        path = path.with_suffix(".png")
    if path.suffix.lower() == ".svg":
        exporter = exporters.SVGExporter(item)
    else:
        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = int(width)
    exporter.export(str(path))
    if not path.exists():
        raise OSError(f"could not write {path}")
    return path
