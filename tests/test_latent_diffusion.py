"""Latent diffusion: codes standardised exactly, the auto-encoder frozen, CFG's closed form, reload, refusals."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from core.cli import main
from core.config import ExperimentConfig
from core.defaults import defaults_for
from core.diffusion.sampling import guided_output
from core.experiment import Experiment
from core.latent_diffusion.autoencoder_link import CARRIED_PREFIX, weights_sha256

SUBSET = 512  # training images a test encodes (the full 60,000 take tens of seconds)


@pytest.fixture(scope="module")
def tiny_ae(tmp_path_factory) -> str:
    """A small MNIST MLP auto-encoder (d = 4), a few steps trained, saved."""
    path = tmp_path_factory.mktemp("ae") / "tiny-ae.safetensors"
    exp = Experiment.create(ExperimentConfig(model="ae", dataset="mnist", latent_dim=4, hidden=32, seed=1))
    exp.train_data = _first(exp.train_data, SUBSET)
    for _ in exp.train(steps=20):
        pass
    exp.save(path)
    return str(path)


def _first(data, n):
    from dataclasses import replace

    return replace(data, x=data.x[:n], y=None if data.y is None else data.y[:n])


def _latent(autoencoder: str, conditional: bool = True, steps: int = 10) -> Experiment:
    config = defaults_for(ExperimentConfig(model="latent-diffusion", dataset="mnist")).replace(
        autoencoder=autoencoder, conditional=conditional, timesteps=20, seed=3)
    exp = Experiment.create(config)
    exp.train_data = _first(exp.train_data, SUBSET)
    for _ in exp.train(steps=steps):
        pass
    return exp


@pytest.fixture(scope="module")
def fresh_and_trained(tiny_ae) -> tuple[dict, Experiment]:
    """(the denoiser's initial weights, the latent model after a few steps): one training serves every test."""
    exp = _latent(tiny_ae, steps=0)
    before = {k: v.clone() for k, v in exp.module.denoiser.state_dict().items()}
    for _ in exp.train(steps=10):
        pass
    return before, exp


@pytest.fixture(scope="module")
def trained(fresh_and_trained) -> Experiment:
    return fresh_and_trained[1]


def test_codes_are_standardised_and_restored_exactly(trained):
    images = trained.train_data.floats()
    ae = trained.module.codes.autoencoder
    with torch.no_grad():
        z = ae.encode(torch.from_numpy(images)).numpy().astype(np.float64)
    mean, std = z.mean(0), z.std(0)  # by hand: numpy, population std
    codes = trained.module.codes
    np.testing.assert_allclose(codes.mean.numpy(), mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(codes.std.numpy(), std, rtol=1e-5)
    u = codes.standardise(torch.from_numpy(z.astype(np.float32))).numpy()
    np.testing.assert_allclose(u, (z - mean) / std, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(u.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(u.std(0), 1.0, atol=1e-5)
    back = codes.restore(torch.from_numpy(u)).numpy()
    np.testing.assert_allclose(back, z, rtol=1e-5, atol=1e-5)
    with torch.no_grad():  # decoding standardised codes = the auto-encoder's decoder of the restored codes
        np.testing.assert_allclose(codes.decode(torch.from_numpy(u)).numpy(),
                                   ae.decode(torch.from_numpy(z.astype(np.float32))).numpy(), atol=1e-5)


def test_training_leaves_the_autoencoder_unchanged(tiny_ae, fresh_and_trained):
    saved = load_checkpoint(tiny_ae).state
    before_denoiser, exp = fresh_and_trained
    after = exp.module.codes.autoencoder.state_dict()
    assert after.keys() == saved.keys()
    for key, value in saved.items():
        np.testing.assert_array_equal(after[key].numpy(), value)  # bit for bit the file's weights
    assert not exp.module.codes.autoencoder.training
    changed = [k for k, v in exp.module.denoiser.state_dict().items() if not torch.equal(v, before_denoiser[k])]
    assert changed  # ... while the denoiser did learn


def test_guidance_zero_is_the_unconditional_model_and_cfg_is_linear(trained):
    net = trained.module.denoiser.average
    gen = torch.Generator().manual_seed(0)
    x, t = torch.randn(6, 4, generator=gen), torch.randint(1, 20, (6,), generator=gen)
    y = torch.tensor([0, 1, 2, 3, 4, 5])
    with torch.no_grad():
        eps_u, eps_c = net(x, t, torch.full_like(y, 10)), net(x, t, y)
        for w in (0.0, 0.5, 3.0):
            torch.testing.assert_close(guided_output(net, x, t, y, w), eps_u + w * (eps_c - eps_u),
                                       rtol=1e-5, atol=1e-5)
    unguided = trained.task.sample(16, sampler="ddim", steps=10, y=7, guidance=0.0, seed=5)
    unconditional = trained.task.sample(16, sampler="ddim", steps=10, y=None, seed=5)
    np.testing.assert_array_equal(unguided, unconditional)
    assert unguided.shape == (16, 1, 28, 28) and 0.0 <= unguided.min() and unguided.max() <= 1.0


def test_a_saved_model_reopens_and_samples_the_same_images(trained, tmp_path):
    path = tmp_path / "latent.safetensors"
    trained.save(path)
    again = Experiment.from_checkpoint(path)
    assert again.config.autoencoder_sha256 == trained.config.autoencoder_sha256
    for kwargs in ({"y": 3, "guidance": 3.0}, {}):
        np.testing.assert_array_equal(trained.task.sample(12, seed=9, **kwargs), again.task.sample(12, seed=9, **kwargs))


def test_a_mismatched_or_missing_autoencoder_is_refused(trained, tmp_path):
    path = tmp_path / "latent.safetensors"
    trained.save(path)
    ckpt = load_checkpoint(path)
    tampered = dict(ckpt.state)
    key = next(k for k in tampered if k.startswith(CARRIED_PREFIX) and tampered[k].dtype.kind == "f")
    tampered[key] = tampered[key] + 0.5
    save_checkpoint(tmp_path / "tampered.safetensors", tampered, ckpt.config, ckpt.metadata)
    with pytest.raises(CheckpointError, match="not the one it was trained on"):
        Experiment.from_checkpoint(tmp_path / "tampered.safetensors")
    stripped = {k: v for k, v in ckpt.state.items() if not k.startswith(CARRIED_PREFIX)}
    save_checkpoint(tmp_path / "stripped.safetensors", stripped, ckpt.config, ckpt.metadata)
    with pytest.raises(CheckpointError, match="cannot be opened without"):
        Experiment.from_checkpoint(tmp_path / "stripped.safetensors")
    carried = {k[len(CARRIED_PREFIX):]: v for k, v in ckpt.state.items() if k.startswith(CARRIED_PREFIX)}
    assert weights_sha256(carried) == weights_sha256(load_checkpoint(trained.config.autoencoder).state)


def test_resuming_with_another_autoencoder_is_refused_and_the_file_kept(trained, tmp_path, capsys):
    path = tmp_path / "latent.safetensors"
    trained.save(path)
    before = path.read_bytes()
    code, err = _cli(capsys, "train", "--model", "latent-diffusion", "--dataset", "mnist", "--conditional",
                     "--autoencoder", "resources/models/mnist-ae.safetensors", "--resume", "--steps", "1",
                     "--out", str(path), "--quiet")
    assert code == 2 and "not the auto-encoder this latent diffusion was trained on" in err
    assert len(err.strip().splitlines()) == 1 and path.read_bytes() == before


def _cli(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("source, says", [
    ("resources/models/moons-ddpm.safetensors", "not an auto-encoder"),
    ("resources/models/fashion-mnist-ae.safetensors", "of fashion-mnist, not of mnist"),
    ("not-a-file.safetensors", "does not exist"),
    ("pyproject.toml", "not a safetensors"),
])
def test_a_bad_autoencoder_file_is_one_line_and_exit_2(capsys, tmp_path, source, says):
    out = tmp_path / "out.safetensors"
    code, err = _cli(capsys, "train", "--model", "latent-diffusion", "--dataset", "mnist", "--autoencoder", source,
                     "--steps", "1", "--out", str(out), "--quiet")
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_trains_samples_class_images_and_vae_prior(tiny_ae, tmp_path, capsys):
    model = tmp_path / "ld.safetensors"
    assert main(["train", "--model", "latent-diffusion", "--dataset", "mnist", "--autoencoder", tiny_ae,
                 "--conditional", "--timesteps", "10", "--steps", "3", "--out", str(model), "--quiet"]) == 0
    out = tmp_path / "x.npy"
    assert main(["sample", str(model), "--class", "4", "--guidance", "3", "--n", "5", "--out", str(out),
                 "--quiet"]) == 0
    images = np.load(out)
    assert images.shape == (5, 28, 28) and images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
    code, err = _cli(capsys, "sample", tiny_ae, "--n", "3", "--out", str(out))
    assert code == 2 and "needs a diffusion model or a VAE" in err
    vae = tmp_path / "vae.safetensors"
    assert main(["train", "--model", "vae", "--dataset", "mnist", "--hidden", "16", "--steps", "2", "--out",
                 str(vae), "--quiet"]) == 0
    assert main(["sample", str(vae), "--n", "6", "--seed", "2", "--out", str(out)]) == 0
    module = Experiment.from_checkpoint(vae).module
    z = torch.randn(6, 2, generator=torch.Generator().manual_seed(2))  # by hand: dec(z), z ~ N(0, I)
    with torch.no_grad():
        expected = torch.sigmoid(module.decoder(z)).numpy().reshape(6, 28, 28)
    np.testing.assert_allclose(np.load(out), expected, atol=1e-6)
