"""Retrain the pretrained models bundled in resources/models with gendiff's own command line (seeded, by steps).

    python scripts/train_bundled_models.py            # all of them, one after another
    python scripts/train_bundled_models.py --only mnist-vae moons-ddpm
    python scripts/train_bundled_models.py --list
    python scripts/train_bundled_models.py --evaluate-only spirals-ddpm   # re-measure and store the metrics

Runs are fixed by step counts (not seconds), so the same machine and seed give the same weights.
Each checkpoint carries its held-out metrics in its metadata (`gendiff info` lists them).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "models"

AE_SETS = ("mnist", "fashion-mnist")
TOY_SETS = ("moons", "8gaussians", "swiss-roll", "checkerboard", "spirals", "rings")


def bundle() -> dict[str, list[str]]:
    """name -> `gendiff train` arguments."""
    runs: dict[str, list[str]] = {}
    for data in AE_SETS:
        runs[f"{data}-linear-ae"] = ["--model", "linear-ae", "--dataset", data, "--latent-dim", "8", "--steps", "8000"]
        runs[f"{data}-ae"] = ["--model", "ae", "--dataset", data, "--latent-dim", "2", "--steps", "12000"]
        runs[f"{data}-denoising-ae"] = ["--model", "conv-ae", "--dataset", data, "--latent-dim", "16",
                                        "--noise-sigma", "0.5", "--steps", "8000"]
        runs[f"{data}-vae"] = ["--model", "vae", "--dataset", data, "--latent-dim", "2", "--steps", "15000"]
    for data in TOY_SETS:
        runs[f"{data}-ddpm"] = ["--model", "diffusion", "--dataset", data, "--steps", "6000"]
    # T = 100 ancestral steps shrink the spread (a perfect denoiser on Gaussian data loses 10 % of it at T = 100,
    # 1-2 % at T = 1000): the sharp-edged sets need T = 1000. Energy ratio (eval, then 4 blocks of 5,000) at T = 100
    # -> 1000: checkerboard 2.35 -> 0.87, rings 1.64 -> 1.09, moons 1.39 -> 1.21; spirals 1.44 -> 1.45.
    for data in ("checkerboard", "rings", "moons"):
        runs[f"{data}-ddpm"] += ["--timesteps", "1000"]
    # 8 Gaussians: at T = 100 its modes came out 5-8 % too narrow, and more training made it worse, as the denoiser
    # got closer to the one that shrinks (ratio, eval with 16 sample blocks: 6,000 steps 1.44; 12,000 steps with
    # EMA 0.999 1.70 or a cosine decay 1.68 at 4 blocks). At T = 1000, 12,000 steps with a cosine decay: 1.24.
    runs["8gaussians-ddpm"] = ["--model", "diffusion", "--dataset", "8gaussians", "--timesteps", "1000",
                               "--steps", "12000", "--lr-decay", "cosine"]
    # Measured again with the closed-form block expectation (stop 24; the 4-block floor before it was off by up to a
    # third), spirals at T = 100 and 6,000 steps scored 1.48 and swiss roll 1.30: both get 8 Gaussians' recipe.
    for data in ("spirals", "swiss-roll"):
        runs[f"{data}-ddpm"] = ["--model", "diffusion", "--dataset", data, "--timesteps", "1000",
                                "--steps", "12000", "--lr-decay", "cosine"]
    # The lecture's target x_t is noisy (signal-to-noise about 1/k at step k), so the 8 narrow modes need a big
    # batch: batch 512 left the mode weights off (energy ratio 3.5 after 4,000 steps, 5.1 after 16,000, 5.9 with
    # lr 5e-4). At T = 200 each reverse step adds noise of std sigma sqrt(dt) = 0.14, as wide as a moon or a mode:
    # batch 4,096 for 4,000 steps gave moons 1.73, 8 Gaussians 1.66 (eval, 16 sample blocks); 8,000 steps with a
    # cosine decay moons 1.63. At T = 1000 (std 0.063), 8,000 steps of batch 4,096 with a cosine decay: 8 Gaussians
    # 1.25, but moons 2.31. Moons at T = 1000 regresses on the bridge mean E[x_t | x_{t+dt}, x_0] instead of the
    # drawn x_t (--lecture-target bridge: the same minimiser, none of the target's noise): 8,000 steps 1.33 and
    # 16,000 steps 1.00 at 4 sample blocks, 1.285 at the bundled 16 (sampler seed 1: 1.318); 24,000 steps 1.449. The
    # bridge at T = 200 did not help (1.78 against 1.52, 4,000 steps).
    # On the closed-form measure (stop 24) that recipe scored 1.64, and so does the exact f of a moons-shaped mixture
    # at sigma 2 (benchmarks/bench_lecture_sampler.py: 1.67): the start N(0, sigma^2), narrower than the true x_1,
    # is what is left. At sigma 3 the exact f scores 1.21 and the same recipe trained there 1.239, but lesson 5's
    # moons then fill a third of its square instead of half; from the matched start N(0, sigma^2 + 1) the exact f
    # scores 1.16 at sigma 2, and this model, sampled so (its weights unchanged), 1.239 (stop 25).
    runs["moons-lecture"] = ["--model", "gaussian-diffusion", "--dataset", "moons", "--timesteps", "1000",
                             "--lecture-target", "bridge", "--batch-size", "4096", "--steps", "16000",
                             "--lr-decay", "cosine", "--lecture-prior", "matched"]
    runs["8gaussians-lecture"] = ["--model", "gaussian-diffusion", "--dataset", "8gaussians", "--timesteps", "1000",
                                  "--batch-size", "4096", "--steps", "8000", "--lr-decay", "cosine"]
    # Flow matching (issue 16), the same 2-D network, with minibatch OT pairs (the CLI's default for 2-D sets).
    # Energy ratio (eval): moons-flow 0.62, checkerboard-flow 0.94 (independent pairs gave 0.72 and 1.19).
    runs["moons-flow"] = ["--model", "flow", "--dataset", "moons", "--steps", "2000"]
    runs["checkerboard-flow"] = ["--model", "flow", "--dataset", "checkerboard", "--steps", "3643"]
    runs["mnist-conditional-diffusion"] = ["--model", "diffusion", "--dataset", "mnist", "--conditional",
                                           "--channels", "16", "--steps", "12000", "--save-every", "300", "--resume"]
    return runs


# Settling at a lower learning rate (`gendiff train --resume --lr`) was tried for the 2-D DDPMs and is not used: 3,000
# more steps at 2e-4 from the bundled spirals-ddpm gave energy ratio 1.12 with one noise seed and 1.82 with another,
# moons-ddpm 1.39 -> 1.67, 8gaussians-ddpm 1.32 -> 1.76 (issue 16's closing note).
SETTLE: dict[str, tuple[float, int]] = {}


def evaluate_again(names: list[str], threads: int) -> int:
    """Recompute each named bundled model's metrics as `gendiff train` does at the end of a run, and store them."""
    sys.path.insert(0, str(ROOT))
    import torch

    from core.evaluation import evaluate, round_metrics
    from core.experiment import Experiment

    torch.set_num_threads(threads)
    for name in names:
        path = OUT / f"{name}.safetensors"
        t0 = time.time()
        exp = Experiment.from_checkpoint(path)
        metrics = round_metrics(evaluate(exp, seed=exp.config.seed))
        exp.save(path, metrics=metrics)
        print(f"{name}: {time.time() - t0:.0f} s: {metrics}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="names to (re)train; default: all")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--evaluate-only", nargs="*", metavar="NAME",
                        help="no training: measure the named bundled models again (`gendiff eval`'s metrics) and "
                             "store the figures in their metadata")
    args = parser.parse_args()
    if args.evaluate_only is not None:
        return evaluate_again(args.evaluate_only, args.threads)
    runs = bundle()
    if args.list:
        for name, argv in runs.items():
            print(f"{name:<32} gendiff train {' '.join(argv)}")
        return 0
    unknown = set(args.only or ()) - runs.keys()
    if unknown:
        parser.error(f"unknown model names: {', '.join(sorted(unknown))}")
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.only or runs:
        cmd = [sys.executable, "-m", "core.cli", "train", *runs[name], "--seed", "0", "--threads", str(args.threads),
               "--quiet", "--json", "--out", str(OUT / f"{name}.safetensors")]
        t0 = time.time()
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if name in SETTLE and result.returncode == 0:
            lr, total = SETTLE[name]
            result = subprocess.run([*cmd, "--resume", "--lr", str(lr), "--steps", str(total)], cwd=ROOT,
                                    capture_output=True, text=True)  # the later --steps wins
        last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()
        print(f"{name}: {time.time() - t0:.0f} s, exit {result.returncode}: {last}", flush=True)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
