"""Step mode: core's own reverse run (core.diffusion.runs.run_frames) advanced one step per request, each step's
inputs and result kept, so that a picked particle or image can show the step's formula with those numbers
(process.explain_step); no second sampler loop: the run is the one the scrubber's worker would compute."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.diffusion.ema import sampling_network
from core.diffusion.frames import Frame
from core.diffusion.process import NoiseProcess
from core.diffusion.runs import RunSpec, run_frames
from core.diffusion.sampling import guided_output


@dataclass(frozen=True)
class StepCall:
    """One call of process.step as the sampler made it (model-space tensors of the whole batch) and its result."""

    x_t: torch.Tensor
    t: int
    s: int
    out: torch.Tensor
    noise: torch.Tensor
    sampler: str
    options: dict  # the step's other keywords as given (eta, clip, and e.g. Heun's second-call `model`)
    x_s: torch.Tensor
    x0_hat: torch.Tensor


class RecordingProcess:
    """`process` as it is, except that `step` also keeps its arguments and result in `last` (a StepCall)."""

    def __init__(self, process: NoiseProcess) -> None:
        self._process = process
        self.last: StepCall | None = None

    def __getattr__(self, name: str):
        return getattr(self._process, name)

    def step(self, x_t, t, s, out, noise, *, sampler, **options):
        x_s, x0 = self._process.step(x_t, t, s, out, noise, sampler=sampler, **options)
        self.last = StepCall(x_t.clone(), int(t), int(s), out.clone(), noise.clone(), sampler, dict(options),
                             x_s.clone(), x0.clone())
        return x_s, x0


class StepRun:
    """The frames of `spec` (a SAMPLE or DENOISE RunSpec) one step at a time, on the calling thread.

    `first` is the frame at the start (t = T for SAMPLE); each `advance()` returns (the StepCall that led there,
    the next Frame), None after t = 0. The frame's x_t is the call's x_s (in data space)."""

    def __init__(self, spec: RunSpec, process: NoiseProcess, net: nn.Module) -> None:
        self.spec = spec
        self.process = process
        self._recorder = RecordingProcess(process)
        self.net = net
        self._frames: Iterator[Frame] = run_frames(spec, self._recorder, net)
        self.first: Frame = next(self._frames)
        self.done = False

    def advance(self) -> tuple[StepCall, Frame] | None:
        if self.done:
            return None
        call = self._recorder.last
        frame = next(self._frames, None)
        if frame is None or call is None:
            self.done = True
            return None
        self.done = frame.t == 0
        return call, frame

    def explain(self, call: StepCall, index: int):
        """`explain` for a step of this run (its network, class and guidance for a step that calls it again)."""
        return explain(self.process, call, index, sampling_network(self.net), self.spec.y, self.spec.guidance)

    def close(self) -> None:
        close = getattr(self._frames, "close", None)
        if close is not None:
            close()


def explain(process: NoiseProcess, call: StepCall, index: int, net: nn.Module | None = None,
            y: int | None = None, guidance: float = 1.0):
    """The StepTerms (formula, named numbers, result) of sample `index` of `call`: process.explain_step on that
    sample's slice of the very tensors the sampler used, with the same keywords. A step that calls the network
    again (Heun's `model`) gets it for this one sample: `net` (the run's own copy) guided with `y` and `guidance`
    as the run was (core's sampling.guided_output)."""
    i = slice(int(index), int(index) + 1)
    options = dict(call.options)
    if options.get("model") is not None and net is not None:
        labels = None if y is None else torch.full((1,), int(y), dtype=torch.long)

        def one_sample(x_at: torch.Tensor, step: int) -> torch.Tensor:
            with torch.no_grad():
                return guided_output(net, x_at, torch.full((1,), step, dtype=torch.long), labels, guidance)

        options["model"] = one_sample
    return process.explain_step(call.x_t[i], call.t, call.s, call.out[i], call.noise[i], sampler=call.sampler,
                                **options)


def centre_pixel(value):
    """An image's term (1, C, H, W) cut to its centre pixel of the first channel (every pixel takes the same
    elementwise step; one is a number a person can follow); numbers and points pass unchanged."""
    array = np.asarray(value)
    if array.ndim != 4:
        return value
    return array[:, :1, array.shape[2] // 2, array.shape[3] // 2].reshape(-1)
