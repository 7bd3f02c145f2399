"""The attack contract: ``Attack`` (one ``@final`` entry point owning the invariants) and ``AttackResult``.

Every attack is called as ``attack(model, x, y)`` (or ``attack(model, x, y, target=t)`` for a targeted
attack) and returns adversarial examples of the same type (numpy in, numpy out; torch in, torch out, on
the same device). The base class, not the subclasses, guarantees:

* inputs are checked (shape, finite values, labels in range, inside the input bounds);
* the output stays in the ``eps`` ball of its norm around ``x`` (when ``eps`` is set) and in the input
  bounds (the model's ``clip_values`` or per-feature ``bounds=``); non-finite rows fall back to ``x``;
* work runs batch by batch (``batch_size`` honoured end to end), tensors stay on the model's device.

Subclasses implement ``run(victim, x, y, target)`` on one batch of tensors.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, final

import numpy as np

from mlsecure.errors import InputError
from mlsecure.models.interface import encode_labels
from mlsecure.robustness.attacks.ops import NORMS, Norm, Tensor, norm_of, project
from mlsecure.robustness.victim import Victim, as_victim


def norm_list(norms: frozenset[Norm]) -> str:
    """``norms`` in the canonical order (linf, l2, l1), joined for a message."""
    return "/".join(n for n in NORMS if n in norms)


class AttackError(InputError):
    """An attack cannot run on this model or input (e.g. a white-box attack on a black-box model)."""


@dataclass(frozen=True)
class AttackResult:
    """What one attack run produced, per sample (numpy arrays of length ``n``).

    ``success``: adversarial (misclassified, or classified as ``target``) and within ``eps``;
    ``distance``: ``||x_adv - x||`` in the attack's norm; ``clean_correct``: the model was right on ``x``;
    ``queries``: model evaluations spent through the black-box interface.
    """

    attack: str
    norm: Norm
    eps: float | None
    x_adv: np.ndarray
    success: np.ndarray
    distance: np.ndarray
    clean_correct: np.ndarray
    adv_pred: np.ndarray
    targeted: bool
    queries: int

    @property
    def robust(self) -> np.ndarray:
        """Samples still classified correctly after the attack (clean-correct and not fooled)."""
        out: np.ndarray = self.clean_correct & ~self.success
        return out

    @property
    def robust_accuracy(self) -> float:
        return float(self.robust.mean()) if len(self.robust) else float("nan")

    @property
    def success_rate(self) -> float:
        return float(self.success.mean()) if len(self.success) else float("nan")


class Attack(ABC):
    """Base class of every attack. Settings are keyword-only constructor arguments.

    Each attack declares what it supports, so callers select attacks from declarations, never from names
    (DESIGN principle 7): ``name`` (registry name), ``norms`` (the norms it has an update for; the
    constructor refuses others), ``white_box`` (needs the model's gradients; otherwise ``predict_proba``
    is enough), ``minimal`` (finds a minimal-norm perturbation; ``eps`` optional), ``single_step`` (one
    gradient step, the baseline every iterative attack must beat), ``supports_targeted``,
    ``min_classes`` (e.g. the targeted DLR loss needs 4), ``required_settings`` (constructor arguments
    with no default that an evaluation must be given, e.g. a transfer attack's ``surrogate``) and
    ``access`` (how it reaches the model, as a report states it; ``None``: white-box or black-box).
    """

    name: ClassVar[str]
    norms: ClassVar[frozenset[Norm]] = frozenset(NORMS)
    white_box: ClassVar[bool] = True
    minimal: ClassVar[bool] = False
    single_step: ClassVar[bool] = False
    supports_targeted: ClassVar[bool] = True
    min_classes: ClassVar[int] = 2
    required_settings: ClassVar[frozenset[str]] = frozenset()
    access: ClassVar[str | None] = None

    def __init__(self, *, eps: float | None, norm: Norm = "linf", batch_size: int = 512, seed: int = 0) -> None:
        if norm not in NORMS:
            raise AttackError(f"{type(self).__name__}: norm must be one of {NORMS}, got {norm!r}")
        if norm not in self.norms:
            raise AttackError(f"{type(self).__name__} supports the {norm_list(self.norms)} norm(s), not {norm}")
        if eps is None and not self.minimal:
            raise AttackError(f"{type(self).__name__} needs eps= (it is not a minimal-norm attack)")
        if eps is not None and not (np.isfinite(eps) and eps >= 0):
            raise AttackError(f"{type(self).__name__}: eps must be a finite number >= 0, got {eps!r}")
        if batch_size < 1:
            raise AttackError(f"batch_size must be >= 1, got {batch_size}")
        self.eps = None if eps is None else float(eps)
        self.norm: Norm = norm
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.generator: Any = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps}, norm={self.norm!r})"

    @final
    def __call__(self, model: Any, x: Any, y: Any, *, target: Any = None,
                 bounds: tuple[Any, Any] | None = None) -> Any:
        """Adversarial examples for ``x`` (same type, shape and device as ``x``)."""
        import torch

        is_torch = isinstance(x, torch.Tensor)
        victim = self._victim(model, x, bounds)
        x_t, y_t, t_t = self._tensors(victim, x, y, target)
        x_adv = self._generate(victim, x_t, y_t, t_t)
        if is_torch:
            return x_adv.to(x.device).reshape(x.shape)
        return x_adv.cpu().numpy().reshape(np.shape(x))

    @final
    def attack(self, model: Any, x: Any, y: Any, *, target: Any = None,
               bounds: tuple[Any, Any] | None = None) -> AttackResult:
        """Run the attack and measure it: success, distances, predictions (see ``AttackResult``)."""
        import torch

        victim = model if isinstance(model, Victim) else self._victim(model, x, bounds)
        x_t, y_t, t_t = self._tensors(victim, x, y, target)
        q0 = victim.queries
        x_adv = self._generate(victim, x_t, y_t, t_t)
        queries = victim.queries - q0
        with torch.no_grad():
            clean = torch.cat([victim.predict(x_t[i : i + self.batch_size])
                               for i in range(0, len(x_t), self.batch_size)]) if len(x_t) else y_t
            adv = torch.cat([victim.predict(x_adv[i : i + self.batch_size])
                             for i in range(0, len(x_adv), self.batch_size)]) if len(x_t) else y_t
        dist = norm_of(x_adv - x_t, self.norm) if len(x_t) else torch.zeros(0)
        fooled = adv == t_t if t_t is not None else adv != y_t
        if self.eps is not None:
            fooled = fooled & (dist <= self.eps * (1 + 1e-5) + 1e-7)
        return AttackResult(
            attack=self.name, norm=self.norm, eps=self.eps, x_adv=x_adv.cpu().numpy(),
            success=fooled.cpu().numpy(), distance=dist.cpu().numpy().astype(np.float64),
            clean_correct=(clean == y_t).cpu().numpy(), adv_pred=adv.cpu().numpy(),
            targeted=t_t is not None, queries=queries,
        )

    @abstractmethod
    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        """Attack one batch: ``x`` ``(b, *shape)`` on the victim's device, ``y``/``target`` ``(b,)`` int64."""

    # -- the invariants, owned here -------------------------------------------------------------
    @final
    def _generate(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        if self.white_box and victim.differentiable is None:
            raise AttackError(f"{self.name} is a white-box attack but the model gives no gradients "
                              f"({victim.why_black_box}); use a black-box attack such as square")
        if target is not None and not self.supports_targeted:
            raise AttackError(f"{self.name} has no targeted mode")
        self.generator = torch.Generator(device=victim.device).manual_seed(self.seed)
        outs = []
        for i in range(0, len(x), self.batch_size):
            xb, yb = x[i : i + self.batch_size], y[i : i + self.batch_size]
            tb = None if target is None else target[i : i + self.batch_size]
            adv = self.run(victim, xb, yb, tb).detach()
            outs.append(self._constrain(victim, xb, adv))
        return torch.cat(outs) if outs else x.clone()

    @final
    def _constrain(self, victim: Victim, x: Tensor, adv: Tensor) -> Tensor:
        import torch

        bad = ~torch.isfinite(adv.flatten(1)).all(dim=1)
        if bool(bad.any()):
            adv = torch.where(bad.reshape((-1,) + (1,) * (x.ndim - 1)), x, adv)
        if self.eps is not None:
            adv = x + project(adv - x, self.eps, self.norm)
        return victim.clamp(adv)

    @final
    def _victim(self, model: Any, x: Any, bounds: tuple[Any, Any] | None) -> Victim:
        shape = tuple(int(d) for d in np.shape(x)[1:]) if np.ndim(x) > 1 else None
        return as_victim(model, sample_shape=shape, bounds=bounds)

    @final
    def _tensors(self, victim: Victim, x: Any, y: Any, target: Any) -> tuple[Tensor, Tensor, Tensor | None]:
        import torch

        shape = victim.input_shape
        if isinstance(x, torch.Tensor):
            x_t = x.detach().to(device=victim.device, dtype=torch.float32)
        else:
            x_t = torch.from_numpy(np.array(x, dtype=np.float32, copy=True)).to(victim.device)
        if x_t.ndim == 0 or int(np.prod(x_t.shape[1:])) != int(np.prod(shape)):
            raise AttackError(f"inputs have shape {tuple(x_t.shape[1:])} per sample but the model expects {shape}")
        x_t = x_t.reshape((x_t.shape[0], *shape))
        if not bool(torch.isfinite(x_t).all()):
            raise AttackError("inputs contain NaN or infinite values")
        if victim.lo is not None and victim.hi is not None and len(x_t):
            tol = 1e-5
            if bool((x_t < victim.lo - tol).any()) or bool((x_t > victim.hi + tol).any()):
                raise AttackError(
                    f"inputs range {float(x_t.min()):.4g}..{float(x_t.max()):.4g}, outside the model's "
                    f"input bounds {float(victim.lo.min()):.4g}..{float(victim.hi.max()):.4g}: "
                    "pass bounds= or fix clip_values")
        y_t = self._labels(victim, y, len(x_t), "y")
        t_t = None if target is None else self._labels(victim, target, len(x_t), "target")
        if t_t is not None and bool((t_t == y_t).any()):
            raise AttackError("target labels must differ from the true labels")
        return x_t, y_t, t_t

    @staticmethod
    def _labels(victim: Victim, y: Any, n: int, what: str) -> Tensor:
        import torch

        if isinstance(y, torch.Tensor):
            y_t = y.detach().to(device=victim.device, dtype=torch.long).reshape(-1)
        else:
            y_t = torch.from_numpy(encode_labels(victim.model, np.asarray(y).reshape(-1))).to(victim.device)
        if len(y_t) != n:
            raise AttackError(f"{n} inputs but {len(y_t)} {what} labels")
        if len(y_t) and (int(y_t.min()) < 0 or int(y_t.max()) >= victim.n_classes):
            raise AttackError(f"{what} labels must be class indices in [0, {victim.n_classes})")
        return y_t
