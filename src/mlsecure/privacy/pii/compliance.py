"""From audit verdicts to regulation-mapped findings and a compliance summary.

Mapping (the articles a finding cites):

* GDPR: personal data, Art. 4(1) (names, identification numbers, location data, online identifiers);
  special categories, Art. 9(1) (health); national identification numbers, Art. 87; data
  minimisation, Art. 5(1)(c); pseudonymisation as a safeguard, Art. 25(1) and 32(1)(a).
* CCPA/CPRA: personal information, Cal. Civ. Code 1798.140(v); sensitive personal information,
  1798.140(ae) (SSN, licence, passport, account/card numbers, health); the right to limit, 1798.121.
* HIPAA: the 18 Safe Harbor identifiers, 45 CFR 164.514(b)(2)(i)(A)-(R).

OWASP ML Top 10: a direct identifier or free text with identifiers in the training set is what model
inversion (ML03) recovers; quasi-identifiers are what membership inference (ML04) links back to a person.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mlsecure import __version__
from mlsecure.errors import CheckError
from mlsecure.findings import Finding, Location, Report, Severity
from mlsecure.privacy.pii.audit import AuditResult
from mlsecure.privacy.pii.classify import ColumnVerdict
from mlsecure.privacy.pii.types import HIPAA_IDENTIFIERS, OUT_OF_SCOPE_HIPAA, TYPE_INFO, PiiType

CHECK_NAME = "pii-audit"
ATLAS_INVERSION = ("AML.T0024.001", "AML.T0024.000")
ATLAS_TEXT = ("AML.T0024.001", "AML.T0057")


def regulations_for(pii_type: PiiType, column: str = "") -> dict[str, list[str]]:
    """The articles/sections a column of ``pii_type`` falls under."""
    info = TYPE_INFO[pii_type]
    gdpr = ["GDPR Art. 4(1)", "GDPR Art. 5(1)(c)"]
    if info.gdpr_special:
        gdpr.append("GDPR Art. 9(1)")
    if pii_type in (PiiType.SSN, PiiType.NATIONAL_ID):  # national identification numbers
        gdpr.append("GDPR Art. 87")
    ccpa = ["CCPA 1798.140(v)"]
    if info.ccpa_sensitive:
        ccpa += ["CCPA 1798.140(ae)", "CCPA 1798.121"]
    out = {"gdpr": gdpr, "ccpa": ccpa}
    if info.hipaa:
        letter = "E" if pii_type is PiiType.PHONE and "fax" in column.lower() else info.hipaa
        out["hipaa"] = [f"45 CFR 164.514(b)(2)(i)({letter})"]
    return out


def compliance_summary(audit: AuditResult) -> dict[str, Any]:
    """Which HIPAA identifiers, GDPR personal/special data and CCPA (sensitive) personal information
    the table holds, by column."""
    present = audit.hipaa_identifiers()
    hipaa = {
        "present": [{"id": k, "identifier": HIPAA_IDENTIFIERS[k], "columns": present[k]} for k in sorted(present)],
        "not_found": [k for k in HIPAA_IDENTIFIERS if k not in present and k not in OUT_OF_SCOPE_HIPAA],
        "out_of_scope": [{"id": k, "identifier": HIPAA_IDENTIFIERS[k],
                          "why": "images and biometric signals are not detectable in a table of text"}
                         for k in OUT_OF_SCOPE_HIPAA],
    }
    personal: list[str] = []
    special: list[str] = []
    ccpa_pi: list[str] = []
    ccpa_spi: list[str] = []
    for v in audit.pii_columns:
        for pii_type in _types_in(v):
            info = TYPE_INFO[pii_type]
            _add(personal, v.column)
            _add(ccpa_pi, v.column)
            if info.gdpr_special:
                _add(special, v.column)
            if info.ccpa_sensitive:
                _add(ccpa_spi, v.column)
    return {
        "hipaa_safe_harbor": hipaa,
        "gdpr": {"personal_data": personal, "special_category": special,
                 "articles": ["Art. 4(1)", "Art. 5(1)(c)", "Art. 9(1)", "Art. 25(1)", "Art. 32(1)(a)", "Art. 35"]},
        "ccpa": {"personal_information": ccpa_pi, "sensitive_personal_information": ccpa_spi,
                 "sections": ["1798.140(v)", "1798.140(ae)", "1798.121"]},
    }


def audit_findings(audit: AuditResult) -> list[Finding]:
    """One finding per PII column: PII-001 direct identifier, PII-002 quasi-identifier, PII-003 free
    text with embedded PII, PII-004 special-category (health) data."""
    return [replace(_finding(audit.source, v), check=CHECK_NAME) for v in audit.pii_columns]


def audit_report(audit: AuditResult, *, extra_findings: list[Finding] | None = None,
                 extra_metrics: dict[str, Any] | None = None) -> Report:
    """The audit as a ``Report``: findings plus metrics (one entry per column, and the compliance summary)."""
    report = Report(target=audit.source, tool_version=__version__)
    report.findings.extend(audit_findings(audit))
    report.findings.extend(extra_findings or [])
    report.metrics[CHECK_NAME] = audit_metrics(audit)
    if extra_metrics:
        report.metrics[CHECK_NAME].update(extra_metrics)
    report.checks_run.append(CHECK_NAME)
    return report


def audit_metrics(audit: AuditResult) -> dict[str, Any]:
    return {"rows_examined": audit.rows, "seconds": round(audit.seconds, 4),
            "pii_columns": len(audit.pii_columns),
            "columns": [v.to_dict() for v in audit.columns],
            "compliance": compliance_summary(audit)}


def _finding(source: str, v: ColumnVerdict) -> Finding:
    if v.pii_type is None:
        raise CheckError(f"column {v.column!r} holds no PII; no finding to make")
    info = TYPE_INFO[v.pii_type]
    evidence: dict[str, Any] = {"pii_type": v.pii_type.value, "share": round(v.share, 4),
                                "confidence": round(v.confidence, 4), "recognizer": v.recognizer,
                                "examples_masked": list(v.examples), "sampled": v.sampled}
    location = Location(path=source, column=v.column)
    if v.pii_type is PiiType.FREE_TEXT:
        span_types = sorted(v.spans.by_type) if v.spans else []
        evidence["span_types"] = v.spans.by_type if v.spans else {}
        evidence["regulations"] = _merge([regulations_for(PiiType(t), v.column) for t in span_types])
        return Finding(
            id="PII-003", title=f"Free-text column {v.column!r} contains PII ({', '.join(span_types)})",
            severity=Severity.HIGH, owasp="ML03", atlas=ATLAS_TEXT, location=location, evidence=evidence,
            remediation=f"Redact the spans before training: mlsecure privacy anonymize --input {source} "
            f"--column-method {v.column}=redact",
            description="Language and tabular models memorise rare strings; identifiers in free text can be "
            "extracted by prompting or inverted from the model.")
    evidence["regulations"] = regulations_for(v.pii_type, v.column)
    if info.gdpr_special:
        return Finding(
            id="PII-004", title=f"Column {v.column!r} holds special-category data ({info.label})",
            severity=Severity.HIGH, owasp="ML03", atlas=ATLAS_INVERSION, location=location, evidence=evidence,
            remediation="Keep only if it is the prediction target and the lawful basis covers it (GDPR Art. 9(2)); "
            "train with differential privacy (mlsecure privacy dp plan) to bound what the model reveals.",
            description="Health data is a GDPR special category and CCPA sensitive personal information.")
    if info.direct:
        severity = Severity.CRITICAL if info.ccpa_sensitive else Severity.HIGH
        method, note = (("pseudonymize", " (keyed: set MLSECURE_PII_KEY)")
                        if v.pii_type in (PiiType.EMAIL, PiiType.NAME, PiiType.MRN) else ("redact", ""))
        return Finding(
            id="PII-001", title=f"Direct identifier in column {v.column!r}: {info.label}",
            severity=severity, owasp="ML03", atlas=ATLAS_INVERSION, location=location, evidence=evidence,
            remediation=f"Drop the column if the model does not need it, else {method} it: mlsecure privacy "
            f"anonymize --input {source} --column-method {v.column}={method}{note}.",
            description="A direct identifier lets anyone holding the data or inverting the model name the person.")
    return Finding(
        id="PII-002", title=f"Quasi-identifier in column {v.column!r}: {info.label}",
        severity=Severity.MEDIUM, owasp="ML04", atlas=("AML.T0024.000",), location=location, evidence=evidence,
        remediation="Generalize it (mlsecure privacy anonymize --column-method "
        f"{v.column}=generalize) and check k-anonymity over all quasi-identifiers (mlsecure privacy kanon).",
        description="Combinations of quasi-identifiers (ZIP, birth date, sex) single out most people; they "
        "make membership-inference results linkable to a person.")


def _types_in(v: ColumnVerdict) -> list[PiiType]:
    if v.pii_type is PiiType.FREE_TEXT:
        return [PiiType(t) for t in (v.spans.by_type if v.spans else {})]
    return [v.pii_type] if v.pii_type is not None else []


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def _merge(maps: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in maps:
        for k, values in m.items():
            for value in values:
                _add(out.setdefault(k, []), value)
    return out


def kanon_finding(anonymity: Any, target: int, source: str) -> Finding | None:
    """PII-005 when the table's k over its quasi-identifiers is below ``target``."""
    if anonymity.k >= target:
        return None
    qis = ", ".join(anonymity.quasi_identifiers)
    return Finding(
        id="PII-005", title=f"Table is only {anonymity.k}-anonymous over {qis} (target k={target})",
        severity=Severity.HIGH if anonymity.k == 1 else Severity.MEDIUM, owasp="ML04", atlas=("AML.T0024.000",),
        location=Location(path=source), evidence=anonymity.to_dict(),
        remediation=f"mlsecure privacy kanon --data {source} --quasi-identifiers "
        f"{','.join(anonymity.quasi_identifiers)}"
        f" --k {target} --enforce OUT.csv (generalizes these columns and suppresses the rarest rows)",
        description="Rows unique on their quasi-identifiers can be re-identified by linking with outside data; "
        "membership inference on such rows points at one person.")
