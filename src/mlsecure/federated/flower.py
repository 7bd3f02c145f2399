"""Any mlsecure aggregator as a Flower ``Strategy`` (Beutel et al. 2020, arXiv:2007.14390).

``robust_strategy(Krum(f=2), min_fit_clients=10, ...)`` returns a ``flwr.server.strategy.FedAvg``
subclass whose ``aggregate_fit`` runs the aggregator instead of the weighted mean; everything else
(client sampling, evaluation, metrics aggregation) stays Flower's. Flower clients send full model
weights; the strategy remembers the global weights it sent in ``configure_fit`` and aggregates the
*deltas* ``w_k - w`` (norm-based rules such as clipping need deltas; distance- and order-based rules
give the same answer either way), then returns ``w + Δ``. Without a previous ``configure_fit`` it
aggregates the weights themselves.

Flower is optional (``pip install "mlsecure[fl]"``) and imported only when this module's functions
run; the class is built on first use.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from mlsecure.errors import require
from mlsecure.federated.aggregators.interface import Aggregator
from mlsecure.federated.updates import UpdateLayout


def robust_strategy(aggregator: Aggregator, **fedavg_options: Any) -> Any:
    """A Flower ``FedAvg`` strategy that aggregates with ``aggregator``; options go to ``FedAvg``."""
    return _strategy_class()(aggregator=aggregator, **fedavg_options)


@functools.cache
def _strategy_class() -> type:
    strategy = require("flwr.server.strategy", "fl")
    common = require("flwr.common", "fl")

    base: Any = strategy.FedAvg

    class RobustStrategy(base):  # type: ignore[misc]  # the base is Any: flwr is imported lazily
        """Flower ``FedAvg`` with an mlsecure aggregator in ``aggregate_fit``."""

        def __init__(self, *, aggregator: Aggregator, **options: Any) -> None:
            super().__init__(**options)
            self.aggregator = aggregator
            self._global: list[np.ndarray] | None = None

        def __repr__(self) -> str:
            return f"RobustStrategy(aggregator={self.aggregator!r})"

        def configure_fit(self, server_round: int, parameters: Any, client_manager: Any) -> Any:
            self._global = common.parameters_to_ndarrays(parameters)
            return super().configure_fit(server_round, parameters, client_manager)

        def aggregate_fit(self, server_round: int, results: list[tuple[Any, Any]],
                          failures: list[Any]) -> tuple[Any, dict[str, Any]]:
            if not results:
                return None, {}
            if not self.accept_failures and failures:
                return None, {}
            arrays = [common.parameters_to_ndarrays(res.parameters) for _, res in results]
            weights = np.array([res.num_examples for _, res in results], dtype=np.float64)
            ids = [str(getattr(proxy, "cid", i)) for i, (proxy, _) in enumerate(results)]
            base = self._global
            named = [{str(j): a for j, a in enumerate(arr)} for arr in arrays]
            layout = UpdateLayout.of(named[0], client=f"client {ids[0]!r}")
            matrix = np.stack([layout.flatten(u, client=f"client {c!r}") for u, c in zip(named, ids, strict=True)])
            offset = None
            if base is not None and len(base) == len(arrays[0]):
                offset = layout.flatten({str(j): a for j, a in enumerate(base)}, client="global model",
                                        dtype=matrix.dtype)
                matrix = matrix - offset
            result = self.aggregator.aggregate_matrix(matrix, weights if self.aggregator.uses_weights else None,
                                                      client_ids=ids)
            vector = result.update if offset is None else offset + result.update
            out = layout.unflatten(vector.astype(matrix.dtype, copy=False))
            params = common.ndarrays_to_parameters([out[str(j)] for j in range(len(out))])
            metrics: dict[str, Any] = {}
            if self.fit_metrics_aggregation_fn:
                metrics = self.fit_metrics_aggregation_fn([(res.num_examples, res.metrics) for _, res in results])
            metrics["mlsecure_selected_clients"] = len(result.selected)
            return params, metrics

    return RobustStrategy
