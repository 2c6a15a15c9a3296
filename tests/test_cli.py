"""The `gendiff` command line: the JSON contract, checkpoints it writes, and one clear line for bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from core.cli import main


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, timeout=240,
                          env={"GENDIFF_THREADS": "1", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def tiny_vae(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "vae.safetensors"
    assert main(["train", "--model", "vae", "--dataset", "mnist", "--latent-dim", "2", "--hidden", "64",
                 "--steps", "30", "--out", str(path), "--quiet"]) == 0
    return path


def test_train_json_contract(capsys):
    code = main(["train", "--model", "ae", "--dataset", "moons", "--latent-dim", "1", "--hidden", "32",
                 "--steps", "40", "--json", "--quiet"])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("model", "dataset", "steps", "seconds", "metrics"):
        assert key in result
    assert result["model"] == "ae" and result["dataset"] == "moons" and result["steps"] == 40
    assert {"test_mse", "pca_mse"} <= result["metrics"].keys()


def test_vae_reports_nelbo_and_eval_agrees(tiny_vae, capsys):
    assert main(["eval", str(tiny_vae), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert metrics["test_nelbo"] > 0 and metrics["test_kl_nats"] >= 0
    assert abs(metrics["test_nelbo"] - metrics["test_reconstruction_nats"] - metrics["test_kl_nats"]) < 1e-2


def test_encode_an_image_file(tiny_vae, tmp_path, capsys):
    img = np.full((40, 40), 255, np.uint8)
    img[8:32, 18:22] = 0  # a dark "1" on white paper
    Image.fromarray(img).save(tmp_path / "one.png")
    assert main(["encode", str(tiny_vae), str(tmp_path / "one.png"), "--json"]) == 0
    codes = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["codes"]
    assert len(codes) == 1 and len(codes[0]["code"]) == 2


@pytest.mark.parametrize("content", [b"", b"hello, I am text", b"%PDF-1.4\n%\xe2\xe3"])
def test_encode_bad_file_exits_2_with_one_line(tiny_vae, tmp_path, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    out = _run("encode", str(tiny_vae), str(bad))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.png" in lines[0] and "Traceback" not in out.stderr


def test_pickle_checkpoint_exits_2(tmp_path):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"\x80\x04\x95" + b"\x00" * 20)
    out = _run("eval", str(bad))
    assert out.returncode == 2 and "pickle" in out.stderr and "Traceback" not in out.stderr


def test_info_lists_datasets_and_models(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {"mnist", "fashion-mnist", "moons"} <= {d["name"] for d in info["datasets"]}
    assert {"linear-ae", "vae", "diffusion", "gaussian-diffusion"} <= {m["name"] for m in info["models"]}


@pytest.mark.parametrize("name,default", [("moons-ddpm", "ddpm"), ("moons-lecture", "lecture"), ("moons-flow", "euler")])
def test_sample_uses_the_process_default_sampler_and_refuses_what_it_does_not_take(name, default, tmp_path, capsys):
    from core.paths import MODELS_DIR

    ckpt = str(MODELS_DIR / f"{name}.safetensors")
    out = tmp_path / "s.npy"
    assert main(["sample", ckpt, "--n", "8", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["sampler"] == default and result["shape"] == [8, 2] and np.load(out).shape == (8, 2)
    assert captured.err == ""  # no progress bar with --json (nor when stderr is not a terminal)
    wrong = "ddim" if default == "lecture" else "lecture"
    assert main(["sample", ckpt, "--n", "4", "--out", str(out), "--sampler", wrong]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and wrong in err[0] and "Traceback" not in err[0]
    if default == "lecture":  # its sampler takes every step: another step count is refused in one line
        assert main(["sample", ckpt, "--n", "4", "--out", str(out), "--steps", "5"]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_eval_steps_sweep_prints_each_samplers_distances(tiny_vae, capsys):
    from core.paths import MODELS_DIR

    ckpt = str(MODELS_DIR / "moons-flow.safetensors")
    assert main(["eval", ckpt, "--steps-sweep", "--sweep-n", "40", "--json"]) == 0
    sweep = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["steps_sweep"]
    assert sweep["steps"] == [1, 2, 5, 10, 20, 50, 100, 200] and set(sweep["distance"]) == {"euler", "heun"}
    assert all(len(row) == 8 and np.isnan(row[-1]) and np.isfinite(row[:-1]).all()  # T = 100: no 200 steps
               for row in sweep["distance"].values())
    assert main(["eval", str(tiny_vae), "--steps-sweep"]) == 2  # not a diffusion model: one line, exit 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "diffusion" in err[0]


def test_the_lecture_target_reaches_the_config_and_a_bad_one_exits_2(capsys):
    from core.cli.main import _config_from_args, build_parser

    args = build_parser().parse_args(["train", "--model", "gaussian-diffusion", "--dataset", "moons",
                                      "--lecture-target", "bridge", "--steps", "10"])
    config = _config_from_args(args)
    assert config.lecture_target == "bridge" and config.timesteps == 200  # the other defaults still apply
    assert _config_from_args(build_parser().parse_args(
        ["train", "--model", "gaussian-diffusion", "--steps", "10"])).lecture_target == "sample"
    with pytest.raises(SystemExit) as bad:
        main(["train", "--model", "gaussian-diffusion", "--lecture-target", "mean", "--steps", "10"])
    assert bad.value.code == 2 and "--lecture-target" in capsys.readouterr().err
