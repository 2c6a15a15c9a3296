"""What the lecture's sampler allows with a perfect f: its energy ratio on a moons-shaped mixture whose f is exact.

    python benchmarks/bench_lecture_sampler.py --json                      # sigma 2, T 200 and 1000, both starts
    python benchmarks/bench_lecture_sampler.py --sigma 3 --timesteps 1000 --json

The data: a mixture of 400 Gaussians of std 0.1 / 0.71 (the moons generator's noise, after its scaling), centred on
400 points of the two moons' arcs (core.data's moons, scaled the same way). Its marginal at time t is the same
mixture with variance 0.14^2 + sigma^2 t, so the exact reverse mean is Tweedie's
f(x_t) = E[x_{t-dt} | x_t] = x_t + sigma^2 dt grad log p_t(x_t), in closed form. That f goes through the program's own
sampler (core.diffusion.sampling.sample with core.diffusion.lecture.GaussianDiffusion), from the lecture's start
x_1 ~ N(0, sigma^2) and from the matched start N(0, sigma^2 + 1); "true_start" begins at x_0 + N(0, sigma^2) itself
(a fresh mixture draw plus noise, core.diffusion.sampling.denoise_frames): the sampler's error without the start's.
Figure: core.metrics_2d.energy_distance_to_floor of 20,000 samples against 200,000 mixture draws, over the floor of
20,000 other draws (the training set's part), blocks of 5,000 as `gendiff eval`; `fresh` is 20,000 more draws, what
a perfect model of the mixture scores. One torch thread; about 30 s per 200 steps.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import print_result  # noqa: E402  (benchmarks/ is on sys.path when a script runs)

COMPONENTS = 400
SPREAD = 0.1 / 0.71  # the moons generator's noise in its scaled units
SAMPLES, REFERENCE, FLOOR, BLOCK = 20_000, 200_000, 20_000, 5_000


def mixture_centres(seed: int = 5):
    """COMPONENTS points on the two moons' arcs, scaled as core.data.toy2d scales moons."""
    import numpy as np

    rng = np.random.default_rng(seed)
    label, angle = rng.integers(0, 2, COMPONENTS), rng.uniform(0.0, np.pi, COMPONENTS)
    x = np.where(label == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    return (np.stack([x, y], axis=1) - [0.5, 0.25]) / 0.71


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sigma", type=float, nargs="*", default=[2.0])
    parser.add_argument("--timesteps", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--no-true-start", action="store_true", help="skip the true_start runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import numpy as np
    import torch
    from torch import nn

    from core.diffusion.lecture import GaussianDiffusion
    from core.diffusion.sampling import denoise_frames, sample
    from core.metrics_2d import energy_distance_to_floor

    torch.set_num_threads(1)
    centres = torch.tensor(mixture_centres(), dtype=torch.float32)

    def draw(n: int, seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        pick = torch.randint(0, COMPONENTS, (n,), generator=gen)
        return centres[pick] + SPREAD * torch.randn(n, 2, generator=gen)

    def score(x: torch.Tensor, var: float) -> torch.Tensor:
        """grad log of the mixture of N(c_k, var I) at x."""
        d2 = (x * x).sum(1, keepdim=True) - 2.0 * x @ centres.T + (centres * centres).sum(1)[None]
        weights = torch.softmax(-d2 / (2.0 * var), dim=1)
        return (weights @ centres - x) / var

    class ExactMean(nn.Module):
        """f(x, k) = x + sigma^2 dt grad log p_{k dt}(x): the lecture's f for this mixture, exactly."""

        def __init__(self, sigma: float, timesteps: int) -> None:
            super().__init__()
            self.sigma, self.dt, self.data_shape = sigma, 1.0 / timesteps, (2,)
            self.register_buffer("anchor", torch.zeros(1))

        def forward(self, x: torch.Tensor, t: torch.Tensor, y=None) -> torch.Tensor:
            k = int(t[0])
            return x + self.sigma**2 * self.dt * score(x, SPREAD**2 + self.sigma**2 * k * self.dt)

    reference, floor = draw(REFERENCE, 1).numpy(), draw(FLOOR, 2).numpy()

    def ratio(points: np.ndarray) -> float:
        return round(energy_distance_to_floor(points, reference, floor, BLOCK)["energy_distance_ratio"], 3)

    result: dict = {"fresh": ratio(draw(SAMPLES, 3).numpy())}
    t0 = time.perf_counter()
    for sigma in args.sigma:
        for steps in args.timesteps:
            f = ExactMean(sigma, steps)
            for start in ("lecture", "matched"):
                process = GaussianDiffusion(sigma=sigma, timesteps=steps, start=start)
                result[f"sigma{sigma:g}_T{steps}_{start}"] = ratio(sample(process, f, SAMPLES, seed=7))
            if not args.no_true_start:  # the same sampler from x_1 = x_0 + N(0, sigma^2) itself
                gen = torch.Generator().manual_seed(8)
                x_1 = draw(SAMPLES, 9) + sigma * torch.randn(SAMPLES, 2, generator=gen)
                frame = None
                for frame in denoise_frames(process, f, x_1, steps, seed=8):
                    pass
                result[f"sigma{sigma:g}_T{steps}_true_start"] = ratio(frame.x_t)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print_result(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
