"""Aggregation rules for federated learning, one module per rule, and their registry."""

from mlsecure.federated.aggregators.bulyan import Bulyan
from mlsecure.federated.aggregators.clipping import CenteredClipping, NormBound
from mlsecure.federated.aggregators.fedavg import FedAvg
from mlsecure.federated.aggregators.geometric_median import GeometricMedian
from mlsecure.federated.aggregators.interface import AggregationResult, Aggregator, AggregatorError
from mlsecure.federated.aggregators.krum import Krum, MultiKrum
from mlsecure.federated.aggregators.median import CoordinateMedian
from mlsecure.federated.aggregators.registry import (
    aggregator_classes,
    build_aggregator,
    register,
    unregister,
)
from mlsecure.federated.aggregators.trimmed_mean import TrimmedMean

__all__ = [
    "AggregationResult", "Aggregator", "AggregatorError", "Bulyan", "CenteredClipping", "CoordinateMedian",
    "FedAvg", "GeometricMedian", "Krum", "MultiKrum", "NormBound", "TrimmedMean", "aggregator_classes",
    "build_aggregator", "register", "unregister",
]
