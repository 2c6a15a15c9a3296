"""Linear AE: rows of W and columns of V as images beside PCA's components, and the angle between their subspaces."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gendiff_gui.widgets.image_tile import SIGNED_LEVELS, ImageTile, align_captions, diverging_lut
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font
from gendiff_gui.widgets.wrapping_label import WrappingLabel

MAX_SHOWN = 16  # images per row; the angle always uses all d directions


def largest_principal_angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Largest principal angle between span(a) and span(b) (columns, (m, d) each), in degrees.

    Q_a, Q_b orthonormal bases (QR); the singular values of Q_a^T Q_b are the cosines of the principal angles
    (Bjorck & Golub 1973), so the largest angle is arccos of the smallest one. 0 degrees: the same subspace.
    """
    qa, _ = np.linalg.qr(np.asarray(a, dtype=np.float64))
    qb, _ = np.linalg.qr(np.asarray(b, dtype=np.float64))
    cosines = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return float(np.degrees(np.arccos(np.clip(cosines.min(), -1.0, 1.0))))


def signed_images(vectors: np.ndarray, side: int = 28) -> np.ndarray:
    """Vectors (k, side*side) -> images (k, side, side), each scaled to max |value| = 1 (blue < 0 < red)."""
    v = np.asarray(vectors, dtype=np.float32)[:MAX_SHOWN]
    scale = np.abs(v).max(axis=1, keepdims=True)
    return (v / np.where(scale > 0, scale, 1.0)).reshape(len(v), side, side)


class LinearWeightsView(QWidget):
    """`set_weights(W (d, m), V (m, d))`, `set_pca(components (d, m) or None)` and the angle between them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lut = diverging_lut()
        captions = ("rows of W  (encoder, z = Wx)", "columns of V  (decoder, x̃ = Vz)", "PCA's principal components")
        self.w_row, self.v_row, self.pca_row = (
            ImageTile(c, levels=SIGNED_LEVELS, lut=lut, pad=2, min_px=30, caption_left=True, wrap=True)
            for c in captions)
        self.angle = WrappingLabel()
        self.angle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.angle)
        for row in (self.w_row, self.v_row, self.pca_row):
            layout.addWidget(row, 1)
        self._v: np.ndarray | None = None
        self._pca: np.ndarray | None = None
        self.angle_deg: float | None = None
        self._show_angle()
        self.apply_theme(NORMAL)

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """Follow the application's font (bigger in presentation mode)."""
        self.angle.setFont(scaled_font(1.0 if theme.presentation else 1.3, bold=True))  # beside the map: narrow
        rows = (self.w_row, self.v_row, self.pca_row)
        for row in rows:
            row.apply_theme(theme)
        align_captions(list(rows), theme)

    def set_weights(self, w: np.ndarray, v: np.ndarray) -> None:
        self.w_row.set_images(signed_images(w))
        self.v_row.set_images(signed_images(np.asarray(v).T))
        self._v = np.asarray(v)
        self._show_angle()

    def set_pca(self, components: np.ndarray | None) -> None:
        """PCA's top-d directions (d, m) of the training data, or None while they are being computed."""
        self._pca = None if components is None else np.asarray(components)
        if self._pca is None:
            self.pca_row.clear()
        else:
            self.pca_row.set_images(signed_images(self._pca))
        self._show_angle()

    def _show_angle(self) -> None:
        if self._v is None or self._pca is None:
            self.angle_deg = None
            waiting = "computing PCA of the training set…" if self._pca is None else "…"
            self.angle.setText(f"largest angle between span(V) and PCA's subspace: {waiting}")
            return
        self.angle_deg = largest_principal_angle_deg(self._v, self._pca.T)
        self.angle.setText(f"largest angle between span(V) and PCA's subspace: {self.angle_deg:.1f}°"
                           "   (0° = the linear AE has learned PCA)")
