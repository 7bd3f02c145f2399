"""The explicit registry of secret detectors: name -> class, built-ins first, then your own.

``register("my-token", MyTokenDetector)`` adds a detector; every ``SecretScanner`` built without an
explicit ``detectors=`` list then runs it. Nothing registers itself at import time.
"""

from __future__ import annotations

from mlsecure.errors import ConfigError
from mlsecure.secrets.detectors import generic, providers, structured
from mlsecure.secrets.interface import Detector

BUILTIN_DETECTORS: dict[str, type[Detector]] = {
    "aws-access-key-id": providers.AwsAccessKeyId,
    "aws-secret-access-key": providers.AwsSecretAccessKey,
    "github-token": providers.GitHubToken,
    "github-fine-grained-token": providers.GitHubFineGrainedToken,
    "gitlab-token": providers.GitLabToken,
    "slack-token": providers.SlackToken,
    "stripe-key": providers.StripeKey,
    "google-api-key": providers.GoogleApiKey,
    "openai-api-key": providers.OpenAIKey,
    "anthropic-api-key": providers.AnthropicKey,
    "huggingface-token": providers.HuggingFaceToken,
    "wandb-api-key": providers.WandbApiKey,
    "azure-storage-key": providers.AzureStorageConnectionString,
    "private-key": structured.PrivateKeyBlock,
    "jwt": structured.JsonWebToken,
    "database-url": structured.DatabaseUrl,
    "keyword-assignment": generic.KeywordAssignment,
    "high-entropy-string": generic.HighEntropyString,
}

_registry: dict[str, type[Detector]] = dict(BUILTIN_DETECTORS)


def register(name: str, cls: type[Detector], *, force: bool = False) -> None:
    """Add a detector class under ``name``; refuses to replace another class unless ``force``."""
    if not isinstance(cls, type) or not issubclass(cls, Detector):
        raise ConfigError(f"detector {name!r} must be a Detector subclass, got {cls!r}")
    if name in _registry and _registry[name] is not cls and not force:
        raise ConfigError(f"a secret detector named {name!r} is already registered "
                          f"({_registry[name].__module__}.{_registry[name].__qualname__}); pass force=True")
    _registry[name] = cls


def unregister(name: str) -> None:
    """Remove ``name`` (tests and plug-ins that replace a built-in)."""
    if name not in _registry:
        raise ConfigError(f"no secret detector named {name!r}; known: {', '.join(sorted(_registry))}")
    del _registry[name]


def detector_classes() -> dict[str, type[Detector]]:
    """Name to class, in registration order."""
    return dict(_registry)


def build_detectors(names: list[str] | None = None) -> list[Detector]:
    """Instances of the named detectors (all registered ones when ``names`` is None)."""
    chosen = list(_registry) if names is None else names
    unknown = [n for n in chosen if n not in _registry]
    if unknown:
        raise ConfigError(f"unknown secret detector(s) {', '.join(unknown)}; known: {', '.join(sorted(_registry))}")
    return [_registry[n]() for n in chosen]
