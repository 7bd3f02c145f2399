"""The explicit registry of aggregators: name -> class, built-ins first, then your own.

``register("my-rule", MyRule)`` adds a rule; ``build_aggregator("my-rule", f=2)`` then builds it
through ``MyRule.from_config(f=2)``. Nothing registers itself at import time.
"""

from __future__ import annotations

from mlsecure.errors import ConfigError
from mlsecure.federated.aggregators.bulyan import Bulyan
from mlsecure.federated.aggregators.clipping import CenteredClipping, NormBound
from mlsecure.federated.aggregators.fedavg import FedAvg
from mlsecure.federated.aggregators.geometric_median import GeometricMedian
from mlsecure.federated.aggregators.interface import Aggregator
from mlsecure.federated.aggregators.krum import Krum, MultiKrum
from mlsecure.federated.aggregators.median import CoordinateMedian
from mlsecure.federated.aggregators.trimmed_mean import TrimmedMean

BUILTIN_AGGREGATORS: dict[str, type[Aggregator]] = {
    "fedavg": FedAvg,
    "median": CoordinateMedian,
    "trimmed-mean": TrimmedMean,
    "krum": Krum,
    "multi-krum": MultiKrum,
    "bulyan": Bulyan,
    "geometric-median": GeometricMedian,
    "centered-clipping": CenteredClipping,
    "norm-bound": NormBound,
}

_registry: dict[str, type[Aggregator]] = dict(BUILTIN_AGGREGATORS)


def register(name: str, cls: type[Aggregator], *, force: bool = False) -> None:
    """Add an aggregator class under ``name``; refuses to replace another class unless ``force``."""
    if not isinstance(cls, type) or not issubclass(cls, Aggregator):
        raise ConfigError(f"aggregator {name!r} must be an Aggregator subclass, got {cls!r}")
    if name in _registry and _registry[name] is not cls and not force:
        raise ConfigError(f"an aggregator named {name!r} is already registered "
                          f"({_registry[name].__module__}.{_registry[name].__qualname__}); pass force=True")
    _registry[name] = cls


def unregister(name: str) -> None:
    """Remove ``name`` (tests and plug-ins that replace a built-in)."""
    if name not in _registry:
        raise ConfigError(f"no aggregator named {name!r}; known: {', '.join(sorted(_registry))}")
    del _registry[name]


def aggregator_classes() -> dict[str, type[Aggregator]]:
    """Name to class, in registration order."""
    return dict(_registry)


def build_aggregator(name: str, *, f: int = 0) -> Aggregator:
    """The aggregator registered as ``name``, configured for ``f`` Byzantine clients."""
    if name not in _registry:
        raise ConfigError(f"unknown aggregator {name!r}; known: {', '.join(_registry)}")
    return _registry[name].from_config(f=f)
