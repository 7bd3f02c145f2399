"""HopSkipJump: decision-based (label-only) minimal-norm L2 attack.

Chen, Jordan & Wainwright 2020, "HopSkipJumpAttack: A Query-Efficient Decision-Based Attack", IEEE S&P,
arXiv:1904.02144 (Algorithm 2, L2). Start from a random adversarial point found by uniform noise, then
repeat: binary search to the boundary (threshold ``theta = d^-1.5``), estimate the boundary's normal by
Monte-Carlo sign queries at radius ``delta = sqrt(d) * theta * dist`` with ``100 * sqrt(t)`` probes and
the mean baseline of the paper, and take a geometric step of ``dist / sqrt(t)`` halved until it stays
adversarial. Batched over samples; every query is a predicted label.

Threat model: black-box, labels only; untargeted or targeted (``target=``).
"""

from __future__ import annotations

import math

from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import Norm, Tensor, norm_of, view_b
from mlsecure.robustness.victim import Victim


class HopSkipJump(Attack):
    """HopSkipJump L2 with ``iterations`` gradient-estimation steps (queries grow as ``100 * sqrt(t)``)."""

    name = "hopskipjump"
    norms = frozenset({"l2"})
    white_box = False
    minimal = True

    def __init__(self, *, eps: float | None = None, norm: Norm = "l2", iterations: int = 20, init_evals: int = 100,
                 max_evals: int = 1000, init_tries: int = 100, batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        if iterations < 1:
            raise AttackError(f"HopSkipJump needs iterations >= 1, got {iterations}")
        self.iterations, self.init_evals, self.max_evals = int(iterations), int(init_evals), int(max_evals)
        self.init_tries = int(init_tries)

    def __repr__(self) -> str:
        return f"HopSkipJump(iterations={self.iterations}, max_evals={self.max_evals})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        gen = self.generator
        n, d = len(x), x[0].numel()
        theta = d ** -1.5

        def adv(v: Tensor, idx: Tensor) -> Tensor:
            pred = victim.predict(v)
            return pred == target[idx] if target is not None else pred != y[idx]

        lo = victim.lo if victim.lo is not None else x.min() - 1.0
        hi = victim.hi if victim.hi is not None else x.max() + 1.0
        start = x.clone()
        found = torch.zeros(n, dtype=torch.bool, device=x.device)
        for _ in range(self.init_tries):
            idx = (~found).nonzero().squeeze(1)
            if len(idx) == 0:
                break
            noise = lo + (hi - lo) * torch.rand(x[idx].shape, generator=gen, device=x.device, dtype=x.dtype)
            ok = adv(noise, idx)
            start[idx[ok]] = noise[ok]
            found[idx[ok]] = True
        idx = found.nonzero().squeeze(1)
        if len(idx) == 0:
            return x
        xs, cur = x[idx], self._boundary(x[idx], start[idx], idx, adv, theta)
        for t in range(1, self.iterations + 1):
            dist = norm_of(cur - xs, "l2")
            delta = view_b(math.sqrt(d) * theta * dist, xs).clamp_min(1e-6)
            evals = min(int(self.init_evals * math.sqrt(t)), self.max_evals)
            shp = (evals, len(xs)) + (1,) * (xs.ndim - 1)
            u = torch.randn((evals, *xs.shape), generator=gen, device=x.device, dtype=x.dtype)
            u = u / u.flatten(2).norm(dim=2).reshape(shp).clamp_min(1e-12)
            probes = victim.clamp((cur[None] + delta[None] * u).reshape(-1, *xs.shape[1:]))
            u = (probes.reshape(u.shape) - cur[None]) / delta[None]
            phi = adv(probes, idx.repeat(evals)).reshape(evals, len(xs)).to(x.dtype) * 2 - 1
            mean = phi.mean(dim=0)
            uniform = (mean.abs() == 1)[None]
            phi = torch.where(uniform, phi, phi - mean[None])  # the paper's baseline, unless all agree
            grad = (phi.reshape(shp) * u).mean(dim=0)
            grad = grad / view_b(grad.flatten(1).norm(dim=1).clamp_min(1e-12), grad)
            step = dist / math.sqrt(t)
            pending = torch.ones(len(xs), dtype=torch.bool, device=x.device)
            nxt = cur.clone()
            for _ in range(25):  # geometric step-size search
                cand = victim.clamp(cur + view_b(step, xs) * grad)
                ok = adv(cand, idx) & pending
                nxt[ok] = cand[ok]
                pending &= ~ok
                if not bool(pending.any()):
                    break
                step = torch.where(pending, step / 2, step)
            cur = self._boundary(xs, nxt, idx, adv, theta)
        out = x.clone()
        out[idx] = cur
        return out

    @staticmethod
    def _boundary(x: Tensor, x_adv: Tensor, idx: Tensor, adv: object, theta: float) -> Tensor:
        """Bisection on the segment ``x -> x_adv`` down to ``theta`` (relative); keeps the adversarial end."""
        import torch

        lo = torch.zeros(len(x), device=x.device, dtype=x.dtype)
        hi = torch.ones_like(lo)
        for _ in range(max(1, math.ceil(math.log2(1 / theta)) + 1)):
            mid = (lo + hi) / 2
            ok = adv(x + view_b(mid, x) * (x_adv - x), idx)  # type: ignore[operator]
            hi = torch.where(ok, mid, hi)
            lo = torch.where(ok, lo, mid)
            if float((hi - lo).max()) <= theta:
                break
        return x + view_b(hi, x) * (x_adv - x)
