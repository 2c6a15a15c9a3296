"""Adam in torch's foreach ops: the numbers torch.optim.Adam(foreach=True) computes, without torch.optim's import of
torch._dynamo (and sympy) on the first step, which costs a process about 80 MB and 1-2 s."""
from __future__ import annotations

from collections.abc import Iterable

import torch


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1) over `params`, without weight decay or AMSGrad.

    For each parameter theta with gradient g at its t-th step:
        m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2,
        theta <- theta - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps),
    in the order of operations of torch's multi-tensor Adam (bit for bit the same parameters; a test checks it).
    A parameter without a gradient is skipped and its t does not advance, as in torch. `param_groups[0]["lr"]`
    is the learning rate (read at each step, as torch's optimisers are).
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = list(params)
        self.param_groups = [{"params": self.params, "lr": lr, "betas": betas, "eps": eps}]
        self._exp_avg: list[torch.Tensor | None] = [None] * len(self.params)
        self._exp_avg_sq: list[torch.Tensor | None] = [None] * len(self.params)
        self._steps = [0] * len(self.params)

    def state_dict(self) -> dict:
        """torch.optim's layout (so sessions save it alike): {"state": {i: {"step", "exp_avg", "exp_avg_sq"}},
        "param_groups": [{lr, betas, eps, params: [0..n-1]}]}; the moment tensors are the live ones, not copies."""
        state = {i: {"step": torch.tensor(float(self._steps[i])), "exp_avg": self._exp_avg[i],
                     "exp_avg_sq": self._exp_avg_sq[i]}
                 for i in range(len(self.params)) if self._exp_avg[i] is not None}
        group = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        return {"state": state, "param_groups": [{**group, "params": list(range(len(self.params)))}]}

    def load_state_dict(self, saved: dict) -> None:
        """The moments, step counts and lr / betas / eps of `state_dict()`'s layout (copied onto each parameter's
        device and dtype; the caller checks the shapes)."""
        group = saved["param_groups"][0]
        for key in ("lr", "eps"):
            if key in group:
                self.param_groups[0][key] = float(group[key])
        if "betas" in group:
            self.param_groups[0]["betas"] = tuple(float(b) for b in group["betas"])
        for index, state in saved["state"].items():
            i, p = int(index), self.params[int(index)]
            self._exp_avg[i] = state["exp_avg"].to(device=p.device, dtype=p.dtype).clone()
            self._exp_avg_sq[i] = state["exp_avg_sq"].to(device=p.device, dtype=p.dtype).clone()
            self._steps[i] = int(float(state["step"]))

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        group = self.param_groups[0]
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        active = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not active:
            return
        for i in active:
            if self._exp_avg[i] is None:
                self._exp_avg[i] = torch.zeros_like(self.params[i], memory_format=torch.preserve_format)
                self._exp_avg_sq[i] = torch.zeros_like(self.params[i], memory_format=torch.preserve_format)
            self._steps[i] += 1
        params = [self.params[i] for i in active]
        grads = [self.params[i].grad for i in active]
        exp_avgs = [self._exp_avg[i] for i in active]
        exp_avg_sqs = [self._exp_avg_sq[i] for i in active]
        torch._foreach_lerp_(exp_avgs, grads, 1 - beta1)  # m <- m + (1 - beta1)(g - m)
        torch._foreach_mul_(exp_avg_sqs, beta2)
        torch._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)  # v <- beta2 v + (1 - beta2) g^2
        step_size = [(lr / (1 - beta1 ** float(self._steps[i]))) * -1 for i in active]
        bias_correction2_sqrt = [(1 - beta2 ** float(self._steps[i])) ** 0.5 for i in active]
        denom = torch._foreach_sqrt(exp_avg_sqs)
        torch._foreach_div_(denom, bias_correction2_sqrt)
        torch._foreach_add_(denom, eps)
        torch._foreach_addcdiv_(params, exp_avgs, denom, step_size)
