"""Sampling jobs for the scrubber: run specs, "denoise from x_t at step t", a worker streaming frames from a QThread.

A `RunSpec` says what one trajectory is: a sampling run from noise (core's `sample_frames`), the forward noising of
given data (core's `forward_frames` chain, with the denoiser's x̂₀ of each x_t), or the reverse sampler started
from the forward chain's x_t at a step t (`denoise_frames`, defined here: core's sampler always starts from x_T).
A `SamplingWorker` runs one or more specs (two for "same seed, two samplers") in its own QThread through
`jobs.Job`, interleaved so that they reach each t at about the same time, and emits every frame (none is skipped:
the scrubber keeps them) in batches at most `emit_hz` times a second. Each worker gets its own copy of the
network, so nothing it touches is shared.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from PySide6.QtCore import Signal

from core.diffusion.ddim import strided_timesteps
from core.diffusion.ema import sampling_network
from core.diffusion.frames import Frame, is_image_shape, make_frame, to_model_space
from core.diffusion.sampling import guided_output, reverse_chain, sample_frames
from gendiff_gui.session.workers import Worker

SAMPLE, FORWARD, DENOISE = "sample", "forward", "denoise"
SAMPLER_NAMES = {"lecture": "lecture's sampler", "ddpm": "DDPM", "ddim": "DDIM"}


@dataclass(frozen=True, eq=False)
class RunSpec:
    """One trajectory to compute.

    kind SAMPLE: `n` samples from noise with `sampler`, `steps`, `eta`, class `y`, guidance `w`, `seed`.
    kind FORWARD: the noising chain of `x0` (data space) with noise seed `seed`, t = 0 .. T, beside the denoiser's
    x̂₀ of each x_t (`forward_frames_predicted`).
    kind DENOISE: the reverse sampler from x_t, the FORWARD chain of `x0` with `seed` at step `t`, down to 0
    (its own noises come from `seed + 1`).
    """

    kind: str = SAMPLE
    n: int = 1000
    sampler: str | None = None
    steps: int | None = None
    eta: float = 0.0
    y: int | None = None
    guidance: float = 1.0
    seed: int = 0
    x0: np.ndarray | None = None
    t: int = 0

    def describe(self, timesteps: int) -> str:
        """A short caption, e.g. "DDIM · 20 steps · η = 0.5" or "forward noising"."""
        if self.kind == FORWARD:
            return "forward noising  x₀ → x_T"
        name = SAMPLER_NAMES.get(self.sampler or "", self.sampler or "")
        parts = [name, f"{self.steps or timesteps} steps"]
        if self.sampler == "ddim":
            parts.append(f"η = {self.eta:g}")
        if self.y is not None:
            parts.append(f"class {self.y}, w = {self.guidance:g}")
        text = " · ".join(parts)
        return f"denoising from t = {self.t}: {text}" if self.kind == DENOISE else text


def forward_state(process, x0: np.ndarray, seed: int, t: int) -> torch.Tensor:
    """x_t of `forward_frames(process, x0, seed)` in model space, unclipped (the frames clip images to [0, 1]):
    the same Markov chain with the same generator, stopped at step t."""
    x = to_model_space(torch.as_tensor(np.asarray(x0), dtype=torch.float32))
    gen = torch.Generator().manual_seed(int(seed))
    for k in range(1, int(t) + 1):
        x = process.forward_step(x, k, torch.randn(x.shape, generator=gen))
    return x


def reverse_timesteps(process, t: int, sampler: str, steps: int | None) -> list[int]:
    """The steps a reverse run from t visits: t, then those of the `steps`-step sub-sequence below t, down to 0
    (every step for the lecture's sampler)."""
    if sampler == "lecture":
        return list(range(int(t), -1, -1))
    below = [s for s in strided_timesteps(process.timesteps, steps or process.timesteps) if s < t]
    return [int(t)] + below


def denoise_frames(process, denoiser, x_t: torch.Tensor, t: int, *, sampler: str | None = None,
                   steps: int | None = None, eta: float = 0.0, y: int | None = None, guidance: float = 1.0,
                   seed: int = 0, generator: torch.Generator | None = None) -> Iterator[Frame]:
    """The reverse sampler from a given model-space x_t at step t down to 0, one Frame per visited step.

    The same steps as core's `sample_frames` (one standard normal draw of the sample's shape per step, from
    `generator` or one seeded with `seed`): started at t = T from x_T = process.prior drawn from that generator,
    it yields exactly sample_frames' frames.
    """
    kind = process.kind
    sampler = sampler or ("lecture" if kind == "lecture" else "ddpm")
    if (sampler == "lecture") != (kind == "lecture"):
        raise ValueError(f"sampler {sampler!r} does not fit a {kind} process")
    net = sampling_network(denoiser)
    clip = is_image_shape(tuple(net.data_shape))
    gen = generator if generator is not None else torch.Generator().manual_seed(int(seed))
    x = x_t.detach().to(torch.float32)
    n = x.shape[0]
    labels = None if y is None else torch.full((n,), int(y), dtype=torch.long)
    taus = reverse_timesteps(process, t, sampler, steps)
    yield from reverse_chain(process, net, x, taus, sampler=sampler, eta=eta, labels=labels, guidance=guidance,
                             generator=gen, clip=clip)


def run_frames(spec: RunSpec, process, denoiser) -> Iterator[Frame]:
    """The frames of `spec` (a generator: nothing runs until it is iterated)."""
    if spec.kind == SAMPLE:
        return sample_frames(process, denoiser, spec.n, sampler=spec.sampler, steps=spec.steps, eta=spec.eta,
                             y=spec.y, guidance=spec.guidance, seed=spec.seed)
    if spec.kind == FORWARD:
        return forward_frames_predicted(process, denoiser, spec.x0, seed=spec.seed)
    if spec.kind == DENOISE:
        x_t = forward_state(process, spec.x0, spec.seed, spec.t)
        return denoise_frames(process, denoiser, x_t, spec.t, sampler=spec.sampler, steps=spec.steps,
                              eta=spec.eta, y=spec.y, guidance=spec.guidance, seed=spec.seed + 1)
    raise ValueError(f"unknown run kind {spec.kind!r}")


def private_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A CPU copy of a network for one worker (made on the GUI thread from a module nobody else changes now)."""
    net = copy.deepcopy(module).cpu().eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


class SamplingWorker(Worker):
    """Runs `factories` (each returns a frame iterator; called in the worker thread), interleaved: the run that
    lags furthest behind in t goes next. Emits `frames(tag, run, [Frame, ...])` with every frame since the last
    emit, at most `emit_hz` times a second, and `run_done(tag, run)` when a run has yielded its last frame."""

    frames = Signal(int, int, object)  # tag, run, [Frame, ...]
    run_done = Signal(int, int)  # tag, run

    def __init__(self, factories: list[Callable[[], Iterator[Frame]]], tag: int = 0, emit_hz: float = 30.0) -> None:
        super().__init__()
        self._factories = list(factories)
        self.tag = int(tag)  # carried by every signal: the receiver drops those of a run it replaced
        self._interval = 1.0 / emit_hz

    def work(self) -> None:
        runs = [factory() for factory in self._factories]
        pending: list[list[Frame]] = [[] for _ in runs]
        progress = [float("inf")] * len(runs)  # how far each run has come: its latest t (reverse runs)
        alive = list(range(len(runs)))
        last_emit = time.perf_counter()
        try:
            while alive and not self.stop_requested:
                i = max(alive, key=lambda r: progress[r]) if len(alive) > 1 else alive[0]
                frame = next(runs[i], None)
                if frame is None:
                    alive.remove(i)
                    self._flush(i, pending)
                    self.run_done.emit(self.tag, i)
                    continue
                pending[i].append(frame)
                progress[i] = frame.t if frame.t < progress[i] else progress[i] - 1e-6
                now = time.perf_counter()
                if now - last_emit >= self._interval:
                    for r in range(len(runs)):
                        self._flush(r, pending)
                    last_emit = now
        finally:
            for run in runs:
                close = getattr(run, "close", None)
                if close is not None:
                    close()

    def _flush(self, run: int, pending: list[list[Frame]]) -> None:
        if pending[run] and not self.stop_requested:
            self.frames.emit(self.tag, run, pending[run])
        pending[run] = []


def _x0_hat(process, net, x: torch.Tensor, t: int, labels: torch.Tensor | None, guidance: float,
            clip: bool) -> torch.Tensor:
    """x̂₀(x_t, t) in model space: DDPM's (x - sqrt(1 - alpha-bar_t) eps) / sqrt(alpha-bar_t) (Ho et al. 2020
    eq. 15), the lecture's x + k (f(x) - x)."""
    steps = torch.full((x.shape[0],), int(t), dtype=torch.long)
    out = guided_output(net, x, steps, labels, guidance)
    if process.kind == "lecture":
        return process.predict_x0(x, int(t), out)
    return process.predict_x0(x, steps, out, clip=clip)


def predicted_x0(process, denoiser, x: np.ndarray, t: int, y: int | None = None,
                 guidance: float = 1.0) -> np.ndarray:
    """The denoiser's x̂₀(x, t) for points x (n, d) at step t (GUI thread, a private copy of the network).
    At t = 0 it is x itself."""
    x = np.asarray(x, np.float32)
    if t <= 0:
        return x.copy()
    labels = None if y is None else torch.full((len(x),), int(y), dtype=torch.long)
    with torch.no_grad():
        return _x0_hat(process, sampling_network(denoiser), torch.from_numpy(x), t, labels, guidance,
                       clip=False).numpy()


def forward_frames_predicted(process, denoiser, x0: np.ndarray, seed: int = 0) -> Iterator[Frame]:
    """core's `forward_frames` (the same chain from the same noises, t = 0 .. T) with x0_pred the denoiser's
    unconditional x̂₀(x_t, t) instead of the true x_0: what it believes each noise level hides."""
    net = sampling_network(denoiser)
    x = to_model_space(torch.as_tensor(np.asarray(x0), dtype=torch.float32))
    clip = x.dim() == 4
    gen = torch.Generator().manual_seed(int(seed))
    yield make_frame(0, x, x)
    for t in range(1, process.timesteps + 1):
        with torch.no_grad():
            x = process.forward_step(x, t, torch.randn(x.shape, generator=gen))
            x0_hat = _x0_hat(process, net, x, t, None, 1.0, clip)
        yield make_frame(t, x, x0_hat)
