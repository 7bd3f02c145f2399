"""Carlini & Wagner L2: minimise ``||delta||_2^2 + c * f(x + delta)`` with a binary search over ``c``.

Carlini & Wagner 2017, "Towards Evaluating the Robustness of Neural Networks", IEEE S&P,
arXiv:1608.04644. ``f = max(z_y - max_{j != y} z_j + kappa, 0)`` (untargeted) or
``max(max_{j != t} z_j - z_t + kappa, 0)`` (targeted); box constraint by the change of variables
``x = lo + (hi - lo) * (tanh(w) + 1) / 2`` when the input is bounded; Adam on ``w``; the smallest
successful perturbation across all iterations and all ``c`` is returned. With ``refine=True`` (an
addition to the paper) a bisection along ``x -> x_adv`` removes the residual overshoot of Adam's last steps.

Threat model: white-box, minimal L2. ``eps`` optional (the base class projects to it when set).
"""

from __future__ import annotations

from mlsecure.robustness.attacks.interface import Attack
from mlsecure.robustness.attacks.ops import Norm, Tensor, margin, view_b
from mlsecure.robustness.victim import Victim


class CarliniWagnerL2(Attack):
    """C&W L2 with ``binary_steps`` values of ``c`` starting at ``initial_const``, ``steps`` Adam steps each."""

    name = "cw-l2"
    norms = frozenset({"l2"})
    minimal = True

    def __init__(self, *, eps: float | None = None, norm: Norm = "l2", steps: int = 100, binary_steps: int = 9,
                 initial_const: float = 1e-2, lr: float = 1e-2, kappa: float = 0.0, refine: bool = True,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        self.steps, self.binary_steps = int(steps), int(binary_steps)
        self.initial_const, self.lr, self.kappa = float(initial_const), float(lr), float(kappa)
        self.refine = bool(refine)

    def __repr__(self) -> str:
        return f"CarliniWagnerL2(steps={self.steps}, binary_steps={self.binary_steps}, c0={self.initial_const})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        n = len(x)
        if victim.lo is not None and victim.hi is not None:
            vlo = victim.lo
            span = (victim.hi - victim.lo).clamp_min(1e-12)
            unit = ((x - vlo) / span * 2 - 1).clamp(-1 + 1e-6, 1 - 1e-6)
            w0 = torch.atanh(unit)

            def to_x(w: Tensor) -> Tensor:
                return vlo + span * (torch.tanh(w) + 1) / 2
        else:
            w0 = x.clone()

            def to_x(w: Tensor) -> Tensor:
                return w

        c = torch.full((n,), self.initial_const, device=x.device, dtype=x.dtype)
        lower = torch.zeros_like(c)
        upper = torch.full_like(c, 1e10)
        best_l2 = torch.full_like(c, float("inf"))
        best = x.clone()
        for _ in range(self.binary_steps):
            mod = torch.zeros_like(x, requires_grad=True)
            opt = torch.optim.Adam([mod], lr=self.lr)
            succeeded = torch.zeros(n, dtype=torch.bool, device=x.device)
            for _ in range(self.steps):
                x_new = to_x(w0 + mod)
                l2 = (x_new - x).flatten(1).pow(2).sum(dim=1)
                logits = victim.logits(x_new)
                if target is None:
                    m = margin(logits, y)
                    fooled = logits.argmax(1) != y
                else:
                    m = -margin(logits, target)
                    fooled = logits.argmax(1) == target
                loss = (l2 + c * (m + self.kappa).clamp_min(0)).sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
                with torch.no_grad():
                    improve = fooled & (l2 < best_l2)
                    best_l2 = torch.where(improve, l2, best_l2)
                    best = torch.where(view_b(improve, x), x_new.detach(), best)
                    succeeded |= fooled
            upper = torch.where(succeeded, torch.minimum(upper, c), upper)
            lower = torch.where(succeeded, lower, torch.maximum(lower, c))
            c = torch.where(upper < 1e9, (lower + upper) / 2, c * 10)
        if self.refine:
            from mlsecure.robustness.attacks.deepfool import boundary_search

            best = boundary_search(victim, x, best, y, target)
        return best
