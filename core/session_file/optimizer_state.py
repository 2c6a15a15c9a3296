"""Adam's state as flat numpy arrays and JSON (no pickle), and back onto a freshly built network's parameters."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from core.adam import Adam
from core.checkpoint import CheckpointError

STATE_NAMES = ("step", "exp_avg", "exp_avg_sq")  # Adam's per-parameter state (Kingma & Ba 2015: m_t, v_t, t)
GROUP_KEYS = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
              "differentiable", "fused", "decoupled_weight_decay")


def optimizer_arrays(opt: Adam) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """({"<param index>.<name>": array}, param groups as JSON-able dicts): copies, safe to hand to another thread."""
    saved = opt.state_dict()
    arrays = {f"{index}.{name}": value.detach().to("cpu", copy=True).numpy()
              for index, state in saved["state"].items() for name, value in state.items()
              if isinstance(value, torch.Tensor)}
    groups = [{**{k: _plain(g[k]) for k in GROUP_KEYS if k in g}, "params": [int(i) for i in g["params"]]}
              for g in saved["param_groups"]]
    return arrays, groups


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def restore_optimizer(module: nn.Module, lr: float, arrays: dict[str, np.ndarray],
                      groups: list[dict[str, Any]]) -> Adam:
    """An Adam over `module`'s trainable parameters holding the saved moments; raises CheckpointError if they do
    not fit (another network, or a file edited by hand)."""
    params = [p for p in module.parameters() if p.requires_grad]
    opt = Adam(params, lr=lr)
    try:
        indices = [int(i) for g in groups for i in g["params"]]
        if sorted(indices) != list(range(len(params))):
            raise ValueError(f"it covers parameters {sorted(indices)[:6]}…, the network has {len(params)}")
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in arrays.items():
            index_text, name = key.split(".", 1)
            index = int(index_text)
            if name not in STATE_NAMES or not 0 <= index < len(params):
                raise ValueError(f"unexpected entry {key}")
            want = () if name == "step" else tuple(params[index].shape)
            if tuple(value.shape) != want:
                raise ValueError(f"{key} has shape {tuple(value.shape)}, the parameter {want}")
            state.setdefault(index, {})[name] = torch.from_numpy(np.array(value, dtype=np.float32, copy=True))
        if any(set(s) != set(STATE_NAMES) for s in state.values()):
            raise ValueError("a parameter's state is incomplete")
        saved_groups = [{**opt.param_groups[0], **{k: v for k, v in g.items() if k in GROUP_KEYS},
                         "params": [int(i) for i in g["params"]]} for g in groups]
        for g in saved_groups:
            g["betas"] = tuple(g["betas"])
            g["lr"] = float(lr)
        opt.load_state_dict({"state": state, "param_groups": saved_groups})
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError) as exc:
        raise CheckpointError(f"the optimiser state does not fit this model: {exc}") from exc
    return opt
