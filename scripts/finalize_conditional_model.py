"""Evaluate the bundled conditional MNIST diffusion model and store its metrics (and per-class guided accuracy) in it.

    python scripts/finalize_conditional_model.py [--n 100] [--steps 50] [--guidance 3]

The long training run (scripts/train_bundled_models.py) saves as it goes; this writes the final metadata.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from core.digit_classifier import guided_accuracy, train_classifier
from core.evaluation import evaluate, round_metrics
from core.experiment import Experiment
from core.paths import MODELS_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100, help="samples per class")
    parser.add_argument("--steps", type=int, default=50, help="DDIM steps")
    parser.add_argument("--guidance", type=float, default=3.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    path = MODELS_DIR / "mnist-conditional-diffusion.safetensors"
    exp = Experiment.from_checkpoint(path)
    per_class = guided_accuracy(exp.task, train_classifier("mnist"), 10, n_per_class=args.n, guidance=args.guidance,
                                steps=args.steps)
    metrics = round_metrics(evaluate(exp))
    metrics["guided_accuracy"] = round(float(np.mean(per_class)), 4)
    exp.save(path, metrics=metrics, extra={"guided_accuracy_per_class": [round(a, 4) for a in per_class],
                                          "guided_accuracy_setting": {"n_per_class": args.n, "sampler": "ddim",
                                                                      "steps": args.steps, "guidance": args.guidance}})
    print(json.dumps({"steps": exp.steps_done, "metrics": metrics, "per_class": per_class}))


if __name__ == "__main__":
    main()
