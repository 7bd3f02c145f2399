"""AutoAttack: the parameter-free ensemble of Croce & Hein 2020 (arXiv:2003.01690), as a cascade.

``version="standard"`` runs, in the reference order and configuration, APGD-CE (100 iterations, no
restarts), APGD-T (9 target classes, 100 iterations), FAB-T (9 target classes, 100 iterations), then
Square (5000 queries; L2 needs image-shaped inputs; none for L1, whose cascade is l1-APGD-CE, l1-APGD-T
and FAB-T with the L1 projection); each attack sees only the samples every earlier
attack failed on, so a sample is attacked only until it falls. FAB-T's successes count only within ``eps``.
``version="rand"`` (randomized defences) runs APGD-CE and APGD-DLR on ``EoT(model, samples=20)``.

Threat model: white-box, L-inf, L2 or L1.
"""

from __future__ import annotations

from typing import Literal

from mlsecure.robustness.attacks.apgd import APGD, APGDT
from mlsecure.robustness.attacks.apgd_l1 import APGDL1, APGDL1T
from mlsecure.robustness.attacks.fab import FAB
from mlsecure.robustness.attacks.interface import Attack
from mlsecure.robustness.attacks.ops import Norm, Tensor, norm_of, project
from mlsecure.robustness.attacks.square import Square
from mlsecure.robustness.victim import Victim

Version = Literal["standard", "rand"]


class AutoAttack(Attack):
    """The AutoAttack cascade (``standard``, or ``rand`` with EoT)."""

    name = "autoattack"
    supports_targeted = False

    def __init__(self, *, eps: float, norm: Norm = "linf", version: Version = "standard", square_queries: int = 5000,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        self.version: Version = version
        self.square_queries = int(square_queries)

    def components(self) -> list[Attack]:
        eps = float(self.eps or 0.0)
        common = {"eps": eps, "norm": self.norm, "batch_size": self.batch_size, "seed": self.seed}
        if self.version == "rand":
            return [APGD(steps=100, loss="ce", **common), APGD(steps=100, loss="dlr", **common)]  # type: ignore[arg-type]
        if self.norm == "l1":  # AutoAttack-L1 (Croce & Hein 2021): l1-APGD-CE, l1-APGD-T, FAB-T; no Square-L1 here
            return [APGDL1(eps=eps, steps=100, loss="ce", restarts=5, batch_size=self.batch_size, seed=self.seed),
                    APGDL1T(eps=eps, steps=100, n_target_classes=9, batch_size=self.batch_size, seed=self.seed),
                    FAB(eps=eps, norm="l1", steps=100, n_target_classes=9, batch_size=self.batch_size,
                        seed=self.seed)]
        out: list[Attack] = [APGD(steps=100, loss="ce", **common),  # type: ignore[arg-type]
                             APGDT(steps=100, n_target_classes=9, **common),  # type: ignore[arg-type]
                             FAB(eps=eps, norm=self.norm, steps=100, n_target_classes=9, batch_size=self.batch_size,
                                 seed=self.seed)]
        if self.norm in ("linf", "l2"):
            out.append(Square(norm=self.norm, eps=eps, queries=self.square_queries, batch_size=self.batch_size,
                              seed=self.seed))
        return out

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        if self.version == "rand":
            from mlsecure.robustness.adaptive import EoT

            if victim.differentiable is not None:
                victim = Victim(model=victim.model, differentiable=EoT(victim.differentiable, samples=20),
                                device=victim.device, lo=victim.lo, hi=victim.hi)
        best = x.clone()
        open_ = victim.predict(x) == y
        for attack in self.components():
            idx = open_.nonzero().squeeze(1)
            if len(idx) == 0:
                break
            if victim.n_classes < 4 and isinstance(attack, APGDT | APGDL1T | FAB):
                continue
            attack.generator = self.generator
            xi = x[idx]
            adv = attack.run(victim, xi, y[idx], None)
            inside = norm_of(adv - xi, self.norm) <= float(self.eps or 0.0) * (1 + 1e-5) + 1e-7
            adv = victim.clamp(xi + project(adv - xi, float(self.eps or 0.0), self.norm))
            fooled = (victim.predict(adv) != y[idx]) & inside
            best[idx[fooled]] = adv[fooled]
            open_[idx[fooled]] = False
        return best
