"""core.adam.Adam against torch.optim.Adam: the same parameters bit for bit, and no torch._dynamo imported."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import torch

from core.adam import Adam


def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3),
                               torch.nn.Embedding(4, 3))  # the embedding gets no gradient: skipped, as in torch


def _run(net: torch.nn.Module, opt, xs: list[torch.Tensor]) -> None:
    for k, x in enumerate(xs):
        if k == len(xs) // 2:
            opt.param_groups[0]["lr"] = 1e-3  # a changed learning rate applies from the next step
        loss = (net[:3](x) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def test_adam_gives_torch_optim_adams_parameters_bit_for_bit() -> None:
    ours, theirs = _net(), _net()
    torch.manual_seed(1)
    xs = [torch.randn(32, 6) * 3 for _ in range(300)]
    _run(ours, Adam(ours.parameters(), lr=5e-3, betas=(0.8, 0.99), eps=1e-6), xs)
    _run(theirs, torch.optim.Adam(theirs.parameters(), lr=5e-3, betas=(0.8, 0.99), eps=1e-6, foreach=True), xs)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(a, b)
    assert not torch.equal(ours[0].weight, _net()[0].weight) and torch.equal(ours[3].weight, _net()[3].weight)


def test_the_first_adam_step_by_hand() -> None:
    # t = 1: m = (1 - b1) g, v = (1 - b2) g^2, so theta moves by lr * g / (|g| + eps * sqrt(1 - b2)) ~ lr * sign(g)
    p = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    p.grad = torch.tensor([0.3, -4.0, 0.0])
    Adam([p], lr=0.1, eps=1e-8).step()
    g = torch.tensor([0.3, -4.0, 0.0], dtype=torch.float64)
    m, v = 0.1 * g, 0.001 * g ** 2
    expected = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) - 0.1 / 0.1 * m / (v.sqrt() / 0.001 ** 0.5 + 1e-8)
    torch.testing.assert_close(p.detach().double(), expected, rtol=1e-6, atol=1e-7)


def test_training_imports_no_torch_dynamo() -> None:
    code = ("import sys, torch\n"
            "from core.experiment import Experiment\nfrom core.config import ExperimentConfig\n"
            "exp = Experiment.create(ExperimentConfig(model='vae', dataset='moons', latent_dim=2, hidden=16))\n"
            "assert sum(1 for _ in exp.train(steps=3)) == 3\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
