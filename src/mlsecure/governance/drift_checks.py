"""The ``drift`` scan group: train/serve skew (OWASP ML08) between the training table and serving data.

The reference is the ``--data`` table (read raw from its file, so text columns and dtypes are kept) or
``--option reference=PATH``. The current data must be named: ``--option current=PATH`` (CSV/TSV/Parquet/
JSONL), or ``--option current=holdout`` to treat ``--holdout`` as serving data. Without it the check is
skipped with that reason: a holdout split is not serving data unless the user says so.

Options: ``alpha`` (0.05, FDR level within each family), ``min_psi`` (0.1) and ``min_wasserstein``
(0.1 reference sigmas): a drifted feature needs ``q <= alpha`` and one of the two effect sizes;
``min_auc`` (0.55, C2ST), ``multivariate`` (``c2st,mmd``, or ``none``), ``n_perm`` (200),
``mmd_samples`` (1000), ``c2st_samples`` (2000), ``max_categories`` (20), ``range_tolerance``,
``new_category_tolerance``, ``missing_tolerance`` (0.01 each), ``min_accuracy_drop`` (0.02),
``min_label_shift`` (0.1, total variation), ``confidence`` (0.95), ``seed`` (0), ``label_column``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from mlsecure.check import SEED_HELP, Check, CheckResult, Inapplicable, ScanContext, opt
from mlsecure.data.dataset import LABEL_NAMES
from mlsecure.errors import CheckError, InputError
from mlsecure.findings import Figure, Finding, Location, Series, Severity
from mlsecure.governance import drift as st
from mlsecure.governance import drift_tables as tables

if TYPE_CHECKING:
    import pandas as pd

    from mlsecure.models import Model

OWASP = "ML08"
ATLAS = ("AML.T0031", "AML.T0059")  # Erode AI Model Integrity; Erode Dataset Integrity
MIN_ROWS = 2  # a two-sample test (the unbiased MMD, a held-out classifier) is undefined on one row: 1 row crashed it
ATLAS_PREDICTION = ("AML.T0031", "AML.T0015")  # ... and Evade AI Model (inputs the model was never fit on)
REMEDIATE_SCHEMA = ("Validate serving inputs against the training schema (columns, dtypes, ranges, categories) "
                    "before they reach the model, and fix the pipeline that produced the mismatch.")
REMEDIATE_DRIFT = ("Check the serving preprocessing against training for this feature; if the population truly "
                   "moved, retrain or recalibrate on recent data and keep monitoring.")


ENGINE_KEY = "_table_engine"
"""The entry of the check's options through which the session hands it a ``TableEngine`` (not a user option:
``--option`` names are validated against ``Options``, which does not declare it)."""


class TableEngine(Protocol):
    """Where the table statistics are computed when not in this process (``engines.tables.drift``'s Spark
    engine, from ``mlsecure scan --engine spark``)."""

    name: str

    def columns(self, path: str | Path) -> list[str]: ...

    def table_drift(self, reference: str | Path, current: str | Path, **settings: Any) -> tables.TableDrift: ...


@dataclass(frozen=True)
class Settings:
    alpha: float = 0.05
    min_psi: float = 0.1
    min_wasserstein: float = 0.1
    min_auc: float = 0.55
    min_accuracy_drop: float = 0.02
    min_label_shift: float = 0.1
    confidence: float = 0.95


class DriftCheck(Check):
    name: ClassVar[str] = "drift"
    title: ClassVar[str] = "Train/serve skew: schema, per-feature and multivariate drift, prediction drift"
    group: ClassVar[str] = "drift"
    owasp: ClassVar[tuple[str, ...]] = (OWASP,)
    atlas: ClassVar[tuple[str, ...]] = (*ATLAS, "AML.T0015")

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        reference: Path | None = opt(None, "reference table (default: --data)")
        current: str = opt("", "serving table to compare, or 'holdout'")
        label_column: str | None = opt(None, "label column of the tables (default: the data's)")
        alpha: float = opt(0.05, "significance level of the per-column drift tests")
        confidence: float = opt(0.95, "level of the accuracy-change interval")
        min_psi: float = opt(0.1, "smallest PSI reported as drift")
        min_wasserstein: float = opt(0.1, "smallest normalised Wasserstein distance reported as drift")
        min_auc: float = opt(0.55, "smallest classifier-test AUC reported as drift")
        min_accuracy_drop: float = opt(0.02, "smallest accuracy drop reported")
        min_label_shift: float = opt(0.1, "smallest label-distribution shift reported")
        max_categories: int = opt(20, "a column with at most this many values is categorical")
        range_tolerance: float = opt(0.01, "share of values outside the reference range tolerated")
        new_category_tolerance: float = opt(0.01, "share of unseen categories tolerated")
        missing_tolerance: float = opt(0.01, "rise in the share of missing values tolerated")
        multivariate: tuple[str, ...] = opt(("c2st", "mmd"), "multivariate tests: c2st, mmd")
        c2st_samples: int = opt(2000, "rows per side of the classifier two-sample test")
        n_perm: int = opt(200, "permutations of the MMD test")
        mmd_samples: int = opt(1000, "rows per side of the MMD test")

    def applicable(self, ctx: ScanContext) -> str | None:
        current = str(ctx.option("current", ""))
        if not current:
            return Inapplicable("no serving data: pass --option current=PATH (or current=holdout to use --holdout as "
                                "serving data)")
        if current == "holdout" and ctx.holdout is None:
            return Inapplicable("--option current=holdout but no --holdout was given")
        if not ctx.option("reference", "") and ctx.data_path is None and ctx.data is None:
            return Inapplicable("no reference data: pass --data (the training table) or --option reference=PATH")
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        s = Settings(alpha=ctx.float_option("alpha", 0.05), min_psi=ctx.float_option("min_psi", 0.1),
                     min_wasserstein=ctx.float_option("min_wasserstein", 0.1),
                     min_auc=ctx.float_option("min_auc", 0.55),
                     min_accuracy_drop=ctx.float_option("min_accuracy_drop", 0.02),
                     min_label_shift=ctx.float_option("min_label_shift", 0.1),
                     confidence=ctx.float_option("confidence", 0.95))
        seed = ctx.int_option("seed", 0)
        settings: dict[str, Any] = {
            "alpha": s.alpha, "max_categories": ctx.int_option("max_categories", 20),
            "range_tolerance": ctx.float_option("range_tolerance", 0.01),
            "new_category_tolerance": ctx.float_option("new_category_tolerance", 0.01),
            "missing_tolerance": ctx.float_option("missing_tolerance", 0.01)}
        engine = ctx.options.get(ENGINE_KEY)
        if engine is not None:
            return run_on_engine(engine, ctx, s, settings)
        reference, current, label = load_pair(ctx)
        for name, frame in (("reference", reference), ("current (serving)", current)):
            if len(frame) < MIN_ROWS:
                raise CheckError(f"the {name} table has {len(frame)} row(s); the drift tests compare two "
                                 f"distributions and need at least {MIN_ROWS} rows in each")
        ctx.progress("drift: schema and per-feature tests", 0.0)
        table = tables.audit_tables(reference, current, exclude=(label,) if label else (), **settings)
        findings = schema_findings(table.schema)
        findings += feature_findings(table, s)
        metrics: dict[str, Any] = table_metrics(table)
        figures: dict[str, Figure] = {}
        if table.features:
            figures["drift_features"] = features_figure(table)
        kinds = ctx.list_option("multivariate", "c2st,mmd")
        columns = [c for c in table.numeric_columns if c != label]
        if [k for k in kinds if k != "none"] and len(columns) >= 1:
            ctx.progress("drift: multivariate tests", 0.4)
            x_ref, x_cur = tables.numeric_matrix(reference, columns), tables.numeric_matrix(current, columns)
            findings += multivariate(x_ref, x_cur, columns, kinds, s, ctx, seed, metrics, figures)
        if ctx.model is not None:
            ctx.progress("drift: prediction drift", 0.8)
            findings += prediction_drift(ctx.model, ctx, reference, current, label, s, metrics)
        ctx.progress("drift", 1.0)
        return CheckResult(tuple(findings), metrics, figures)


def run_on_engine(engine: TableEngine, ctx: ScanContext, s: Settings, settings: dict[str, Any]) -> CheckResult:
    """The schema checks and per-feature tests with every statistic computed by ``engine`` over all rows.

    The multivariate tests and prediction drift have no engine version: they are refused (never skipped)
    unless ``multivariate=none`` and no model."""
    kinds = [k for k in ctx.list_option("multivariate", "c2st,mmd") if k != "none"]
    if kinds:
        raise InputError(f"--engine {engine.name}: the multivariate drift tests ({', '.join(kinds)}) have no "
                         f"{engine.name} version; add --option multivariate=none")
    if ctx.model is not None:
        raise InputError(f"--engine {engine.name}: prediction drift (the model's outputs) has no {engine.name} "
                         "version; drop --model")
    ref_path = ctx.option("reference", "") or ctx.data_path
    current = str(ctx.option("current", ""))
    if not ref_path or current in ("", "holdout"):
        raise InputError(f"--engine {engine.name} compares two tables given as paths: --data (or --option "
                         "reference=PATH) and --option current=PATH")
    label = ctx.option("label_column", None)
    if label is None:
        lowered = {c.lower(): c for c in engine.columns(str(ref_path))}
        label = next((lowered[n] for n in LABEL_NAMES if n in lowered), None)
    ctx.progress(f"drift: schema and per-feature tests on {engine.name}", 0.0)
    table = engine.table_drift(str(ref_path), current, exclude=(label,) if label else (), **settings)
    findings = schema_findings(table.schema) + feature_findings(table, s)
    metrics: dict[str, Any] = table_metrics(table)
    metrics["engine"] = {"name": engine.name, "statistics": "aggregations over all rows of both tables",
                         "not_run": "multivariate tests (multivariate=none), prediction drift (no model)"}
    figures = {"drift_features": features_figure(table)} if table.features else {}
    ctx.progress("drift", 1.0)
    return CheckResult(tuple(findings), metrics, figures)


def load_pair(ctx: ScanContext) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """(reference table, current table, label column or None) as the options name them."""
    ref_path = ctx.option("reference", "") or ctx.data_path
    if ref_path:
        reference = ctx.table(Path(str(ref_path)))
    elif ctx.data_table is not None:
        reference = ctx.data_table.copy(deep=False)
    elif ctx.data is not None:
        reference = _frame(ctx.data.x, ctx.data.feature_names)
    else:
        raise InputError("no reference data: pass --data or --option reference=PATH")
    current_opt = str(ctx.option("current", ""))
    if current_opt == "holdout":
        if ctx.holdout is None:
            raise InputError("--option current=holdout but no --holdout was given")
        current = _frame(ctx.holdout.x, ctx.holdout.feature_names)
        if ctx.holdout.y is not None:
            current[ctx.holdout.label_name or "label"] = ctx.holdout.y
    elif current_opt:
        current = ctx.table(Path(current_opt))
    else:
        raise InputError("no serving data: pass --option current=PATH")
    label = ctx.option("label_column", None) or (ctx.data.label_name if ctx.data is not None else None)
    if label is None:
        lowered = {str(c).lower(): str(c) for c in reference.columns}
        label = next((lowered[n] for n in LABEL_NAMES if n in lowered), None)
    if label is not None and label not in reference.columns:
        label = None
    return reference, current, label


def _frame(x: np.ndarray, names: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    flat = x.reshape(len(x), -1)
    cols = list(names) if len(names) == flat.shape[1] else [f"x{i}" for i in range(flat.shape[1])]
    return pd.DataFrame(flat, columns=cols)


_SCHEMA_TEXT: dict[str, tuple[str, str, Severity]] = {
    "missing_column": ("SKEW-001", "Training column missing from serving data", Severity.HIGH),
    "extra_column": ("SKEW-002", "Serving data has a column the model was not trained on", Severity.LOW),
    "dtype_change": ("SKEW-003", "Column type differs between training and serving", Severity.MEDIUM),
    "out_of_range": ("SKEW-004", "Serving values outside the training range", Severity.MEDIUM),
    "new_category": ("SKEW-005", "Serving data has categories never seen in training", Severity.MEDIUM),
    "missingness": ("SKEW-006", "Missing-value rate changed between training and serving", Severity.MEDIUM),
}


def schema_findings(issues: Sequence[tables.SchemaIssue]) -> list[Finding]:
    """One finding per kind of schema change: a kind met in several columns is one finding naming them, with a
    details row per column (its own evidence), at the worst column's severity."""
    by_kind: dict[str, list[Finding]] = {}
    for issue in issues:
        by_kind.setdefault(issue.kind, []).append(schema_finding(issue))
    out = []
    for kind, found in by_kind.items():
        if len(found) == 1:
            out.append(found[0])
            continue
        _, title, _ = _SCHEMA_TEXT[kind]
        names = [str(f.location.column) for f in found]
        shown = ", ".join(names[:6]) + (f" (+{len(names) - 6} more)" if len(names) > 6 else "")
        worst = max(found, key=lambda f: f.severity.rank)
        details = [{"column": n, **f.evidence} for n, f in zip(names, found, strict=True)]
        out.append(replace(worst, title=f"{title}: {len(names)} columns: {shown}", location=Location(),
                           evidence={"columns": names, "details": details}))
    return out


def schema_finding(issue: tables.SchemaIssue) -> Finding:
    fid, title, severity = _SCHEMA_TEXT[issue.kind]
    if issue.kind == "dtype_change" and "unparseable_values" not in issue.evidence:
        severity = Severity.LOW
    return Finding(id=fid, title=f"{title}: {issue.column}", severity=severity, owasp=OWASP, atlas=ATLAS,
                   location=Location(column=issue.column), evidence=dict(issue.evidence),
                   remediation=REMEDIATE_SCHEMA)


def is_drifted(f: tables.ColumnDrift, s: Settings) -> bool:
    """Significant after FDR control and large enough to matter."""
    big = f.psi >= s.min_psi or (f.wasserstein_scaled is not None and f.wasserstein_scaled >= s.min_wasserstein)
    return f.qvalue <= s.alpha and big


def feature_findings(table: tables.TableDrift, s: Settings) -> list[Finding]:
    """One finding for the drift event, naming every drifted column (most drifted first) with a details row
    each; the top-level evidence is the most drifted column's, the severity the worst column's."""
    drifted = [f for f in sorted(table.features, key=lambda f: -f.psi) if is_drifted(f, s)]
    if not drifted:
        return []
    details = []
    for f in drifted:
        row: dict[str, Any] = {"column": f.column, "test": f.test, "statistic": f.statistic, "pvalue": f.pvalue,
                               "qvalue_bh": f.qvalue, "psi": f.psi, "n_reference": f.n_reference,
                               "n_current": f.n_current}
        if f.wasserstein_scaled is not None:
            row["wasserstein_in_sigmas"] = f.wasserstein_scaled
        details.append(row)
    top = drifted[0]
    severity = Severity.HIGH if top.psi >= 0.25 else Severity.MEDIUM if top.psi >= 0.1 else Severity.LOW
    names = [f.column for f in drifted]
    shown = ", ".join(names[:6]) + (f" (+{len(names) - 6} more)" if len(names) > 6 else "")
    title = (f"Feature distribution drifted: {top.column}" if len(names) == 1
             else f"Feature distributions drifted in {len(names)} columns: {shown}")
    evidence = {k: v for k, v in details[0].items() if k != "column"} | {"columns": names, "details": details}
    test = "Kolmogorov-Smirnov" if top.test == "ks" else "chi-square"
    return [Finding(
        id="SKEW-010", title=title, severity=severity, owasp=OWASP, atlas=ATLAS,
        location=Location(column=top.column if len(names) == 1 else None), evidence=evidence,
        remediation=REMEDIATE_DRIFT,
        description=f"{len(names)} of {len(table.features)} features drifted (Benjamini-Hochberg q <= "
                    f"{s.alpha:g} and an effect size above the minimum); the most drifted, {top.column}: {test} "
                    f"q = {top.qvalue:.2g}, PSI = {top.psi:.3f}. The details list every drifted column.")]


def table_metrics(table: tables.TableDrift) -> dict[str, Any]:
    return {
        "n_reference": table.n_reference, "n_current": table.n_current, "features_tested": len(table.features),
        "schema_issues": len(table.schema),
        "features": [{"column": f.column, "test": f.test, "statistic": f.statistic, "pvalue": f.pvalue,
                      "qvalue": f.qvalue, "psi": f.psi, "wasserstein_in_sigmas": f.wasserstein_scaled}
                     for f in table.features],
    }


def features_figure(table: tables.TableDrift, top: int = 15) -> Figure:
    ranked = sorted(table.features, key=lambda f: -max(f.psi, f.wasserstein_scaled or 0.0))[:top]
    xs = tuple(float(i) for i in range(len(ranked)))
    return Figure(
        title=f"Most drifted features (top {len(ranked)} of {len(table.features)})", x_label="feature",
        y_label="effect size", kind="bar", x_ticks=tuple(f.column for f in ranked),
        series=(Series("PSI", xs, tuple(f.psi for f in ranked)),
                Series("Wasserstein / sigma_ref", xs, tuple(f.wasserstein_scaled or 0.0 for f in ranked))))


def multivariate(x_ref: np.ndarray, x_cur: np.ndarray, columns: list[str], kinds: list[str], s: Settings,
                 ctx: ScanContext, seed: int, metrics: dict[str, Any], figures: dict[str, Figure]) -> list[Finding]:
    unknown = set(kinds) - {"c2st", "mmd", "none"}
    if unknown:
        raise InputError(f"--option multivariate: unknown test {sorted(unknown)[0]!r}; expected c2st, mmd or none")
    tests: list[tuple[str, float, Finding]] = []
    if "c2st" in kinds:
        c = st.classifier_test(x_ref, x_cur, max_samples=ctx.int_option("c2st_samples", 2000), seed=seed)
        top = [columns[i] for i in np.argsort(-c.feature_importance)[:5] if c.feature_importance[i] > 0]
        metrics["c2st"] = {"auc": c.auc, "pvalue": c.pvalue, "n_test": c.n_test, "top_features": top}
        if c.auc >= s.min_auc:
            tests.append(("c2st", c.pvalue, Finding(
                id="SKEW-020", title="Multivariate drift: a classifier tells serving from training data",
                severity=Severity.HIGH if c.auc >= 0.7 else Severity.MEDIUM, owasp=OWASP, atlas=ATLAS,
                evidence={"auc": c.auc, "pvalue": c.pvalue, "n_test": c.n_test, "most_telling_features": top},
                remediation=REMEDIATE_DRIFT,
                description="Classifier two-sample test (arXiv:1610.06545) on held-out data; it catches changes "
                            "in feature relations that per-feature tests miss.")))
    if "mmd" in kinds:
        m = st.mmd_test(x_ref, x_cur, n_perm=ctx.int_option("n_perm", 200),
                        max_samples=ctx.int_option("mmd_samples", 1000), seed=seed)
        metrics["mmd"] = {"mmd2": m.statistic, "pvalue": m.pvalue, "bandwidth": m.bandwidth, "n_perm": len(m.null)}
        figures["drift_mmd_null"] = null_figure(m)
        if m.statistic > 0:
            tests.append(("mmd", m.pvalue, Finding(
                id="SKEW-021", title="Multivariate drift: kernel two-sample test (MMD) rejects same distribution",
                severity=Severity.MEDIUM, owasp=OWASP, atlas=ATLAS,
                evidence={"mmd2_unbiased": m.statistic, "pvalue": m.pvalue, "bandwidth": m.bandwidth,
                          "n_reference": m.n_reference, "n_current": m.n_current},
                remediation=REMEDIATE_DRIFT)))
    all_p = [metrics[k]["pvalue"] for k in ("c2st", "mmd") if k in metrics]
    q = dict(zip([k for k in ("c2st", "mmd") if k in metrics], st.benjamini_hochberg(np.asarray(all_p)),
                 strict=True))
    return [f for name, _, f in tests if q[name] <= s.alpha]


def null_figure(m: st.PermutationTest) -> Figure:
    counts, edges = np.histogram(m.null, bins=30)
    centres = tuple(float(v) for v in (edges[:-1] + edges[1:]) / 2)
    peak = float(counts.max()) if counts.size else 1.0
    return Figure(title=f"MMD^2 permutation null vs observed (p = {m.pvalue:.3g})", x_label="MMD^2 (unbiased)",
                  y_label="permutations", kind="line",
                  series=(Series("null", centres, tuple(float(c) for c in counts)),
                          Series("observed", (m.statistic, m.statistic), (0.0, peak))))


def prediction_drift(model: Model, ctx: ScanContext, reference: pd.DataFrame, current: pd.DataFrame,
                     label: str | None, s: Settings, metrics: dict[str, Any]) -> list[Finding]:
    """Predicted-class and confidence drift; accuracy change when serving labels exist, else a BBSE estimate."""
    from mlsecure.models import encode_labels

    names = list(ctx.data.feature_names) if ctx.data is not None and ctx.data.feature_names else \
        [str(c) for c in reference.columns if str(c) != label]
    missing = [c for c in names if c not in current.columns]
    if missing:
        metrics["prediction_drift_skipped"] = f"serving data lacks model feature {missing[0]!r}"
        return []
    x_ref, x_cur = tables.numeric_matrix(reference, names), tables.numeric_matrix(current, names)
    keep_r, keep_c = ~np.isnan(x_ref).any(axis=1), ~np.isnan(x_cur).any(axis=1)
    shape = tuple(model.input_shape) if model.input_shape else (len(names),)
    p_ref = _proba(model, x_ref[keep_r].astype(np.float32).reshape(-1, *shape))
    p_cur = _proba(model, x_cur[keep_c].astype(np.float32).reshape(-1, *shape))
    k = p_ref.shape[1]
    c_ref = np.bincount(p_ref.argmax(1), minlength=k).astype(float)
    c_cur = np.bincount(p_cur.argmax(1), minlength=k).astype(float)
    pooled, _ = st.pool_rare(np.vstack([c_ref, c_cur]))
    chi2, _, p_cls = st.chi_square(pooled) if pooled.shape[1] >= 2 else (0.0, 0, 1.0)
    conf = st.numeric_drift(p_ref.max(1, keepdims=True), p_cur.max(1, keepdims=True))
    q_cls, q_conf = st.benjamini_hochberg(np.array([p_cls, float(conf.ks_pvalue[0])]))
    psi_cls = st.psi(c_ref, c_cur)
    metrics["prediction"] = {"class_rates_reference": (c_ref / c_ref.sum()).tolist(),
                             "class_rates_current": (c_cur / c_cur.sum()).tolist(), "chi2": chi2, "pvalue": p_cls,
                             "psi": psi_cls, "confidence_ks": float(conf.ks_statistic[0]),
                             "confidence_pvalue": float(conf.ks_pvalue[0]),
                             "mean_confidence_reference": float(p_ref.max(1).mean()),
                             "mean_confidence_current": float(p_cur.max(1).mean())}
    out: list[Finding] = []
    if q_cls <= s.alpha and psi_cls >= s.min_psi:
        out.append(Finding(id="SKEW-030", title="Predicted-class distribution drifted", severity=Severity.MEDIUM,
                           owasp=OWASP, atlas=ATLAS_PREDICTION, remediation=REMEDIATE_DRIFT,
                           evidence={k2: metrics["prediction"][k2] for k2 in
                                     ("class_rates_reference", "class_rates_current", "pvalue", "psi")}))
    if q_conf <= s.alpha and float(conf.wasserstein_scaled[0]) >= s.min_wasserstein:
        out.append(Finding(id="SKEW-031", title="Model confidence distribution drifted", severity=Severity.LOW,
                           owasp=OWASP, atlas=ATLAS_PREDICTION, remediation=REMEDIATE_DRIFT,
                           evidence={k2: metrics["prediction"][k2] for k2 in
                                     ("mean_confidence_reference", "mean_confidence_current", "confidence_ks",
                                      "confidence_pvalue")}))
    if label is None or label not in reference.columns:
        return out
    y_ref = encode_labels(model, reference[label].to_numpy()[keep_r])
    if label in current.columns:
        y_cur = encode_labels(model, current[label].to_numpy()[keep_c])
        a_ref, a_cur = int((p_ref.argmax(1) == y_ref).sum()), int((p_cur.argmax(1) == y_cur).sum())
        low, high = st.difference_interval(a_ref, len(y_ref), a_cur, len(y_cur), confidence=s.confidence)
        change = a_cur / len(y_cur) - a_ref / len(y_ref)
        acc: dict[str, Any] = {"reference": a_ref / len(y_ref), "current": a_cur / len(y_cur), "change": change,
                               "interval": [low, high], "confidence": s.confidence}
        metrics["accuracy"] = acc
        if high < 0 and -change >= s.min_accuracy_drop:
            out.append(Finding(
                id="SKEW-032", title="Accuracy dropped on serving data", owasp=OWASP, atlas=ATLAS_PREDICTION,
                severity=Severity.HIGH if -change >= 0.05 else Severity.MEDIUM, evidence=acc,
                remediation="Retrain or recalibrate on recent labelled data; find which features drifted first.",
                description="The reference accuracy is measured on the reference table; when that is the "
                            "training set it is optimistic, so compare against a held-out reference."))
        return out
    confusion = np.zeros((k, k))
    np.add.at(confusion, (p_ref.argmax(1), y_ref), 1.0)
    confusion /= confusion.sum()
    w, q_label = st.bbse(confusion, c_cur / c_cur.sum())
    p_label = confusion.sum(axis=0)
    tv = 0.5 * float(np.abs(q_label - p_label).sum())
    metrics["label_shift_bbse"] = {"reference_label_rates": p_label.tolist(), "estimated_current_label_rates":
                                   q_label.tolist(), "weights": w.tolist(), "total_variation": tv}
    if tv >= s.min_label_shift and q_cls <= s.alpha:
        out.append(Finding(
            id="SKEW-033", title="Estimated label shift in serving data (BBSE)", severity=Severity.MEDIUM,
            owasp=OWASP, atlas=ATLAS_PREDICTION, evidence=metrics["label_shift_bbse"],
            remediation="Collect labels for a serving sample to confirm; reweight or recalibrate the model with the "
                        "estimated class weights (arXiv:1802.03916).",
            description="Black-box shift estimation assumes p(x|y) is unchanged; its confusion matrix comes from "
                        "the reference table, so a training-set reference overstates the model's accuracy."))
    return out


def _proba(model: Model, x: np.ndarray, batch: int = 4096) -> np.ndarray:
    if len(x) == 0:
        return np.zeros((0, model.n_classes))
    return np.concatenate([model.predict_proba(x[i: i + batch]) for i in range(0, len(x), batch)])


CHECKS: tuple[type[Check], ...] = (DriftCheck,)
