"""PGD: projected gradient descent in an L-inf, L2 or L1 ball, with random start and restarts.

Madry et al. 2018, "Towards Deep Learning Models Resistant to Adversarial Attacks", arXiv:1706.06083.
L1 uses the sparse steepest step of Tramèr & Boneh 2019 (arXiv:1904.13000). With ``loss="margin"``
this is the C&W-style L-inf attack (Carlini & Wagner 2017, arXiv:1608.04644, loss f6 under a PGD
optimiser), the usual check against cross-entropy gradient masking.

Threat model: white-box. ``step`` is an absolute step size in input units (default ``2.5 * eps / steps``).
The iterate of the last step is returned; with ``restarts > 1`` each sample keeps the first restart that
fools the model. The loop is torch-only: one forward and one backward per step, in-place updates, the
projection onto the ball and the input bounds fused into one clamp for L-inf.
"""

from __future__ import annotations

from mlsecure.robustness.attacks.gradient import Loss, attack_loss
from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import Norm, Tensor, project, random_in_ball, steepest_step
from mlsecure.robustness.victim import Victim


class PGD(Attack):
    """``x_{k+1} = Proj_{B(x, eps) ∩ bounds}(x_k + step * direction(grad loss))`` for ``steps`` steps."""

    name = "pgd"

    def __init__(self, *, eps: float, norm: Norm = "linf", steps: int = 20, step: float | None = None,
                 random_start: bool = True, restarts: int = 1, loss: Loss = "ce", batch_size: int = 512,
                 seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        if steps < 1 or restarts < 1:
            raise AttackError(f"PGD needs steps >= 1 and restarts >= 1, got {steps} and {restarts}")
        if step is not None and not step > 0:
            raise AttackError(f"PGD step must be > 0, got {step}")
        self.steps = int(steps)
        self.step = float(step) if step is not None else 2.5 * eps / steps
        self.random_start = bool(random_start)
        self.restarts = int(restarts)
        self.loss: Loss = loss

    def __repr__(self) -> str:
        return (f"PGD(eps={self.eps}, norm={self.norm!r}, steps={self.steps}, step={self.step:.4g}, "
                f"random_start={self.random_start}, restarts={self.restarts}, loss={self.loss!r})")

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        if self.restarts == 1:
            return self._single(victim, x, y, target)
        best = x.clone()
        open_ = torch.ones(len(x), dtype=torch.bool, device=x.device)
        for _ in range(self.restarts):
            idx = open_.nonzero().squeeze(1)
            if len(idx) == 0:
                break
            tb = None if target is None else target[idx]
            adv = self._single(victim, x[idx], y[idx], tb)
            pred = victim.predict(adv)
            fooled = pred == tb if tb is not None else pred != y[idx]
            best[idx] = adv  # keep the last attempt for samples no restart fooled
            open_[idx[fooled]] = False
        return best

    def _single(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        eps = float(self.eps or 0.0)
        logits = victim.logits
        adv = x.clone()
        if self.random_start:
            adv = adv + random_in_ball(x, eps, self.norm, self.generator)
        if self.norm == "linf":
            lo, hi = x - eps, x + eps
            if victim.lo is not None and victim.hi is not None:
                lo, hi = torch.maximum(lo, victim.lo), torch.minimum(hi, victim.hi)
            adv = adv.clamp_(min=lo, max=hi)
            for _ in range(self.steps):
                adv.requires_grad_(True)
                (g,) = torch.autograd.grad(attack_loss(logits(adv), y, target, self.loss), adv)
                adv = adv.detach().add_(g.sign_(), alpha=self.step).clamp_(min=lo, max=hi)
            return adv
        adv = victim.clamp(adv)
        for _ in range(self.steps):
            adv.requires_grad_(True)
            (g,) = torch.autograd.grad(attack_loss(logits(adv), y, target, self.loss), adv)
            adv = adv.detach().add_(steepest_step(g, self.norm), alpha=self.step)
            adv = victim.clamp(x + project(adv - x, eps, self.norm))
        return adv
