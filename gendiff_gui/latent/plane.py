"""Where codes go on the 2-D map: the code itself for d <= 2, else the plane of the codes' top-2 principal axes."""
from __future__ import annotations

import numpy as np


class LatentPlane:
    """map point (a, b) <-> code z = mean + a*pc1 + b*pc2 (for d = 2: mean 0, pcs the axes, so (a, b) = z).

    Refitting keeps each direction's sign when it can (pc . previous pc >= 0), so the map does not flip while
    the clusters form.
    """

    def __init__(self, latent_dim: int) -> None:
        self.d = int(latent_dim)
        self.mean = np.zeros(self.d)
        self.basis = np.eye(2, self.d)  # rows pc1, pc2 (for d = 1 the second row is 0: the map is a line)

    @property
    def is_pca(self) -> bool:
        return self.d > 2

    @property
    def axis_labels(self) -> tuple[str, str]:
        if self.is_pca:
            return "a (1st principal direction of the codes)", "b (2nd principal direction)"
        return ("z₁", "z₂") if self.d == 2 else ("z", "")

    def fit(self, codes: np.ndarray) -> None:
        """Take the mean and top-2 principal directions of `codes` (n, d); nothing to fit for d <= 2."""
        if not self.is_pca or len(codes) < 3:
            return
        codes = np.asarray(codes, dtype=np.float64)
        mean = codes.mean(0)
        centred = codes - mean
        eigvals, eigvecs = np.linalg.eigh(centred.T @ centred)
        basis = eigvecs[:, np.argsort(eigvals)[::-1][:2]].T
        signs = np.where(np.sum(basis * self.basis, axis=1) < 0, -1.0, 1.0)
        self.mean, self.basis = mean, basis * signs[:, None]

    def to_map(self, z: np.ndarray) -> np.ndarray:
        """Codes (n, d) -> map points (n, 2)."""
        return (np.asarray(z, dtype=np.float64).reshape(-1, self.d) - self.mean) @ self.basis.T

    def to_latent(self, ab: np.ndarray) -> np.ndarray:
        """Map points (n, 2) -> codes (n, d) on the plane: mean + a*pc1 + b*pc2."""
        return (self.mean + np.asarray(ab, dtype=np.float64).reshape(-1, 2) @ self.basis).astype(np.float32)

    def covariances(self, sigma: np.ndarray) -> np.ndarray:
        """Axis-aligned posteriors N(mu, diag sigma^2) (sigma (n, d)) seen on the map: (n, 2, 2) covariances."""
        var = np.asarray(sigma, dtype=np.float64).reshape(-1, self.d) ** 2
        return np.einsum("id,nd,jd->nij", self.basis, var, self.basis)
