"""Supply-chain security of the Python side of an ML system: known-vulnerable dependencies (pip-audit
online, or a local OSV export offline), pins and hash pins, look-alike (typosquat) names, installs from
URLs, index options that allow dependency confusion, and optional trivy / gitleaks / checkov runs; and
what ties a model to its dependencies: the CycloneDX ML-BOM (``sbom.py``) and the signature check.

Ownership (the ``artifacts`` <-> ``supply_chain`` line): ``artifacts/`` owns the model file itself
(format sniffing, the scanners, the load gate, signing, provenance); ``supply_chain/`` owns the
dependencies and the documents that join them to the model. So ``supply_chain`` may import
``artifacts`` (signature verification, file hashes, provenance) and ``artifacts`` never imports
``supply_chain`` (``tests/test_architecture.py`` enforces it).

The public names are imported on first use, so ``mlsecure.supply_chain.checks`` (loaded by every
``mlsecure scan``) does not import ``packaging`` until a check actually runs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AuditResult": "mlsecure.supply_chain.audit",
    "audit_environment": "mlsecure.supply_chain.audit",
    "audit_requirements": "mlsecure.supply_chain.audit",
    "OsvDatabase": "mlsecure.supply_chain.osv",
    "Vulnerability": "mlsecure.supply_chain.osv",
    "RequirementEntry": "mlsecure.supply_chain.requirements",
    "RequirementsFile": "mlsecure.supply_chain.requirements",
    "parse_requirements": "mlsecure.supply_chain.requirements",
    "Sbom": "mlsecure.supply_chain.sbom",
    "build_sbom": "mlsecure.supply_chain.sbom",
    "validate_sbom": "mlsecure.supply_chain.sbom",
    "Typosquat": "mlsecure.supply_chain.typosquat",
    "check_name": "mlsecure.supply_chain.typosquat",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mlsecure.supply_chain' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
