"""Device plumbing without a GPU: every family's network moves with config.device (checked on torch's "meta"
device, which holds shapes only), batches follow the module, and a file written on another device opens on the CPU."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import ExperimentConfig
from core.data import load_dataset
from core.device import module_device, to_device
from core.experiment import Experiment

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [
    ExperimentConfig(model="vae", dataset="mnist", latent_dim=2),
    ExperimentConfig(model="conv-vae", dataset="mnist", latent_dim=2),
    ExperimentConfig(model="linear-ae", dataset="mnist", latent_dim=3),
    ExperimentConfig(model="diffusion", dataset="mnist", conditional=True, channels=8),  # the conditional U-Net
    ExperimentConfig(model="gaussian-diffusion", dataset="moons"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.model}-{c.dataset}")
def test_every_family_builds_on_the_device_its_config_names(config: ExperimentConfig) -> None:
    train, test = load_dataset(config.dataset, "train"), load_dataset(config.dataset, "test")
    exp = Experiment._assemble(config.validate().replace(device="meta"), train, test)
    tensors = list(exp.module.parameters()) + list(exp.module.buffers())
    assert tensors and all(t.device.type == "meta" for t in tensors)
    assert module_device(exp.module) == torch.device("meta")
    on_cpu = Experiment._assemble(config.validate(), train, test)
    assert module_device(on_cpu.module) == torch.device("cpu")
    assert module_device(on_cpu.to("meta").module) == torch.device("meta") and on_cpu.config.device == "meta"


def test_a_batch_moves_to_the_modules_device_and_stays_put_when_it_is_there() -> None:
    x, y = torch.rand(4, 2), torch.arange(4)
    moved = to_device(x, torch.device("meta"))
    assert moved.device.type == "meta" and moved.shape == x.shape and moved.dtype == x.dtype
    assert to_device(x, torch.device("cpu")) is x and to_device(y, x.device) is y and to_device(None, x.device) is None
    assert module_device(torch.nn.Identity()) == torch.device("cpu")  # no tensors: the CPU


def test_a_checkpoint_written_on_another_device_opens_on_the_cpu(tmp_path: Path) -> None:
    exp = Experiment.create(ExperimentConfig(model="gaussian-diffusion", dataset="moons", steps=5))
    for _ in exp.train(steps=5):
        pass
    weights = {k: v.clone() for k, v in exp.module.state_dict().items()}
    path = tmp_path / "gpu.safetensors"
    # what a run with --device cuda records (its config names the device it trained on)
    save_checkpoint(path, exp.module.state_dict(), exp.config.replace(device="cuda"), {"steps": 5})
    assert load_checkpoint(path).config.device == "cuda"
    opened = Experiment.from_checkpoint(path)
    assert opened.config.device == "cpu" and opened.steps_done == 5
    for key, value in opened.module.state_dict().items():
        assert value.device.type == "cpu"
        torch.testing.assert_close(value, weights[key], rtol=0, atol=0)


def test_asking_for_a_gpu_this_machine_lacks_is_one_line_and_exit_2() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    out = subprocess.run([sys.executable, "-m", "core.cli", "train", "--model", "gaussian-diffusion", "--dataset",
                          "moons", "--steps", "2", "--device", "cuda"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2 and "cuda" in out.stderr.lower() and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
