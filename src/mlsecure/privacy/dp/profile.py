"""Per-sample gradient-norm profile, to choose DP-SGD's clipping threshold ``max_grad_norm``.

DP-SGD clips each *per-sample* gradient to norm ``C`` before adding noise ``N(0, sigma^2 C^2)``. Too
small a ``C`` biases every update; too large a ``C`` drowns the signal in noise. The guide's advice:
set ``C`` near the median or 75th percentile of the unclipped per-sample norms (its sketch measures
batch-averaged norms, which are smaller than per-sample ones; we measure per-sample norms with
``torch.func.vmap``).

Shapes: ``x`` is ``(n, *input_shape)`` float32, ``y`` is ``(n,)`` int64 class indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mlsecure.errors import InputError, require

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class GradNormProfile:
    """Summary of per-sample gradient L2 norms and the recommended clipping threshold."""

    n: int
    mean: float
    median: float
    p75: float
    p90: float
    max: float
    recommended: float
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def profile_gradient_norms(module: torch.nn.Module, x: np.ndarray, y: np.ndarray, *,
                           rule: Literal["median", "p75"] = "median", max_samples: int = 2048,
                           batch_size: int = 256, seed: int = 0) -> GradNormProfile:
    """Per-sample gradient norms of the cross-entropy loss at ``module``'s current parameters."""
    torch = require("torch", "torch")
    if len(x) == 0:
        raise InputError("no samples to profile gradient norms on")
    if len(x) != len(y):
        raise InputError(f"{len(x)} samples but {len(y)} labels")
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(x))[:max_samples]
    norms = per_sample_grad_norms(module, torch.as_tensor(np.asarray(x)[idx], dtype=torch.float32),
                                  torch.as_tensor(np.asarray(y)[idx], dtype=torch.long), batch_size=batch_size)
    median, p75, p90 = (float(v) for v in np.percentile(norms, [50, 75, 90]))
    return GradNormProfile(n=len(norms), mean=float(norms.mean()), median=median, p75=p75, p90=p90,
                           max=float(norms.max()), recommended=median if rule == "median" else p75, rule=rule)


def per_sample_grad_norms(module: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                          batch_size: int = 256) -> np.ndarray:
    """``(n,)`` L2 norms of each sample's loss gradient over all trainable parameters."""
    th: Any = require("torch", "torch")
    from torch.func import functional_call, grad, vmap

    params = {k: v.detach() for k, v in module.named_parameters() if v.requires_grad}
    buffers = {k: v.detach() for k, v in module.named_buffers()}

    def loss(p: dict[str, torch.Tensor], xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        out = functional_call(module, (p, buffers), (xi.unsqueeze(0),))
        value: torch.Tensor = th.nn.functional.cross_entropy(out, yi.unsqueeze(0))
        return value

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))
    out = []
    for i in range(0, len(x), batch_size):
        grads = per_sample(params, x[i : i + batch_size], y[i : i + batch_size])
        sq = sum(g.reshape(g.shape[0], -1).pow(2).sum(dim=1) for g in grads.values())
        out.append(th.as_tensor(sq).sqrt().numpy())
    return np.concatenate(out).astype(np.float64)
