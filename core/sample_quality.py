"""Sample quality of a diffusion model against its number of reverse steps (the steps sweep) and while it trains.

2-D models: the energy distance of samples to held-out points beside the data's own floor, both the expected
distance between blocks in closed form (metrics_2d.expected_block_distance, the measure of `gendiff eval`, without
the noise of drawing blocks); image models: the Frechet classifier distance (core.quality.frechet,
`frechet_classifier_distance(images_a, images_b)`) of samples to held-out images, when that module is present.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from torch import nn

from core.diffusion.process import NoiseProcess
from core.diffusion.sampling import sample
from core.errors import UserError
from core.metrics_2d import expected_block_distance

SWEEP_STEPS = (1, 2, 5, 10, 20, 50, 100, 200)
SWEEP_POINTS = 5000  # samples per run of a 2-D sweep, and its block size: `gendiff eval`'s (core.evaluation)
LIVE_POINTS = 500  # samples of the live quality curve: a few network passes, every few seconds


class SweepStopped(Exception):
    """`should_stop` said stop between two runs of a sweep."""


@dataclass(frozen=True)
class StepsSweep:
    """distance[sampler][i] at steps[i] (NaN where the sampler cannot take that step count); `metric` names it,
    `floor` is the data's own distance at the same sample size (2-D; None for images)."""

    metric: str
    steps: tuple[int, ...]
    distance: dict[str, list[float]] = field(default_factory=dict)
    floor: float | None = None

    def to_dict(self) -> dict:
        ratio = None
        if self.floor:
            ratio = {name: [v / self.floor for v in values] for name, values in self.distance.items()}
        return {"metric": self.metric, "steps": list(self.steps), "distance": self.distance, "floor": self.floor,
                "ratio": ratio}


def _frechet():
    """core.quality.frechet's (frechet_classifier_distance, FCD_SAMPLES), or a UserError while it is missing."""
    try:
        from core.quality.frechet import FCD_SAMPLES, frechet_classifier_distance
    except ImportError as exc:
        raise UserError("the Frechet classifier distance (core/quality/frechet.py) is not in this build; the steps "
                        "sweep of image models needs it") from exc
    return frechet_classifier_distance, FCD_SAMPLES


def _allowed_steps(process: NoiseProcess, steps: Sequence[int]) -> list[int | None]:
    """Each step count the process can take (1..T; a fixed-step process only its T), else None."""
    ok = []
    for count in steps:
        fits = count == process.timesteps if process.fixed_steps else 1 <= count <= process.timesteps
        ok.append(int(count) if fits else None)
    return ok


def steps_sweep(process: NoiseProcess, network: nn.Module, reference: np.ndarray, data: np.ndarray | None = None,
                *, steps: Sequence[int] = SWEEP_STEPS, samplers: Sequence[str] | None = None, n: int | None = None,
                seed: int = 0, should_stop: Callable[[], bool] | None = None) -> StepsSweep:
    """Quality of `n` samples (seeded: the same start and noises for every run) per sampler per step count.

    reference: held-out data ((m, 2) points or (m, C, H, W) images in [0, 1]); data: other data for the 2-D floor
    (e.g. the training set; None: the reference's second half, the first being the reference; fewer than n points:
    no floor). Points: the expected energy distance between a block of the n samples (n default SWEEP_POINTS, at
    most the reference's size) and a block of n reference points, the floor the same for blocks of `data`;
    images: Frechet classifier distance to n reference images (default FCD_SAMPLES).
    samplers default to all of the process's; step counts it cannot take give NaN. should_stop is asked before
    each run (raises SweepStopped).
    """
    points = np.asarray(reference).ndim == 2
    names = list(samplers or process.samplers)
    counts = [int(c) for c in steps]
    if points:
        ref, others = np.asarray(reference), data
        if others is None:
            ref, others = ref[: len(ref) // 2], ref[len(ref) // 2:]
        others = np.asarray(others)
        size = min(n or SWEEP_POINTS, len(ref))
        floor = expected_block_distance(others, ref, size) if len(others) >= size else None
        metric = "energy_distance"

        def distance(samples: np.ndarray) -> float:
            return expected_block_distance(samples, ref, size)
    else:
        fcd, default_n = _frechet()
        size = min(n or default_n, len(reference))
        ref, floor, metric = np.asarray(reference[:size]), None, "frechet_classifier_distance"

        def distance(samples: np.ndarray) -> float:
            return float(fcd(samples, ref))
    result = StepsSweep(metric=metric, steps=tuple(counts), floor=floor)
    for name in names:
        row = []
        for count in _allowed_steps(process, counts):
            if should_stop is not None and should_stop():
                raise SweepStopped()
            if count is None:
                row.append(float("nan"))
                continue
            row.append(distance(sample(process, network, size, sampler=name, steps=count, seed=seed)))
        result.distance[name] = row
    return result


def live_quality(network: nn.Module, process: NoiseProcess, data: np.ndarray, n_small: int = LIVE_POINTS,
                 seed: int = 0) -> float:
    """A cheap quality figure for the live curve while training, from n_small samples (default sampler and steps,
    seeded): for points, the expected energy distance between them and a block of as many points of `data` (all
    of it the reference, metrics_2d.expected_block_distance); for images, the Frechet classifier distance to the
    first n_small images of `data`. Call it off the training thread with a copy of the network."""
    data = np.asarray(data)
    size = min(n_small, len(data))
    samples = sample(process, network, size, seed=seed)
    if data.ndim == 2:
        return expected_block_distance(samples, data, size)
    fcd, _ = _frechet()
    return float(fcd(samples, data[:size]))


def experiment_steps_sweep(exp, **kwargs) -> StepsSweep:
    """steps_sweep of an Experiment (core.experiment): its process and network, its test split as reference and
    its training split for the floor."""
    task = exp.task
    if getattr(exp, "family", None) != "diffusion":
        raise UserError(f"the steps sweep needs a diffusion model, not the {exp.config.family} model "
                        f"{exp.config.model!r}")
    data = exp.train_data.x if exp.train_data.kind == "points" else None
    return steps_sweep(task.process, task.module, exp.test_data.x, data, seed=exp.config.seed, **kwargs)
