"""FMN: Fast Minimum-Norm attack (L-inf, L2, L1).

Pintor, Roli, Brendel & Biggio 2021, "Fast Minimum-norm Adversarial Attacks through Adaptive Norm
Constraints", NeurIPS, arXiv:2102.12827 (Algorithm 1), following the reference ``fmn.py``: gradient
step on the logit margin normalised in L2 with cosine-annealed step ``alpha``; the norm constraint
``eps_k`` grows by ``(1 + gamma_k)`` while no adversarial is found (starting from the linear estimate
``||delta|| + |margin| / ||grad||_q``) and shrinks by ``(1 - gamma_k)`` (capped by the best norm found)
once it is; projection onto the ``eps_k`` ball and the input bounds after every step.

Threat model: white-box, minimal-norm; the sorted per-sample distances give the whole accuracy-vs-eps
curve from one run. ``eps`` optional (the base class projects to it when set).
"""

from __future__ import annotations

import math

from mlsecure.robustness.attacks.interface import Attack
from mlsecure.robustness.attacks.ops import Norm, Tensor, margin, norm_of, project, view_b
from mlsecure.robustness.victim import Victim

_DUAL = {"linf": 1.0, "l2": 2.0, "l1": float("inf")}


class FMN(Attack):
    """Fast Minimum-Norm attack; ``steps`` iterations (the paper evaluates with 1000; 100 is close)."""

    name = "fmn"
    minimal = True

    def __init__(self, *, eps: float | None = None, norm: Norm = "linf", steps: int = 100, alpha_init: float = 1.0,
                 alpha_final: float | None = None, gamma_init: float = 0.05, gamma_final: float = 0.001,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        self.steps, self.alpha_init = int(steps), float(alpha_init)
        self.alpha_final = float(alpha_final) if alpha_final is not None else alpha_init / 100
        self.gamma_init, self.gamma_final = float(gamma_init), float(gamma_final)

    def __repr__(self) -> str:
        return f"FMN(norm={self.norm!r}, steps={self.steps})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        n = len(x)
        delta = torch.zeros_like(x)
        eps = torch.full((n,), float("inf"), device=x.device, dtype=x.dtype)
        best_norm = torch.full_like(eps, float("inf"))
        best = x.clone()
        found = torch.zeros(n, dtype=torch.bool, device=x.device)
        dual = _DUAL[self.norm]
        for i in range(self.steps):
            cos = (1 + math.cos(math.pi * i / self.steps)) / 2
            alpha = self.alpha_final + (self.alpha_init - self.alpha_final) * cos
            gamma = self.gamma_final + (self.gamma_init - self.gamma_final) * cos
            d = delta.detach().requires_grad_(True)
            adv = x + d
            logits = victim.logits(adv)
            m = margin(logits, y) if target is None else -margin(logits, target)
            (g,) = torch.autograd.grad(m.sum(), d)
            g = -g  # ascend -margin
            with torch.no_grad():
                is_adv = m < 0
                dn = norm_of(d, self.norm)
                better = is_adv & (dn < best_norm)
                best_norm = torch.where(better, dn, best_norm)
                best = torch.where(view_b(better, x), adv.detach(), best)
                found |= is_adv
                gq = g.flatten(1).norm(p=dual, dim=1).clamp_min(1e-12)
                to_boundary = dn + m.abs() / gq
                # deviation from the reference: before the first success, eps also grows by (1 + gamma)
                # each step, else input clipping (saturated pixels) can pin it below the boundary forever
                grow = torch.where(torch.isfinite(eps), torch.maximum(to_boundary, eps * (1 + gamma)), to_boundary)
                eps = torch.where(is_adv, torch.minimum(eps * (1 - gamma), best_norm),
                                  torch.where(found, eps * (1 + gamma), grow))
                g2 = g.flatten(1).norm(dim=1).clamp_min(1e-12)
                delta = d.detach() + alpha * g / view_b(g2, g)
                delta = project(delta, eps, self.norm)
                delta = victim.clamp(x + delta) - x
        with torch.no_grad():  # the last iterate may be the best one
            logits = victim.logits(x + delta)
            m = margin(logits, y) if target is None else -margin(logits, target)
            dn = norm_of(delta, self.norm)
            better = (m < 0) & (dn < best_norm)
            return torch.where(view_b(better, x), x + delta, best)
