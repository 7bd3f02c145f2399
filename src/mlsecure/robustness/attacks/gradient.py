"""Gradient helpers shared by the first-order attacks (loss choice, one gradient evaluation)."""

from __future__ import annotations

from typing import Literal

from mlsecure.robustness.attacks.ops import Tensor, margin
from mlsecure.robustness.victim import Victim

Loss = Literal["ce", "margin"]


def attack_loss(logits: Tensor, y: Tensor, target: Tensor | None, loss: Loss) -> Tensor:
    """The summed objective an attack *ascends*: per sample it is independent of the others.

    Untargeted: cross-entropy of the true class, or ``-(z_y - max_{j != y} z_j)`` (the C&W margin).
    Targeted: ``-CE(target)``, or ``z_t - max_{j != t} z_j``.
    """
    import torch.nn.functional as F  # the conventional name

    if target is None:
        if loss == "ce":
            return F.cross_entropy(logits, y, reduction="sum")
        return -margin(logits, y).sum()
    if loss == "ce":
        return -F.cross_entropy(logits, target, reduction="sum")
    return margin(logits, target).sum()


def loss_gradient(victim: Victim, x: Tensor, y: Tensor, target: Tensor | None, loss: Loss) -> Tensor:
    """``d attack_loss / d x`` at ``x``, shape of ``x``."""
    import torch

    xg = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(attack_loss(victim.logits(xg), y, target, loss), xg)
    return g
