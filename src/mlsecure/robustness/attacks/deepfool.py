"""DeepFool: iterative linearisation of the decision boundary (minimal-norm, L2 or L-inf).

Moosavi-Dezfooli, Fawzi & Frossard 2016, "DeepFool: a simple and accurate method to fool deep neural
networks", CVPR, arXiv:1511.04599 (Algorithm 2, multi-class). Each step moves to the closest linearised
boundary ``r = |f_k| / ||w_k||_q^q * w_k`` (``q`` dual to ``p``), ``w_k = grad z_k - grad z_y``,
``f_k = z_k - z_y``, over the ``candidates`` most likely classes; the total is scaled by ``1 + overshoot``.
With ``refine=True`` a bisection along ``x -> x_adv`` then pulls each point back to the boundary, so on
an affine model the distance equals the analytic ``|f| / ||w||_q``.

Threat model: white-box, untargeted. ``eps`` is optional: when set the base class projects to it.
"""

from __future__ import annotations

from mlsecure.robustness.attacks.interface import Attack
from mlsecure.robustness.attacks.ops import Norm, Tensor, view_b
from mlsecure.robustness.victim import Victim


class DeepFool(Attack):
    """Minimal-norm DeepFool; ``steps`` linearisations, ``candidates`` classes considered per step."""

    name = "deepfool"
    norms = frozenset({"linf", "l2"})
    minimal = True
    supports_targeted = False

    def __init__(self, *, eps: float | None = None, norm: Norm = "l2", steps: int = 50, overshoot: float = 0.02,
                 candidates: int = 10, refine: bool = True, batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        self.steps, self.overshoot, self.candidates, self.refine = int(steps), float(overshoot), int(candidates), refine

    def __repr__(self) -> str:
        return f"DeepFool(norm={self.norm!r}, steps={self.steps}, overshoot={self.overshoot})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        k = min(self.candidates, victim.n_classes)
        with torch.no_grad():
            cand = victim.logits(x).argsort(dim=1, descending=True)[:, :k]
        # put the true class first, then the other candidates
        others = torch.stack([row[row != yi][: k - 1] if bool((row == yi).any()) else row[: k - 1]
                              for row, yi in zip(cand, y, strict=True)]) if len(x) else cand[:, 1:]
        r_tot = torch.zeros_like(x)
        active = torch.ones(len(x), dtype=torch.bool, device=x.device)
        x_adv = x.clone()
        for _ in range(self.steps):
            xg = x_adv.detach().requires_grad_(True)
            logits = victim.logits(xg)
            active &= logits.argmax(1) == y
            if not bool(active.any()):
                break
            z_y = logits.gather(1, y[:, None]).squeeze(1)
            (g_y,) = torch.autograd.grad(z_y.sum(), xg, retain_graph=True)
            best_dist = torch.full((len(x),), float("inf"), device=x.device, dtype=x.dtype)
            best_r = torch.zeros_like(x)
            for j in range(others.shape[1]):
                z_k = logits.gather(1, others[:, j : j + 1]).squeeze(1)
                (g_k,) = torch.autograd.grad(z_k.sum(), xg, retain_graph=j < others.shape[1] - 1)
                w = g_k - g_y
                f = (z_k - z_y).detach().abs()
                flat = w.flatten(1)
                if self.norm == "l2":
                    wn = flat.norm(dim=1).clamp_min(1e-12)
                    dist = f / wn
                    r = view_b((f + 1e-4) / wn**2, w) * w
                else:
                    wn = flat.abs().sum(dim=1).clamp_min(1e-12)
                    dist = f / wn
                    r = view_b((f + 1e-4) / wn, w) * w.sign()
                closer = dist < best_dist
                best_dist = torch.where(closer, dist, best_dist)
                best_r = torch.where(view_b(closer, x), r, best_r)
            r_tot = r_tot + best_r * view_b(active.to(x.dtype), x)
            x_adv = victim.clamp(x + (1 + self.overshoot) * r_tot).detach()
        if self.refine:
            x_adv = boundary_search(victim, x, x_adv, y, None)
        return x_adv


def boundary_search(victim: Victim, x: Tensor, x_adv: Tensor, y: Tensor, target: Tensor | None,
                    steps: int = 12) -> Tensor:
    """Bisection on ``x + t (x_adv - x)``, ``t in [0, 1]``: the smallest ``t`` that stays adversarial.

    Samples whose ``x_adv`` is not adversarial are returned unchanged. ``steps`` forward passes.
    """
    import torch

    def fooled(v: Tensor) -> Tensor:
        with torch.no_grad():
            pred = victim.predict(v)
        return pred == target if target is not None else pred != y

    ok = fooled(x_adv)
    lo = torch.zeros(len(x), device=x.device, dtype=x.dtype)
    hi = torch.ones(len(x), device=x.device, dtype=x.dtype)
    d = x_adv - x
    for _ in range(steps):
        mid = (lo + hi) / 2
        adv = fooled(x + view_b(mid, x) * d)
        hi = torch.where(adv, mid, hi)
        lo = torch.where(adv, lo, mid)
    return torch.where(view_b(ok, x), x + view_b(hi, x) * d, x_adv)
