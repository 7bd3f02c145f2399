"""The explicit registry of recognizers: the built-ins plus any a user registers."""

from __future__ import annotations

from mlsecure.privacy.pii.recognizers.builtin import BUILTIN
from mlsecure.privacy.pii.recognizers.interface import Recognizer, RecognizerError

_registry: dict[str, Recognizer] = {r.name: r for r in BUILTIN}


def register(name: str, recognizer: Recognizer, *, force: bool = False) -> None:
    """Add ``recognizer`` under ``name``; refuses to replace another one unless ``force``."""
    if name in _registry and _registry[name] != recognizer and not force:
        raise RecognizerError(f"a PII recognizer named {name!r} is already registered")
    _registry[name] = recognizer


def recognizers() -> tuple[Recognizer, ...]:
    """All registered recognizers, most specific first (the classifier breaks ties by this order)."""
    return tuple(_registry.values())
