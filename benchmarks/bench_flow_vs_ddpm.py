"""Flow matching against DDPM on moons, the same network and the same training time: quality against sampler steps.

    python benchmarks/bench_flow_vs_ddpm.py --json [--seconds 20]

Trains `gendiff train --model flow` and `--model diffusion` on moons for --seconds each (one torch thread, seed 0,
the CLI's defaults: T = 100, batch 512, lr 2e-3, EMA; flow pairs data and noise by minibatch OT), then measures both with the evaluation of `gendiff eval`
(core.evaluation: energy distance of 16 x 5,000 samples to 5,000 held-out points over that of 4 x 5,000 training
points, the data's own floor; 1 = as close as the data to itself) with each process's default sampler (flow: 100 Euler steps; DDPM: 100 ancestral
steps) and again at 10 steps (flow: Euler; DDPM: ancestral, the respaced chain).
steps_in_time: training steps each model reached in the time (the machine is shared: load_average says how busy).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import print_result  # noqa: E402  (benchmarks/ is on sys.path when a script runs)


def _ratio(exp, sampler: str, steps: int | None) -> float:
    """core.evaluation's energy ratio, with a given sampler and step count."""
    from core.evaluation import sample_energy

    return sample_energy(exp, seed=exp.config.seed, sampler=sampler, steps=steps)["energy_distance_ratio"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import torch

    from core.config import ExperimentConfig
    from core.defaults import defaults_for
    from core.experiment import Experiment

    torch.set_num_threads(1)
    result: dict = {"seconds": args.seconds, "load_average": round(os.getloadavg()[0], 2)}
    for model, sampler in (("flow", "euler"), ("diffusion", "ddpm")):
        config = defaults_for(ExperimentConfig(model=model, dataset="moons")).replace(seconds=args.seconds)
        exp = Experiment.create(config)
        t0 = time.perf_counter()
        for _ in exp.train(seconds=args.seconds):
            pass
        name = "flow" if model == "flow" else "ddpm"
        result[f"{name}_steps_in_time"] = exp.steps_done
        result[f"{name}_train_s"] = round(time.perf_counter() - t0, 1)
        result[f"{name}_ratio_default"] = round(_ratio(exp, sampler, None), 3)
        result[f"{name}_ratio_10_steps"] = round(_ratio(exp, sampler, 10), 3)
    result["load_average_end"] = round(os.getloadavg()[0], 2)
    print_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
