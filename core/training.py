"""The one training loop for every model family: a generator of small frozen events, numpy and floats only.

Like minGPT's trainer, the loop knows nothing of its observers (a progress bar, a Qt worker, a test):
they iterate it, read the events, and stop it by ceasing to iterate or by setting `stop`.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from core.adam import Adam
from core.device import module_device, to_device
from core.lr_schedule import run_progress
from core.tasks import Task


@dataclass(frozen=True)
class TrainEvent:
    """What one training step reports.

    losses: every loss part as a float ("total" plus e.g. "reconstruction", "kl", "denoise").
    snapshot: now and then, a copy of the weights (numpy arrays) that a view may use
    without touching the module being trained; None on most steps.
    done: True on the last event; then `message` says why the run ended.
    """

    step: int
    seconds: float
    losses: dict[str, float]
    lr: float
    snapshot: dict[str, np.ndarray] | None = None
    done: bool = False
    diverged: bool = False
    message: str = ""
    extra: dict[str, float] = field(default_factory=dict)


def snapshot_weights(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A detached numpy copy of a module's state (safe to hand to another thread)."""
    return {k: v.detach().to("cpu", copy=True).numpy() for k, v in module.state_dict().items()}


def _restore(module: torch.nn.Module, weights: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        module.load_state_dict(weights)


def _norm(params: list[torch.Tensor]) -> float:
    """||theta||, the Euclidean norm of all the parameters together (NaN/Inf if a weight is)."""
    with torch.no_grad():
        return float(torch.linalg.vector_norm(torch.stack(torch._foreach_norm(params)))) if params else 0.0


def _all_finite(module: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in module.parameters())


def train(
    task: Task,
    batches: Iterator[tuple[torch.Tensor, torch.Tensor | None]],
    *,
    lr: float = 1e-3,
    steps: int | None = None,
    seconds: float | None = None,
    stop: threading.Event | None = None,
    snapshot_every_s: float = 0.25,
    optimizer: torch.optim.Optimizer | Adam | None = None,
    start_step: int = 0,
    explode_factor: float = 1e4,
    jump_factor: float = 10.0,
    lr_schedule: Callable[[int], float] | None = None,
) -> Iterator[TrainEvent]:
    """Train `task.module` with Adam on `batches` until `steps`, `seconds`, `stop` or the caller stops iterating.

    Every step the loss is checked before the update: if it is NaN/Inf or `explode_factor` times the first loss
    (Adam's bounded steps make a huge learning rate explode the loss long before it overflows), or if a weight
    is NaN/Inf after the update, or if one update made the weights' norm `jump_factor` times larger (a network
    whose loss is bounded, e.g. a sigmoid decoder's MSE, saturates under a huge learning rate without its loss
    ever exploding), the weights that last gave a sane loss are put back, a final event with diverged=True and
    a readable message is yielded, and the loop ends. Keeping those weights costs one copy per step and the
    norm one reduction (cheap next to a step for these model sizes).
    `lr_schedule(p)`, if given, is the learning rate of an update made when the share p of the run is done
    (`core.lr_schedule.run_progress`: updates over `steps`, elapsed time over `seconds`; one of them is needed).
    """
    module = task.module
    device = module_device(module)  # batches arrive on the CPU; a module on a GPU gets each one moved there
    module.train()
    params = [p for p in module.parameters() if p.requires_grad]
    # torch.optim.Adam(foreach=True)'s numbers (one C++ loop over all tensors: +10-30% steps/s over a Python loop),
    # without its first step's import of torch._dynamo (core/adam.py)
    opt = optimizer or Adam(params, lr=lr)
    if lr_schedule is not None:
        run_progress(0, 0.0, steps, seconds)  # a schedule needs the run's length: say so before the first step
    stop = stop or threading.Event()
    last_good = {k: v.detach().clone() for k, v in module.state_dict().items()}
    live_tensors = list(module.state_dict().values())  # detached views sharing the live storage
    good_tensors = [last_good[k] for k in module.state_dict()]
    t0 = time.perf_counter()
    last_snapshot = -math.inf
    step = start_step
    losses: dict[str, float] = {}
    reference: float | None = None  # the first loss: an untrained model's error
    good_step = start_step  # the step whose weights last gave a sane loss (kept in last_good)
    norm = _norm(params)

    def finish(message: str, diverged: bool = False) -> TrainEvent:
        module.eval()
        if not diverged and not _all_finite(module):  # the very last update went bad: undo it
            _restore(module, last_good)
            message, diverged = (f"training diverged at step {step}: the weights became NaN/Inf; "
                                 f"kept the weights of step {good_step}. Try a smaller learning rate."), True
        return TrainEvent(
            step=step, seconds=time.perf_counter() - t0, losses=losses, lr=opt.param_groups[0]["lr"],
            snapshot=snapshot_weights(module), done=True, diverged=diverged, message=message,
        )

    try:
        for x, y in batches:
            if stop.is_set():
                yield finish(f"stopped at step {step}")
                return
            parts = task.loss(to_device(x, device), to_device(y, device))
            total = float(parts["total"].detach())
            if reference is None and math.isfinite(total):
                reference = max(abs(total), 1e-8)
            if not math.isfinite(total) or total > explode_factor * reference:
                _restore(module, last_good)
                step = good_step
                yield finish(
                    f"training diverged at step {step + 1}: the loss jumped to {total:.4g} "
                    f"(it started at {reference if reference is None else f'{reference:.4g}'}); "
                    f"kept the weights of step {good_step}. Try a smaller learning rate.",
                    diverged=True,
                )
                return
            with torch.no_grad():  # these weights gave a sane loss: keep them
                torch._foreach_copy_(good_tensors, live_tensors)
            good_step = step
            opt.zero_grad(set_to_none=True)
            parts["total"].backward()
            if lr_schedule is not None:
                done = run_progress(step - start_step, time.perf_counter() - t0, steps, seconds)
                for group in opt.param_groups:
                    group["lr"] = lr_schedule(done)
            opt.step()  # weights made NaN/Inf here give a NaN loss on the next step, which puts these back
            new_norm = _norm(params)
            if new_norm > jump_factor * norm + 1.0:  # ||theta|| jumped: far beyond any sane step of Adam
                _restore(module, last_good)
                yield finish(
                    f"training diverged at step {step + 1}: one update made the weights {new_norm / norm:.3g} "
                    f"times larger; kept the weights of step {good_step}. Try a smaller learning rate.",
                    diverged=True,
                )
                return
            norm = new_norm if math.isfinite(new_norm) else norm
            step += 1
            losses = {k: float(v.detach()) for k, v in parts.items()}
            elapsed = time.perf_counter() - t0
            out_of_steps = steps is not None and step - start_step >= steps
            out_of_time = seconds is not None and elapsed >= seconds
            if out_of_steps or out_of_time:
                yield finish(f"finished after {step - start_step} steps in {elapsed:.1f} s")
                return
            snap = None
            if elapsed - last_snapshot >= snapshot_every_s:
                snap = snapshot_weights(module)
                last_snapshot = elapsed
            yield TrainEvent(step=step, seconds=elapsed, losses=losses, lr=opt.param_groups[0]["lr"], snapshot=snap)
        yield finish(f"data ran out after {step - start_step} steps")
    finally:
        module.eval()
