"""Oracles the L1 attack tests share (imported by this unique module name, not from a conftest)."""

from __future__ import annotations

import numpy as np
import torch


def linear_binary(d: int, seed: int):  # type: ignore[no-untyped-def]
    """Logits ``(0, w.x + b)``: class 1 iff ``w.x + b > 0``."""
    g = torch.Generator().manual_seed(seed)
    w, b = torch.randn(d, generator=g), torch.randn(1, generator=g) * 0.1
    lin = torch.nn.Linear(d, 1)
    with torch.no_grad():
        lin.weight.copy_(w[None])
        lin.bias.copy_(b)

    class Net(torch.nn.Module):  # type: ignore[misc]  # torch.nn.Module is untyped here
        def forward(self, x):  # type: ignore[no-untyped-def]
            z = lin(x)
            return torch.cat([torch.zeros_like(z), z], 1)

    return Net().eval(), w.numpy().astype(np.float64), float(b)


def minimal_l1(x: np.ndarray, w: np.ndarray, m: float) -> float:
    """Exact minimal L1 distance to the boundary w.z + b = 0 inside [0, 1]^d (fractional knapsack).

    Moving coordinate i by one unit changes the margin by |w_i|, up to its room to the box edge; the
    greedy order by |w_i| is optimal (a linear program whose only constraint is the margin)."""
    s = -np.sign(m) * np.sign(w)
    room = np.where(s > 0, 1 - x, x)
    need, total = abs(m), 0.0
    for i in np.argsort(-np.abs(w)):
        if abs(w[i]) * room[i] >= need:
            return float(total + need / abs(w[i]))
        need -= abs(w[i]) * room[i]
        total += room[i]
    return float("inf")
