"""The explicit registry of aggregators: name -> class, built-ins first, then your own.

``register("my-rule", MyRule)`` adds a rule; ``build_aggregator("my-rule", f=2)`` then builds it
through ``MyRule.from_config(f=2)``. Nothing registers itself at import time.
"""

from __future__ import annotations

from mlsecure.federated.aggregators.bulyan import Bulyan
from mlsecure.federated.aggregators.clipping import CenteredClipping, NormBound
from mlsecure.federated.aggregators.fedavg import FedAvg
from mlsecure.federated.aggregators.geometric_median import GeometricMedian
from mlsecure.federated.aggregators.interface import Aggregator
from mlsecure.federated.aggregators.krum import Krum, MultiKrum
from mlsecure.federated.aggregators.median import CoordinateMedian
from mlsecure.federated.aggregators.trimmed_mean import TrimmedMean
from mlsecure.plugins import PluginRegistry

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

_plugins = PluginRegistry("aggregator", Aggregator, BUILTIN_AGGREGATORS)
register = _plugins.register
unregister = _plugins.unregister
aggregator_classes = _plugins.classes


def build_aggregator(name: str, *, f: int = 0) -> Aggregator:
    """The aggregator registered as ``name``, configured for ``f`` Byzantine clients."""
    return _plugins.get(name).from_config(f=f)
