"""``mlsecure scan --scan poisoning``: suspicious training rows, one finding per abnormal class.

By default the decision is the calibrated scan (``poisoning.calibrated``): a class is reported only
when its evidence is beyond a null estimated from the scanned data (Benjamini-Hochberg at ``--option
alpha``, default 0.01), and its rows are flagged at ``--option fdr`` (default 0.05). The default
evidence is one-way neighbour traffic (``poisoning.neighbours``); ``--option
spaces=neighbours,features,activations`` adds the split statistic on the features and/or a model's
activations (chosen on the suite's design seeds: docs/poisoning.md).
``--option detectors=a,b`` runs the named per-detector thresholds instead (``poisoning.analysis``).

OWASP ML02 (data poisoning) and ML10 (model poisoning); ATLAS AML.T0020 Poison Training Data and
AML.T0018 Manipulate AI Model. With a torch model the backdoor detectors also run on the penultimate
layer's activations (``--option layer=NAME`` picks another layer); the label detectors always use the
input features. ``--export-suspicious rows.csv`` writes the flagged rows for review.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlsecure.check import SEED_HELP, Check, CheckResult, Requirement, ScanContext, opt
from mlsecure.errors import CheckError, InputError
from mlsecure.findings import Figure, Finding, Location, Series, Severity
from mlsecure.poisoning.analysis import DEFAULT_DETECTORS, ClassVerdict, DetectorRun, PoisoningScan, scan_poisoning
from mlsecure.poisoning.calibrated import DEFAULT_SPACES, CalibratedScan, ClassFinding, calibrated_scan
from mlsecure.poisoning.detectors.registry import available
from mlsecure.poisoning.normalised import is_image

_REMEDIATION = (
    "Review the exported rows (--export-suspicious rows.csv) and their provenance; remove or relabel "
    "the confirmed ones and retrain. Removal must be complete: a backdoor survives a handful of "
    "leftover poisoned rows, so re-scan after cleaning. Track who contributed each row."
)


class PoisoningCheck(Check):
    name = "poisoning"
    title = "Training-data poisoning and backdoors"
    group = "poisoning"
    owasp = ("ML02", "ML10")
    atlas = ("AML.T0020", "AML.T0018")
    requires = frozenset({Requirement.DATA})
    text_inputs = True  # a text model's data is analysed on the model's embeddings (``embed``)

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        detectors: tuple[str, ...] | None = opt(None, "poisoning detectors to run (default: the calibrated set)")
        export_suspicious: Path | None = opt(None, "write the flagged rows to this CSV")
        layer: str | None = opt(None, "model layer whose activations are analysed (default: the penultimate)")
        spaces: tuple[str, ...] | None = opt(None, "evidence the calibrated scan weighs: neighbours, normalised "
                                             "(images), features, activations (default: neighbours, and "
                                             "normalised on images)")
        few_feature: bool = opt(True, "tables/embeddings: also test out-voted rows that differ from their "
                                "neighbours in a few columns (finds low-rate column triggers; beta-binomial "
                                "null from the other classes)")
        alpha: float = opt(0.01, "false-discovery level of class findings (Benjamini-Hochberg, classes x spaces)")
        fdr: float = opt(0.05, "false discovery rate across the flagged rows")

    def applicable(self, ctx: ScanContext) -> str | None:
        data = ctx.data
        if data is None or data.y is None or ctx.option("detectors", None) is not None:
            return None
        if len(np.unique(np.asarray(data.y))) < 3:
            return ("the calibrated poisoning scan needs at least 3 classes (each class is tested against the "
                    "others); for binary labels pass --option detectors=NAME,... (the per-detector thresholds)")
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        data = ctx.need_data()
        labels = np.asarray(data.y)
        features_note = "input features"
        names: tuple[str, ...] = ()
        if data.x.dtype == object:  # text: the detectors read the text model's embeddings, not the strings
            features, reps, features_note = self._text_embeddings(ctx, data.x)
            layer_note = features_note
        else:
            features, names = data.x.reshape(len(data.x), -1), data.feature_names
            reps, layer_note = self._representations(ctx, data.x)
        if ctx.option("detectors", None) is None:
            sample = features if data.x.dtype == object else _samples(ctx, data.x)
            return _calibrated(ctx, sample, labels, reps, layer_note, names, features_note)
        detectors = _detector_list(ctx.option("detectors", None))
        scan = scan_poisoning(features, labels, representations=reps, detectors=detectors,
                              progress=lambda f: ctx.progress("poisoning: detectors", f))
        findings = tuple(_finding(i + 1, v, scan, ctx) for i, v in enumerate(scan.verdicts))
        metrics = _metrics(scan, layer_note)
        export = ctx.option("export_suspicious", None)
        if export is not None:
            metrics["exported_rows"] = _export(scan, export, ctx, labels, features, names)
            metrics["export_path"] = str(export)
        return CheckResult(findings, metrics, {"flagged_share": _figure(scan, labels)})

    def _text_embeddings(self, ctx: ScanContext, x: np.ndarray) -> tuple[np.ndarray, None, str]:
        embed = getattr(ctx.model, "embed", None)
        if embed is None:
            raise CheckError("text data needs a text model with embeddings (a Hugging Face text classifier)")
        ctx.progress("poisoning: embeddings", 0.0)
        features = np.asarray(embed(x.reshape(len(x))), dtype=np.float64)
        return features, None, "the text model's last-layer [CLS] embeddings"

    def _representations(self, ctx: ScanContext, x: np.ndarray) -> tuple[np.ndarray | None, str]:
        module = getattr(ctx.model, "module", None)
        if module is None or ctx.model is None or ctx.model.framework != "pytorch":
            return None, "input features (no torch model given)"
        from mlsecure.poisoning.representations import activations

        layer = ctx.option("layer", None)
        try:
            reps = activations(module, x.reshape((len(x), *ctx.model.input_shape)), layer=layer,
                               progress=lambda f: ctx.progress("poisoning: activations", f))
        except CheckError as exc:
            return None, f"input features (activations unavailable: {exc})"
        return reps, f"activations of layer {layer!r}" if layer else "penultimate-layer activations"


def _samples(ctx: ScanContext, x: np.ndarray) -> np.ndarray:
    """The rows with their image shape where known (an ``.npz`` keeps it; a table of pixels gets the
    model's ``(C, H, W)``): the neighbour evidence compares images by their Fourier magnitudes."""
    arr = np.asarray(x)
    shape = tuple(getattr(ctx.model, "input_shape", None) or ()) if ctx.model is not None else ()
    if arr.ndim == 2 and len(shape) == 3 and int(np.prod(shape)) == arr.shape[1]:
        return arr.reshape((len(arr), *shape))
    return arr


def _detector_list(option: Any) -> tuple[str, ...]:
    if option is None:
        return DEFAULT_DETECTORS
    names = tuple(p.strip() for p in (option.split(",") if isinstance(option, str) else option) if p.strip())
    unknown = [n for n in names if n not in available()]
    if unknown or not names:
        raise InputError(f"--option detectors: unknown {unknown or names}; choose from {', '.join(available())}")
    return names


def _finding(index: int, verdict: ClassVerdict, scan: PoisoningScan, ctx: ScanContext) -> Finding:
    share = len(verdict.rows) / max(verdict.size, 1)
    kind = "backdoor" if verdict.backdoor_votes else "label flipping"
    fprs = {r.key: round(r.result.expected_fpr, 4) for r in scan.runs if r.key in verdict.backdoor_votes}
    evidence: dict[str, Any] = {
        "class": verdict.label,
        "class_size": verdict.size,
        "flagged_rows": len(verdict.rows),
        "flagged_share_of_class": round(share, 4),
        "flagged_share_of_data": round(len(verdict.rows) / max(scan.n, 1), 4),
        "backdoor_detectors": list(verdict.backdoor_votes),
        "expected_fpr": fprs,
        "mislabelled_share": round(verdict.label_share, 4),
        "mislabelled_share_floor": round(verdict.label_floor, 4),
        "looks_like_other_classes_contrast": verdict.contrast,
    }
    return Finding(
        id=f"POI-{index:03d}",
        title=f"Class {verdict.label!r}: {len(verdict.rows)} suspicious rows ({share:.0%} of the class), "
        f"likely {kind}",
        severity=Severity.HIGH if verdict.severity == "high" else Severity.MEDIUM,
        owasp="ML02",
        atlas=("AML.T0020", "AML.T0018"),
        location=Location(path=str(ctx.data_path) if ctx.data_path else None, column=None, rows=verdict.rows),
        evidence=evidence,
        remediation=_REMEDIATION,
        description="The class holds a separated sub-population (backdoor detectors) and/or an abnormal "
        "share of rows whose features say another class (label detectors): the signature of poisoned "
        "training data aimed at this class.",
    )


def _metrics(scan: PoisoningScan, representation: str) -> dict[str, Any]:
    per: dict[str, Any] = {}
    for r in scan.runs:
        per[r.key] = {
            "flagged": int(r.result.flagged.sum()),
            "flagged_share": round(r.result.flagged_share, 4),
            "expected_fpr": round(r.result.expected_fpr, 4),
            "abnormal_classes": list(r.result.abnormal_classes),
            "cpu_seconds": round(r.seconds, 3),
        }
    return {
        "rows": scan.n,
        "representation": representation,
        "suspicious_rows": int(scan.suspicious.sum()),
        "suspicious_share": round(float(scan.suspicious.mean()), 4) if scan.n else 0.0,
        "detectors": per,
    }


def _figure(scan: PoisoningScan, labels: np.ndarray) -> Figure:
    values = np.unique(labels)
    xs = tuple(float(i) for i in range(len(values)))
    series = []
    for r in scan.runs:
        shares = tuple(float(r.result.flagged[labels == v].mean()) for v in values)
        series.append(Series(r.key, xs, shares))
    return Figure(title="Share of each class flagged, per detector", x_label="class",
                  y_label="flagged share", series=tuple(series), kind="bar",
                  x_ticks=tuple(str(v) for v in values))


def _export(scan: PoisoningScan, destination: Any, ctx: ScanContext, labels: np.ndarray,
            features: np.ndarray, names: tuple[str, ...]) -> int:
    from mlsecure.poisoning.export import export_suspicious

    return export_suspicious(scan, destination, labels=labels, source=ctx.data_path, features=features,
                             feature_names=names)


def _calibrated(ctx: ScanContext, sample: np.ndarray, labels: np.ndarray, reps: np.ndarray | None,
                layer_note: str, names: tuple[str, ...], features_note: str = "input features") -> CheckResult:
    from mlsecure.poisoning.threshold import Thresholded

    given = None if ctx.option("spaces", None) is None else tuple(ctx.list_option("spaces", []))
    unknown = [sp for sp in given or () if sp not in ("features", "neighbours", "normalised", "activations")]
    if unknown or given == ():
        raise InputError(f"--option spaces: unknown {unknown or given}; choose from features, neighbours, "
                         "normalised, activations")
    if given is not None and "normalised" in given and not is_image(sample):
        raise InputError("--option spaces=normalised compares images: give them with their shape (an .npz with "
                         "x of shape (n, C, H, W), H and W at least 4)")
    spaces = given if given is not None else tuple(sp for sp in DEFAULT_SPACES
                                                   if sp != "normalised" or is_image(sample))
    if "activations" in spaces and reps is None:
        raise InputError("--option spaces=activations needs a torch model (--model) to compute activations")
    cscan = calibrated_scan(sample, labels, representations=reps, spaces=spaces,  # type: ignore[arg-type]  # checked above
                            alpha=ctx.float_option("alpha", 0.01), fdr=ctx.float_option("fdr", 0.05),
                            few_feature=ctx.bool_option("few_feature", True))
    features = sample.reshape(len(sample), -1)
    ctx.progress("poisoning: calibrated scan", 1.0)
    findings = tuple(_calibrated_finding(i + 1, f, cscan, ctx) for i, f in enumerate(cscan.findings))
    # the export and the figure read a PoisoningScan: one run holding the calibrated flags
    flags = Thresholded(cscan.flagged, "calibrated", cscan.fdr, float(cscan.flagged.mean()))
    run = DetectorRun("calibrated", "activations" if reps is not None else "features", "outlier",
                      cscan.flagged.astype(np.float64), flags, 0.0)
    scan = PoisoningScan((run,), (), cscan.flagged, len(labels))
    metrics: dict[str, Any] = {
        "rows": len(labels),
        "representation": layer_note if "activations" in spaces else features_note,
        "spaces": list(spaces),
        "method": "calibrated",
        "alpha": cscan.alpha,
        "fdr": cscan.fdr,
        "suspicious_rows": int(cscan.flagged.sum()),
        "suspicious_share": round(float(cscan.flagged.mean()), 4),
        "expected_false_flags": round(cscan.expected_false, 3),
        "class_tests": [{"class": t.label, "space": t.space, "test": t.test, "statistic": round(t.statistic, 4),
                         "null_q99": round(t.null_q99, 4), "p_value": float(f"{t.p_value:.3g}")}
                        for t in cscan.tests],
    }
    export = ctx.option("export_suspicious", None)
    if export is not None:
        metrics["exported_rows"] = _export(scan, export, ctx, labels, features, names)
        metrics["export_path"] = str(export)
    return CheckResult(findings, metrics, {"flagged_share": _figure(scan, labels)})


def _calibrated_finding(index: int, f: ClassFinding, cscan: CalibratedScan, ctx: ScanContext) -> Finding:
    share = len(f.rows) / max(f.size, 1)
    return Finding(
        id=f"POI-{index:03d}",
        title=f"Class {f.label!r}: {len(f.rows)} rows {_WHAT[f.space]} ({share:.0%} of the class, "
        f"p = {f.p_value:.2g})",
        severity=Severity.HIGH if f.p_value < cscan.alpha / 10 else Severity.MEDIUM,
        owasp="ML02",
        atlas=("AML.T0020", "AML.T0018"),
        location=Location(path=str(ctx.data_path) if ctx.data_path else None, column=None, rows=f.rows),
        evidence={
            "class": f.label,
            "class_size": f.size,
            "flagged_rows": len(f.rows),
            "space": f.space,
            "test": f.test,
            "statistic": round(f.statistic, 4),
            "null_q99": round(f.null_q99, 4),
            "p_value_corrected": float(f"{f.p_value:.3g}"),
            "expected_false_flags": round(f.expected_false, 3),
            "fdr": cscan.fdr,
        },
        remediation=_REMEDIATION,
        description=_WHY[f.space],
    )


_WHAT = {"neighbours": "look like other classes", "features": "form a separate sub-population",
         "normalised": "look like other classes once brightness and contrast are normalised",
         "activations": "form a separate sub-population in the model's activations"}
_SPLIT_WHY = ("Whitened by the other classes' within-class variation, this class splits into two populations "
              "further apart than the other classes and than a Gaussian of its own covariance allow: the "
              "signature of rows injected into it (a backdoor or relabelled rows). The statistic is the "
              "split's d'; the null quantile and p-value come from this dataset.")
_WHY = {
    "neighbours": "Rows of this class whose nearest neighbours carry other labels far outnumber the other "
    "classes' rows whose neighbours carry this label: one-way traffic, the signature of rows relabelled "
    "into this class (a dirty-label backdoor or label flips); natural class overlap is two-way. The "
    "statistic is z = (out - in) / sqrt(phi (out + in)), phi measured on the other classes' traffic, or z "
    "against labels redrawn from the neighbourhoods when that is more conservative (test 'traffic'); test "
    "'few-feature' counts out-voted rows that differ from their neighbours in a few columns (a trigger), "
    "against a beta-binomial null whose spread comes from the other classes. The "
    "flagged rows are those resembling the out-voted ones, at the stated false-discovery rate.",
    "features": _SPLIT_WHY,
    "activations": _SPLIT_WHY,
    "normalised": "Compared after each image's brightness and contrast are normalised away, rows of this class "
    "whose nearest neighbours carry other labels far outnumber the other classes' rows whose neighbours carry "
    "this label: one-way traffic, the signature of rows relabelled into this class that share a brightness "
    "or contrast change (a blended trigger). The statistic and its null are the neighbour test's; the "
    "flagged rows are those resembling the out-voted ones, at the stated false-discovery rate.",
}


CHECKS: tuple[type[Check], ...] = (PoisoningCheck,)
