"""The HIPAA Safe Harbor preset (45 CFR 164.514(b)(2)): remove or generalize the 18 identifiers.

Identifiers are redacted (a keyed pseudonym would be "derived from information about the individual",
which 164.514(c) rules out for a re-identification code); dates keep only the year, ages over 89
become ``90+``, ZIP codes keep 3 digits (``000`` for areas of 20,000 people or fewer); free text has
its identifier spans redacted. Biometrics (P) and full-face photographs (Q) cannot be seen in a table
of text and are reported as out of scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlsecure.privacy.pii.anonymize import ColumnPlan, Method, Plan
from mlsecure.privacy.pii.audit import AuditResult
from mlsecure.privacy.pii.types import HIPAA_IDENTIFIERS, OUT_OF_SCOPE_HIPAA, PiiType

_GENERALIZED = (PiiType.DATE, PiiType.AGE, PiiType.ZIP_CODE)


@dataclass(frozen=True)
class SafeHarborItem:
    id: str
    identifier: str
    status: str  # "handled", "not found" or "out of scope"
    columns: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "identifier": self.identifier, "status": self.status, "columns": list(self.columns),
                "methods": list(self.methods)}


def safe_harbor_plan(audit: AuditResult) -> Plan:
    """Redact every identifier column, generalize dates/ages/ZIP codes, redact spans in free text."""
    found = audit.hipaa_identifiers()
    columns = {c for cols in found.values() for c in cols}
    plans = []
    for v in audit.columns:
        if v.column not in columns or v.pii_type is None:
            continue
        method = Method.GENERALIZE if v.pii_type in _GENERALIZED else Method.REDACT
        plans.append(ColumnPlan(v.column, method, v.pii_type, "HIPAA Safe Harbor"))
    return Plan(tuple(plans))


def safe_harbor_status(audit: AuditResult, plan: Plan) -> tuple[SafeHarborItem, ...]:
    """For each of the 18 identifiers: handled (where, how), not found, or out of scope."""
    found = audit.hipaa_identifiers()
    items = []
    for letter, label in HIPAA_IDENTIFIERS.items():
        if letter in OUT_OF_SCOPE_HIPAA:
            items.append(SafeHarborItem(letter, label, "out of scope"))
        elif letter in found:
            cols = tuple(found[letter])
            items.append(SafeHarborItem(letter, label, "handled", cols, tuple(plan.method(c).value for c in cols)))
        else:
            items.append(SafeHarborItem(letter, label, "not found"))
    return tuple(items)
