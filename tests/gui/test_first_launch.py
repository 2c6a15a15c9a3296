"""The real program in a subprocess: a first launch shows lesson 4 (the MNIST VAE's latent map filled, no training)
with the start page over it; later launches reopen the last lesson; --lesson N opens lesson N."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from core.checkpoint import load_checkpoint
from core.paths import MODELS_DIR
from gendiff_gui.startup_probe import ENV, READY

TIMEOUT_S = 120  # a loaded 2-core machine; the benchmark measures the time, this only the behaviour


def _launch(settings_dir, *args: str) -> tuple[dict, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GENDIFF_SETTINGS_DIR=str(settings_dir), **{ENV: "1"})
    done = subprocess.run([sys.executable, "-m", "gendiff_gui", "--verbose", *args], capture_output=True,
                          text=True, env=env, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(READY)), None)
    assert line is not None, f"never populated:\n{done.stderr[-3000:]}"
    return json.loads(line[len(READY):]), done.stderr


def test_first_launch_shows_lesson_4_with_a_filled_latent_map_and_the_start_page_then_later_launches_restore(
        tmp_path, bundled):
    vae = bundled(MODELS_DIR / "mnist-vae.safetensors")  # lesson 4's model, what a first launch opens
    state, stderr = _launch(tmp_path)
    assert state["view"] == "latent map" and state["lesson"] == 4
    assert state["step"] == load_checkpoint(vae).metadata["steps"]  # bundled
    assert "gendiff — lessons" in state["other_windows"]  # the start page
    assert "Opening mnist-vae.safetensors" in stderr and "state: training" not in stderr  # no training needed

    state, stderr = _launch(tmp_path)  # a later launch: the same lesson, no start page
    assert state["lesson"] == 4 and state["other_windows"] == []
    assert "state: training" not in stderr


def test_the_lesson_flag_opens_that_lesson_and_the_next_launch_restores_it(tmp_path, bundled):
    bundled(MODELS_DIR / "mnist-linear-ae.safetensors")  # lesson 1's model
    state, stderr = _launch(tmp_path, "--lesson", "1")
    assert state["lesson"] == 1 and state["view"] == "latent map" and state["other_windows"] == []
    assert "Opening mnist-linear-ae.safetensors" in stderr
    state, stderr = _launch(tmp_path)
    assert state["lesson"] == 1 and "Opening mnist-linear-ae.safetensors" in stderr


def test_an_unknown_lesson_is_a_usage_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "gendiff_gui", "--lesson", "10"], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, GENDIFF_SETTINGS_DIR=str(tmp_path)))
    assert done.returncode == 2 and "--lesson" in done.stderr
