"""Export a plot (any pyqtgraph item) as a PNG or SVG file with pyqtgraph's exporters."""
from __future__ import annotations

from pathlib import Path

import pyqtgraph.exporters as exporters
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

FILE_FILTER = "PNG image (*.png);;SVG image (*.svg)"


def export_plot(item: QGraphicsItem, path: str | Path, width: int = 1600) -> Path:
    """Write `item` to `path`; the suffix (.png or .svg, default .png) picks the format."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        path = path.with_suffix(".png")
    if path.suffix.lower() == ".svg":
        try:
            exporters.SVGExporter(item).export(str(path))
        except ValueError:
            # pyqtgraph 0.14's SVG exporter cannot parse the closing "Z" that Qt >= 6.8 writes in paths
            _render_svg(item, path)
    else:
        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = int(width)
        exporter.export(str(path))
    if not path.exists():
        raise OSError(f"could not write {path}")
    return path


def _render_svg(item: QGraphicsItem, path: Path) -> None:
    """Draw the scene area of `item` into an SVG file with Qt's own SVG generator."""
    source = item.sceneBoundingRect()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(source.size().toSize())
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle("gendiff plot")
    painter = QPainter(generator)
    try:
        item.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
