"""Transfer attack: craft adversarial examples on a surrogate model, replay them on the victim.

Papernot, McDaniel & Goodfellow 2016, "Transferability in Machine Learning", arXiv:1605.07277.
Threat model: black-box towards the victim (it is never queried while crafting; the base class queries it
once to measure success); white-box on the ``surrogate`` (any model with gradients: a torch module, a
``DifferentiableModel`` or a supported scikit-learn model). ``inner`` is the white-box attack run on the
surrogate (default PGD-20 at the same ``eps``/``norm``).
"""

from __future__ import annotations

from typing import Any

from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import Norm, Tensor
from mlsecure.robustness.victim import Victim, as_victim


class Transfer(Attack):
    """Adversarial examples from ``inner`` on ``surrogate``, evaluated on the victim."""

    name = "transfer"
    white_box = False
    required_settings = frozenset({"surrogate"})
    access = "transfer: crafted on the surrogate, replayed on the model"

    def __init__(self, *, surrogate: Any, eps: float, norm: Norm = "linf", inner: Attack | None = None,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        from mlsecure.robustness.attacks.pgd import PGD

        self.surrogate = surrogate
        self.inner = inner if inner is not None else PGD(eps=eps, norm=norm, steps=20, seed=seed)
        if not self.inner.white_box:
            raise AttackError("the inner attack of a transfer attack must be white-box (it uses the surrogate)")
        self._sur: Victim | None = None

    def __repr__(self) -> str:
        return f"Transfer(eps={self.eps}, inner={self.inner!r})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        if self._sur is None:
            bounds = None
            if victim.lo is not None and victim.hi is not None:
                bounds = (victim.lo[0].cpu().numpy(), victim.hi[0].cpu().numpy())
            self._sur = as_victim(self.surrogate, sample_shape=tuple(x.shape[1:]), bounds=bounds)
            if self._sur.differentiable is None:
                raise AttackError(f"the surrogate gives no gradients: {self._sur.why_black_box}")
        self.inner.generator = self.generator
        xs = x.to(self._sur.device)
        adv = self.inner.run(self._sur, xs, y.to(xs.device), None if target is None else target.to(xs.device))
        return adv.to(x.device)
