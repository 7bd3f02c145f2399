"""PII in training data: find it (``audit_frame``/``audit_file``), anonymize it (``anonymize_frame``),
and measure or enforce k-anonymity (``measure``/``enforce_k``). Works on pandas and Polars frames.

    >>> from mlsecure.privacy.pii import audit_frame, anonymize_frame
    >>> audit = audit_frame(df)                 # one verdict per column, masked examples
    >>> clean = anonymize_frame(df).frame       # methods chosen from the audit
"""

from mlsecure.privacy.pii.anonymize import AnonymizeResult, ColumnPlan, Method, Plan, anonymize_frame, auto_plan
from mlsecure.privacy.pii.audit import AuditResult, audit_file, audit_frame
from mlsecure.privacy.pii.classify import ColumnVerdict, classify_column
from mlsecure.privacy.pii.compliance import audit_report, compliance_summary
from mlsecure.privacy.pii.kanon import Anonymity, Enforcement, enforce_k, measure
from mlsecure.privacy.pii.keys import SecretKey
from mlsecure.privacy.pii.safe_harbor import safe_harbor_plan, safe_harbor_status
from mlsecure.privacy.pii.spans import scan_spans
from mlsecure.privacy.pii.types import PiiType

__all__ = [
    "Anonymity",
    "AnonymizeResult",
    "AuditResult",
    "ColumnPlan",
    "ColumnVerdict",
    "Enforcement",
    "Method",
    "PiiType",
    "Plan",
    "SecretKey",
    "anonymize_frame",
    "audit_file",
    "audit_frame",
    "audit_report",
    "auto_plan",
    "classify_column",
    "compliance_summary",
    "enforce_k",
    "measure",
    "safe_harbor_plan",
    "safe_harbor_status",
    "scan_spans",
]
