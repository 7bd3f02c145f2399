"""APGD: Auto-PGD with the step-size schedule of Croce & Hein 2020, and its targeted variant APGD-T.

Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an ensemble of diverse
parameter-free attacks", ICML, arXiv:2003.01690 (Algorithm 1). Follows the reference implementation
(``autoattack/autopgd_base.py``): momentum ``alpha = 0.75``; initial step ``2 * eps``; checkpoints every
``k`` iterations with ``k`` starting at ``0.22 * n_iter`` and shrinking by ``0.03 * n_iter`` down to
``0.06 * n_iter``; at a checkpoint the step halves and the iterate restarts from the best point when fewer
than ``rho = 0.75`` of the steps since the last checkpoint increased the loss, or when the step was not
reduced last time and the best loss did not improve.

Losses: ``ce`` (APGD-CE), ``dlr`` (APGD-DLR, needs >= 3 classes); ``APGDT`` runs the targeted DLR loss
against the ``n_target_classes`` most likely wrong classes (needs >= 4 classes), each sample only until it
falls. Threat model: white-box, L-inf or L2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import (
    Norm,
    Tensor,
    dlr_loss,
    dlr_targeted_loss,
    project,
    random_in_ball,
    steepest_step,
    view_b,
)
from mlsecure.robustness.victim import Victim

ApgdLoss = Literal["ce", "dlr"]


class APGD(Attack):
    """APGD-CE / APGD-DLR (untargeted; ``target=`` runs the targeted DLR or CE loss towards it)."""

    name = "apgd"
    norms = frozenset({"linf", "l2"})  # the l1 version needs the sparse step: apgd_l1.APGDL1

    def __init__(self, *, eps: float, norm: Norm = "linf", steps: int = 100, loss: ApgdLoss = "ce",
                 restarts: int = 1, rho: float = 0.75, batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        if steps < 1 or restarts < 1:
            raise AttackError(f"APGD needs steps >= 1 and restarts >= 1, got {steps} and {restarts}")
        self.steps, self.loss, self.restarts, self.rho = int(steps), loss, int(restarts), float(rho)

    def __repr__(self) -> str:
        return f"APGD(eps={self.eps}, norm={self.norm!r}, steps={self.steps}, loss={self.loss!r})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        if self.loss == "dlr" and victim.n_classes < (4 if target is not None else 3):
            raise AttackError(f"the DLR loss needs at least {4 if target is not None else 3} classes")
        return restarted(self, victim, x, y, target, self.restarts)

    def single(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        return apgd_run(victim, x, y, target, eps=float(self.eps or 0.0), norm=self.norm, steps=self.steps,
                        loss=self.loss, rho=self.rho, generator=self.generator)


class APGDT(Attack):
    """APGD-T: targeted DLR loss against each of the top ``n_target_classes`` wrong classes in turn."""

    name = "apgd-t"
    norms = frozenset({"linf", "l2"})
    supports_targeted = False
    min_classes = 4  # the targeted DLR loss reads the 3 largest other logits

    def __init__(self, *, eps: float, norm: Norm = "linf", steps: int = 100, n_target_classes: int = 9,
                 restarts: int = 1, rho: float = 0.75, batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        self.steps, self.n_target_classes = int(steps), int(n_target_classes)
        self.restarts, self.rho = int(restarts), float(rho)

    def __repr__(self) -> str:
        return f"APGDT(eps={self.eps}, norm={self.norm!r}, steps={self.steps}, targets={self.n_target_classes})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:

        if victim.n_classes < 4:
            raise AttackError("APGD-T (targeted DLR) needs at least 4 classes")
        return attack_top_classes(
            victim, x, y, n_target_classes=self.n_target_classes, restarts=self.restarts,
            attack=lambda xi, yi, t: apgd_run(victim, xi, yi, None, eps=float(self.eps or 0.0), norm=self.norm,
                                              steps=self.steps, loss="dlr-t", rho=self.rho,
                                              generator=self.generator, dlr_t=t))


def attack_top_classes(victim: Victim, x: Tensor, y: Tensor, *, n_target_classes: int, restarts: int,
                       attack: Callable[[Tensor, Tensor, Tensor], Tensor]) -> Tensor:
    """AutoAttack's targeted schedule: one targeted run per top wrong class (most likely first), each only on
    the samples still classified correctly; ``attack(x, y, target)`` returns adversarial inputs."""
    import torch

    with torch.no_grad():
        order = victim.scores(x).argsort(dim=1, descending=True)
    best = x.clone()
    open_ = victim.predict(x) == y
    for k in range(1, min(n_target_classes, victim.n_classes - 1) + 1):
        for _ in range(restarts):
            idx = open_.nonzero().squeeze(1)
            if len(idx) == 0:
                return best
            t = order[idx, k]
            t = torch.where(t == y[idx], order[idx, 0], t)  # the top class is y for correct samples
            adv = attack(x[idx], y[idx], t)
            fooled = victim.predict(adv) != y[idx]
            best[idx[fooled]] = adv[fooled]
            open_[idx[fooled]] = False
    return best


def restarted(attack: APGD, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None, restarts: int) -> Tensor:
    """Run ``attack.single`` up to ``restarts`` times, each on the samples not yet fooled."""
    import torch

    best = x.clone()
    open_ = torch.ones(len(x), dtype=torch.bool, device=x.device)
    for _ in range(restarts):
        idx = open_.nonzero().squeeze(1)
        if len(idx) == 0:
            break
        tb = None if target is None else target[idx]
        adv = attack.single(victim, x[idx], y[idx], tb)
        pred = victim.predict(adv)
        fooled = pred == tb if tb is not None else pred != y[idx]
        best[idx] = adv
        open_[idx[fooled]] = False
    return best


def _loss_per_sample(logits: Tensor, y: Tensor, target: Tensor | None, loss: str, dlr_t: Tensor | None) -> Tensor:
    import torch.nn.functional as F  # the conventional name

    if loss == "dlr-t":
        return dlr_targeted_loss(logits, y, dlr_t)
    if loss == "dlr":
        return dlr_targeted_loss(logits, y, target) if target is not None else dlr_loss(logits, y)
    if target is not None:
        return -F.cross_entropy(logits, target, reduction="none")
    return F.cross_entropy(logits, y, reduction="none")


def apgd_run(victim: Victim, x: Tensor, y: Tensor, target: Tensor | None, *, eps: float, norm: Norm, steps: int,
             loss: str, rho: float, generator: object, dlr_t: Tensor | None = None) -> Tensor:
    """One APGD run (Algorithm 1 of arXiv:2003.01690); returns the best adversarial point, else the best-loss one."""
    import torch

    n_2 = max(int(0.22 * steps), 1)
    n_min = max(int(0.06 * steps), 1)
    size_decr = max(int(0.03 * steps), 1)

    def box(v: Tensor) -> Tensor:
        return victim.clamp(x + project(v - x, eps, norm))

    def evaluate(v: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        v = v.detach().requires_grad_(True)
        logits = victim.logits(v)
        per = _loss_per_sample(logits, y, target, loss, dlr_t)
        (g,) = torch.autograd.grad(per.sum(), v)
        return logits.detach(), per.detach(), g

    def fooled(logits: Tensor) -> Tensor:
        pred = logits.argmax(1)
        return pred == target if target is not None else pred != y

    x_adv = box(x + random_in_ball(x, eps, norm, generator))
    logits, loss_now, grad = evaluate(x_adv)
    x_best_adv = x.clone()
    found = fooled(logits)
    x_best_adv[found] = x_adv[found]
    x_best, loss_best, grad_best = x_adv.clone(), loss_now.clone(), grad.clone()
    step = torch.full((len(x),), 2.0 * eps, device=x.device, dtype=x.dtype)
    loss_steps = torch.zeros((steps, len(x)), device=x.device, dtype=x.dtype)
    x_old = x_adv.clone()
    k, counter, prev_loss = n_2, 0, loss_now.clone()
    loss_best_last_check = loss_best.clone()
    reduced_last_check = torch.ones(len(x), dtype=torch.bool, device=x.device)
    for i in range(steps):
        grad2 = x_adv - x_old
        x_old = x_adv
        a = 0.75 if i > 0 else 1.0
        z = box(x_adv + view_b(step, x) * steepest_step(grad, norm))
        x_adv = box(x_adv + (z - x_adv) * a + grad2 * (1 - a))
        logits, loss_now, grad = evaluate(x_adv)
        now = fooled(logits)
        x_best_adv[now] = x_adv[now]
        found |= now
        loss_steps[i] = loss_now > prev_loss  # whether this step increased the loss
        prev_loss = loss_now
        better = loss_now > loss_best
        x_best[better], grad_best[better], loss_best[better] = x_adv[better], grad[better], loss_now[better]
        counter += 1
        if counter == k:
            increases = loss_steps[max(i - k + 1, 0) : i + 1].sum(dim=0)
            osc = increases <= k * rho
            no_impr = ~reduced_last_check & (loss_best_last_check >= loss_best)
            reduce = osc | no_impr
            reduced_last_check = reduce
            loss_best_last_check = loss_best.clone()
            if bool(reduce.any()):
                step[reduce] /= 2.0
                x_adv = torch.where(view_b(reduce, x), x_best, x_adv)
                grad = torch.where(view_b(reduce, x), grad_best, grad)
            counter, k = 0, max(k - size_decr, n_min)
    return torch.where(view_b(found, x), x_best_adv, x_best)
