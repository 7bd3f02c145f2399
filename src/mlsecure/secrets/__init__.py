"""Secret management for ML pipelines (guide section 13): scan files for leaked credentials and read
secrets at run time from providers (environment, files, HashiCorp Vault) without ever logging them.

OWASP ML06 (AI supply chain), MITRE ATLAS AML.T0055 (Unsecured Credentials).
"""

from mlsecure.secrets.providers import (
    ChainProvider,
    EnvProvider,
    FileProvider,
    Secret,
    SecretNotFoundError,
    SecretProvider,
    VaultProvider,
)
from mlsecure.secrets.registry import build_detectors, detector_classes, register
from mlsecure.secrets.scanner import SecretFinding, SecretScanner, SecretScanResult, load_baseline

__all__ = [
    "ChainProvider",
    "EnvProvider",
    "FileProvider",
    "Secret",
    "SecretFinding",
    "SecretNotFoundError",
    "SecretProvider",
    "SecretScanResult",
    "SecretScanner",
    "VaultProvider",
    "build_detectors",
    "detector_classes",
    "load_baseline",
    "register",
]
