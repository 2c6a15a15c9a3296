"""Held-out metrics of the auto-encoders: reconstruction MSE, the PCA baseline, and the VAE's negative ELBO in nats."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from core import losses
from core.data import as_floats, column_mean
from core.models.vae import VAE

EVAL_BATCH = 1000


def _chunks(x: np.ndarray, size: int = EVAL_BATCH):
    """float32 tensors of `size` samples at a time (uint8 images converted chunk by chunk)."""
    for start in range(0, len(x), size):
        yield torch.from_numpy(as_floats(x[start : start + size]))


@torch.no_grad()
def reconstruction_mse(module: torch.nn.Module, x: np.ndarray) -> float:
    """Mean squared error per coordinate (per pixel, pixels in [0, 1]) of decode(encode(x)) on clean inputs."""
    module.eval()
    total, count = 0.0, 0
    for batch in _chunks(x):
        out = module.decode(module.encode(batch))
        total += float((out - batch).pow(2).sum())
        count += batch.numel()
    return total / count


PCA_ROWS = 4000  # rows per block of the covariance sum: a stop check waits for at most one block (~0.1 s on MNIST)


class PCAStopped(Exception):
    """Raised by `pca_fit` when its `should_stop` said so between two blocks of rows."""


def pca_fit(x_train: np.ndarray, d: int, should_stop: Callable[[], bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(mean, components (d, m)): the top-d principal directions of the training data.

    Covariance C = (1/n) sum_i (x_i - mean)(x_i - mean)^T in float64, summed over blocks of PCA_ROWS rows (no float64
    copy of the whole set, uint8 images converted block by block; numpy's products release the GIL), then eigh;
    components are the eigenvectors of the d largest eigenvalues, as rows. `should_stop` is looked at between
    blocks (raises PCAStopped).
    """
    flat = x_train.reshape(len(x_train), -1)
    mean = column_mean(flat)
    cov = np.zeros((flat.shape[1], flat.shape[1]))
    for start in range(0, len(flat), PCA_ROWS):
        if should_stop is not None and should_stop():
            raise PCAStopped
        block = as_floats(flat[start: start + PCA_ROWS]).astype(np.float64) - mean
        cov += block.T @ block
    eigvals, eigvecs = np.linalg.eigh(cov / len(flat))
    order = np.argsort(eigvals)[::-1][:d]  # largest first
    return mean, eigvecs[:, order].T


def pca_mse(x_train: np.ndarray, x_test: np.ndarray, d: int) -> float:
    """Per-coordinate MSE of projecting the test set onto the train set's top-d principal subspace.

    The optimum of the linear auto-encoder (Baldi & Hornik 1989), so a well trained linear AE reaches it.
    """
    mean, comps = pca_fit(x_train, d)
    flat = as_floats(x_test.reshape(len(x_test), -1)).astype(np.float64) - mean
    recon = flat @ comps.T @ comps
    return float(((recon - flat) ** 2).mean())


@torch.no_grad()
def vae_nelbo(module: VAE, x: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Negative ELBO per example in nats: E_q[-log p(x|z)] + KL(q(z|x) || N(0, I)), one z per example (seeded).

    For images: binary cross-entropy of the grey levels in [0, 1] summed over pixels, plus KL, as
    pytorch/examples' VAE reports it (Kingma & Welling 2014, eq. 10).
    """
    module.eval()
    gen = torch.Generator().manual_seed(seed)
    rec_sum, kl_sum, n = 0.0, 0.0, 0
    for batch in _chunks(x):
        mu, logvar = module.posterior(batch)
        eps = torch.randn(mu.shape, generator=gen)
        out = module.decode_logits(module.reparameterize(mu, logvar, eps))
        rec = losses.bernoulli_nll(batch, out) if module.bounded else losses.gaussian_nll(batch, out)
        rec_sum += float(rec) * len(batch)
        kl_sum += float(losses.gaussian_kl(mu, logvar)) * len(batch)
        n += len(batch)
    return {"test_nelbo": (rec_sum + kl_sum) / n, "test_reconstruction_nats": rec_sum / n, "test_kl_nats": kl_sum / n}
