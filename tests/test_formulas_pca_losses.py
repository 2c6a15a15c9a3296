"""PCA baseline vs numpy's SVD, the ELBO's parts and other losses vs closed forms, energy distance vs a double loop."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from core import losses, metrics
from core.metrics import pca_fit, pca_mse, reconstruction_mse, vae_nelbo
from core.metrics_2d import energy_distance_to_floor, expected_block_distance, projected_mean_distances
from core.models.vae import VAE

torch.set_num_threads(1)


# -- PCA --------------------------------------------------------------------------------------------------------
def anisotropic_data(n: int, m: int, seed: int) -> np.ndarray:
    """n points in R^m with well separated variances along a random rotation (not the axes), and an offset."""
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(rng.standard_normal((m, m)))
    scales = np.linspace(3.0, 0.2, m)
    return (rng.standard_normal((n, m)) * scales) @ rotation.T + rng.standard_normal(m) * 5


def svd_of_centred(x: np.ndarray):
    flat = x.reshape(len(x), -1)
    centred = flat - flat.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return flat.mean(0), s, vt


@pytest.mark.parametrize("d", [1, 3, 5])
def test_pca_fit_gives_the_top_right_singular_vectors(d: int) -> None:
    x = anisotropic_data(500, 6, seed=0)
    mean, comps = pca_fit(x, d)
    ref_mean, s, vt = svd_of_centred(x)
    assert mean.shape == (6,) and comps.shape == (d, 6)
    assert np.allclose(mean, ref_mean, atol=1e-12)
    # the i-th component is the i-th right-singular vector, up to sign (singular values are distinct here)
    assert np.all(np.diff(s) < -0.05)
    assert np.allclose(np.abs(np.sum(comps * vt[:d], axis=1)), 1.0, atol=1e-8)
    assert np.allclose(comps @ comps.T, np.eye(d), atol=1e-10)
    # the same projection subspace, and the variance along each component is s_i^2 / n, in decreasing order
    assert np.allclose(comps.T @ comps, vt[:d].T @ vt[:d], atol=1e-8)
    var = ((x - mean) @ comps.T).var(0)
    assert np.allclose(var, s[:d] ** 2 / len(x), rtol=1e-8)


def test_pca_fit_flattens_images() -> None:
    x = anisotropic_data(300, 6, seed=1)
    _, comps = pca_fit(x.reshape(300, 1, 2, 3), 2)
    _, _, vt = svd_of_centred(x)
    assert comps.shape == (2, 6)
    assert np.allclose(np.abs(np.sum(comps * vt[:2], axis=1)), 1.0, atol=1e-8)


def test_pca_fit_sums_its_covariance_over_blocks_and_can_be_stopped() -> None:
    n = 2 * metrics.PCA_ROWS + 300  # three blocks of rows, the last one short
    x = anisotropic_data(n, 4, seed=4).astype(np.float32)
    mean, comps = pca_fit(x, 2, should_stop=lambda: False)
    ref_mean, _, vt = svd_of_centred(x.astype(np.float64))
    assert np.allclose(mean, ref_mean, atol=1e-9)
    assert np.allclose(comps.T @ comps, vt[:2].T @ vt[:2], atol=1e-6)
    calls = []

    def stop_on_second_look() -> bool:
        calls.append(1)
        return len(calls) >= 2

    with pytest.raises(metrics.PCAStopped):
        pca_fit(x, 2, should_stop=stop_on_second_look)
    assert len(calls) == 2  # looked at between blocks, stopped at once


@pytest.mark.parametrize("d", [1, 2, 4])
def test_pca_mse_is_eckart_young(d: int) -> None:
    # on its own training set: the discarded squared singular values over the number of coordinates
    x = anisotropic_data(400, 5, seed=2)
    _, s, vt = svd_of_centred(x)
    assert math.isclose(pca_mse(x, x, d), float((s[d:] ** 2).sum()) / x.size, rel_tol=1e-8)
    # on a test set: the projection onto the train set's top-d singular vectors, by numpy
    test = anisotropic_data(100, 5, seed=3)
    centred = test - x.mean(0)
    recon = centred @ vt[:d].T @ vt[:d]
    assert math.isclose(pca_mse(x, test, d), float(((recon - centred) ** 2).mean()), rel_tol=1e-8)


# -- losses: the ELBO's parts -----------------------------------------------------------------------------------
def test_gaussian_kl_is_the_closed_form() -> None:
    # KL(N(mu, s^2) || N(0, 1)) = log(1 / s) + (s^2 + mu^2) / 2 - 1/2 per dimension, summed, mean over the batch
    rng = np.random.default_rng(4)
    mu, logvar = rng.standard_normal((7, 3)), rng.standard_normal((7, 3))
    s = np.exp(0.5 * logvar)
    want = (np.log(1 / s) + (s**2 + mu**2) / 2 - 0.5).sum(1).mean()
    got = losses.gaussian_kl(torch.from_numpy(mu), torch.from_numpy(logvar))
    assert got.dim() == 0 and math.isclose(float(got), want, rel_tol=1e-12)
    # the same as torch.distributions' KL of two Normals
    q = torch.distributions.Normal(torch.from_numpy(mu), torch.from_numpy(s))
    p = torch.distributions.Normal(torch.zeros(7, 3, dtype=torch.float64), torch.ones(7, 3, dtype=torch.float64))
    assert math.isclose(float(torch.distributions.kl_divergence(q, p).sum(1).mean()), want, rel_tol=1e-12)
    assert float(losses.gaussian_kl(torch.zeros(2, 4), torch.zeros(2, 4))) == 0.0  # q = p


def test_gaussian_kl_matches_monte_carlo() -> None:
    # E_q[log q(z) - log p(z)] with many z from q
    rng = np.random.default_rng(5)
    mu, logvar = np.array([[0.7, -1.2]]), np.array([[-0.4, 0.5]])
    s = np.exp(0.5 * logvar)
    z = mu + s * rng.standard_normal((400_000, 2))
    log_q = -0.5 * ((z - mu) / s) ** 2 - np.log(s)
    log_p = -0.5 * z**2
    mc = float((log_q - log_p).sum(1).mean())
    assert abs(float(losses.gaussian_kl(torch.from_numpy(mu), torch.from_numpy(logvar))) - mc) < 0.01


def test_bernoulli_nll_is_the_binary_cross_entropy_sum() -> None:
    rng = np.random.default_rng(6)
    x = rng.uniform(0, 1, (5, 1, 2, 3))
    logits = 3 * rng.standard_normal((5, 1, 2, 3))
    p = 1 / (1 + np.exp(-logits))
    want = -(x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(5, -1).sum(1).mean()
    got = losses.bernoulli_nll(torch.from_numpy(x), torch.from_numpy(logits))
    assert got.dim() == 0 and math.isclose(float(got), want, rel_tol=1e-10)


def test_gaussian_nll_and_the_mean_squared_losses() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    assert math.isclose(float(losses.gaussian_nll(tx, ty)), 0.5 * ((x - y) ** 2).reshape(4, -1).sum(1).mean(),
                        rel_tol=1e-12)
    assert math.isclose(float(losses.mse_reconstruction(tx, ty)), ((x - y) ** 2).mean(), rel_tol=1e-12)
    assert math.isclose(float(losses.denoising_objective(ty, tx)), ((x - y) ** 2).mean(), rel_tol=1e-12)
    rec, kl = torch.tensor(3.0), torch.tensor(2.0)
    assert float(losses.vae_loss(rec, kl, 0.25)) == 3.5 and float(losses.vae_loss(rec, kl, 1.0)) == 5.0


# -- held-out metrics by hand -----------------------------------------------------------------------------------
class Halver(nn.Module):
    """A stub auto-encoder: decode(encode(x)) = x / 2 + 0.1."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x / 2

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z + 0.1


def test_reconstruction_mse_over_several_batches() -> None:
    n = 2 * metrics.EVAL_BATCH + 300  # three chunks, the last one short
    x = np.random.default_rng(8).uniform(0, 1, (n, 1, 2, 2)).astype(np.float32)
    want = float(((x / 2 + 0.1 - x).astype(np.float64) ** 2).mean())
    assert math.isclose(reconstruction_mse(Halver(), x), want, rel_tol=1e-5)


def linear_vae(m: int, latent: int, bounded: bool, seed: int) -> VAE:
    torch.manual_seed(seed)
    return VAE(nn.Linear(m, 2 * latent), nn.Linear(latent, m), (m,), latent, bounded)


@pytest.mark.parametrize("bounded", [True, False])
def test_vae_nelbo_by_hand(bounded: bool) -> None:
    # per example: -log p(x|z) (Bernoulli: binary cross-entropy sum; Gaussian: 0.5 ||x - mean||^2) at one
    # z = mu + sigma eps, eps drawn per chunk of EVAL_BATCH examples from a generator seeded with `seed`, plus KL
    m, latent, seed = 4, 2, (3 if bounded else 0)
    n = metrics.EVAL_BATCH + 250
    rng = np.random.default_rng(9)
    x = (rng.uniform(0, 1, (n, m)) if bounded else rng.standard_normal((n, m))).astype(np.float32)
    vae = linear_vae(m, latent, bounded, seed=1)
    got = vae_nelbo(vae, x, seed=seed) if bounded else vae_nelbo(vae, x)  # the default seed is 0
    we, be = vae.encoder.weight.detach().double().numpy(), vae.encoder.bias.detach().double().numpy()
    wd, bd = vae.decoder.weight.detach().double().numpy(), vae.decoder.bias.detach().double().numpy()
    gen = torch.Generator().manual_seed(seed)
    eps = np.concatenate([torch.randn((len(x[i:i + metrics.EVAL_BATCH]), latent), generator=gen).numpy()
                          for i in range(0, n, metrics.EVAL_BATCH)]).astype(np.float64)
    xd = x.astype(np.float64)
    h = xd @ we.T + be
    mu, logvar = h[:, :latent], np.clip(h[:, latent:], -30, 20)
    z = mu + np.exp(0.5 * logvar) * eps
    out = z @ wd.T + bd
    if bounded:
        p = 1 / (1 + np.exp(-out))
        rec = -(xd * np.log(p) + (1 - xd) * np.log(1 - p)).sum(1)
    else:
        rec = 0.5 * ((xd - out) ** 2).sum(1)
    kl = 0.5 * (mu**2 + np.exp(logvar) - 1 - logvar).sum(1)
    assert math.isclose(got["test_reconstruction_nats"], rec.mean(), rel_tol=1e-5)
    assert math.isclose(got["test_kl_nats"], kl.mean(), rel_tol=1e-5)
    assert math.isclose(got["test_nelbo"], (rec + kl).mean(), rel_tol=1e-5)


# -- energy distance --------------------------------------------------------------------------------------------
def loop_mean_distance(u: np.ndarray, v: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs (u_i, v_j), a plain double loop."""
    total = 0.0
    for p in u:
        for q in v:
            total += math.sqrt(float(((p - q) ** 2).sum()))
    return total / (len(u) * len(v))


def loop_energy_distance(a: np.ndarray, b: np.ndarray) -> float:
    """2 E|X - Y| - E|X - X'| - E|Y - Y'| (V-statistic: i = j included in the within-set means)."""
    return 2 * loop_mean_distance(a, b) - loop_mean_distance(a, a) - loop_mean_distance(b, b)


def test_projected_means_match_the_double_loop() -> None:
    rng = np.random.default_rng(11)
    a = rng.standard_normal((23, 2))
    b = rng.standard_normal((31, 2)) * 1.5 + [0.5, -0.3]
    cross, within_a, within_b = projected_mean_distances(a, b, directions=2048)
    assert math.isclose(cross, loop_mean_distance(a, b), rel_tol=1e-6)
    assert math.isclose(within_a, loop_mean_distance(a, a) * 23 / 22, rel_tol=1e-6)  # pairs i != k only
    assert math.isclose(within_b, loop_mean_distance(b, b) * 31 / 30, rel_tol=1e-6)
    # the default 64 directions: each mean within 0.03 %
    coarse = projected_mean_distances(a, b)
    assert np.allclose(coarse, (cross, within_a, within_b), rtol=3e-4)


def test_the_expected_block_distance_is_the_mean_over_every_pair_of_blocks() -> None:
    rng = np.random.default_rng(12)
    points = rng.standard_normal((7, 2)) * 1.2 + [0.3, 0.0]
    ref = rng.standard_normal((6, 2))
    every = [loop_energy_distance(points[list(b)], ref[list(c)])
             for b in itertools.combinations(range(7), 3) for c in itertools.combinations(range(6), 3)]
    assert math.isclose(expected_block_distance(points, ref, 3, directions=2048), np.mean(every), rel_tol=1e-5)
    # a block as large as the reference: the reference itself is its only block
    whole = [loop_energy_distance(points[list(b)], ref) for b in itertools.combinations(range(7), 6)]
    assert math.isclose(expected_block_distance(points, ref, 6, directions=2048), np.mean(whole), rel_tol=1e-5)
    with pytest.raises(ValueError):
        expected_block_distance(points, ref, 7)


def test_the_floor_ratio_divides_the_samples_expected_distance_by_the_datas() -> None:
    rng = np.random.default_rng(13)
    ref = rng.standard_normal((4, 2))
    samples = rng.standard_normal((7, 2)) * 1.3
    data = rng.standard_normal((6, 2))
    out = energy_distance_to_floor(samples, ref, data)
    model = np.mean([loop_energy_distance(samples[list(c)], ref) for c in itertools.combinations(range(7), 4)])
    floor = np.mean([loop_energy_distance(data[list(c)], ref) for c in itertools.combinations(range(6), 4)])
    assert math.isclose(out["energy_distance"], model, rel_tol=2e-3)
    assert math.isclose(out["energy_distance_data"], floor, rel_tol=2e-3)
    assert math.isclose(out["energy_distance_ratio"], out["energy_distance"] / out["energy_distance_data"])
