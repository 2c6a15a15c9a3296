"""The auto-encoder family: the lecture's linear AE reaches PCA, every model's loss falls, the VAE's parts add up."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core import losses
from core.autoencoder_task import AutoencoderTask, VAETask, corrupt
from core.metrics import pca_mse, reconstruction_mse
from core.models.autoencoders import LinearAutoencoder, conv_autoencoder, mlp_autoencoder
from core.models.vae import conv_vae, mlp_vae
from core.training import train


def _low_rank_data(n=2000, m=30, rank=4, seed=0):
    """Points near a rank-4 subspace with small isotropic noise (PCA's best case)."""
    g = np.random.default_rng(seed)
    basis = g.normal(size=(rank, m))
    x = g.normal(size=(n, rank)) * np.array([3.0, 2.0, 1.5, 1.0]) @ basis + 0.1 * g.normal(size=(n, m)) + 2.0
    return x.astype(np.float32)


def _loop(x, batch=128, seed=0):
    gen = torch.Generator().manual_seed(seed)
    xt = torch.from_numpy(x)
    while True:
        idx = torch.randint(0, len(xt), (batch,), generator=gen)
        yield xt[idx], None


def test_linear_autoencoder_is_the_lectures_shapes():
    model = LinearAutoencoder((30,), latent_dim=4)
    assert model.W.shape == (4, 30)  # W is d x m
    assert model.V.shape == (30, 4)  # V is m x d
    x = torch.randn(5, 30)
    z = model.encode(x)
    torch.testing.assert_close(z, (x - model.data_mean) @ model.W.T)  # z = W x on centred x
    torch.testing.assert_close(model.decode(z), z @ model.V.T + model.data_mean)  # x~ = V z


def test_linear_autoencoder_reaches_pca_error():
    torch.manual_seed(0)
    x = _low_rank_data()
    train_x, test_x = x[:1500], x[1500:]
    model = LinearAutoencoder((30,), latent_dim=3)
    model.set_data_mean(torch.from_numpy(train_x.mean(0)))
    before = reconstruction_mse(model, test_x)
    events = list(train(AutoencoderTask(model), _loop(train_x), lr=1e-2, steps=3000))
    after = reconstruction_mse(model, test_x)
    baseline = pca_mse(train_x, test_x, 3)
    assert events[-1].done and not events[-1].diverged
    assert after < before
    assert after <= baseline * 1.02, (after, baseline)


@pytest.mark.parametrize("build", [
    lambda: mlp_autoencoder((1, 28, 28), 4, 64, bounded=True),
    lambda: conv_autoencoder((1, 28, 28), 4),
])
def test_nonlinear_autoencoders_loss_falls(build):
    torch.manual_seed(0)
    x = (torch.rand(256, 1, 28, 28) > 0.7).float().numpy() * np.linspace(0, 1, 28, dtype=np.float32)
    task = AutoencoderTask(build(), noise_sigma=0.1)
    events = list(train(task, _loop(x, batch=64), lr=2e-3, steps=150))
    first, last = events[0].losses["total"], events[-1].losses["total"]
    assert last < 0.7 * first


def test_denoising_corrupts_the_input_not_the_target():
    gen = torch.Generator().manual_seed(1)
    x = torch.zeros(2000, 10)
    noisy = corrupt(x, 0.5, gen)
    assert abs(float(noisy.std()) - 0.5) < 0.02  # eps ~ N(0, sigma^2)
    assert torch.equal(corrupt(x, 0.0), x)
    # the denoising AE's loss is measured against the clean x: a perfect identity map scores the noise power
    class Identity(torch.nn.Module):
        def encode(self, v):
            return v

        def decode(self, v):
            return v

    torch.manual_seed(0)
    loss = AutoencoderTask(Identity(), noise_sigma=0.5).loss(x)["total"]
    assert abs(float(loss) - 0.25) < 0.01


@pytest.mark.parametrize("build", [
    lambda: mlp_vae((1, 28, 28), 2, 64, bounded=True),
    lambda: conv_vae((1, 28, 28), 2),
])
def test_vae_parts_add_up_and_loss_falls(build):
    torch.manual_seed(0)
    x = (torch.rand(256, 1, 28, 28) > 0.8).float().numpy()
    task = VAETask(build(), beta=0.5)
    parts = task.loss(torch.from_numpy(x[:32]))
    assert float(parts["kl"].detach()) >= 0
    torch.manual_seed(3)
    again = task.loss(torch.from_numpy(x[:32]))
    torch.testing.assert_close(again["total"], again["reconstruction"] + 0.5 * again["kl"])
    events = list(train(task, _loop(x, batch=64), lr=2e-3, steps=150))
    assert events[-1].losses["total"] < 0.8 * events[0].losses["total"]


def test_kl_matches_closed_form_and_is_never_negative():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(64, 3, generator=g)
    logvar = torch.randn(64, 3, generator=g)
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, (0.5 * logvar).exp()), torch.distributions.Normal(0.0, 1.0)
    ).sum(1).mean()
    torch.testing.assert_close(losses.gaussian_kl(mu, logvar), expected)
    assert float(losses.gaussian_kl(torch.zeros(4, 2), torch.zeros(4, 2))) == 0.0


def test_reparameterize_is_mu_plus_sigma_eps():
    mu, logvar, eps = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, 2.0]]), torch.tensor([[0.5, 1.0]])
    z = mlp_vae((4,), 2, 8, bounded=False).reparameterize(mu, logvar, eps)
    torch.testing.assert_close(z, torch.tensor([[1.5, -2.0 + np.e]]))


def test_vae_samples_from_the_prior():
    model = mlp_vae((1, 28, 28), 2, 16, bounded=True)
    out = model.sample_prior(5, generator=torch.Generator().manual_seed(0))
    assert out.shape == (5, 1, 28, 28)
    assert float(out.detach().min()) >= 0 and float(out.detach().max()) <= 1
