"""The guide's ML security checklist (section 5) as data, and its evaluation against a scan report.

Each item names the OWASP ML risks it addresses, the mlsecure command that produces evidence for it,
and (when a scan check measures it) an ``EvidenceRule``: which checks must have run, which findings
refute it and at what severity, and which findings or metrics mean the measurement was incomplete.
Evaluation never claims what a report did not measure: an item whose check did not run, was skipped,
or ran incompletely is ``not evaluated``; organisational items (threat model, incident response...)
are always ``not evaluated`` here and say which command or document supports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlsecure.findings import Finding, Report, Severity


class Phase(StrEnum):
    PRE_TRAINING = "Pre-Training"
    DURING_TRAINING = "During Training"
    POST_TRAINING = "Post-Training"
    DEPLOYMENT = "Deployment"
    OPERATIONS = "Ongoing Operations"


class ItemStatus(StrEnum):
    SATISFIED = "satisfied"
    FAILED = "failed"
    NOT_EVALUATED = "not evaluated"


@dataclass(frozen=True)
class EvidenceRule:
    """How a scan report decides an item.

    ``checks``: check names; the item is measured only if one of them ran (``Report.checks_run``).
    ``fail_ids``: finding-id prefixes of those checks that refute the item at or above ``fail_at``
    (empty: running the check is the evidence, e.g. "PII detection run"; its findings refute other
    items). ``inconclusive_ids``: findings that mean the measurement was incomplete.
    ``metric``: ``(check, key, value)``: the check's metric ``key`` must equal ``value`` for the run to
    count (``!value``: must be present and differ, so ``!None`` means "was measured").
    """

    checks: tuple[str, ...]
    fail_ids: tuple[str, ...] = ()
    fail_at: Severity = Severity.HIGH
    inconclusive_ids: tuple[str, ...] = ()
    metric: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    phase: Phase
    title: str  # the guide's wording
    detail: str
    owasp: tuple[str, ...]
    capability: str  # the mlsecure command or check that produces evidence ("" when none does)
    rule: EvidenceRule | None = None


@dataclass(frozen=True)
class ItemResult:
    item: ChecklistItem
    status: ItemStatus
    reason: str
    evidence: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        i = self.item
        return {"key": i.key, "phase": i.phase.value, "title": i.title, "detail": i.detail, "owasp": list(i.owasp),
                "capability": i.capability, "status": self.status.value, "reason": self.reason,
                "evidence": list(self.evidence)}


def _item(key: str, phase: Phase, title: str, detail: str, owasp: Sequence[str], capability: str = "",
          rule: EvidenceRule | None = None) -> ChecklistItem:
    return ChecklistItem(key, phase, title, detail, tuple(owasp), capability, rule)


P, D, T, DEP, OPS = (Phase.PRE_TRAINING, Phase.DURING_TRAINING, Phase.POST_TRAINING, Phase.DEPLOYMENT,
                     Phase.OPERATIONS)
_GATEWAY = "mlsecure gateway serve (config)"

CHECKLIST: tuple[ChecklistItem, ...] = (
    # Pre-Training
    _item("threat-model", P, "Threat model documented", "map to OWASP ML Top 10 and MITRE ATLAS",
          ("ML01", "ML02", "ML03", "ML04", "ML05", "ML06", "ML07", "ML08", "ML09", "ML10"), "mlsecure catalog"),
    _item("data-provenance", P, "Data provenance verified", "origin, lineage, contributors tracked",
          ("ML02", "ML06"), "mlsecure artifact sbom (dataset components)"),
    _item("pii-detection", P, "PII detection run", "on all training data", ("ML03", "ML04"),
          "mlsecure privacy audit --data train.csv / scan --scan privacy",
          EvidenceRule(("pii-audit",))),
    _item("anonymization", P, "Data anonymization applied", "where PII is detected", ("ML03", "ML04"),
          "mlsecure privacy anonymize", EvidenceRule(("pii-audit",), fail_ids=("PII-",), fail_at=Severity.MEDIUM)),
    _item("dataset-checksums", P, "Dataset checksums computed", "and stored in manifest", ("ML02", "ML06"),
          "mlsecure artifact sign (manifest of file digests)"),
    _item("dependencies-pinned", P, "Dependencies pinned", "with exact versions and hashes", ("ML06",),
          "mlsecure deps audit --requirements requirements.txt",
          EvidenceRule(("dependency-audit",), fail_ids=("SUP-102", "SUP-103"), fail_at=Severity.LOW,
                       metric=("dependency-audit", "requirements", "!None"))),
    _item("dependency-vulns", P, "Dependency vulnerability scan", "passed (pip-audit, safety check)", ("ML06",),
          "mlsecure deps audit / scan --scan supply-chain",
          EvidenceRule(("dependency-audit",), fail_ids=("SUP-101",), fail_at=Severity.LOW,
                       inconclusive_ids=("SUP-108",), metric=("dependency-audit", "engine", "!none"))),
    _item("secrets-scan", P, "Secrets scanning", "passed (no hardcoded credentials in code/config)", ("ML06",),
          "scan --scan external-scanners --option source=DIR (gitleaks)",
          EvidenceRule(("external-scanners",), fail_ids=("SUP-121",), fail_at=Severity.LOW,
                       metric=("external-scanners", "gitleaks", "ran"))),
    _item("data-access-control", P, "Access control", "configured for data storage (least privilege)",
          ("ML02", "ML03")),
    # During Training
    _item("differential-privacy", D, "Differential privacy", "applied if data is sensitive (Opacus / TF Privacy)",
          ("ML03", "ML04"), "mlsecure privacy dp plan / epsilon"),
    _item("privacy-budget", D, "Privacy budget tracked", "and not exceeded", ("ML03", "ML04"),
          "mlsecure privacy dp compose; scan --scan membership --option dp_epsilon=E (MIA-004)",
          EvidenceRule(("membership-inference",), fail_ids=("MIA-004",), fail_at=Severity.HIGH,
                       metric=("membership-inference", "accountant_epsilon", "!None"))),
    _item("training-environment", D, "Training environment secured", "encrypted storage, network isolation",
          ("ML02", "ML10"), "mlsecure data encrypt (datasets, checkpoints); mlsecure data check-pipeline CONFIG"),
    _item("experiment-tracking", D, "Experiment tracking", "captures all hyperparameters and data versions",
          ("ML02",), "mlsecure artifact sbom (model card properties)"),
    _item("federated-security", D, "Federated learning security",
          "applied if training is distributed (secure aggregation, client auth)", ("ML02", "ML10"),
          "mlsecure federated simulate --aggregator all (robust aggregation under attack); mlsecure.federated "
          "(secure aggregation, signed updates, DP-FedAvg)"),
    # Post-Training
    _item("adversarial-robustness", T, "Adversarial robustness tested", "FGSM, PGD at minimum; C&W for high-risk",
          ("ML01",), "scan --scan robustness",
          EvidenceRule(("adversarial-robustness",), fail_ids=("ROB-001", "ROB-002"), fail_at=Severity.HIGH)),
    _item("poisoning-detection", T, "Data poisoning detection", "run (Isolation Forest, spectral signatures)",
          ("ML02", "ML10"), "scan --scan poisoning",
          EvidenceRule(("poisoning",), fail_ids=("POI-",), fail_at=Severity.HIGH)),
    _item("artifact-signed", T, "Model artifact signed", "with cryptographic manifest", ("ML06", "ML10"),
          "mlsecure artifact sign / verify; scan --option signature=... --option pub=...",
          EvidenceRule(("signature",), fail_ids=("SIG-",), fail_at=Severity.LOW)),
    _item("safe-serialization", T, "Serialization format safe", "prefer ONNX / SafeTensors over pickle", ("ML06",),
          "mlsecure artifact scan / convert; scan --scan supply-chain",
          EvidenceRule(("serialization", "artifact-scan"), fail_ids=("SUP-001", "ART-"), fail_at=Severity.MEDIUM)),
    _item("model-provenance", T, "Model provenance recorded", "code commit, data version, hyperparameters, metrics",
          ("ML06", "ML10"), "mlsecure artifact sign (in-toto provenance) / sbom"),
    _item("fairness-metrics", T, "Fairness metrics computed", "across sensitive attributes", ("ML08",),
          "mlsecure governance fairness / scan --scan fairness --option sensitive=COLUMN",
          EvidenceRule(("fairness",), fail_ids=("FAIR-001", "FAIR-002", "FAIR-003"), fail_at=Severity.HIGH)),
    _item("membership-inference", T, "Membership inference resistance", "evaluated", ("ML04",),
          "scan --scan membership",
          EvidenceRule(("membership-inference",), fail_ids=("MIA-",), fail_at=Severity.HIGH)),
    # Deployment
    _item("tls", DEP, "TLS 1.3 enforced", "for all model serving endpoints", ("ML05", "ML09"), _GATEWAY),
    _item("mtls", DEP, "Mutual TLS", "for internal service-to-service communication", ("ML09",), _GATEWAY),
    _item("authentication", DEP, "Authentication", "required for all model API access (token, OAuth, mTLS)",
          ("ML05",), "mlsecure gateway token"),
    _item("rbac", DEP, "RBAC configured", "viewer, data_scientist, ml_engineer, auditor, admin", ("ML05",), _GATEWAY),
    _item("rate-limiting", DEP, "Rate limiting", "enabled on prediction endpoints", ("ML05",), _GATEWAY),
    _item("input-validation", DEP, "Input validation", "on all model API endpoints (shape, dtype, range, NaN/Inf)",
          ("ML01", "ML08"), _GATEWAY),
    _item("output-perturbation", DEP, "Output perturbation", "considered to prevent model extraction",
          ("ML03", "ML05"), _GATEWAY + " output hardening"),
    _item("audit-logging", DEP, "Audit logging", "enabled for all model access and predictions", ("ML05", "ML09"),
          "mlsecure audit verify / gateway audit sink"),
    _item("container-scan", DEP, "Container images scanned", "before deployment (Trivy, Grype)", ("ML06",),
          "scan --scan external-scanners --option source=DIR (trivy)",
          EvidenceRule(("external-scanners",), fail_ids=("SUP-120",), fail_at=Severity.HIGH,
                       metric=("external-scanners", "trivy", "ran"))),
    # Ongoing Operations
    _item("monitoring", OPS, "Model monitoring", "for drift, degradation, and anomalous predictions",
          ("ML08", "ML05"), "scan --scan drift --option current=serving.csv; gateway metrics + extraction monitor",
          EvidenceRule(("drift",), fail_ids=("SKEW-",), fail_at=Severity.HIGH)),
    _item("dependency-updates", OPS, "Dependency updates", "and rescans on a regular schedule", ("ML06",),
          "mlsecure deps audit (scheduled)"),
    _item("secret-rotation", OPS, "Secret rotation", "on schedule and after suspected compromise", ("ML06",),
          "mlsecure gateway token (revoke / reissue)"),
    _item("security-reviews", OPS, "Security reviews", "conducted quarterly", ()),
    _item("incident-response", OPS, "Incident response plan", "for model compromise documented and tested", ()),
    _item("privacy-budget-review", OPS, "Privacy budget", "reviewed and not exhausted", ("ML03", "ML04"),
          "mlsecure privacy dp compose"),
    _item("access-log-review", OPS, "Access logs", "reviewed for anomalies", ("ML05",),
          "mlsecure audit query / verify"),
)


def evaluate_checklist(report: Report | None, items: Iterable[ChecklistItem] = CHECKLIST) -> list[ItemResult]:
    """Each item's status from ``report`` (``None``: nothing measured, every item not evaluated)."""
    return [_evaluate(item, report) for item in items]


def summary(results: Iterable[ItemResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in ItemStatus}
    for r in results:
        counts[r.status.value] += 1
    return counts


def _evaluate(item: ChecklistItem, report: Report | None) -> ItemResult:
    rule = item.rule
    if rule is None:
        if item.capability:
            return ItemResult(item, ItemStatus.NOT_EVALUATED,
                              f"no scan check measures this; supported by {item.capability}")
        return ItemResult(item, ItemStatus.NOT_EVALUATED, "organisational control; no mlsecure capability measures it")
    if report is None:
        return ItemResult(item, ItemStatus.NOT_EVALUATED, f"no report given; run {item.capability}")
    ran = [c for c in rule.checks if c in report.checks_run]
    if not ran:
        skipped = [f"{s.check}: {s.reason}" for s in report.skipped if s.check in rule.checks]
        why = "; ".join(skipped) if skipped else f"{' / '.join(rule.checks)} did not run"
        return ItemResult(item, ItemStatus.NOT_EVALUATED, f"{why}; run {item.capability}")
    if rule.metric is not None and not _metric_holds(report, rule.metric):
        check, key, _ = rule.metric
        got = report.metrics.get(check, {}).get(key)
        state = "not recorded" if got is None else f"= {got!r}"
        return ItemResult(item, ItemStatus.NOT_EVALUATED,
                          f"{check} ran without measuring this ({key} {state}); run {item.capability}")
    relevant = [f for f in report.findings if f.check in ran and _matches(f, rule.fail_ids)]
    failing = [f for f in relevant if f.severity >= rule.fail_at]
    if failing:
        return ItemResult(item, ItemStatus.FAILED,
                          f"{len(failing)} finding(s) at or above {rule.fail_at.value}", _cite(failing))
    inconclusive = [f for f in report.findings if f.check in ran and _matches(f, rule.inconclusive_ids)]
    if inconclusive:
        return ItemResult(item, ItemStatus.NOT_EVALUATED, "the measurement was incomplete", _cite(inconclusive))
    if not rule.fail_ids:
        return ItemResult(item, ItemStatus.SATISFIED, f"{', '.join(ran)} ran")
    below = f"; {len(relevant)} lower-severity finding(s)" if relevant else ""
    return ItemResult(item, ItemStatus.SATISFIED,
                      f"{', '.join(ran)} ran; no finding at or above {rule.fail_at.value}{below}", _cite(relevant))


def _matches(finding: Finding, prefixes: tuple[str, ...]) -> bool:
    return any(finding.id.startswith(p) for p in prefixes)


def _metric_holds(report: Report, metric: tuple[str, str, str]) -> bool:
    check, key, value = metric
    got = report.metrics.get(check, {}).get(key)
    if value.startswith("!"):
        return key in report.metrics.get(check, {}) and str(got) != value[1:]
    return str(got) == value


def _cite(findings: Iterable[Finding]) -> tuple[str, ...]:
    return tuple(f"{f.id} [{f.severity.value}] {f.title}" for f in findings)
