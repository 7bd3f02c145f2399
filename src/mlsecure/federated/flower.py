"""Any mlsecure aggregator as a Flower ``Strategy`` (Beutel et al. 2020, arXiv:2007.14390).

``robust_strategy(Krum(f=2), min_fit_clients=10, ...)`` returns a ``flwr.server.strategy.FedAvg``
subclass whose ``aggregate_fit`` runs the aggregator instead of the weighted mean; everything else
(client sampling, evaluation, metrics aggregation) stays Flower's. Flower clients send full model
weights; the strategy remembers the global weights it sent in ``configure_fit`` and aggregates the
*deltas* ``w_k - w`` (norm-based rules such as clipping need deltas; distance- and order-based rules
give the same answer either way), then returns ``w + Δ``. Without a previous ``configure_fit`` it
aggregates the weights themselves.

With ``verifier`` (an ``UpdateVerifier`` holding the enrolled Ed25519 keys), every result must carry the
client's id, round and signature over the weights it sent in its fit metrics (``mlsecure-client``,
``mlsecure-round``, ``mlsecure-signature``); unsigned, tampered, replayed or unknown updates are dropped
before aggregation and listed in ``strategy.rejections``. Results are aggregated in the natural order of
their client ids (the ``mlsecure-client`` metric, else Flower's node id), not in arrival order, so a
round's aggregate does not depend on which client finished first.

Flower is optional (``pip install "mlsecure[fl]"``) and imported only when this module's functions
run; the class is built on first use.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from mlsecure.errors import require
from mlsecure.federated.aggregators.interface import Aggregator
from mlsecure.federated.signing import Rejection, SignedUpdate, UpdateVerifier
from mlsecure.federated.updates import ClientId, UpdateLayout

CLIENT_KEY, ROUND_KEY, SIGNATURE_KEY = "mlsecure-client", "mlsecure-round", "mlsecure-signature"


def robust_strategy(aggregator: Aggregator, *, verifier: UpdateVerifier | None = None, **fedavg_options: Any) -> Any:
    """A Flower ``FedAvg`` strategy that aggregates with ``aggregator``; options go to ``FedAvg``."""
    return _strategy_class()(aggregator=aggregator, verifier=verifier, **fedavg_options)


def signed_arrays(arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The update dict a client signs for the weights list it sends (keys ``"0"``, ``"1"``, ...)."""
    return {str(j): a for j, a in enumerate(arrays)}


def _natural(client: str) -> tuple[str, int, str]:
    """Sort key: ``client-2`` before ``client-10`` (a trailing number compares as a number)."""
    head = client.rstrip("0123456789")
    tail = client[len(head):]
    return (head, int(tail) if tail else -1, tail)


@functools.cache
def _strategy_class() -> type:
    strategy = require("flwr.server.strategy", "fl")
    common = require("flwr.common", "fl")

    base: Any = strategy.FedAvg

    class RobustStrategy(base):  # type: ignore[misc]  # the base is Any: flwr is imported lazily
        """Flower ``FedAvg`` with an mlsecure aggregator in ``aggregate_fit``."""

        def __init__(self, *, aggregator: Aggregator, verifier: UpdateVerifier | None = None,
                     **options: Any) -> None:
            super().__init__(**options)
            self.aggregator = aggregator
            self.verifier = verifier
            self.rejections: list[Rejection] = []
            self._global: list[np.ndarray] | None = None

        def _authentic(self, server_round: int, results: list[tuple[Any, Any]]
                       ) -> tuple[list[tuple[Any, Any]], list[str]]:
            if self.verifier is None:
                return results, [str(res.metrics.get(CLIENT_KEY, getattr(proxy, "cid", i)))
                                 for i, (proxy, res) in enumerate(results)]
            kept, ids = [], []
            for proxy, res in results:
                m = res.metrics
                claimed = str(m.get(CLIENT_KEY, f"node {getattr(proxy, 'cid', '?')}"))
                sig, rnd = m.get(SIGNATURE_KEY), m.get(ROUND_KEY)
                if not isinstance(sig, bytes) or not isinstance(rnd, int):
                    self.rejections.append(Rejection(ClientId(claimed), server_round,
                                                     f"client {claimed!r}: unsigned update"))
                    continue
                signed = SignedUpdate(ClientId(claimed), rnd,
                                      signed_arrays(common.parameters_to_ndarrays(res.parameters)), sig)
                accepted, rejected = self.verifier.verify_all([signed], round_number=server_round)
                self.rejections.extend(rejected)
                if accepted:
                    kept.append((proxy, res))
                    ids.append(claimed)
            return kept, ids

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
            results, ids = self._authentic(server_round, results)
            if not results:
                return None, {"mlsecure_rejected_clients": len(self.rejections)}
            order = sorted(range(len(ids)), key=lambda i: _natural(ids[i]))
            results, ids = [results[i] for i in order], [ids[i] for i in order]
            arrays = [common.parameters_to_ndarrays(res.parameters) for _, res in results]
            weights = np.array([res.num_examples for _, res in results], dtype=np.float64)
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
            metrics["mlsecure_rejected_clients"] = len(self.rejections)
            return params, metrics

    return RobustStrategy
