"""The registry of detectors by name: ``register(name, cls, *, force=False)``, ``create(name, **kw)``.

Nothing registers itself on import: ``_builtins`` lists the shipped detectors and is loaded on first
use; plug-ins call ``register``.
"""

from __future__ import annotations

from typing import Any

from mlsecure.plugins import PluginRegistry
from mlsecure.poisoning.detectors.interface import Detector


def _builtins() -> dict[str, type[Detector]]:
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
    return {cls.name: cls for cls in builtins}


_detectors: PluginRegistry[type[Detector]] = PluginRegistry("poisoning detector", Detector, _builtins)
register = _detectors.register
unregister = _detectors.unregister


def available() -> tuple[str, ...]:
    return tuple(_detectors)


def create(name: str, **settings: Any) -> Detector:
    """An instance of the detector registered as ``name``, with keyword-only ``settings``."""
    return _detectors.get(name)(**settings)
