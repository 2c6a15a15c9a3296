"""The latent diffusion's done-when figures: guided accuracy per class and the Frechet classifier distances.

    python benchmarks/bench_latent_diffusion.py --json [--seconds 120] [--no-pixel-unet]

Runs the command lines of the README in this process (core.cli.main): `train --model latent-diffusion --dataset
mnist --conditional --seconds S --seed 0 --out F`, then for each class K `sample F --class K --guidance 3 --n 100`
(the CLI's default sampler), 1,000 unconditional samples (`sample F --guidance 0 --n 1000`) and 1,000 prior samples
of the bundled MNIST VAE (`sample mnist-vae.safetensors --n 1000`). The bundled digit classifier reads the class
samples; the FCD (core.quality, FCD_SAMPLES images a side) compares the unconditional sets with the test set,
beside the pixel U-Net's (DDIM, few steps: slow on a CPU) and the test-vs-train floor. Goals: every class >= 0.95,
fcd_latent_diffusion < fcd_vae_prior. The load average says how busy the machine was (other processes share it).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: the project's own core

from _report import print_result  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

from core.cli.main import main as gendiff  # noqa: E402
from core.digit_classifier import classify, train_classifier  # noqa: E402
from core.paths import MODELS_DIR  # noqa: E402
from core.quality import FCD_SAMPLES  # noqa: E402
from core.quality.comparison import bundled_fcds, fcd_to_test  # noqa: E402

GUIDANCE = 3.0
PER_CLASS = 100


def _run(*argv: str) -> None:
    code = gendiff([*argv, "--quiet"] if argv[0] == "train" else [*argv, "--json"])
    if code != 0:
        raise SystemExit(f"gendiff {' '.join(argv)} exited {code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="keep the trained model here")
    parser.add_argument("--no-pixel-unet", action="store_true", help="skip the pixel U-Net's FCD (minutes on a CPU)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-latent-"))
    model = args.out or work / "latent.safetensors"
    t0 = time.perf_counter()
    _run("train", "--model", "latent-diffusion", "--dataset", "mnist", "--conditional", "--seconds",
         str(args.seconds), "--seed", str(args.seed), "--out", str(model), "--json")
    train_wall = time.perf_counter() - t0
    classifier = train_classifier("mnist")
    per_class = []
    for k in range(10):
        out = work / f"class{k}.npy"
        _run("sample", str(model), "--class", str(k), "--guidance", str(GUIDANCE), "--n", str(PER_CLASS),
             "--seed", str(args.seed + k), "--out", str(out))
        per_class.append(float((classify(classifier, np.load(out)[:, None]) == k).mean()))
    unconditional, prior = work / "unconditional.npy", work / "vae-prior.npy"
    _run("sample", str(model), "--guidance", "0", "--n", str(FCD_SAMPLES), "--seed", str(args.seed),
         "--out", str(unconditional))
    _run("sample", str(MODELS_DIR / "mnist-vae.safetensors"), "--n", str(FCD_SAMPLES), "--seed", str(args.seed),
         "--out", str(prior))
    result = {
        "benchmark": "latent_diffusion", "seconds": args.seconds, "train_wall_s": round(train_wall, 1),
        "guided_accuracy_per_class": [round(a, 3) for a in per_class], "guided_accuracy_min": min(per_class),
        "fcd_latent_diffusion": round(fcd_to_test(np.load(unconditional)), 3),
        "fcd_vae_prior_cli": round(fcd_to_test(np.load(prior)), 3),
        **{k: (round(v, 3) if isinstance(v, float) else v)
           for k, v in bundled_fcds("mnist", seed=args.seed, pixel_unet=not args.no_pixel_unet).items()},
        "load_avg": [round(v, 2) for v in os.getloadavg()], "cpus": os.cpu_count(),
    }
    result["met"] = bool(result["guided_accuracy_min"] >= 0.95
                         and result["fcd_latent_diffusion"] < result["fcd_vae_prior_cli"])
    print_result(result, args.json)


if __name__ == "__main__":
    main()
