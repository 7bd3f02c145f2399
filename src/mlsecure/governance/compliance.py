"""The guide's compliance requirements for ML (section 6) as data, each linked to the mlsecure
capability that supports it.

The regulation text (requirement, ML implication, implementation, matrix cells) is quoted from the
guide, not extended: article numbers appear only where the guide gives them. A link says which tool
produces evidence or does the work; it is not a legal opinion and no capability makes a system
compliant by itself. ``None`` in ``support`` means mlsecure has nothing for it (process or contract).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Support:
    """An mlsecure capability and what it contributes."""

    command: str
    provides: str


@dataclass(frozen=True)
class ComplianceAction:
    """One row of the cross-regulation matrix: the guide's cells per regulation, and mlsecure's support."""

    action: str
    gdpr: str
    ccpa: str
    hipaa: str
    support: tuple[Support, ...]
    checklist: tuple[str, ...] = ()  # keys of related governance.checklist items

    def cell(self, regulation: str) -> str:
        return {"gdpr": self.gdpr, "ccpa": self.ccpa, "hipaa": self.hipaa}[regulation]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "gdpr": self.gdpr, "ccpa": self.ccpa, "hipaa": self.hipaa,
                "support": [{"command": s.command, "provides": s.provides} for s in self.support],
                "checklist": list(self.checklist)}


@dataclass(frozen=True)
class Requirement:
    """One row of a regulation's table in the guide."""

    name: str
    ml_implication: str
    implementation: str
    support: tuple[Support, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.name, "ml_implication": self.ml_implication,
                "implementation": self.implementation,
                "support": [{"command": s.command, "provides": s.provides} for s in self.support]}


@dataclass(frozen=True)
class Regulation:
    key: str
    name: str
    applies_to: str
    requirements: tuple[Requirement, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "applies_to": self.applies_to,
                "requirements": [r.to_dict() for r in self.requirements]}


# The capabilities, named once.
PII_AUDIT = Support("mlsecure privacy audit --data train.csv", "per-column and free-text PII detection (PII-NNN)")
ANONYMIZE = Support("mlsecure privacy anonymize --input data.csv", "masking, hashing, pseudonymization, FPE, "
                    "generalization, k-anonymity enforcement")
SAFE_HARBOR = Support("mlsecure privacy anonymize --hipaa-safe-harbor", "the Safe Harbor preset over the 18 "
                      "identifier types")
KANON = Support("mlsecure privacy kanon", "k-anonymity / l-diversity / t-closeness measurement")
DP = Support("mlsecure privacy dp plan|epsilon|noise|compose", "DP-SGD parameter planning and budget accounting")
MIA = Support("mlsecure scan --scan membership", "measured membership leakage (MIA-NNN), empirical epsilon "
              "lower bound")
AUDIT_LOG = Support("mlsecure audit verify|query|export", "tamper-evident log of model access and predictions")
GATEWAY_AUTH = Support("mlsecure gateway serve / token", "token authentication and the guide's five RBAC roles")
GATEWAY_TLS = Support("mlsecure gateway serve", "TLS 1.3 (and mutual TLS) on the serving endpoint (in transit)")
ENCRYPT_AT_REST = Support("mlsecure data encrypt|decrypt|rewrap|check-pipeline", "authenticated streaming "
                          "encryption of datasets, models and checkpoints at rest; pipeline-config policy check")
FAIRNESS = Support("mlsecure governance fairness", "per-group outcome and error-rate disparities (FAIR-NNN)")
SBOM = Support("mlsecure artifact sbom / sign", "CycloneDX ML-BOM and signed provenance of model and data files")
CHECKLIST_CMD = Support("mlsecure governance checklist --report R.json", "which security controls a scan "
                        "evidenced")

GDPR = Regulation("gdpr", "GDPR (General Data Protection Regulation)",
                  "Processing personal data of EU/EEA residents.", (
    Requirement("Lawful basis (Art. 6)", "Must have legal basis for using personal data in training",
                "Document lawful basis; obtain consent if needed"),
    Requirement("Purpose limitation (Art. 5)", "Data collected for one purpose cannot be used for another",
                "Track data lineage; enforce purpose-bound access", (SBOM, GATEWAY_AUTH)),
    Requirement("Data minimization (Art. 5)", "Only use data necessary for the purpose",
                "Feature selection review; remove unnecessary PII", (PII_AUDIT, ANONYMIZE)),
    Requirement("Right to erasure (Art. 17)", "Individuals can request data deletion",
                "Implement machine unlearning or retrain without data"),
    Requirement("Right to explanation (Art. 22)", "Automated decisions must be explainable",
                "Use interpretable models or generate explanations (SHAP, LIME)"),
    Requirement("Data Protection Impact Assessment (Art. 35)", "Required for high-risk processing",
                "Conduct DPIA before training on personal data", (PII_AUDIT, MIA, FAIRNESS, CHECKLIST_CMD)),
    Requirement("Privacy by design (Art. 25)", "Build privacy into the system from the start",
                "Differential privacy, anonymization, encryption", (DP, ANONYMIZE, ENCRYPT_AT_REST)),
    Requirement("Data breach notification (Art. 33-34)", "Report breaches within 72 hours",
                "Monitoring, incident response plan, audit logging", (AUDIT_LOG,)),
    Requirement("Transfer restrictions (Art. 44-49)", "Restrictions on data transfer outside EU",
                "Use EU-region infrastructure; assess adequacy"),
))

CCPA = Regulation("ccpa", "CCPA (California Consumer Privacy Act) / CPRA",
                  "Businesses processing personal information of California residents.", (
    Requirement("Right to know", "Disclose what data is collected and how it is used",
                "Data catalog with ML usage documentation", (PII_AUDIT, SBOM)),
    Requirement("Right to delete", "Consumers can request deletion of their data",
                "Machine unlearning or retraining capability"),
    Requirement("Right to opt-out", "Consumers can opt out of data sales/sharing",
                "Exclude opted-out data from training"),
    Requirement("Data minimization (CPRA)", "Only collect data necessary for the purpose",
                "Review training data necessity", (PII_AUDIT,)),
    Requirement("Sensitive personal information (CPRA)", "Additional protections for sensitive data",
                "Enhanced privacy measures for sensitive features", (PII_AUDIT, ANONYMIZE, DP)),
    Requirement("Automated decision-making (CPRA)", "Right to opt out of automated profiling",
                "Provide opt-out mechanism and human review", (FAIRNESS,)),
))

HIPAA = Regulation("hipaa", "HIPAA (Health Insurance Portability and Accountability Act)",
                   "Covered entities and business associates handling Protected Health Information (PHI).", (
    Requirement("Privacy Rule", "PHI must be protected and used only as permitted",
                "De-identify data (Safe Harbor or Expert Determination)", (SAFE_HARBOR, KANON)),
    Requirement("Security Rule", "Technical safeguards for electronic PHI (ePHI)",
                "Encryption, access controls, audit logging", (ENCRYPT_AT_REST, GATEWAY_TLS, GATEWAY_AUTH, AUDIT_LOG)),
    Requirement("Minimum Necessary", "Use/disclose only the minimum PHI needed",
                "Feature selection; anonymize before training", (PII_AUDIT, ANONYMIZE)),
    Requirement("Business Associate Agreement", "Third-party ML services must sign BAA",
                "Ensure cloud/ML providers sign BAAs"),
    Requirement("De-identification (Safe Harbor)", "Remove 18 specified identifiers",
                "Automated PII detection and removal", (PII_AUDIT, SAFE_HARBOR)),
    Requirement("Audit controls", "Track access to PHI", "Comprehensive audit logging", (AUDIT_LOG,)),
))

REGULATIONS: dict[str, Regulation] = {r.key: r for r in (GDPR, CCPA, HIPAA)}

COMPLIANCE_MATRIX: tuple[ComplianceAction, ...] = (
    ComplianceAction("PII detection in training data", "Required", "Required", "Required (PHI)", (PII_AUDIT,),
                     ("pii-detection",)),
    ComplianceAction("Data anonymization / de-identification", "Recommended", "Recommended",
                     "Required (Safe Harbor)", (ANONYMIZE, SAFE_HARBOR, KANON), ("anonymization",)),
    ComplianceAction("Differential privacy", "Recommended", "Recommended", "Recommended", (DP, MIA),
                     ("differential-privacy", "privacy-budget")),
    ComplianceAction("Right to deletion / unlearning", "Required", "Required", "Not explicit", ()),
    ComplianceAction("Audit logging", "Required", "Required", "Required", (AUDIT_LOG,), ("audit-logging",)),
    ComplianceAction("Data encryption (at rest + transit)", "Required", "Required", "Required",
                     (ENCRYPT_AT_REST, GATEWAY_TLS), ("tls", "mtls", "training-environment")),
    ComplianceAction("Access controls / RBAC", "Required", "Required", "Required", (GATEWAY_AUTH,),
                     ("authentication", "rbac", "data-access-control")),
    ComplianceAction("Breach notification", "72 hours", "72 hours (AG)", "60 days", (AUDIT_LOG,),
                     ("incident-response",)),
    ComplianceAction("Impact assessment", "DPIA required", "Not required", "Risk analysis",
                     (PII_AUDIT, MIA, FAIRNESS, CHECKLIST_CMD), ("threat-model",)),
    ComplianceAction("Model explainability", "Required (Art. 22)", "Right to opt out", "Not explicit", ()),
    ComplianceAction("Data processing records", "Required", "Required", "Required", (AUDIT_LOG, SBOM),
                     ("data-provenance", "model-provenance")),
    ComplianceAction("Consent management", "Often required", "Opt-out model", "Authorization", ()),
)


def matrix_rows(regulation: str | None = None) -> list[dict[str, Any]]:
    """The matrix as dicts; with ``regulation`` (gdpr/ccpa/hipaa) only that column is kept."""
    rows = [a.to_dict() for a in COMPLIANCE_MATRIX]
    if regulation is None:
        return rows
    others = set(REGULATIONS) - {regulation}
    return [{k: v for k, v in row.items() if k not in others} for row in rows]
