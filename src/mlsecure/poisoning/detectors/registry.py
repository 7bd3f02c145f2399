"""The registry of detectors by name: ``register(name, cls, *, force=False)``, ``create(name, **kw)``.

Nothing registers itself on import: ``_BUILTINS`` lists the shipped detectors and is loaded on first
use; plug-ins call ``register``.
"""

from __future__ import annotations

from typing import Any

from mlsecure.errors import ConfigError
from mlsecure.poisoning.detectors.interface import Detector

_registry: dict[str, type[Detector]] = {}


def register(name: str, cls: type[Detector], *, force: bool = False) -> None:
    """Add a detector class under ``name``; refuses to replace another class unless ``force``."""
    _load_builtins()
    if name in _registry and _registry[name] is not cls and not force:
        raise ConfigError(f"a poisoning detector named {name!r} is already registered")
    _registry[name] = cls


def available() -> tuple[str, ...]:
    _load_builtins()
    return tuple(_registry)


def create(name: str, **settings: Any) -> Detector:
    """An instance of the detector registered as ``name``, with keyword-only ``settings``."""
    _load_builtins()
    try:
        cls = _registry[name]
    except KeyError:
        raise ConfigError(f"unknown poisoning detector {name!r}; choose from {', '.join(_registry)}") from None
    return cls(**settings)


def _load_builtins() -> None:
    if _registry:
        return
    from mlsecure.poisoning.detectors.clustering import ActivationClusteringDetector
    from mlsecure.poisoning.detectors.ensemble import RankFusionDetector
    from mlsecure.poisoning.detectors.isolation import IsolationForestDetector
    from mlsecure.poisoning.detectors.label_noise import ConfidentLearningDetector, KnnDisagreementDetector
    from mlsecure.poisoning.detectors.spectral import SpectralSignatureDetector, SpectreDetector
    from mlsecure.poisoning.detectors.untangling import UntanglingDetector

    builtins: tuple[type[Detector], ...] = (
        SpectreDetector, SpectralSignatureDetector, ActivationClusteringDetector, IsolationForestDetector,
        KnnDisagreementDetector, ConfidentLearningDetector, RankFusionDetector, UntanglingDetector,
    )
    for cls in builtins:
        _registry[cls.name] = cls
