"""``audit_membership``: run the membership-inference attacks on a model and summarise the leakage.

Input: a ``Model``, its training data (``members``) and data it never saw (``non_members``), both
labelled. Output: per-attack metrics (AUC, TPR at 1 % / 0.1 % FPR with Clopper-Pearson intervals,
membership advantage, empirical epsilon lower bound), per-record risk from the strongest attack, the
most exposed class, and a log-log ROC ``Figure``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.data.dataset import Dataset
from mlsecure.errors import InputError
from mlsecure.findings import Figure, Series
from mlsecure.models.interface import Model, encode_labels
from mlsecure.privacy.inference.attacks import AuditData, get_attack
from mlsecure.privacy.inference.metrics import AttackMetrics, evaluate, roc
from mlsecure.privacy.inference.reference import ReferenceSet, model_outputs, train_references
from mlsecure.privacy.inference.signals import neg_loss

if TYPE_CHECKING:
    from mlsecure.engines import Engine

DEFAULT_ATTACKS: tuple[str, ...] = ("loss", "confidence", "entropy", "shadow", "lira_offline", "lira_online", "rmia")
REFERENCE_FREE: tuple[str, ...] = ("loss", "confidence", "entropy", "mentr")


@dataclass(frozen=True)
class AttackResult:
    name: str
    title: str
    metrics: AttackMetrics
    seconds: float  # the attack's own CPU time (reference training is counted once, separately)
    scores: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class ClassRisk:
    label: int
    auc: float
    tpr_at_1pct: float
    n_members: int
    n_non_members: int


@dataclass(frozen=True)
class MembershipAudit:
    """The audit: per-attack results, the strongest attack and its per-record view."""

    results: dict[str, AttackResult]
    best: str
    is_member: np.ndarray  # (n,) pool membership (members first)
    member_index: np.ndarray  # (n_members,) rows of the members in the caller's training data
    record_risk: np.ndarray  # (n_members,) in [0, 1]: 1 - fraction of non-members scored at least as high
    exposed: np.ndarray  # rows (into the training data) scored above every non-member by the best attack
    worst_class: ClassRisk | None
    reference_method: str | None
    reference_models: int
    reference_seconds: float
    target_train_accuracy: float
    target_holdout_accuracy: float
    skipped_attacks: tuple[str, ...] = ()

    def metrics(self) -> dict[str, Any]:
        """The numbers for a ``Report`` (JSON-ready)."""
        best = self.results[self.best].metrics
        return {
            "best_attack": self.best,
            "auc": best.auc,
            "tpr_at_1pct_fpr": best.tpr_at_1pct.to_dict(),
            "tpr_at_0.1pct_fpr": best.tpr_at_01pct.to_dict(),
            "membership_advantage": best.advantage,
            "empirical_epsilon_lower_bound": best.epsilon_lower,
            "empirical_epsilon_interval": [best.epsilon_lower, best.epsilon_upper],
            "members": int(self.is_member.sum()), "non_members": int((~self.is_member).sum()),
            "train_accuracy": self.target_train_accuracy, "holdout_accuracy": self.target_holdout_accuracy,
            "exposed_records": len(self.exposed),
            "worst_class": None if self.worst_class is None else self.worst_class.__dict__,
            "reference_models": self.reference_models, "reference_method": self.reference_method,
            "reference_seconds": self.reference_seconds, "skipped_attacks": list(self.skipped_attacks),
            "attacks": {name: {**r.metrics.to_dict(), "seconds": r.seconds} for name, r in self.results.items()},
        }

    def roc_figure(self) -> Figure:
        """Log-log ROC of every attack (points with FPR or TPR of 0 cannot be drawn on log axes)."""
        series = []
        for name, r in self.results.items():
            fpr, tpr = roc(r.scores, self.is_member)
            keep = (fpr > 0) & (tpr > 0)
            fpr, tpr = _thin(fpr[keep], tpr[keep])
            series.append(Series(f"{name} (AUC {r.metrics.auc:.3f})", tuple(fpr), tuple(tpr)))
        return Figure(title="Membership inference ROC (log-log)", x_label="false positive rate",
                      y_label="true positive rate", series=tuple(series), kind="roc", log=True)


def audit_membership(model: Model, members: Dataset, non_members: Dataset, *,
                     attacks: Sequence[str] = DEFAULT_ATTACKS, n_reference: int = 8, max_samples: int | None = None,
                     seed: int = 0, n_jobs: int = 2, max_epochs: int = 100, delta: float = 1e-5,
                     progress: Callable[[str, float], None] | None = None,
                     engine: Engine | None = None) -> MembershipAudit:
    """Run ``attacks`` on ``model``; reference models are trained once and shared by the attacks."""
    report = progress or (lambda task, fraction: None)
    if members.y is None or non_members.y is None:
        raise InputError("membership audits need labelled members and non-members")
    rng = np.random.default_rng(seed)
    m_idx = _cap(len(members), max_samples, rng)
    h_idx = _cap(len(non_members), max_samples, rng)
    x = np.concatenate([members.x[m_idx], non_members.x[h_idx]])
    if x.dtype != object:  # a text model's inputs are strings; everything else is float32 features
        x = x.astype(np.float32)
    y_raw = np.concatenate([members.y[m_idx], non_members.y[h_idx]])
    y = encode_labels(model, y_raw)
    is_member = np.r_[np.ones(len(m_idx), bool), np.zeros(len(h_idx), bool)]
    report("membership: querying the target", 0.0)
    target = model_outputs(model, x, y)
    pred = target.probs.argmax(axis=1)
    acc_train = float((pred[is_member] == y[is_member]).mean())
    acc_hold = float((pred[~is_member] == y[~is_member]).mean())
    chosen = [get_attack(a) for a in attacks]
    refs: ReferenceSet | None = None
    skipped: tuple[str, ...] = ()
    if not can_retrain(model):  # ONNX / callables: no architecture to retrain, keep the reference-free attacks
        skipped = tuple(a.name for a in chosen if a.needs_references)
        chosen = [a for a in chosen if not a.needs_references] or [get_attack("loss")]
    if any(a.needs_references for a in chosen):
        report("membership: training reference models", 0.05)
        target_loss = float(-neg_loss(target.probs[is_member], y[is_member]).mean())
        refs = train_references(model, x, y, y_raw, n_models=n_reference, seed=seed, n_jobs=n_jobs,
                                max_epochs=max_epochs, target_loss=target_loss, engine=engine)
    data = AuditData(target=target, y=y, refs=refs, population=np.nonzero(~is_member)[0])
    results: dict[str, AttackResult] = {}
    for i, attack in enumerate(chosen):
        report(f"membership: {attack.name}", 0.6 + 0.4 * i / len(chosen))
        start = time.process_time()
        scores = np.asarray(attack.score(data), dtype=np.float64)
        seconds = time.process_time() - start
        results[attack.name] = AttackResult(attack.name, attack.title, evaluate(scores, is_member, delta=delta),
                                            seconds, scores)
    report("membership: done", 1.0)
    best = max(results, key=lambda n: (results[n].metrics.tpr_at_1pct.value, results[n].metrics.auc))
    risk, exposed = _record_risk(results[best].scores, is_member)
    return MembershipAudit(
        results=results, best=best, is_member=is_member, member_index=m_idx, record_risk=risk,
        exposed=m_idx[exposed], worst_class=_worst_class(results[best].scores, is_member, y, model),
        reference_method=(refs.method if refs is not None else
                          f"none: a {model.framework} model cannot be retrained" if skipped else None),
        skipped_attacks=skipped,
        reference_models=0 if refs is None else refs.n_models,
        reference_seconds=0.0 if refs is None else refs.seconds,
        target_train_accuracy=acc_train, target_holdout_accuracy=acc_hold)


def can_retrain(model: Model) -> bool:
    """Reference models need the architecture: a scikit-learn estimator or a torch module."""
    from mlsecure.models.interface import DifferentiableModel

    return getattr(model, "estimator", None) is not None or (
        getattr(model, "module", None) is not None and isinstance(model, DifferentiableModel))


def _cap(n: int, max_samples: int | None, rng: np.random.Generator) -> np.ndarray:
    if n == 0:
        raise InputError("membership audits need at least one member and one non-member")
    if max_samples is None or n <= max_samples:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_samples, replace=False))


def _record_risk(scores: np.ndarray, is_member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per member: 1 - (fraction of non-members scoring at least as high); exposed = above all of them."""
    neg = np.sort(scores[~is_member])
    mem = scores[is_member]
    at_least = len(neg) - np.searchsorted(neg, mem, side="left")
    risk = 1.0 - at_least / len(neg)
    return risk, np.nonzero(at_least == 0)[0]


def _worst_class(scores: np.ndarray, is_member: np.ndarray, y: np.ndarray, model: Model,
                 min_per_side: int = 10) -> ClassRisk | None:
    worst: ClassRisk | None = None
    for c in np.unique(y):
        sel = y == c
        n_m, n_h = int((sel & is_member).sum()), int((sel & ~is_member).sum())
        if n_m < min_per_side or n_h < min_per_side:
            continue
        m = evaluate(scores[sel], is_member[sel])
        label = model.classes[c].item() if model.classes is not None else int(c)
        cand = ClassRisk(label, m.auc, m.tpr_at_1pct.value, n_m, n_h)
        if worst is None or cand.auc > worst.auc:
            worst = cand
    return worst


def _thin(fpr: np.ndarray, tpr: np.ndarray, points: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """At most ``points`` ROC points, evenly spaced in log FPR (the region a log plot shows)."""
    if len(fpr) <= points:
        return fpr, tpr
    grid = np.geomspace(fpr[0], fpr[-1], points)
    idx = np.unique(np.minimum(np.searchsorted(fpr, grid, side="right") - 1, len(fpr) - 1))
    idx = idx[idx >= 0]
    return fpr[idx], tpr[idx]
