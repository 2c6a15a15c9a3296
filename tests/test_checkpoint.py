"""Checkpoints: round-trip, atomic save, and refusal of pickles (whose payload never runs), truncation and mismatch."""
from __future__ import annotations

import os
import pickle
import struct

import numpy as np
import pytest
import torch

from core.checkpoint import CheckpointError, check_state_matches, load_checkpoint, load_state_into, save_checkpoint
from core.config import ExperimentConfig
from core.models.autoencoders import mlp_autoencoder
from core.models.vae import mlp_vae

CONFIG = ExperimentConfig(model="ae", dataset="moons", latent_dim=1, hidden=16)


def _model():
    torch.manual_seed(0)
    return mlp_autoencoder((2,), 1, 16, bounded=False)


def test_round_trip_keeps_weights_config_and_metrics(tmp_path):
    model = _model()
    path = save_checkpoint(tmp_path / "m.safetensors", model.state_dict(), CONFIG, {"metrics": {"test_mse": 0.25}})
    ckpt = load_checkpoint(path)
    assert ckpt.config == CONFIG
    assert ckpt.metrics == {"test_mse": 0.25}
    other = mlp_autoencoder((2,), 1, 16, bounded=False)
    load_state_into(other, ckpt.state)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(other.state_dict()[k], v)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary file left behind
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # a normal file, not mkstemp's private 0600


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_PICKLE",))


def test_pickle_is_refused_and_its_payload_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, payload in {
        "evil.safetensors": pickle.dumps(_Exploit(), protocol=4),
        "evil.pt": pickle.dumps({"w": _Exploit()}, protocol=2),
    }.items():
        (tmp_path / name).write_bytes(payload)
        with pytest.raises(CheckpointError, match="pickle"):
            load_checkpoint(tmp_path / name)
    assert not (tmp_path / "PWNED_BY_PICKLE").exists()


def test_torch_save_zip_file_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(_model().state_dict(), path)
    with pytest.raises(CheckpointError, match="zip|PyTorch"):
        load_checkpoint(path)


@pytest.mark.parametrize("cut", [0, 5, 8, 40, -10])
def test_truncated_and_empty_files_are_refused(tmp_path, cut):
    good = save_checkpoint(tmp_path / "good.safetensors", _model().state_dict(), CONFIG)
    data = good.read_bytes()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(data[:cut])
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)


def test_header_claiming_more_bytes_than_the_file(tmp_path):
    bad = tmp_path / "liar.safetensors"
    bad.write_bytes(struct.pack("<Q", 10**9) + b'{"a": 1}')
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(bad)


def test_random_bytes_and_missing_file(tmp_path):
    bad = tmp_path / "noise.safetensors"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.safetensors")


def test_nan_weights_are_refused(tmp_path):
    state = _model().state_dict()
    state["encoder.1.weight"][0, 0] = float("nan")
    path = save_checkpoint(tmp_path / "nan.safetensors", state, CONFIG)
    with pytest.raises(CheckpointError, match="NaN"):
        load_checkpoint(path)


def test_other_architecture_lists_what_does_not_match(tmp_path):
    path = save_checkpoint(tmp_path / "vae.safetensors", mlp_vae((2,), 1, 16, False).state_dict(), CONFIG)
    ckpt = load_checkpoint(path)
    with pytest.raises(CheckpointError, match=r"shape \(2, 16\) instead of \(1, 16\)"):
        check_state_matches(_model(), ckpt.state)
    bigger = mlp_autoencoder((2,), 1, 32, bounded=False)
    with pytest.raises(CheckpointError, match="does not match"):
        load_state_into(bigger, load_checkpoint(save_checkpoint(tmp_path / "a.safetensors",
                                                                _model().state_dict(), CONFIG)).state)


def test_save_into_missing_folder_is_a_clear_error_and_keeps_old_file(tmp_path):
    with pytest.raises(CheckpointError, match="could not save"):
        save_checkpoint(tmp_path / "no" / "such" / "m.safetensors", _model().state_dict(), CONFIG)
    path = save_checkpoint(tmp_path / "m.safetensors", _model().state_dict(), CONFIG)
    before = path.read_bytes()
    with pytest.raises(CheckpointError):
        save_checkpoint(path, {"x": object()}, CONFIG)
    assert path.read_bytes() == before


def test_a_header_whose_length_begins_like_a_pickle_still_opens(tmp_path):
    """safetensors starts with its JSON header's length as a little-endian u64: any first byte is possible. A
    length of 0x...80 was taken for a pickle and a valid checkpoint refused (seen when a config field was added).
    The header is padded to 8 bytes, so its length's low byte is a multiple of 8: 0x80 is pickle's PROTO opcode."""
    low_byte = 0x80
    weights = {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}
    for pad in range(256):  # metadata of a growing length until the header's length ends in low_byte
        path = tmp_path / "model.safetensors"
        save_checkpoint(path, weights, ExperimentConfig(), {"note": "x" * pad})
        data = path.read_bytes()
        if data[0] == low_byte:
            break
    else:
        pytest.fail(f"no padding gave a header length ending in {low_byte:#x}")
    assert struct.unpack("<Q", data[:8])[0] % 256 == low_byte  # by hand: the layout's first 8 bytes
    loaded = load_checkpoint(path)
    np.testing.assert_array_equal(loaded.state["w"], weights["w"])
    assert loaded.metadata["note"] == "x" * pad
