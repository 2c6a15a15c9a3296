"""Issue 7's check, exactly as written: for each class K run

    gendiff sample resources/models/mnist-conditional-diffusion.safetensors --class K --guidance 3 --n 100

(DDPM, all 200 steps, the command's defaults) and report how many of the 100 digits an MNIST classifier trained on the
bundled training split (core.digit_classifier: 784-256-10 MLP, about 96-97 % on real test digits) reads as K.

    python scripts/check_conditional_cli.py                 # all ten classes, two at a time (~7 min on 2 cores)
    python scripts/check_conditional_cli.py --classes 3 8 --jobs 1
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "resources" / "models" / "mnist-conditional-diffusion.safetensors"


def sample_class(k: int, folder: Path, n: int, guidance: float) -> np.ndarray:
    out = folder / f"class{k}.npy"
    cmd = [sys.executable, "-m", "core.cli", "sample", str(MODEL), "--class", str(k), "--guidance", str(guidance),
           "--n", str(n), "--out", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return np.load(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", type=int, nargs="*", default=list(range(10)))
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--jobs", type=int, default=2, help="`gendiff sample` processes at once (one thread each)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from core.digit_classifier import classify, train_classifier

    judge = train_classifier("mnist")
    with tempfile.TemporaryDirectory(prefix="gendiff-cond-") as tmp, ThreadPoolExecutor(args.jobs) as pool:
        samples = dict(zip(args.classes, pool.map(lambda k: sample_class(k, Path(tmp), args.n, args.guidance),
                                                  args.classes)))
    per_class = {k: float((classify(judge, x) == k).mean()) for k, x in samples.items()}
    print(json.dumps({"command": "gendiff sample <model> --class K --guidance 3 --n 100 (DDPM, 200 steps)",
                      "per_class": per_class, "min": min(per_class.values()), "goal": 0.9}))
    return 0 if min(per_class.values()) >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
