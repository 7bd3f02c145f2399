"""The ``privacy`` scan's PII check: audit the raw training table for personal data (OWASP ML03/ML04)."""

from __future__ import annotations

from dataclasses import dataclass

from mlsecure.check import Check, CheckResult, Requirement, ScanContext, opt
from mlsecure.privacy.pii.audit import audit_file
from mlsecure.privacy.pii.compliance import ATLAS_INVERSION, audit_findings, audit_metrics


class PiiAuditCheck(Check):
    """Classifies every column of the data file; each PII column becomes a finding."""

    name = "pii-audit"
    title = "PII in training data"
    group = "privacy"
    owasp = ("ML03", "ML04")
    atlas = ATLAS_INVERSION
    requires = frozenset({Requirement.DATA_FILE})

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        pii_sample_rows: int = opt(10_000, "rows sampled to classify columns")
        pii_region: str = opt("US", "region of phone and ID formats")

    def run(self, ctx: ScanContext) -> CheckResult:
        path = ctx.need_data_path()
        audit = audit_file(path, sample_rows=int(ctx.option("pii_sample_rows", 10_000)),
                           region=str(ctx.option("pii_region", "US")), progress=ctx.progress)
        return CheckResult(tuple(audit_findings(audit)), audit_metrics(audit))


CHECKS: tuple[type[Check], ...] = (PiiAuditCheck,)
