"""``mlsecure scan --scan membership``: the membership-inference audit as a ``Check`` (OWASP ML04).

Options (``--option key=value``): ``mia_references`` (reference models, default 8),
``mia_attacks`` (comma-separated, default all), ``mia_epochs`` (max epochs per torch reference
model, default 100), ``dp_epsilon`` (the accountant's epsilon when the model was trained with DP),
``mia_delta`` (default 1e-5); the common ``max_samples`` (per side, default 2000) and ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.check import MAX_SAMPLES_HELP, SEED_HELP, Check, CheckResult, Requirement, ScanContext, opt
from mlsecure.data.dataset import Dataset
from mlsecure.errors import CheckError
from mlsecure.findings import Finding, Location, Severity
from mlsecure.privacy.inference.audit import DEFAULT_ATTACKS, MembershipAudit, audit_membership

OWASP = "ML04"
ATLAS = ("AML.T0024.000",)
REMEDIATION = (
    "Train with differential privacy (DP-SGD: mlsecure.privacy.dp.train_dp_sgd; plan epsilon with "
    "`mlsecure privacy dp plan`), regularise (weight decay, dropout, early stopping), distil the model, "
    "and serve only the top label or rounded probabilities."
)


def severity_for(tpr: float, tpr_low: float, fpr: float = 0.01) -> Severity:
    """Severity from the TPR at 1 % FPR: chance is ``fpr``; anything not above it with 95 % confidence
    is info. Then < 5x chance low, < 10x medium, < 25x high, else critical (Carlini et al. 2022's
    argument: confidently identifying even a few members is the breach)."""
    if tpr_low <= fpr:
        return Severity.INFO
    ratio = tpr / fpr
    if ratio < 5:
        return Severity.LOW
    if ratio < 10:
        return Severity.MEDIUM
    if ratio < 25:
        return Severity.HIGH
    return Severity.CRITICAL


class MembershipInferenceCheck(Check):
    name = "membership-inference"
    title = "Membership inference audit (loss, entropy, shadow models, LiRA, RMIA)"
    group = "membership"
    owasp = (OWASP,)
    atlas = ATLAS
    requires = frozenset({Requirement.MODEL, Requirement.DATA, Requirement.HOLDOUT})
    text_inputs = True  # black-box: the reference-free attacks score a text model's predictions

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        max_samples: int = opt(2000, MAX_SAMPLES_HELP)
        mia_attacks: tuple[str, ...] = opt(tuple(DEFAULT_ATTACKS), "membership attacks to run")
        mia_references: int = opt(8, "reference (shadow) models of the LiRA/RMIA attacks")
        mia_epochs: int = opt(100, "training epochs of each reference model")
        mia_delta: float = opt(1e-5, "delta of the empirical epsilon lower bound")
        dp_epsilon: float | None = opt(None, "the epsilon a DP training claims, compared with the measured bound")
        engine: str = opt("local", "where the reference models train: local, or ray (pip install 'mlsecure[ray]')")
        engine_workers: int = opt(2, "workers of the ray engine's local cluster")
        ray_address: str | None = opt(None, "address of an existing Ray cluster (implies engine=ray)")

    def run(self, ctx: ScanContext) -> CheckResult:
        model, data, holdout = ctx.need_model(), ctx.need_data(), ctx.need_holdout()
        holdout, shared = non_members(data, holdout)
        attacks = ctx.list_option("mia_attacks", ",".join(DEFAULT_ATTACKS))
        engine_name = str(ctx.option("engine", "local"))
        engine = None
        if engine_name != "local" or ctx.option("ray_address", None):
            from mlsecure.engines import get_engine

            address = ctx.option("ray_address", None)
            engine = get_engine(engine_name, workers=ctx.int_option("engine_workers", 2),
                                address=None if address is None else str(address))
        try:
            audit = audit_membership(
                model, data, holdout, attacks=attacks,
                n_reference=ctx.int_option("mia_references", 8),
                max_samples=ctx.int_option("max_samples", 2000),
                seed=ctx.int_option("seed", 0),
                max_epochs=ctx.int_option("mia_epochs", 100),
                delta=ctx.float_option("mia_delta", 1e-5),
                progress=ctx.progress, engine=engine)
        finally:
            if engine is not None:
                engine.close()
        dp_epsilon = None if ctx.option("dp_epsilon", None) is None else ctx.float_option("dp_epsilon", 0.0)
        metrics = audit.metrics()
        metrics["holdout_rows_in_training_data"] = shared
        if dp_epsilon is not None:
            metrics["accountant_epsilon"] = dp_epsilon
        return CheckResult(findings=tuple(findings(audit, source=data.source, dp_epsilon=dp_epsilon)),
                           metrics=metrics, figures={"membership_roc": audit.roc_figure()})


def non_members(data: Dataset, holdout: Dataset) -> tuple[Dataset, int]:
    """The holdout without the rows that are also training rows (same features and label), and how many there
    were. A "non-member" identical to a member is a member: with ``--holdout`` equal to ``--data`` every
    attack scored AUC 0.5 and the check said "no leakage measurable" (session-5 audit). Only such rows:
    ``CheckError``, there is nothing to compare the members with."""
    seen = {_row_key(x, y) for x, y in zip(data.x, _labels(data), strict=True)}
    shared = np.array([_row_key(x, y) in seen for x, y in zip(holdout.x, _labels(holdout), strict=True)], dtype=bool)
    if shared.all():
        raise CheckError(f"every row of the holdout ({holdout.source}) is also a row of the training data "
                         f"({data.source}): there are no non-members to tell the members from; give data the model "
                         "was not trained on")
    return (holdout.subset(np.flatnonzero(~shared)) if shared.any() else holdout), int(shared.sum())


def _labels(data: Dataset) -> list[Any]:
    return [None] * len(data.x) if data.y is None else [str(v) for v in data.y]


def _row_key(x: np.ndarray, y: Any) -> tuple[bytes | str, Any]:
    flat = np.asarray(x).reshape(-1)
    return (repr(flat.tolist()) if flat.dtype == object else np.ascontiguousarray(flat).tobytes()), y


def findings(audit: MembershipAudit, *, source: str, dp_epsilon: float | None = None) -> list[Finding]:
    """MIA-001 headline, MIA-002 exposed records, MIA-003 worst class, MIA-004 DP claim contradicted."""
    best = audit.results[audit.best]
    m = best.metrics
    sev = severity_for(m.tpr_at_1pct.value, m.tpr_at_1pct.low)
    n_mem, n_non = int(audit.is_member.sum()), int((~audit.is_member).sum())
    evidence: dict[str, Any] = {
        "best_attack": audit.best, "auc": round(m.auc, 4),
        "tpr_at_1pct_fpr": round(m.tpr_at_1pct.value, 4),
        "tpr_at_1pct_fpr_ci95": [round(m.tpr_at_1pct.low, 4), round(m.tpr_at_1pct.high, 4)],
        "tpr_at_0.1pct_fpr": round(m.tpr_at_01pct.value, 4),
        "tpr_at_0.1pct_fpr_ci95": [round(m.tpr_at_01pct.low, 4), round(m.tpr_at_01pct.high, 4)],
        "membership_advantage": round(m.advantage, 4),
        "empirical_epsilon_lower_bound": round(m.epsilon_lower, 3),
        "members": n_mem, "non_members": n_non,
        "train_accuracy": round(audit.target_train_accuracy, 4),
        "holdout_accuracy": round(audit.target_holdout_accuracy, 4),
        "reference_models": audit.reference_models, "reference_method": audit.reference_method,
    }
    if sev is Severity.INFO:
        title = (f"No membership leakage measurable at 1% FPR (best: {best.title}, "
                 f"TPR {100 * m.tpr_at_1pct.value:.1f}%, AUC {m.auc:.3f})")
    else:
        title = (f"Training-set membership is inferable: {best.title} finds {100 * m.tpr_at_1pct.value:.1f}% of "
                 f"members at 1% FPR (AUC {m.auc:.3f})")
    out = [Finding(id="MIA-001", title=title, severity=sev, owasp=OWASP, atlas=ATLAS, location=Location(path=source),
                   evidence=evidence, remediation=REMEDIATION,
                   description=("An attacker with query access and a few reference models tells members of the "
                                "training set from non-members; the TPR at low FPR is the share of members "
                                "identified with few false accusations."))]
    if len(audit.exposed) and sev is not Severity.INFO:
        share = len(audit.exposed) / max(n_mem, 1)
        out.append(Finding(
            id="MIA-002", title=f"{len(audit.exposed)} training records score above every non-member",
            severity=Severity.MEDIUM if share >= 0.02 else Severity.LOW, owasp=OWASP, atlas=ATLAS,
            location=Location(path=source, rows=tuple(int(r) for r in audit.exposed[:50])),
            evidence={"records": len(audit.exposed), "share_of_members": round(share, 4), "attack": audit.best,
                      "expected_by_chance": round(n_mem / (n_non + 1), 2)},
            remediation="Review these records (outliers, duplicates, rare classes); DP-SGD bounds every record's risk.",
            description="Rows of the training data that the strongest attack identifies with zero false positives."))
    wc = audit.worst_class
    if wc is not None and wc.auc >= m.auc + 0.1 and sev is not Severity.INFO:
        out.append(Finding(
            id="MIA-003", title=f"Class {wc.label!r} leaks membership most (AUC {wc.auc:.3f} vs {m.auc:.3f} overall)",
            severity=Severity.LOW, owasp=OWASP, atlas=ATLAS, location=Location(path=source),
            evidence={"class": wc.label, "auc": round(wc.auc, 4), "tpr_at_1pct_fpr": round(wc.tpr_at_1pct, 4),
                      "members": wc.n_members, "non_members": wc.n_non_members},
            remediation="Collect more data for this class or regularise it; minority classes overfit first."))
    if dp_epsilon is not None and m.epsilon_lower > dp_epsilon:
        out.append(Finding(
            id="MIA-004", title=(f"Measured leakage (epsilon >= {m.epsilon_lower:.2f}) exceeds the claimed "
                                 f"DP guarantee (epsilon = {dp_epsilon:g})"),
            severity=Severity.CRITICAL, owasp=OWASP, atlas=ATLAS, location=Location(path=source),
            evidence={"empirical_epsilon_lower_bound": m.epsilon_lower, "accountant_epsilon": dp_epsilon},
            remediation=("Check the DP-SGD setup: Poisson sampling, the sample rate, and that every update "
                         "was private.")))
    return out


CHECKS: tuple[type[Check], ...] = (MembershipInferenceCheck,)
