"""FGSM: the fast gradient (sign) method, one step of size ``eps``.

Goodfellow, Shlens & Szegedy 2015, "Explaining and Harnessing Adversarial Examples", arXiv:1412.6572.
Threat model: white-box, L-inf (``x + eps * sign(grad)``) or L2 (``x + eps * grad / ||grad||_2``).
"""

from __future__ import annotations

from mlsecure.robustness.attacks.gradient import Loss, loss_gradient
from mlsecure.robustness.attacks.interface import Attack
from mlsecure.robustness.attacks.ops import Norm, Tensor, steepest_step
from mlsecure.robustness.victim import Victim


class FGSM(Attack):
    """``x_adv = clip(x + eps * step_direction(grad_x loss(x, y)))``; targeted descends the target's loss."""

    name = "fgsm"
    single_step = True

    def __init__(self, *, eps: float, norm: Norm = "linf", loss: Loss = "ce", batch_size: int = 512,
                 seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        self.loss: Loss = loss

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        g = loss_gradient(victim, x, y, target, self.loss)
        return x + float(self.eps or 0.0) * steepest_step(g, self.norm)
