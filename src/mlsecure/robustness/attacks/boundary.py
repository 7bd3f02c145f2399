"""Boundary Attack: decision-based random walk along the decision boundary (minimal L2).

Brendel, Rauber & Bethge 2018, "Decision-Based Adversarial Attacks: Reliable Attacks Against Black-Box
Machine Learning Models", ICLR, arXiv:1712.04248, following Foolbox 3's ``BoundaryAttack``: start from a
random adversarial point pulled to the boundary by bisection; each step draws an orthogonal (spherical)
perturbation of relative size ``spherical_step`` and a step of relative size ``source_step`` towards the
original; keep the candidate when it stays adversarial and gets closer; every ``adapt_every`` steps scale
both step sizes by ``step_adaptation`` from the observed success rates (> 50%: grow, < 20%: shrink).

Threat model: black-box, labels only; untargeted or targeted. Slow to converge by design: HopSkipJump is
the query-efficient successor.
"""

from __future__ import annotations

from mlsecure.robustness.attacks.deepfool import boundary_search
from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import Norm, Tensor, view_b
from mlsecure.robustness.victim import Victim


class Boundary(Attack):
    """Boundary Attack with ``steps`` random-walk steps (one label query per sample per step, plus statistics)."""

    name = "boundary"
    norms = frozenset({"l2"})
    white_box = False
    minimal = True

    def __init__(self, *, eps: float | None = None, norm: Norm = "l2", steps: int = 1000, spherical_step: float = 1e-2,
                 source_step: float = 1e-2, step_adaptation: float = 1.5, adapt_every: int = 10,
                 init_tries: int = 100, batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        if steps < 1:
            raise AttackError(f"Boundary needs steps >= 1, got {steps}")
        self.steps, self.spherical_step, self.source_step = int(steps), float(spherical_step), float(source_step)
        self.step_adaptation, self.adapt_every, self.init_tries = float(step_adaptation), int(adapt_every), init_tries

    def __repr__(self) -> str:
        return f"Boundary(steps={self.steps})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        gen = self.generator

        def adv(v: Tensor) -> Tensor:
            pred = victim.predict(v)
            return pred == target if target is not None else pred != y

        lo = victim.lo if victim.lo is not None else x.min() - 1.0
        hi = victim.hi if victim.hi is not None else x.max() + 1.0
        best = x.clone()
        found = torch.zeros(len(x), dtype=torch.bool, device=x.device)
        for _ in range(self.init_tries):
            if bool(found.all()):
                break
            noise = lo + (hi - lo) * torch.rand(x.shape, generator=gen, device=x.device, dtype=x.dtype)
            ok = adv(noise) & ~found
            best[ok] = noise[ok]
            found |= ok
        best = boundary_search(victim, x, best, y, target)
        n = len(x)
        sph = torch.full((n,), self.spherical_step, device=x.device, dtype=x.dtype)
        src = torch.full((n,), self.source_step, device=x.device, dtype=x.dtype)
        sph_hits = torch.zeros(n, device=x.device, dtype=x.dtype)
        step_hits = torch.zeros_like(sph_hits)
        for k in range(1, self.steps + 1):
            diff = x - best
            dist = diff.flatten(1).norm(dim=1).clamp_min(1e-12)
            unit = diff / view_b(dist, x)
            eta = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
            eta = eta - view_b((eta * unit).flatten(1).sum(1), x) * unit  # orthogonal to the source direction
            eta = eta / view_b(eta.flatten(1).norm(dim=1).clamp_min(1e-12), x) * view_b(sph * dist, x)
            scale = 1.0 / torch.sqrt(sph**2 + 1)
            spherical = victim.clamp(x + view_b(scale, x) * (eta - diff))
            new_dir = x - spherical
            new_norm = new_dir.flatten(1).norm(dim=1).clamp_min(1e-12)
            length = (src * dist + new_norm - dist).clamp_min(0) / new_norm
            cand = victim.clamp(spherical + view_b(length, x) * new_dir)
            ok = adv(cand) & found & ((x - cand).flatten(1).norm(dim=1) < dist)
            best = torch.where(view_b(ok, x), cand, best)
            step_hits += ok.to(x.dtype)
            sph_hits += adv(spherical).to(x.dtype)
            if k % self.adapt_every == 0:
                p_sph, p_step = sph_hits / self.adapt_every, step_hits / self.adapt_every
                a = self.step_adaptation
                sph = torch.where(p_sph > 0.5, sph * a, torch.where(p_sph < 0.2, sph / a, sph))
                src = torch.where(p_sph > 0.5, src * a, torch.where(p_sph < 0.2, src / a, src))
                src = torch.where(p_step > 0.5, src * a, torch.where(p_step < 0.2, src / a, src))
                sph_hits.zero_()
                step_hits.zero_()
        return torch.where(view_b(found, x), best, x)
