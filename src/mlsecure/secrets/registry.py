"""The explicit registry of secret detectors: name -> class, built-ins first, then your own.

``register("my-token", MyTokenDetector)`` adds a detector; every ``SecretScanner`` built without an
explicit ``detectors=`` list then runs it. Nothing registers itself at import time.
"""

from __future__ import annotations

from mlsecure.errors import ConfigError
from mlsecure.plugins import PluginRegistry
from mlsecure.secrets.detectors import (
    api_arguments,
    command_line,
    context,
    docker_config,
    entropy,
    generic,
    providers,
    structured,
    table,
)
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
    "provider-rules": table.ProviderRules,
    "private-key": structured.PrivateKeyBlock,
    "base64-private-key": structured.Base64PrivateKey,
    "base64-credential-file": structured.Base64CredentialDocument,
    "docker-config-auth": docker_config.DockerConfigAuth,
    "jwt": structured.JsonWebToken,
    "database-url": structured.DatabaseUrl,
    "url-credentials": structured.UrlCredentials,
    "command-line-password": command_line.CommandLinePassword,
    "environment-credential": command_line.EnvironmentCredential,
    "netrc-password": command_line.NetrcPassword,
    "credential-api-argument": api_arguments.CredentialApiArgument,
    "keyword-assignment": generic.KeywordAssignment,
    "keyword-context-token": context.KeywordContextToken,
    "high-entropy-string": generic.HighEntropyString,
    "context-entropy": entropy.ContextEntropy,
}

_plugins = PluginRegistry("secret detector", Detector, BUILTIN_DETECTORS)
register = _plugins.register
unregister = _plugins.unregister
detector_classes = _plugins.classes


def build_detectors(names: list[str] | None = None) -> list[Detector]:
    """Instances of the named detectors (all registered ones when ``names`` is None)."""
    known = _plugins.classes()
    chosen = list(known) if names is None else names
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ConfigError(f"unknown secret detector(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [known[n]() for n in chosen]
