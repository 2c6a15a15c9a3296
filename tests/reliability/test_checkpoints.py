"""Hostile and broken checkpoints through the command line (exit 2, one line on stderr) and the window's Open path
(a message, the current model kept with its weights), and a GPU-saved checkpoint that must open on this CPU.

core's own unit tests (tests/test_checkpoint.py) check load_checkpoint file by file; here each file goes the whole
way a user's does: `gendiff eval FILE`, and File > Open in the running window.

A checkpoint "saved on a GPU": safetensors stores dtype, shape and raw bytes, never a device, and save_checkpoint
copies every tensor to the CPU before writing, so a GPU run's file differs from a CPU run's only in the settings it
records (device "cuda"). `gpu_saved` builds exactly that file; where a CUDA device exists, a second variant saves
from real CUDA tensors, elsewhere it is skipped (said so in the skip reason).
"""
from __future__ import annotations

import os
import pickle
import resource
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from core import cli
from core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from core.config import ExperimentConfig
from core.experiment import Experiment

AE = ExperimentConfig(model="ae", dataset="moons", latent_dim=1, hidden=16, seed=0)
DIFFUSION = ExperimentConfig(model="diffusion", dataset="moons", timesteps=20, seed=0)
MARKER = "PWNED_BY_CHECKPOINT"


class _Exploit:
    """Unpickling this runs `touch PWNED_BY_CHECKPOINT` (in the current folder)."""

    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


class _Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


def _valid(path: Path, config: ExperimentConfig = AE, **metadata) -> Path:
    exp = Experiment.create(config)
    save_checkpoint(path, exp.module.state_dict(), config, {"steps": 0, **metadata})
    return path


def _with_weight(path: Path, value: float) -> Path:
    exp = Experiment.create(AE)
    state = {k: v.clone() for k, v in exp.module.state_dict().items()}
    next(v for k, v in state.items() if k.endswith("weight"))[0, 0] = value
    save_checkpoint(path, state, AE)
    return path


def _other_architecture(path: Path) -> Path:
    """Settings of an MLP auto-encoder, weights of a VAE (a file renamed or edited by hand)."""
    vae = Experiment.create(AE.replace(model="vae"))
    save_checkpoint(path, vae.module.state_dict(), AE)
    return path


def _settings(path: Path, **changes) -> Path:
    """The small AE's weights under settings that describe another network."""
    exp = Experiment.create(AE)
    save_checkpoint(path, exp.module.state_dict(), AE.replace(**changes))
    return path


def _pickle(path: Path) -> Path:
    path.write_bytes(pickle.dumps({"state_dict": _Exploit()}, protocol=4))
    return path


def _torchscript(path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated, its files still exist
        torch.jit.save(torch.jit.script(_Tiny()), str(path))
    return path


def _raw(data: bytes):
    def write(path: Path) -> Path:
        path.write_bytes(data)
        return path
    return write


def _truncated(path: Path) -> Path:
    data = _valid(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _header_liar(path: Path) -> Path:
    data = _valid(path).read_bytes()
    header_len = struct.unpack("<Q", data[:8])[0]
    path.write_bytes(struct.pack("<Q", header_len + 10**6) + data[8:])
    return path


# name -> (writer, what the one-line message must say)
HOSTILE = {
    "exploit.pt": (_pickle, "pickle"),
    "scripted.pt": (_torchscript, "zip archive"),
    "empty.safetensors": (_raw(b""), "empty"),
    "half.safetensors": (_truncated, "truncated"),
    "noise.safetensors": (_raw(np.random.default_rng(1).bytes(5000)), "safetensors"),
    "liar.safetensors": (_header_liar, "header claims"),
    "nan.safetensors": (lambda p: _with_weight(p, float("nan")), "NaN or Inf"),
    "inf.safetensors": (lambda p: _with_weight(p, float("inf")), "NaN or Inf"),
    "other.safetensors": (_other_architecture, "does not match this model's architecture"),
    "negative.safetensors": (lambda p: _settings(p, hidden=-3), "hidden must be at least 1"),
    "conv-on-points.safetensors": (lambda p: _settings(p, model="conv-ae"), "cannot build a model"),
    "nodata.safetensors": (lambda p: _settings(p, dataset="holiday-photos"), "unknown dataset"),
    "huge.safetensors": (lambda p: _settings(p, hidden=20_000_000), "does not match this model's architecture"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: writer(folder / name) for name, (writer, _reason) in HOSTILE.items()}


def gpu_saved(path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """The file a `--device cuda` run writes (see the module's docstring), and its weights."""
    exp = Experiment.create(DIFFUSION)
    with torch.no_grad():
        for p in exp.module.parameters():
            p.add_(0.01)  # not the freshly seeded weights: opening must load these
    exp.config = DIFFUSION.replace(device="cuda")
    exp.steps_done = 7
    exp.save(path)
    return path, {k: v.numpy().copy() for k, v in exp.module.state_dict().items()}


# ----- the command line -----
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_cli_refuses_with_exit_2_and_one_line(hostile, capsys, monkeypatch, name):
    monkeypatch.chdir(hostile[name].parent)
    assert cli.main(["eval", str(hostile[name])]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    assert lines[0].startswith("gendiff eval: ") and HOSTILE[name][1] in lines[0], lines[0]
    assert not Path(MARKER).exists()


def test_a_reason_spread_over_lines_is_still_printed_as_one(hostile, capsys, monkeypatch):
    import core.experiment

    def refuse(path):
        raise CheckpointError("first line\n  second line")

    monkeypatch.setattr(core.experiment, "load_checkpoint", refuse)
    assert cli.main(["eval", str(hostile["noise.safetensors"])]) == cli.EXIT_BAD_INPUT
    assert capsys.readouterr().err == "gendiff eval: first line second line\n"


def test_huge_settings_are_refused_before_any_memory_is_spent(hostile):
    """20 million hidden units (a 640 MB network) claimed by a 1 kB file: refused from the shapes alone."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with pytest.raises(CheckpointError, match="does not match"):
        Experiment.from_checkpoint(hostile["huge.safetensors"])
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert grown_mb < 200, f"the peak memory grew by {grown_mb:.0f} MB"


def test_a_pickle_never_runs_even_in_a_fresh_process(hostile, tmp_path):
    """The real `gendiff` entry point in its own interpreter: exit status 2, one line, no file touched."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    done = subprocess.run([sys.executable, "-m", "core.cli", "eval", str(hostile["exploit.pt"])], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "pickle" in done.stderr, done.stderr
    assert not (tmp_path / MARKER).exists() and not (hostile["exploit.pt"].parent / MARKER).exists()


def test_a_gpu_saved_checkpoint_opens_on_this_cpu(tmp_path, capsys):
    path, weights = gpu_saved(tmp_path / "from-gpu.safetensors")
    assert load_checkpoint(path).config.device == "cuda"  # what the file says
    exp = Experiment.from_checkpoint(path)
    assert exp.config.device == "cpu" and exp.steps_done == 7
    for key, value in exp.module.state_dict().items():
        assert value.device.type == "cpu"
        np.testing.assert_array_equal(value.numpy(), weights[key])
    out = tmp_path / "samples.npy"
    assert cli.main(["sample", str(path), "--n", "8", "--steps", "4", "--out", str(out)]) == 0, capsys.readouterr()
    assert np.load(out).shape == (8, 2) and np.isfinite(np.load(out)).all()


def test_a_checkpoint_saved_from_real_cuda_tensors_opens_on_the_cpu(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine: test_a_gpu_saved_checkpoint_opens_on_this_cpu covers the file "
                    "a GPU run writes (same bytes; only the recorded device differs)")
    exp = Experiment.create(DIFFUSION.replace(device="cuda"))
    assert next(exp.module.parameters()).device.type == "cuda"
    exp.save(tmp_path / "cuda.safetensors")
    weights = {k: v.cpu().numpy() for k, v in exp.module.state_dict().items()}
    with torch.cuda.device(0):
        opened = Experiment.from_checkpoint(tmp_path / "cuda.safetensors")
    for key, value in opened.module.state_dict().items():
        np.testing.assert_array_equal(value.cpu().numpy(), weights[key])


def test_a_diffusion_checkpoint_with_an_ema_counter_reopens(tmp_path):
    """The EMA's update counter is a 0-d tensor: it used to be written as shape (1,), and the file then refused
    to load ("updates: shape (1,) instead of ()"); files written that way still open."""
    exp = Experiment.create(DIFFUSION)
    exp.save(tmp_path / "now.safetensors")
    assert load_checkpoint(tmp_path / "now.safetensors").state["updates"].shape == ()
    Experiment.from_checkpoint(tmp_path / "now.safetensors")
    old = {k: v.numpy().reshape(1) if v.dim() == 0 else v.numpy() for k, v in exp.module.state_dict().items()}
    save_checkpoint(tmp_path / "old.safetensors", old, DIFFUSION)
    assert load_checkpoint(tmp_path / "old.safetensors").state["updates"].shape == (1,)
    assert Experiment.from_checkpoint(tmp_path / "old.safetensors").module.state_dict()["updates"].dim() == 0


# ----- the window's File > Open -----
@pytest.fixture
def toy_window(qtbot, window, patience):
    window.start(AE)
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=patience)
    return window


def test_the_window_refuses_each_one_and_keeps_its_model(qtbot, toy_window, hostile, window_state, patience,
                                                         monkeypatch):
    w = toy_window
    monkeypatch.chdir(hostile["exploit.pt"].parent)
    before = window_state(w)
    for name, path in hostile.items():
        w.open_checkpoint(path)  # what File > Open does once the dialog returns
        qtbot.waitUntil(lambda: w.messages.level == "error", timeout=patience)
        qtbot.waitUntil(lambda: not w.session.busy, timeout=patience)
        shown = w.messages.text()
        assert name in shown and HOSTILE[name][1] in shown and "kept" in shown, shown
        assert "\n" not in shown and "Traceback" not in shown
        assert w.session.state == "idle"
        before.assert_same(w)
    assert not Path(MARKER).exists()


def test_the_window_opens_a_gpu_saved_checkpoint(qtbot, toy_window, tmp_path, patience):
    w = toy_window
    path, weights = gpu_saved(tmp_path / "from-gpu.safetensors")
    w.open_checkpoint(path)
    qtbot.waitUntil(lambda: not w.session.busy and w.session.experiment.config.model == "diffusion",
                    timeout=patience)
    assert w.messages.level != "error", w.messages.text()
    assert w.session.experiment.config.device == "cpu" and w.snapshots.step == 7
    for key, value in w.session.experiment.module.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), weights[key])
