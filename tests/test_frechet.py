"""The Frechet classifier distance: the Frechet formula against closed forms, the features against the classifier's layers."""
from __future__ import annotations

import numpy as np
import pytest

from core.data import load_dataset
from core.digit_classifier import train_classifier
from core.quality import FCD_SAMPLES, classifier_features, frechet_classifier_distance, frechet_distance


def _with_exact_moments(rng, n: int, mean: np.ndarray, cov_root: np.ndarray) -> np.ndarray:
    """n samples whose sample mean is `mean` and sample covariance (n-1 normalised) is cov_root @ cov_root.T exactly."""
    z = rng.normal(size=(n, len(mean)))
    z -= z.mean(0)
    chol = np.linalg.cholesky(np.cov(z, rowvar=False))
    white = z @ np.linalg.inv(chol).T  # sample covariance exactly I
    return white @ cov_root.T + mean


def test_diagonal_gaussians_match_the_closed_form():
    rng = np.random.default_rng(0)
    var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    mu_a, mu_b = np.array([0.0, 1.0, -2.0]), np.array([3.0, 1.0, 0.0])
    a = _with_exact_moments(rng, 400, mu_a, np.diag(np.sqrt(var_a)))
    b = _with_exact_moments(rng, 300, mu_b, np.diag(np.sqrt(var_b)))
    # diagonal covariances commute: Tr(S_a + S_b - 2 (S_a S_b)^{1/2}) = sum (sqrt(a) - sqrt(b))^2
    expected = ((mu_a - mu_b) ** 2).sum() + ((np.sqrt(var_a) - np.sqrt(var_b)) ** 2).sum()
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(13.0 + 4.0 + 1.0)  # the arithmetic by hand: 9+4 ; (1-3)^2 + (2-1)^2 + 0


def test_non_commuting_covariances_match_the_eigenvalues_of_the_product():
    rng = np.random.default_rng(1)
    root_a, root_b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    a = _with_exact_moments(rng, 500, np.zeros(4), root_a)
    b = _with_exact_moments(rng, 500, np.ones(4), root_b)
    cov_a, cov_b = root_a @ root_a.T, root_b @ root_b.T
    # independent route: S_a S_b is similar to a PSD matrix, so its eigenvalues are real and >= 0
    trace_sqrt = np.sqrt(np.linalg.eigvals(cov_a @ cov_b).real.clip(0)).sum()
    expected = 4.0 + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-7)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-7)


def test_identical_sets_are_at_distance_zero_and_bad_shapes_refused():
    x = np.random.default_rng(2).normal(size=(200, 5))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    with pytest.raises(ValueError):
        frechet_distance(x, x[:, :3])


def test_features_are_the_classifiers_hidden_layer():
    images = load_dataset("mnist", "test").floats(slice(64))[:, 0]
    feats = classifier_features(images)
    hidden = train_classifier("mnist")[1]
    w, b = hidden.weight.detach().numpy().astype(np.float64), hidden.bias.detach().numpy().astype(np.float64)
    by_hand = np.maximum(images.reshape(64, 784).astype(np.float64) @ w.T + b, 0.0)
    assert feats.shape == (64, 256)
    np.testing.assert_allclose(feats, by_hand, atol=1e-4)


def test_test_set_is_closer_to_train_than_to_noise():
    test = load_dataset("mnist", "test").floats(slice(FCD_SAMPLES))[:, 0]
    train = load_dataset("mnist", "train").floats(slice(FCD_SAMPLES))[:, 0]
    noise = np.random.default_rng(3).random((FCD_SAMPLES, 28, 28)).astype(np.float32)
    floor = frechet_classifier_distance(test, train)
    assert floor < 0.1 * frechet_classifier_distance(test, noise)
