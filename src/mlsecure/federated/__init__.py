"""Federated learning security (guide section 10): robust aggregation, secure aggregation, client-level
DP, signed updates, attack simulators and the simulation harness that measures them.

Heavy or optional parts are imported from their modules: ``mlsecure.federated.flower`` (needs
``flwr``), ``mlsecure.federated.client_dp`` (needs ``dp-accounting`` for accounting).
"""

from mlsecure.federated.aggregators import (
    AggregationResult,
    Aggregator,
    AggregatorError,
    Bulyan,
    CenteredClipping,
    CoordinateMedian,
    FedAvg,
    GeometricMedian,
    Krum,
    MultiKrum,
    NormBound,
    TrimmedMean,
    aggregator_classes,
    build_aggregator,
    register,
    unregister,
)
from mlsecure.federated.attacks import ATTACKS, Attack, build_attack
from mlsecure.federated.secure_aggregation import SecureAggregationError, secure_sum
from mlsecure.federated.signing import SignedUpdate, UpdateAuthenticationError, UpdateVerifier, sign_update
from mlsecure.federated.simulation import SimulationConfig, SimulationResult, simulate
from mlsecure.federated.updates import ClientId, UpdateLayout, stack_updates

__all__ = [
    "ATTACKS", "AggregationResult", "Aggregator", "AggregatorError", "Attack", "Bulyan", "CenteredClipping",
    "ClientId", "CoordinateMedian", "FedAvg", "GeometricMedian", "Krum", "MultiKrum", "NormBound",
    "SecureAggregationError", "SignedUpdate", "SimulationConfig", "SimulationResult", "TrimmedMean",
    "UpdateAuthenticationError", "UpdateLayout", "UpdateVerifier", "aggregator_classes", "build_aggregator",
    "build_attack", "register", "secure_sum", "sign_update", "simulate", "stack_updates", "unregister",
]
