"""The OWASP Machine Learning Security Top 10, with the guide's descriptions and mitigations, and the
real ATLAS techniques each risk corresponds to."""

from __future__ import annotations

from dataclasses import dataclass

from mlsecure.errors import InputError


@dataclass(frozen=True)
class OwaspRisk:
    id: str
    name: str
    description: str
    attack_vectors: tuple[str, ...]
    impact: str
    mitigations: tuple[str, ...]
    atlas: tuple[str, ...]
    mlsecure_checks: tuple[str, ...]  # the --scan groups / commands that test for it


OWASP_ML_TOP10: tuple[OwaspRisk, ...] = (
    OwaspRisk(
        "ML01", "Input Manipulation (Adversarial Examples)",
        "Inputs crafted to make a model mispredict; small, often imperceptible perturbations can flip a "
        "classifier's output with high confidence.",
        ("White-box: FGSM, PGD, C&W, AutoAttack", "Black-box: Boundary, HopSkipJump, transfer attacks",
         "Physical-world: adversarial patches and stickers"),
        "Misclassification in safety-critical systems, bypassed content filters, evaded malware detection.",
        ("Adversarial training (PGD-AT)", "Certified defenses (randomized smoothing, IBP)",
         "Input preprocessing", "Diverse ensembles", "Runtime adversarial input detection"),
        ("AML.T0043", "AML.T0015"), ("scan --scan robustness",),
    ),
    OwaspRisk(
        "ML02", "Data Poisoning",
        "An attacker corrupts the training data so the model learns wrong associations or a backdoor.",
        ("Label flipping", "Backdoor insertion with a trigger pattern", "Clean-label attacks",
         "Compromised data supply chain"),
        "Targeted misclassification, backdoor activation at deployment, degraded models.",
        ("Data provenance tracking", "Spectral signature detection", "Outlier analysis on representations",
         "Robust training", "Retraining on verified data"),
        ("AML.T0020", "AML.T0019", "AML.T0059"), ("scan --scan poisoning",),
    ),
    OwaspRisk(
        "ML03", "Model Inversion",
        "Model outputs are used to reconstruct representations of training data.",
        ("Gradient-based inversion", "Generative (GAN) inversion", "Attribute inference"),
        "Exposure of PII, medical records or faces from the training data.",
        ("Top-k labels only, no confidences", "Calibrated output noise", "Differential privacy",
         "Serve a distilled model"),
        ("AML.T0024.001",), ("privacy audit", "gateway output hardening"),
    ),
    OwaspRisk(
        "ML04", "Membership Inference",
        "Determine whether a record was in the training set; models have lower loss on their training data.",
        ("Loss threshold", "Shadow models", "Entropy / confidence metrics"),
        "Reveals participation in sensitive datasets; regulatory violations.",
        ("Differential privacy", "Strong regularization", "Knowledge distillation", "Rounded probabilities"),
        ("AML.T0024.000",), ("scan --scan membership", "privacy dp"),
    ),
    OwaspRisk(
        "ML05", "Model Theft / Extraction",
        "Systematic queries to an API train a functionally equivalent surrogate.",
        ("Random query synthesis", "Active-learning extraction", "Partial extraction for transfer attacks"),
        "IP theft; surrogates enable white-box attacks.",
        ("Rate limits and query budgets", "Prediction perturbation", "Watermarking",
         "Query-pattern anomaly detection", "Legal protections"),
        ("AML.T0024.002", "AML.T0005"), ("gateway extraction monitor",),
    ),
    OwaspRisk(
        "ML06", "AI Supply Chain Attacks",
        "Compromised dependencies, pretrained models, datasets or training infrastructure.",
        ("Malicious pretrained weights (pickle payloads)", "Compromised packages", "Poisoned public datasets",
         "Compromised CI/CD or clusters"),
        "Backdoored models, code execution through pickle, data exfiltration.",
        ("Pin dependencies with hashes", "Vulnerability audits", "Verify artifact hashes and signatures",
         "Safe formats (safetensors, ONNX)", "Scan model files", "SBOMs for ML artifacts"),
        ("AML.T0010", "AML.T0011.000", "AML.T0018.002"), ("scan --scan supply-chain", "artifact scan", "deps audit"),
    ),
    OwaspRisk(
        "ML07", "Transfer Learning Attack",
        "Backdoors or weaknesses of a pretrained base model propagate to fine-tuned models.",
        ("Backdoored base models", "Adversarial transferability"),
        "Inherited backdoors activate in production.",
        ("Audit base models before fine-tuning", "Adversarial fine-tuning", "Diverse pretrained models",
         "Monitor behaviour changes after fine-tuning"),
        ("AML.T0002.001", "AML.T0018"), ("scan --scan poisoning", "artifact verify"),
    ),
    OwaspRisk(
        "ML08", "Model Skewing",
        "Differences between training and serving data are exploited to degrade accuracy in production.",
        ("Feature distribution shift", "Preprocessing inconsistencies", "Schema changes"),
        "Silent accuracy loss in production.",
        ("Feature validation at serving", "Train/serve distribution tests", "Drift monitoring"),
        ("AML.T0031", "AML.T0059"), ("gateway input validation",),
    ),
    OwaspRisk(
        "ML09", "Output Integrity",
        "Predictions are tampered with after inference (man-in-the-middle on responses).",
        ("Response tampering in transit",),
        "Downstream systems act on forged predictions.",
        ("Sign prediction responses", "Mutual TLS end to end", "Integrity checks on payloads"),
        ("AML.T0031",), ("gateway response signing",),
    ),
    OwaspRisk(
        "ML10", "Model Poisoning (Fine-tuning Backdoors)",
        "Backdoors injected during fine-tuning or continuous learning through corrupted updates.",
        ("Poisoned fine-tuning data", "Malicious federated updates"),
        "Backdoored model updates reach production.",
        ("Validate fine-tuning data", "Compare behaviour before/after fine-tuning", "DP fine-tuning",
         "Approval workflows for model updates"),
        ("AML.T0018.000", "AML.T0020"), ("scan --scan poisoning", "artifact sign/verify"),
    ),
)


def owasp_risk(risk_id: str) -> OwaspRisk:
    for risk in OWASP_ML_TOP10:
        if risk.id == risk_id.upper():
            return risk
    raise InputError(f"unknown OWASP ML risk {risk_id!r}; expected ML01..ML10")
