"""Minibatch optimal-transport coupling for flow matching (Tong et al. 2023; Pooladian et al. 2023): pair each data
point with the noise draw an exact assignment gives it, so the straight paths cross less and few Euler steps follow
them.

Independent coupling pairs x_0^i with eps^i as drawn; the velocity field then averages crossing paths and its
trajectories curve (10 Euler steps on moons land 4-5 times the data floor away). Within a minibatch, the pairing
pi = argmin_pi sum_i ||x_0^i - eps^pi(i)||^2 (an exact assignment, scipy's linear_sum_assignment) gives the
minibatch OT plan; the loss and its target keep their form, u_t = eps^pi(i) - x_0^i on x_t = (1 - t) x_0 + t eps.
The assignment runs on chunks of at most `chunk` points (its cost grows as chunk^3), each a small OT problem.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from core.threads import available_cores

COUPLINGS = ("independent", "ot")
OT_CHUNK = 128  # points per assignment: 4 of them per 512-point batch cost about as much as the step itself


def _assign(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The columns of the assignment minimising sum_i ||a_i - b_col(i)||^2 (scipy releases the GIL while it solves)."""
    from scipy.optimize import linear_sum_assignment

    # squared distances ||a||^2 + ||b||^2 - 2 a.b (the assignment only needs them up to a constant per row)
    cost = (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return linear_sum_assignment(cost)[1]


_pool: ThreadPoolExecutor | None = None


def _chunk_pool() -> ThreadPoolExecutor | None:
    """Threads for the chunks' assignments, one per core this process may use (None on one core): the chunks
    are independent and the solver holds no GIL, so a core torch leaves idle (one intra-op thread on a 2-core
    laptop) solves half of them. Moons, batch 512: 4 chunks in 2.2 ms instead of 4.3 (2 cores, nothing else)."""
    global _pool
    cores = available_cores()
    if cores < 2:
        return None
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=min(cores, 4), thread_name_prefix="ot-pairing")
    return _pool


def ot_pairing(x0: torch.Tensor, eps: torch.Tensor, chunk: int = OT_CHUNK) -> torch.Tensor:
    """`eps` reordered so that, within each chunk of `chunk` rows, sum ||x0_i - eps_i||^2 is minimal."""
    n = x0.shape[0]
    a = x0.detach().reshape(n, -1).to("cpu", torch.float64).numpy()
    b = eps.detach().reshape(n, -1).to("cpu", torch.float64).numpy()
    starts = list(range(0, n, chunk))
    blocks = [(a[s:s + chunk], b[s:s + chunk]) for s in starts]
    pool = _chunk_pool() if len(blocks) > 1 else None
    columns = pool.map(lambda ab: _assign(*ab), blocks) if pool is not None else [_assign(*ab) for ab in blocks]
    order = np.concatenate([start + cols for start, cols in zip(starts, columns)])
    return eps[torch.as_tensor(order, device=eps.device)]


__all__ = ["COUPLINGS", "OT_CHUNK", "ot_pairing"]
