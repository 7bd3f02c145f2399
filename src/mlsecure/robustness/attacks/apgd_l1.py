"""APGD-L1: Auto-PGD for sparse L1 attacks, untargeted (APGD-CE / APGD-DLR) and APGD-T.

Croce & Hein 2021, "Mind the box: l1-APGD for sparse adversarial attacks on image classifiers", ICML,
arXiv:2103.01208. Threat model: white-box, ``||delta||_1 <= eps`` and ``lo <= x + delta <= hi``.
Follows the reference implementation (``autoattack/autopgd_base.py``, ``norm='L1'``):

* the step moves only the ``k`` coordinates of largest ``|grad|`` (``sign / k`` each, times the step
  size ``eta``), ``k = topk * d`` with ``topk = 0.2`` at the start;
* every iterate is projected *exactly* onto ``B_1(x, eps) ∩ [lo, hi]`` (``project_l1_box``; the paper's
  Lemma/Algorithm 2: a soft threshold ``lambda`` with each coordinate capped by its room to the box);
* checkpoints every ``max(0.04 * steps, 1)`` iterations: with ``s`` the L0 norm of the best point's
  perturbation, ``topk = s / d / 1.5``; if ``s`` fell by more than 5% since the last checkpoint the step
  resets to ``eps`` and the iterate restarts from the best point, otherwise the step shrinks by 1.5,
  always within ``[eps / 10, eps]``;
* ``large_eps=True`` (the reference's ``use_largereps``, used by AutoAttack-L1) runs 30% / 30% / 40% of
  the iterations at ``3 eps``, ``2 eps``, ``eps``, each warm-started from the previous best point.

The reference takes no momentum step for L1 (``momentum=0.0``); ``momentum=0.25`` gives APGD's heavy-ball
update ``x <- P(x + 0.75 (z - x) + 0.25 (x - x_prev))``. Losses: ``ce``, ``dlr`` (>= 3 classes); ``target=``
turns either into its targeted form; ``APGDL1T`` runs the targeted DLR loss against the top
``n_target_classes`` wrong classes (>= 4 classes). Shapes: ``x`` ``(b, *shape)``, per-sample ``(b,)``.
"""

from __future__ import annotations

from typing import Any, Literal

from mlsecure.robustness.attacks.apgd import attack_top_classes
from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import Norm, Tensor, dlr_loss, dlr_targeted_loss, view_b
from mlsecure.robustness.victim import Victim

ApgdL1Loss = Literal["ce", "dlr"]


class APGDL1(Attack):
    """l1-APGD with the CE or DLR loss (untargeted; ``target=`` runs the targeted loss towards it)."""

    name = "apgd-l1"
    norms = frozenset({"l1"})

    def __init__(self, *, eps: float, norm: Norm = "l1", steps: int = 100, loss: ApgdL1Loss = "ce",
                 restarts: int = 1, large_eps: bool = False, momentum: float = 0.0, topk: float = 0.2,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        _check(norm, steps, restarts, momentum, topk)
        self.steps, self.loss, self.restarts = int(steps), loss, int(restarts)
        self.large_eps, self.momentum, self.topk = bool(large_eps), float(momentum), float(topk)

    def __repr__(self) -> str:
        return (f"APGDL1(eps={self.eps}, steps={self.steps}, loss={self.loss!r}, restarts={self.restarts}, "
                f"large_eps={self.large_eps})")

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        if self.loss == "dlr" and victim.n_classes < (4 if target is not None else 3):
            raise AttackError(f"the DLR loss needs at least {4 if target is not None else 3} classes")
        best = x.clone()
        open_ = torch.ones(len(x), dtype=torch.bool, device=x.device)
        for _ in range(self.restarts):
            idx = open_.nonzero().squeeze(1)
            if len(idx) == 0:
                break
            tb = None if target is None else target[idx]
            loss = self.loss if tb is None else f"{self.loss}-t"
            adv = _staged(self, victim, x[idx], y[idx], loss, tb)
            pred = victim.predict(adv)
            fooled = pred == tb if tb is not None else pred != y[idx]
            best[idx] = adv
            open_[idx[fooled]] = False
        return best


class APGDL1T(Attack):
    """l1-APGD-T: the targeted DLR loss against each of the top ``n_target_classes`` wrong classes."""

    name = "apgd-t-l1"
    norms = frozenset({"l1"})
    supports_targeted = False
    min_classes = 4  # the targeted DLR loss reads the 3 largest other logits

    def __init__(self, *, eps: float, norm: Norm = "l1", steps: int = 100, n_target_classes: int = 9,
                 restarts: int = 1, large_eps: bool = False, momentum: float = 0.0, topk: float = 0.2,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        _check(norm, steps, restarts, momentum, topk)
        self.steps, self.n_target_classes, self.restarts = int(steps), int(n_target_classes), int(restarts)
        self.large_eps, self.momentum, self.topk = bool(large_eps), float(momentum), float(topk)

    def __repr__(self) -> str:
        return f"APGDL1T(eps={self.eps}, steps={self.steps}, targets={self.n_target_classes})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:

        if victim.n_classes < 4:
            raise AttackError("APGD-T-L1 (targeted DLR) needs at least 4 classes")
        return attack_top_classes(victim, x, y, n_target_classes=self.n_target_classes, restarts=self.restarts,
                                  attack=lambda xi, yi, t: _staged(self, victim, xi, yi, "dlr-t", None, dlr_t=t))


def project_l1_box(delta: Tensor, eps: Tensor | float, lo: Tensor, hi: Tensor) -> Tensor:
    """Euclidean projection of each ``delta`` onto ``{z: ||z||_1 <= eps, lo <= z <= hi}`` (``lo <= 0 <= hi``).

    Croce & Hein 2021 (arXiv:2103.01208, Lemma 3.2): the solution is
    ``z_i = sign(delta_i) * min(max(|delta_i| - lambda, 0), r_i)`` with ``r_i`` the room towards
    ``sign(delta_i)`` (``hi_i`` or ``-lo_i``) and ``lambda >= 0`` the smallest value with
    ``sum_i |z_i| <= eps``. ``f(lambda) = sum_i min(max(|delta_i| - lambda, 0), r_i)`` is piecewise linear
    with breakpoints ``|delta_i| - r_i`` and ``|delta_i|``: sorting them gives ``lambda`` exactly (no
    iteration). ``delta`` ``(n, *shape)``; ``eps`` scalar or ``(n,)``; ``lo``/``hi`` broadcast to ``delta``
    (``-inf``/``inf`` allowed). Computed in float64, returned in ``delta``'s dtype.
    """
    import torch

    flat = delta.flatten(1).double()
    n, d = flat.shape
    lo_f = torch.broadcast_to(lo, delta.shape).reshape(n, d).double()
    hi_f = torch.broadcast_to(hi, delta.shape).reshape(n, d).double()
    e = (eps.double() if isinstance(eps, torch.Tensor)
         else torch.full((n,), float(eps), device=flat.device, dtype=torch.float64))
    a = flat.abs()
    room = torch.where(flat >= 0, hi_f, -lo_f).clamp_min(0.0)
    f0 = torch.minimum(a, room).sum(dim=1)  # lambda = 0: plain clipping to the box
    starts = (a - room).clamp_min(0.0)  # a coordinate leaves its cap here (lambda-slope -1 from here ...)
    t, order = torch.cat([starts, a], dim=1).sort(dim=1)  # ... and reaches 0 at |delta_i|
    slope = torch.cat([torch.ones_like(a), -torch.ones_like(a)], dim=1).gather(1, order).cumsum(dim=1)
    gaps = torch.diff(t, dim=1, prepend=torch.zeros_like(t[:, :1]))
    drop = torch.cat([torch.zeros_like(t[:, :1]), slope[:, :-1] * gaps[:, 1:]], dim=1)
    f = f0[:, None] - drop.cumsum(dim=1)  # f(t_j), non-increasing in j, f(t_last) = 0
    j = (f <= e[:, None]).to(torch.int8).argmax(dim=1).clamp_min(1)  # first breakpoint inside the ball
    prev = (j - 1)[:, None]
    lam = t.gather(1, prev)[:, 0] + (f.gather(1, prev)[:, 0] - e) / slope.gather(1, prev)[:, 0].clamp_min(1.0)
    lam = torch.where(f0 > e, lam.clamp_min(0.0), torch.zeros_like(lam))
    z = flat.sign() * torch.minimum((a - lam[:, None]).clamp_min(0.0), room)
    return z.to(delta.dtype).reshape(delta.shape)


def sparse_l1_direction(grad: Tensor, topk: Tensor) -> Tensor:
    """``sign(grad)`` on the ``k = max(floor(topk * d), 1)`` coordinates of largest ``|grad|``, scaled to L1 norm 1.

    ``topk`` is ``(n,)``; ties at the threshold all move. The reference moves ``ceil(topk * d)``
    coordinates; flooring lets ``k`` reach 1 once the best point has 1 or 2 non-zero coordinates, which
    small inputs need to move mass onto the single best coordinate (the L1 steepest step).
    """
    flat = grad.flatten(1)
    d = flat.shape[1]
    a = flat.abs()
    srt, _ = a.sort(dim=1)
    k = (topk * d).floor().clamp(1, d).long()
    thr = srt.gather(1, (d - k)[:, None])
    s = flat.sign() * (a >= thr)
    s = s / (s.abs().sum(dim=1, keepdim=True) + 1e-10)
    return s.reshape(grad.shape)


def apgd_l1_run(victim: Victim, x: Tensor, y: Tensor, target: Tensor | None, *, eps: float, steps: int, loss: str,
                generator: Any, momentum: float = 0.0, topk0: float = 0.2, x_init: Tensor | None = None,
                dlr_t: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One l1-APGD run; returns ``(x_best_adv, found)``: the fooling point where found, else the best-loss point."""
    import torch

    n, d = len(x), x[0].numel()
    lo = victim.lo - x if victim.lo is not None else torch.full_like(x, -torch.inf)
    hi = victim.hi - x if victim.hi is not None else torch.full_like(x, torch.inf)

    def proj(v: Tensor) -> Tensor:
        return x + project_l1_box(v - x, eps, lo, hi)

    def evaluate(v: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        v = v.detach().requires_grad_(True)
        logits = victim.logits(v)
        per = _loss(logits, y, target, loss, dlr_t)
        (g,) = torch.autograd.grad(per.sum(), v)
        return logits.detach(), per.detach(), g

    def fooled(logits: Tensor) -> Tensor:
        pred = logits.argmax(1)
        return pred == target if target is not None else pred != y

    if x_init is None:  # the reference's start: Gaussian noise projected onto the ball and the box
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x_adv = proj(x + noise)
        topk = torch.full((n,), topk0, device=x.device, dtype=x.dtype)
        sp_old = torch.full((n,), float(d), device=x.device, dtype=x.dtype)
    else:
        x_adv = proj(x_init)
        sp_old = _l0(x_adv - x)
        topk = sp_old / d / 1.5
    logits, loss_now, grad = evaluate(x_adv)
    found = fooled(logits)
    x_best_adv = torch.where(view_b(found, x), x_adv, x)
    x_best, loss_best, grad_best = x_adv.clone(), loss_now.clone(), grad.clone()
    step = torch.full((n,), eps, device=x.device, dtype=x.dtype)
    x_old = x_adv.clone()
    every, counter = max(int(0.04 * steps), 1), 0
    for i in range(steps):
        # a coordinate at its box edge whose gradient points outside cannot move: leave it out of the top k
        pinned = ((grad > 0) & (x_adv >= x + hi)) | ((grad < 0) & (x_adv <= x + lo))
        z = proj(x_adv + view_b(step, x) * sparse_l1_direction(grad.masked_fill(pinned, 0.0), topk))
        if momentum > 0 and i > 0:
            z = proj(x_adv + (z - x_adv) * (1 - momentum) + (x_adv - x_old) * momentum)
        x_old, x_adv = x_adv, z
        logits, loss_now, grad = evaluate(x_adv)
        now = fooled(logits)
        x_best_adv = torch.where(view_b(now, x), x_adv, x_best_adv)
        found |= now
        better = loss_now > loss_best
        x_best = torch.where(view_b(better, x), x_adv, x_best)
        grad_best = torch.where(view_b(better, x), grad, grad_best)
        loss_best = torch.where(better, loss_now, loss_best)
        counter += 1
        if counter == every:  # checkpoint: adapt the sparsity k and the step size (reference, L1 branch)
            sp = _l0(x_best - x)
            sparser = sp / sp_old < 0.95
            topk = sp / d / 1.5
            step = torch.where(sparser, torch.full_like(step, eps), step / 1.5).clamp(eps / 10, eps)
            sp_old = sp
            x_adv = torch.where(view_b(sparser, x), x_best, x_adv)
            grad = torch.where(view_b(sparser, x), grad_best, grad)
            counter = 0
    return torch.where(view_b(found, x), x_best_adv, x_best), found


def _staged(attack: APGDL1 | APGDL1T, victim: Victim, x: Tensor, y: Tensor, loss: str, target: Tensor | None,
            dlr_t: Tensor | None = None) -> Tensor:
    """One run, or with ``large_eps`` the reference's 3 eps / 2 eps / eps schedule (30% / 30% / 40% of steps)."""
    import math

    eps = float(attack.eps or 0.0)
    common: dict[str, Any] = {"loss": loss, "generator": attack.generator, "momentum": attack.momentum,
                              "topk0": attack.topk, "dlr_t": dlr_t}
    if not attack.large_eps:
        return apgd_l1_run(victim, x, y, target, eps=eps, steps=attack.steps, **common)[0]
    import torch

    stages = [math.ceil(0.3 * attack.steps), math.ceil(0.3 * attack.steps)]
    stages.append(max(attack.steps - sum(stages), 1))
    x_init = x + torch.randn(x.shape, generator=attack.generator, device=x.device, dtype=x.dtype)
    for mult, steps in zip((3.0, 2.0, 1.0), stages, strict=True):
        x_init, _ = apgd_l1_run(victim, x, y, target, eps=mult * eps, steps=steps, x_init=x_init, **common)
    out: Tensor = x_init
    return out


def _loss(logits: Tensor, y: Tensor, target: Tensor | None, loss: str, dlr_t: Tensor | None) -> Tensor:
    """Per-sample loss to ascend: ``ce``, ``dlr``; ``ce-t``/``dlr-t`` towards ``target`` (or ``dlr_t``)."""
    import torch.nn.functional as F  # the conventional name

    if loss == "dlr-t":
        return dlr_targeted_loss(logits, y, dlr_t if dlr_t is not None else target)
    if loss == "dlr":
        return dlr_loss(logits, y)
    if loss == "ce-t" and target is not None:
        return -F.cross_entropy(logits, target, reduction="none")
    return F.cross_entropy(logits, y, reduction="none")


def _l0(delta: Tensor) -> Tensor:
    out: Tensor = (delta.flatten(1) != 0).sum(dim=1).to(delta.dtype)
    return out


def _check(norm: Norm, steps: int, restarts: int, momentum: float, topk: float) -> None:
    if norm != "l1":
        raise AttackError(f"APGD-L1 attacks the l1 norm only, got norm={norm!r} (use apgd-ce for linf/l2)")
    if steps < 1 or restarts < 1:
        raise AttackError(f"APGD-L1 needs steps >= 1 and restarts >= 1, got {steps} and {restarts}")
    if not 0.0 <= momentum < 1.0:
        raise AttackError(f"momentum must be in [0, 1), got {momentum}")
    if not 0.0 < topk <= 1.0:
        raise AttackError(f"topk must be in (0, 1], got {topk}")
