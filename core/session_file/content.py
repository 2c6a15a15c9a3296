"""What a session file holds (`SessionContent`), and the capture of a training experiment's state into numpy."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.config import ExperimentConfig
from core.session_file.optimizer_state import optimizer_arrays
from core.training import snapshot_weights


@dataclass(frozen=True)
class TrainingState:
    """Weights and Adam's state of one moment of training (numpy copies), with its step and training time."""

    weights: dict[str, np.ndarray]
    optimizer: dict[str, np.ndarray] | None
    optimizer_groups: list[dict[str, Any]] | None
    step: int
    seconds: float


def capture_training_state(experiment, step: int | None = None, seconds: float | None = None) -> TrainingState:
    """Copy the experiment's weights and optimiser. Call it from the thread that trains it, between two steps
    (or from any thread while nothing trains it); `step` / `seconds`: those of a run under way."""
    opt = experiment.optimizer
    arrays, groups = optimizer_arrays(opt) if opt is not None else (None, None)
    return TrainingState(weights=snapshot_weights(experiment.module), optimizer=arrays, optimizer_groups=groups,
                         step=experiment.steps_done if step is None else int(step),
                         seconds=experiment.seconds_done if seconds is None else float(seconds))


@dataclass(frozen=True)
class SessionContent:
    """A whole session: the experiment (config, training state), the data it was built from when that is the
    user's (`own_data`: the own data set's arrays and description; `points`: a drawing), the lesson, and the
    view state: {panel name: dict of JSON values and numpy arrays}."""

    config: ExperimentConfig
    training: TrainingState
    points: np.ndarray | None = None
    own_data: dict[str, Any] | None = None  # {"name", "kind", "class_names", "skipped", "tried", "arrays": {...}}
    lesson: int | None = None
    view: dict[str, Any] = field(default_factory=dict)
