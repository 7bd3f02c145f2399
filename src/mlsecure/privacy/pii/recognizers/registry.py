"""The explicit registry of recognizers: the built-ins plus any a user registers."""

from __future__ import annotations

from mlsecure.plugins import PluginRegistry
from mlsecure.privacy.pii.recognizers.builtin import BUILTIN
from mlsecure.privacy.pii.recognizers.interface import Recognizer, RecognizerError

# recognizers are values (frozen dataclasses), not classes: one entry per named pattern set
_recognizers: PluginRegistry[Recognizer] = PluginRegistry(
    "PII recognizer", Recognizer, {r.name: r for r in BUILTIN}, instances=True, error=RecognizerError)
register = _recognizers.register
unregister = _recognizers.unregister


def recognizers() -> tuple[Recognizer, ...]:
    """All registered recognizers, most specific first (the classifier breaks ties by this order)."""
    return tuple(_recognizers.classes().values())
