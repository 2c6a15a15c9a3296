"""One model, its four fields: predicted noise eps_hat, score, velocity and x0_hat at (x, t), for any process.

Every process is Gaussian along its path, x_t = alpha_t x_0 + sigma_t eps (process.path gives alpha_t, sigma_t
and their derivatives in tau = t / T), so from one network output:
  eps_hat = process.predict_eps,  x0_hat = process.predict_x0,
  score   = -eps_hat / sigma_t                          (grad log p_t(x) = -E[eps | x_t = x] / sigma_t),
  velocity = alpha_t' x0_hat + sigma_t' eps_hat         (E[d x_t / d tau | x_t = x], the probability-flow ODE's
                                                          right-hand side; flow: v itself; DDPM: -beta/2 (x - eps/sigma);
                                                          the lecture: -(sigma^2 / 2) score).
The velocity points forward in time (towards noise); samplers move against it. At t = 0, where sigma_0 = 0 and
the score is undefined, the fields are those of step 1.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.diffusion.ema import sampling_network
from core.diffusion.process import NoiseProcess
from core.diffusion.sampling import guided_output

FIELDS = ("eps", "score", "velocity", "x0")


def fields(process: NoiseProcess, network: nn.Module, x: np.ndarray | torch.Tensor, t: int,
           y: int | None = None, guidance: float = 1.0) -> dict[str, np.ndarray]:
    """eps, score, velocity and x0 (numpy float32, x's shape) of `network` at model-space points x and step t.

    y / guidance: classifier-free guidance of a conditional network (sampling.guided_output).
    """
    net = sampling_network(network)
    step = max(int(t), 1)
    xt = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x, dtype=torch.float32)
    n = xt.shape[0]
    labels = None if y is None else torch.full((n,), int(y), dtype=torch.long)
    with torch.no_grad():
        out = guided_output(net, xt, torch.full((n,), step, dtype=torch.long), labels, guidance)
        eps = process.predict_eps(xt, step, out)
        x0 = process.predict_x0(xt, step, out)
    _, sigma, d_alpha, d_sigma = process.path(step)
    values = {"eps": eps, "score": -eps / sigma, "velocity": d_alpha * x0 + d_sigma * eps, "x0": x0}
    return {name: value.to(torch.float32).numpy().copy() for name, value in values.items()}
