"""Turn a ``FairnessAudit`` into FAIR-NNN findings, named metrics and bar figures.

OWASP: the ML Top 10 has no fairness entry; ``ML08`` (Model Skewing) is the closest: OWASP's ML08
describes training data or feedback manipulated so the model's outcomes are skewed for a population,
and the guide (section 15) treats bias as a security and compliance concern. The audit measures that
outcome skew whatever its cause (poisoned, flipped or historically biased labels).
ATLAS: AML.T0048.002 Societal Harm (outcomes reaching a vulnerable group) and AML.T0048.003 User Harm.

Severity rises with the statistics: a threshold breached by the point estimate alone is ``medium``;
breached by the whole bootstrap interval it is ``high`` (the disparity is not sampling noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlsecure.findings import Figure, Finding, Location, Series, Severity
from mlsecure.governance.fairness import METRICS, FairnessAudit, Interval

OWASP = "ML08"
ATLAS = ("AML.T0048.002", "AML.T0048.003")
METRIC_TITLES = {"selection_rate": "selection rate", "accuracy": "accuracy",
                 "tpr": "true-positive rate", "fpr": "false-positive rate"}


@dataclass(frozen=True)
class Thresholds:
    """Where a disparity becomes a finding (defaults: four-fifths rule, 0.1 equalized odds)."""

    ratio: float = 0.8
    equalized_odds: float = 0.1
    accuracy_gap: float = 0.05
    min_group: int = 30


def fairness_findings(audit: FairnessAudit, *, thresholds: Thresholds = Thresholds(),  # frozen: shared default is safe
                      source: str | None = None) -> list[Finding]:
    """FAIR-001 four-fifths rule, FAIR-002 equalized odds, FAIR-003 accuracy gap, FAIR-004 thin groups."""
    where = Location(path=source, column=audit.attribute)
    common: dict[str, Any] = {"owasp": OWASP, "atlas": ATLAS, "location": where}
    out: list[Finding] = []
    sr = {g.group: g.metrics["selection_rate"].value for g in audit.groups}
    low_g, high_g = min(sr, key=lambda k: sr[k]), max(sr, key=lambda k: sr[k])
    ratio = audit.demographic_parity_ratio
    if ratio.value < thresholds.ratio:
        out.append(Finding(
            id="FAIR-001",
            title=(f"Selection-rate ratio {ratio.value:.2f} fails the four-fifths rule: {audit.attribute}="
                   f"{low_g} selected at {sr[low_g]:.1%} vs {sr[high_g]:.1%} for {high_g}"),
            severity=Severity.HIGH if ratio.high < thresholds.ratio else Severity.MEDIUM,
            evidence=_evidence(audit, "demographic_parity_ratio", thresholds.ratio,
                               lowest_group=low_g, highest_group=high_g,
                               demographic_parity_difference=audit.demographic_parity_difference.to_dict()),
            remediation=("Investigate the labels and proxies of the disadvantaged group; mitigate with "
                         "fairlearn's ThresholdOptimizer or ExponentiatedGradient(DemographicParity) and re-audit."),
            description=("Demographic-parity ratio min/max of per-group selection rates; the EEOC four-fifths "
                         "rule treats a ratio below 0.8 as evidence of adverse impact."),
            **common))
    eo = audit.equalized_odds_difference
    if eo.value > thresholds.equalized_odds:
        out.append(Finding(
            id="FAIR-002", title=f"Equalized-odds difference {eo.value:.2f} across {audit.attribute!r} groups",
            severity=Severity.HIGH if eo.low > thresholds.equalized_odds else Severity.MEDIUM,
            evidence=_evidence(audit, "equalized_odds_difference", thresholds.equalized_odds,
                               tpr={g.group: g.metrics["tpr"].to_dict()["value"] for g in audit.groups},
                               fpr={g.group: g.metrics["fpr"].to_dict()["value"] for g in audit.groups}),
            remediation=("Error rates differ by group: check label quality per group, rebalance or reweight, "
                         "or post-process with fairlearn's ThresholdOptimizer(constraints='equalized_odds')."),
            description="max(range of TPR, range of FPR) across groups (Hardt et al. 2016).",
            **common))
    acc = audit.accuracy_difference
    if acc.value > thresholds.accuracy_gap:
        out.append(Finding(
            id="FAIR-003", title=f"Accuracy differs by {acc.value:.1%} across {audit.attribute!r} groups",
            severity=Severity.MEDIUM if acc.low > thresholds.accuracy_gap else Severity.LOW,
            evidence=_evidence(audit, "accuracy_difference", thresholds.accuracy_gap,
                               accuracy={g.group: g.metrics["accuracy"].to_dict()["value"] for g in audit.groups}),
            remediation="Collect more or better-labelled data for the worse-served group; re-audit.",
            description="A group served with lower accuracy is easier to harm and to attack (guide section 15).",
            **common))
    thin = [g for g in audit.groups
            if g.count < thresholds.min_group or g.positives == 0 or g.positives == g.count]
    if thin:
        out.append(Finding(
            id="FAIR-004", title=f"{len(thin)} {audit.attribute} group(s) too small to audit reliably",
            severity=Severity.INFO,
            evidence={"groups": {g.group: {"count": g.count, "positives": g.positives} for g in thin},
                      "min_group": thresholds.min_group},
            remediation="Audit on more data for these groups; their rates are undefined or have wide intervals.",
            **common))
    return out


def fairness_metrics(audit: FairnessAudit) -> dict[str, Any]:
    """Named numbers for the report, flat so every renderer shows them: each disparity with its
    interval bounds, a per-group table of point values, and a (group, metric) table of intervals."""
    out: dict[str, Any] = {"attribute": audit.attribute, "positive_label": audit.positive_label,
                           "n_boot": audit.n_boot, "confidence": audit.confidence}
    for name, interval in audit.disparities.items():
        d = interval.to_dict()
        out.update({name: d["value"], f"{name}_low": d["low"], f"{name}_high": d["high"]})
    out["groups"] = [{"group": g.group, "count": g.count, "positives": g.positives,
                      **{m: g.metrics[m].to_dict()["value"] for m in METRICS}} for g in audit.groups]
    out["group_intervals"] = [{"group": g.group, "metric": m, **g.metrics[m].to_dict()}
                              for g in audit.groups for m in METRICS]
    return out


def fairness_figures(audit: FairnessAudit) -> dict[str, Figure]:
    """One bar figure per metric: the per-group value, and the interval bounds as two more series."""
    xs = tuple(float(i) for i in range(len(audit.groups)))
    figures = {}
    for m in METRICS:
        values: list[Interval] = [g.metrics[m] for g in audit.groups]
        series = [Series(METRIC_TITLES[m], xs, tuple(v.value for v in values))]
        if audit.n_boot:
            series += [Series(f"{audit.confidence:.0%} CI low", xs, tuple(v.low for v in values)),
                       Series(f"{audit.confidence:.0%} CI high", xs, tuple(v.high for v in values))]
        figures[f"fairness_{m}"] = Figure(
            title=f"{METRIC_TITLES[m].capitalize()} by {audit.attribute} (positive = {audit.positive_label})",
            x_label=audit.attribute, y_label=METRIC_TITLES[m], series=tuple(series), kind="bar",
            x_ticks=tuple(str(g.group) for g in audit.groups))
    return figures


def _evidence(audit: FairnessAudit, name: str, threshold: float, **extra: Any) -> dict[str, Any]:
    interval = audit.disparities[name]
    return {name: interval.to_dict(), "threshold": threshold, "confidence": audit.confidence,
            "n_boot": audit.n_boot, "positive_label": audit.positive_label,
            "group_sizes": {g.group: g.count for g in audit.groups}, **extra}
