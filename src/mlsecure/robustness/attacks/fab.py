"""FAB: Fast Adaptive Boundary attack (minimal-norm, L-inf, L2 and L1), untargeted and FAB-T.

Croce & Hein 2020, "Minimally distorted Adversarial Examples with a Fast Adaptive Boundary Attack",
ICML, arXiv:1907.02044 (Algorithm 1), following the reference ``fab_pt.py``: at the iterate ``x_k``
linearise the closest decision boundary (or, for FAB-T, the boundary to the target class), project both
``x_k`` and the original ``x`` onto that hyperplane intersected with the input box, move to the biased
combination ``(1 - a)(x_k + eta d_k) + a (x + eta d_0)`` with ``a = min(|d_k| / (|d_k| + |d_0|), alpha_max)``,
and after a success step back towards ``x`` by ``beta``. Defaults ``eta = 1.05``, ``beta = 0.9``,
``alpha_max = 0.1``, 100 iterations.

The box-constrained projection onto a hyperplane is solved exactly by bisection on its one free scalar
(the Lagrange multiplier for L2; the radius for L-inf), not by the reference's sorting algorithm. For L1
it is a fractional knapsack, solved exactly by sorting as in the paper (Section 3): coordinates move
towards the hyperplane in decreasing order of ``|w_i|``, each up to its room to the box edge.
Threat model: white-box.
"""

from __future__ import annotations

from mlsecure.robustness.attacks.interface import Attack
from mlsecure.robustness.attacks.ops import Norm, Tensor, norm_of, random_in_ball, view_b
from mlsecure.robustness.victim import Victim


class FAB(Attack):
    """FAB (untargeted: closest boundary each step; ``n_target_classes > 0``: FAB-T over the top classes)."""

    name = "fab"
    minimal = True

    def __init__(self, *, eps: float | None = None, norm: Norm = "linf", steps: int = 100, restarts: int = 1,
                 n_target_classes: int = 0, eta: float = 1.05, beta: float = 0.9, alpha_max: float = 0.1,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        self.steps, self.restarts, self.n_target_classes = int(steps), int(restarts), int(n_target_classes)
        self.eta, self.beta, self.alpha_max = float(eta), float(beta), float(alpha_max)

    def __repr__(self) -> str:
        kind = f"FAB-T({self.n_target_classes})" if self.n_target_classes else "FAB"
        return f"{kind}(norm={self.norm!r}, steps={self.steps}, restarts={self.restarts})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        best = x.clone()
        best_norm = torch.full((len(x),), float("inf"), device=x.device, dtype=x.dtype)
        if target is not None:
            targets = [target]
        elif self.n_target_classes:
            with torch.no_grad():
                order = victim.logits(x).argsort(dim=1, descending=True)
            k = min(self.n_target_classes, victim.n_classes - 1)
            targets = [torch.where(order[:, j] == y, order[:, 0], order[:, j]) for j in range(1, k + 1)]
        else:
            targets = [None]
        for t in targets:
            for r in range(self.restarts):
                adv, dist = self._single(victim, x, y, t, random_start=r > 0, radius=best_norm)
                better = dist < best_norm
                best = torch.where(view_b(better, x), adv, best)
                best_norm = torch.where(better, dist, best_norm)
        return best

    def _single(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None, *, random_start: bool,
                radius: Tensor) -> tuple[Tensor, Tensor]:
        import torch

        n = len(x)
        x1 = x.clone()
        if random_start:
            r = torch.where(torch.isfinite(radius), radius, torch.full_like(radius, 0.1)) / 2
            x1 = victim.clamp(x + random_in_ball(x, 1.0, self.norm, self.generator) * view_b(r, x))
        best = x.clone()
        best_norm = torch.full((n,), float("inf"), device=x.device, dtype=x.dtype)
        lo = victim.lo if victim.lo is not None else torch.full_like(x[:1], -1e6)
        hi = victim.hi if victim.hi is not None else torch.full_like(x[:1], 1e6)
        for _ in range(self.steps):
            w, f = self._boundary(victim, x1, y, target)
            b = (w * x1).flatten(1).sum(1) - f  # hyperplane {z: w.z = b}
            d1 = _project(x1, w, b, lo, hi, self.norm) - x1
            d0 = _project(x, w, b, lo, hi, self.norm) - x
            a1, a0 = norm_of(d1, self.norm), norm_of(d0, self.norm)
            alpha = (a1 / (a1 + a0 + 1e-12)).clamp(0.0, self.alpha_max)
            x1 = (x1 + self.eta * d1) * view_b(1 - alpha, x) + (x + self.eta * d0) * view_b(alpha, x)
            x1 = torch.maximum(torch.minimum(x1, hi), lo)
            with torch.no_grad():
                pred = victim.logits(x1).argmax(1)
            ok = pred == target if target is not None else pred != y
            dist = norm_of(x1 - x, self.norm)
            better = ok & (dist < best_norm)
            best = torch.where(view_b(better, x), x1, best)
            best_norm = torch.where(better, dist, best_norm)
            x1 = torch.where(view_b(ok, x), x + (x1 - x) * self.beta, x1)
        return best, best_norm

    def _boundary(self, victim: Victim, x1: Tensor, y: Tensor, target: Tensor | None) -> tuple[Tensor, Tensor]:
        """Normal ``w`` and value ``f`` of the linearised boundary ``z_l - z_y`` chosen at ``x1``."""
        import torch

        xg = x1.detach().requires_grad_(True)
        logits = victim.logits(xg)
        z_y = logits.gather(1, y[:, None]).squeeze(1)
        if target is not None:
            f = logits.gather(1, target[:, None]).squeeze(1) - z_y
            (w,) = torch.autograd.grad(f.sum(), xg)
            return w.detach(), f.detach()
        best_d = torch.full((len(x1),), float("inf"), device=x1.device, dtype=x1.dtype)
        best_w, best_f = torch.zeros_like(x1), torch.zeros_like(best_d)
        k = logits.shape[1]
        for j in range(k):
            f = logits[:, j] - z_y
            (w,) = torch.autograd.grad(f.sum(), xg, retain_graph=j < k - 1)
            q = _dual_norm(w, self.norm)
            d = f.detach().abs() / (q + 1e-12)
            d = torch.where(y == j, torch.full_like(d, float("inf")), d)
            closer = d < best_d
            best_d = torch.where(closer, d, best_d)
            best_w = torch.where(view_b(closer, x1), w, best_w)
            best_f = torch.where(closer, f.detach(), best_f)
        return best_w, best_f


def _dual_norm(w: Tensor, norm: Norm) -> Tensor:
    """Per-sample dual norm of ``w``: the distance to ``{w.z = b}`` in ``norm`` is ``|w.p - b| / ||w||_*``."""
    flat = w.flatten(1)
    if norm == "linf":
        return flat.abs().sum(1)
    if norm == "l2":
        return flat.norm(dim=1)
    return flat.abs().amax(1)


def _project(p: Tensor, w: Tensor, b: Tensor, lo: Tensor, hi: Tensor, norm: Norm, iters: int = 40) -> Tensor:
    """Closest point to ``p`` (in ``norm``) on ``{z: w.z = b}`` within ``[lo, hi]``; best effort if empty.

    L2: ``z(lam) = clip(p + lam w)`` and ``w.z(lam)`` is non-decreasing in ``lam`` (KKT), so bisect ``lam``.
    L-inf: ``z(t) = clip(p + s t sign(w), p - t, p + t)`` with ``s = sign(b - w.p)``; bisect the radius ``t``.
    L1: exact, by sorting (``_project_l1``).
    When the hyperplane misses the box, every norm returns the box point that moves furthest towards it.
    """
    import torch

    if norm == "l1":
        return _project_l1(p, w, b, lo, hi)
    wp = (w * p).flatten(1).sum(1)
    if norm == "l2":
        ww = (w * w).flatten(1).sum(1).clamp_min(1e-20)
        lam0 = (b - wp) / ww  # the unconstrained answer; the box can only push it further out
        lo_l = torch.minimum(lam0, torch.zeros_like(lam0)) * 1e4 - 1e-12
        hi_l = torch.maximum(lam0, torch.zeros_like(lam0)) * 1e4 + 1e-12
        for _ in range(iters * 2):
            mid = (lo_l + hi_l) / 2
            z = torch.maximum(torch.minimum(p + view_b(mid, p) * w, hi), lo)
            up = (w * z).flatten(1).sum(1) < b
            lo_l = torch.where(up, mid, lo_l)
            hi_l = torch.where(up, hi_l, mid)
        return torch.maximum(torch.minimum(p + view_b(hi_l, p) * w, hi), lo)
    s = torch.sign(b - wp)
    direction = view_b(s, p) * torch.sign(w)
    lo_t = torch.zeros_like(wp)
    hi_t = (hi - lo).flatten(1).amax(1).expand_as(wp).clone()
    for _ in range(iters):
        mid = (lo_t + hi_t) / 2
        z = torch.maximum(torch.minimum(p + view_b(mid, p) * direction, hi), lo)
        short = s * ((w * z).flatten(1).sum(1) - b) < 0
        lo_t = torch.where(short, mid, lo_t)
        hi_t = torch.where(short, hi_t, mid)
    return torch.maximum(torch.minimum(p + view_b(hi_t, p) * direction, hi), lo)


def _project_l1(p: Tensor, w: Tensor, b: Tensor, lo: Tensor, hi: Tensor) -> Tensor:
    """Closest point to ``p`` in L1 on ``{z: w.z = b}`` within ``[lo, hi]``, batched and exact.

    With ``c = b - w.p``, coordinate ``i`` moves by ``u_i >= 0`` in direction ``s_i = sign(c) sign(w_i)``,
    up to its room ``r_i`` to the box edge, and buys ``|w_i| u_i`` of the margin ``|c|``: minimising
    ``sum u_i`` is a fractional knapsack, so the coordinates fill in decreasing order of ``|w_i|``,
    ``u_(k) = clip((|c| - sum_{j<k} |w_(j)| r_(j)) / |w_(k)|, 0, r_(k))``. If ``sum |w_i| r_i < |c|`` the
    hyperplane misses the box and every coordinate with ``w_i != 0`` goes to its edge: the box point closest
    to the hyperplane (the same best effort as the L2 and L-inf cases); ``w_i = 0`` coordinates never move.
    """
    import torch

    flat_p, flat_w = p.flatten(1), w.flatten(1)
    flat_lo, flat_hi = lo.flatten(1).expand_as(flat_p), hi.flatten(1).expand_as(flat_p)
    c = b - (flat_w * flat_p).sum(1)
    s = torch.sign(c)[:, None] * torch.sign(flat_w)
    room = torch.where(s > 0, flat_hi - flat_p, flat_p - flat_lo).clamp_min(0)
    room = torch.where(s == 0, torch.zeros_like(room), room)
    aw, order = flat_w.abs().sort(dim=1, descending=True)
    room_s = room.gather(1, order)
    gain = aw * room_s
    before = torch.cat([torch.zeros_like(gain[:, :1]), gain.cumsum(1)[:, :-1]], 1)  # bought by those ahead
    need = (c.abs()[:, None] - before).clamp_min(0)
    u_s = torch.where(aw > 0, torch.minimum(need / aw.clamp_min(1e-30), room_s), torch.zeros_like(aw))
    u = torch.zeros_like(u_s).scatter(1, order, u_s)
    return (flat_p + s * u).reshape(p.shape)
