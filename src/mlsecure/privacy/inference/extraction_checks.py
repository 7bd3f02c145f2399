"""``mlsecure scan --scan extraction|inversion``: the model-stealing (OWASP ML05) and model-inversion
(OWASP ML03) audits as ``Check``s.

Options (``--option key=value``): ``extraction_budgets`` (comma-separated, default 100,300,1000,3000),
``extraction_strategies`` (default random,natural,active,jacobian), ``extraction_defence_budget``
(default 1000), ``extraction_surrogate`` (mlp|linear), ``extraction_threshold`` (fidelity, default 0.9);
``inversion_objective`` (logit|log_softmax), ``inversion_steps`` (default 300), ``inversion_l2``
(default 0.01), ``inversion_tv`` (default 0), ``inversion_attribute`` (a feature name or index: also run
Fredrikson et al. 2014's attribute inference on that sensitive column); the common ``max_samples``
(default 2000) and ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.check import MAX_SAMPLES_HELP, SEED_HELP, Check, CheckResult, Inapplicable, Requirement, ScanContext, opt
from mlsecure.errors import CheckError, ConfigError
from mlsecure.findings import Finding, Location, Severity
from mlsecure.models.interface import encode_labels
from mlsecure.privacy.inference.extraction import DEFAULT_BUDGETS, STRATEGIES, ExtractionAudit, audit_extraction
from mlsecure.privacy.inference.inversion import (
    AttributeInference,
    InversionAudit,
    audit_inversion,
    infer_attribute,
)

MAX_EXTRACTION_FEATURES = 4096
EXT_OWASP, EXT_ATLAS = "ML05", ("AML.T0024.002", "AML.T0005")
INV_OWASP, INV_ATLAS = "ML03", ("AML.T0024.001",)
EXT_REMEDIATION = (
    "Serve the model through `mlsecure gateway serve` with per-client query budgets below the extraction "
    "budget ([rate_limit] per_minute/per_hour/per_day and a lifetime cap), the extraction monitor "
    "([extraction] PRADA + uniformity test) and output hardening ([output] labels_only or top_k=1, "
    "decimals=1-2, noise); require authentication so budgets bind to identities."
)
INV_REMEDIATION = (
    "Do not expose gradients or white-box weights; serve labels only or rounded top-k scores through "
    "`mlsecure gateway serve` ([output] labels_only / top_k / decimals / noise), rate-limit queries "
    "(black-box inversion needs thousands), and train with differential privacy "
    "(mlsecure.privacy.dp) when classes correspond to individuals."
)


def extraction_severity(queries: int | None, best_fidelity: float, max_budget: int) -> Severity:
    """Fewer queries to a faithful copy is worse: <= 100 critical, <= 1000 high, within the largest
    budget medium; no faithful copy but fidelity >= 0.75 low; else info."""
    if queries is not None:
        if queries <= 100:
            return Severity.CRITICAL
        if queries <= 1000:
            return Severity.HIGH
        if queries <= max_budget:
            return Severity.MEDIUM
    return Severity.LOW if best_fidelity >= 0.75 else Severity.INFO


def inversion_severity(identified_share: float, mean_corr: float, n_classes: int, *,
                       individuals: bool = False) -> Severity:
    """Share of classes whose reconstruction is recognisably that class (chance ``1/k``).

    ``high`` only when the classes stand for individuals (``--option classes_are_individuals=true``,
    e.g. face or speaker identification): a recognisable "class 3" of handwritten digits leaks nothing
    about a person, so without that flag the most it gets is ``medium``.
    """
    if identified_share <= min(2.0 / n_classes, 0.5) or mean_corr < 0.2:
        return Severity.INFO
    if identified_share >= 0.8 and mean_corr >= 0.5:
        return Severity.HIGH if individuals else Severity.MEDIUM
    return Severity.MEDIUM if identified_share >= 0.5 else Severity.LOW


class ExtractionCheck(Check):
    name = "model-extraction"
    title = "Model extraction audit (random, natural, active, Jacobian queries; equation solving)"
    group = "extraction"
    owasp = (EXT_OWASP,)
    atlas = EXT_ATLAS
    requires = frozenset({Requirement.MODEL, Requirement.DATA})
    text_inputs = True  # a text model: the attacker's own texts as queries (text_extraction.py)

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        max_samples: int = opt(2000, MAX_SAMPLES_HELP)
        extraction_budgets: tuple[str, ...] = opt(tuple(str(b) for b in DEFAULT_BUDGETS),
                "query budgets of the extraction attack")
        extraction_strategies: tuple[str, ...] = opt(tuple(STRATEGIES), "query strategies of the extraction attack")
        extraction_surrogate: str = opt("mlp", "surrogate model the attacker trains")
        extraction_defence_budget: int = opt(1000, "query budget of the defence comparison")
        extraction_threshold: float = opt(0.9, "surrogate fidelity at which extraction is a finding")

    def applicable(self, ctx: ScanContext) -> str | None:
        model = ctx.model
        if model is not None and model.n_classes < 2:
            return Inapplicable("model extraction audit needs a classifier with at least 2 classes")
        width = int(np.prod(model.input_shape)) if model is not None else 0
        if width > MAX_EXTRACTION_FEATURES:
            return (f"the extraction audit trains a dense surrogate on flat inputs; {width} features exceed "
                    f"its limit of {MAX_EXTRACTION_FEATURES}")
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        model, data = ctx.need_model(), ctx.need_data()
        seed = ctx.int_option("seed", 0)
        max_samples = ctx.int_option("max_samples", 2000)
        rng = np.random.default_rng(seed)
        if ctx.holdout is not None and len(ctx.holdout):
            attacker, evaluation = data, ctx.holdout
        else:  # no holdout: the attacker owns 70% of the data, fidelity is measured on the rest
            order = rng.permutation(len(data))
            cut = int(0.7 * len(data))
            attacker, evaluation = data.subset(order[:cut]), data.subset(order[cut:])
        if len(attacker) < 2 or len(evaluation) < 1:
            # too few rows for this check only: its result is unknown (SCAN-002), the other checks still report
            raise CheckError(f"{data.source}: {len(attacker)} attacker row(s) and {len(evaluation)} evaluation row(s); "
                             "the extraction audit needs at least 2 and 1 (give more rows or a --holdout)")
        evaluation = evaluation.subset(rng.permutation(len(evaluation))[:max_samples])
        eval_y = encode_labels(model, evaluation.y) if evaluation.y is not None else None
        budgets = tuple(_budget(b) for b in ctx.list_option("extraction_budgets", [str(b) for b in DEFAULT_BUDGETS]))
        strategies = ctx.list_option("extraction_strategies", list(STRATEGIES))
        surrogate = str(ctx.option("extraction_surrogate", "mlp"))
        if surrogate not in ("mlp", "linear"):
            raise ConfigError(f"option extraction_surrogate must be mlp or linear, got {surrogate!r}")
        if getattr(model, "input_kind", None) == "text":
            from mlsecure.privacy.inference.text_extraction import audit_text_extraction

            audit = audit_text_extraction(
                model, attacker.x, evaluation.x, eval_y, budgets=budgets,
                defence_budget=ctx.int_option("extraction_defence_budget", 1000),
                hidden=64 if surrogate == "mlp" else 0, threshold=ctx.float_option("extraction_threshold", 0.9),
                seed=seed, progress=ctx.progress)
        else:
            audit = audit_extraction(
                model, attacker.x, evaluation.x, eval_y, budgets=budgets, strategies=strategies,
                defence_budget=ctx.int_option("extraction_defence_budget", 1000),
                hidden=64 if surrogate == "mlp" else 0,
                threshold=ctx.float_option("extraction_threshold", 0.9),
                seed=seed, progress=ctx.progress)
        return CheckResult(findings=tuple(extraction_findings(audit, source=data.source)),
                           metrics=audit.metrics(), figures={"extraction_fidelity": audit.figure()})


class InversionCheck(Check):
    name = "model-inversion"
    title = "Model inversion audit (class-representative reconstruction)"
    group = "inversion"
    owasp = (INV_OWASP,)
    atlas = INV_ATLAS
    requires = frozenset({Requirement.MODEL, Requirement.DATA})

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        max_samples: int = opt(2000, MAX_SAMPLES_HELP)
        inversion_objective: str = opt("logit", "what the inversion maximises: logit or probability")
        inversion_steps: int = opt(300, "gradient steps of the inversion")
        inversion_l2: float = opt(0.01, "L2 penalty of the inversion")
        inversion_tv: float = opt(0.0, "total-variation penalty of the inversion")
        classes_are_individuals: bool = opt(False,
                "each class is one person (face recognition): inversion reveals them")
        inversion_attribute: str | None = opt(None, "column to infer by attribute inference")

    def applicable(self, ctx: ScanContext) -> str | None:
        model = ctx.model
        if model is not None and model.n_classes < 2:
            return Inapplicable("model inversion needs a classifier with at least 2 classes")
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        model, data = ctx.need_model(), ctx.need_data()
        objective = str(ctx.option("inversion_objective", "logit"))
        if objective not in ("logit", "log_softmax"):
            raise ConfigError(f"option inversion_objective must be logit or log_softmax, got {objective!r}")
        y = encode_labels(model, data.y) if data.y is not None else np.empty(0, np.int64)
        audit = audit_inversion(
            model, data.x, y, labels=model.classes,
            objective="logit" if objective == "logit" else "log_softmax",
            steps=ctx.int_option("inversion_steps", 300),
            l2=ctx.float_option("inversion_l2", 0.01),
            tv=ctx.float_option("inversion_tv", 0.0),
            seed=ctx.int_option("seed", 0), progress=ctx.progress)
        individuals = ctx.bool_option("classes_are_individuals", False)
        findings = [inversion_finding(audit, source=data.source, individuals=individuals)]
        metrics = audit.metrics()
        attribute = ctx.option("inversion_attribute", None)
        if attribute is not None:
            column = _column(str(attribute), data.feature_names, int(np.prod(data.x.shape[1:])))
            name = data.feature_names[column] if column < len(data.feature_names) else str(column)
            inference = infer_attribute(model, data.x, y, column, column_name=name,
                                        max_records=ctx.int_option("max_samples", 2000),
                                        seed=ctx.int_option("seed", 0))
            findings.append(attribute_finding(inference, source=data.source))
            metrics |= {"attribute_column": name, "attribute_accuracy": round(inference.accuracy, 4),
                        "attribute_baseline": round(inference.baseline, 4)}
        return CheckResult(findings=tuple(findings), metrics=metrics,
                           figures={"inversion_similarity": audit.figure()})


def extraction_findings(audit: ExtractionAudit, *, source: str) -> list[Finding]:
    """EXT-001: queries to a faithful copy; EXT-002: what output hardening changes at a fixed budget."""
    q, strategy = audit.queries_to_threshold()
    best = audit.best()
    sev = extraction_severity(q, best.fidelity, audit.budgets[-1])
    pct = int(100 * audit.threshold)
    evidence: dict[str, Any] = {
        "queries_to_fidelity": q, "fidelity_threshold": audit.threshold, "fastest_strategy": strategy,
        "best_fidelity": round(best.fidelity, 4), "best_strategy": best.strategy, "best_queries": best.queries,
        "surrogate_accuracy_at_best": round(best.accuracy, 4), "victim_accuracy": round(audit.victim_accuracy, 4),
        "fidelity_by_strategy": {s: {str(p.queries): round(p.fidelity, 4) for p in audit.curve(s)}
                                 for s in audit.strategies},
        "evaluation_rows": audit.evaluation_size, "attacker_rows": audit.attacker_pool_size,
    }
    if audit.equation_fidelity is not None:
        evidence["equation_solving"] = {"queries": audit.equation_queries,
                                        "fidelity": round(audit.equation_fidelity, 4)}
    if q is not None:
        title = f"A {pct}%-faithful copy of the model is stolen with {q} queries ({strategy})"
    else:
        title = (f"No {pct}%-faithful copy within {audit.budgets[-1]} queries "
                 f"(best fidelity {100 * best.fidelity:.1f}%, {best.strategy})")
    out = [Finding(
        id="EXT-001", title=title, severity=sev, owasp=EXT_OWASP, atlas=EXT_ATLAS, location=Location(path=source),
        evidence=evidence, remediation=EXT_REMEDIATION,
        description=("A black-box attacker queries the prediction API, trains a surrogate on the answers and "
                     "measures how often it agrees with the model on held-out inputs (fidelity). The copy "
                     "enables offline evasion (transfer attacks), inversion and IP theft."))]
    effect = audit.defence_effect()
    undefended = effect.pop("none", None)
    if effect:
        best_def = min(effect, key=lambda k: effect[k])
        still = all(f >= audit.threshold for f in effect.values())
        def_sev = (Severity.MEDIUM if sev >= Severity.HIGH else Severity.LOW) if still else Severity.INFO
        def_title = (f"Output hardening alone does not stop extraction: with {best_def} the copy still reaches "
                     f"{100 * effect[best_def]:.1f}% fidelity at {audit.defence_budget} queries" if still else
                     f"Output hardening slows extraction: {best_def} cuts fidelity at {audit.defence_budget} "
                     f"queries to {100 * effect[best_def]:.1f}%")
        out.append(Finding(
            id="EXT-002", title=def_title, severity=def_sev, owasp=EXT_OWASP, atlas=EXT_ATLAS,
            location=Location(path=source),
            evidence={"budget": audit.defence_budget, "strategy": "natural",
                      "fidelity_undefended": None if undefended is None else round(undefended, 4),
                      "fidelity_by_defence": {k: round(v, 4) for k, v in effect.items()}},
            remediation=("Combine output hardening with per-client query budgets and the gateway's extraction "
                         "monitor; labels-only and rounding cost the attacker information, not queries."),
            description="Fidelity of the natural-data attack when the API applies each output defence."))
    return out


def inversion_finding(audit: InversionAudit, *, source: str, individuals: bool = False) -> Finding:
    """INV-001: how recognisable the per-class reconstructions are."""
    k = len(audit.classes)
    sev = inversion_severity(audit.identified_share, audit.mean_corr, k, individuals=individuals)
    n_id = sum(c.identified for c in audit.classes)
    worst = max(audit.classes, key=lambda c: c.corr_mean)
    if sev is Severity.INFO:
        title = (f"Model inversion reconstructs no recognisable class ({n_id}/{k} identified, "
                 f"mean r = {audit.mean_corr:.2f})")
    else:
        title = (f"Model inversion reconstructs recognisable class representatives for {n_id}/{k} classes "
                 f"(mean r = {audit.mean_corr:.2f} with the class mean)")
    return Finding(
        id="INV-001", title=title, severity=sev, owasp=INV_OWASP, atlas=INV_ATLAS, location=Location(path=source),
        evidence={
            "method": audit.method, "queries": audit.queries,
            "identified_classes": n_id, "classes": k, "chance": round(1 / k, 4),
            "mean_corr_with_class_mean": round(audit.mean_corr, 4),
            "mean_random_corr_with_class_mean": round(float(np.mean([c.random_corr_mean for c in audit.classes])), 4),
            "mean_leak": round(audit.mean_leak, 4),
            "most_exposed_class": {"label": worst.label, "corr_mean": round(worst.corr_mean, 4),
                                   "corr_nearest_row": round(worst.corr_nearest, 4),
                                   "model_confidence": round(worst.confidence, 4)},
        },
        remediation=INV_REMEDIATION,
        description=("The attack optimises an input to maximise each class's score (Fredrikson et al. 2015); a "
                     "reconstruction that correlates with the class's average training sample reveals what "
                     "that class's data look like. The severity assumes classes may be people or sensitive "
                     "groups; for generic categories treat it as informational."))


def attribute_severity(advantage: float) -> Severity:
    """Accuracy gained over the no-model guess: >= 0.3 high, >= 0.1 medium, >= 0.03 low, else info."""
    if advantage >= 0.3:
        return Severity.HIGH
    if advantage >= 0.1:
        return Severity.MEDIUM
    return Severity.LOW if advantage >= 0.03 else Severity.INFO


def attribute_finding(inf: AttributeInference, *, source: str) -> Finding:
    """INV-002: the model reveals a sensitive column of records whose other features and label are known."""
    sev = attribute_severity(inf.advantage)
    return Finding(
        id="INV-002",
        title=(f"Column {inf.column_name!r} is inferable from the model: {100 * inf.accuracy:.1f}% of records "
               f"guessed right vs {100 * inf.baseline:.1f}% without the model"),
        severity=sev, owasp=INV_OWASP, atlas=INV_ATLAS, location=Location(path=source, column=inf.column_name),
        evidence={"accuracy": round(inf.accuracy, 4), "baseline": round(inf.baseline, 4),
                  "advantage": round(inf.advantage, 4), "candidates": inf.candidates, "records": inf.records,
                  "queries": inf.records * inf.candidates},
        remediation=("Drop the sensitive column from the model's inputs if it is not needed, serve labels only "
                     "or rounded scores, and train with differential privacy."),
        description=("Fredrikson et al. (2014) attribute inference: knowing a record's other features and label, "
                     "the attacker picks the value of the sensitive column that the model finds most consistent."))


def _column(spec: str, names: tuple[str, ...], width: int) -> int:
    if spec in names:
        return names.index(spec)
    if spec.isdigit() and int(spec) < width:
        return int(spec)
    raise ConfigError(f"option inversion_attribute: no feature {spec!r}; expected a name such as "
                      f"{list(names[:5])} or an index below {width}")


def _budget(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"option extraction_budgets must list integers, got {text!r}") from None


CHECKS: tuple[type[Check], ...] = (ExtractionCheck, InversionCheck)
