"""Frechet classifier distance (the "FID for MNIST" idea): Frechet distance of Gaussians fitted to classifier features."""
from __future__ import annotations

import numpy as np
import torch

from core.data import as_floats
from core.digit_classifier import train_classifier

# Every FCD in the project compares this many images a side: the distance is biased upward at small n, so figures
# are only comparable at one fixed sample size.
FCD_SAMPLES = 1000
_BATCH = 500


def classifier_features(images: np.ndarray, dataset: str = "mnist") -> np.ndarray:
    """(N,28,28) or (N,1,28,28) images in [0,1] (or uint8 grey levels) -> (N, 256) penultimate-layer (hidden ReLU) features, float64, CPU."""
    model = train_classifier(dataset)  # outside no_grad: the first call trains it
    body = model[:-1]  # Flatten, Linear(784, 256), ReLU: everything but the logits layer
    x = as_floats(images).astype(np.float32, copy=False).reshape(len(images), 1, 28, 28)  # uint8 grey levels -> g/255
    with torch.no_grad():
        parts = [body(torch.from_numpy(np.ascontiguousarray(x[i : i + _BATCH]))).numpy()
                 for i in range(0, len(x), _BATCH)]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros((0, 256))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric PSD matrix by eigen-decomposition (negative round-off clipped to 0)."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2}) between Gaussians fitted to two feature sets.

    Tr (S_a S_b)^{1/2} = Tr (S_a^{1/2} S_b S_a^{1/2})^{1/2}: the same eigenvalues, but of a symmetric PSD matrix,
    so the square root is real and stable (no complex sqrtm round-off).
    """
    a, b = np.asarray(feats_a, dtype=np.float64), np.asarray(feats_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise ValueError(f"need two (n>=2, d) feature sets of one width, got {a.shape} and {b.shape}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _psd_sqrt(cov_a)
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_cross = float(np.sqrt(np.clip(cross, 0.0, None)).sum())
    d2 = float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_cross)
    return max(d2, 0.0)


def frechet_classifier_distance(images_a: np.ndarray, images_b: np.ndarray, dataset: str = "mnist") -> float:
    """Frechet distance between two image sets in the bundled classifier's features (use FCD_SAMPLES a side)."""
    return frechet_distance(classifier_features(images_a, dataset), classifier_features(images_b, dataset))
