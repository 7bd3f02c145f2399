"""Flower: our aggregators against Flower's own aggregation functions, and the Strategy wrapper.

Flower is optional; these tests skip without it (CI installs it with --no-deps, see .ci/run)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mlsecure.federated.aggregators import Bulyan, CoordinateMedian, FedAvg, Krum, MultiKrum, TrimmedMean

strategy = pytest.importorskip("flwr.server.strategy")
from flwr.common import Code, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays  # noqa: E402
from flwr.server.strategy import aggregate as fa  # noqa: E402

from mlsecure.federated.flower import robust_strategy  # noqa: E402


def _clients(n: int, seed: int = 0) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = [[rng.normal(size=(3, 4)), rng.normal(size=4)] for _ in range(n)]
    out[-1] = [a * 100 for a in out[-1]]  # one outlier
    return out


def _flat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([a.ravel() for a in arrays])


def test_same_answers_as_flower_aggregate_functions() -> None:
    clients = _clients(11)
    results = [(c, 10 + i) for i, c in enumerate(clients)]
    x = np.stack([_flat(c) for c in clients])
    counts = [n for _, n in results]
    np.testing.assert_allclose(FedAvg().aggregate_matrix(x, counts).update, _flat(fa.aggregate(results)))
    np.testing.assert_allclose(CoordinateMedian().aggregate_matrix(x).update, _flat(fa.aggregate_median(results)))
    np.testing.assert_allclose(TrimmedMean(beta=0.2).aggregate_matrix(x).update,
                               _flat(fa.aggregate_trimmed_avg(results, 0.2)))
    np.testing.assert_allclose(Krum(f=2).aggregate_matrix(x).update, _flat(fa.aggregate_krum(results, 2, 0)))
    np.testing.assert_allclose(MultiKrum(f=2, m=5).aggregate_matrix(x, counts).update,
                               np.mean(x[list(MultiKrum(f=2, m=5).aggregate_matrix(x).selected)], axis=0))
    bul = fa.aggregate_bulyan(list(results), num_malicious=2, aggregation_rule=fa.aggregate_krum, to_keep=0)
    np.testing.assert_allclose(Bulyan(f=2).aggregate_matrix(x).update, _flat(bul))


def test_strategy_aggregates_deltas_with_our_rule() -> None:
    clients = _clients(7, seed=1)
    strat = robust_strategy(Krum(f=1), min_fit_clients=7, min_available_clients=7)
    assert isinstance(strat, strategy.FedAvg)
    glob = [np.ones((3, 4)), np.ones(4)]
    strat._global = glob  # what configure_fit records
    results = [(SimpleNamespace(cid=f"c{i}"), FitRes(Status(Code.OK, ""), ndarrays_to_parameters(c), 5, {}))
               for i, c in enumerate(clients)]
    params, metrics = strat.aggregate_fit(1, results, [])
    out = parameters_to_ndarrays(params)
    expected = Krum(f=1).aggregate_matrix(np.stack([_flat(c) - _flat(glob) for c in clients])).update + _flat(glob)
    np.testing.assert_allclose(_flat(out), expected)
    assert [a.shape for a in out] == [(3, 4), (4,)]
    assert metrics["mlsecure_selected_clients"] == 1
    assert strat.aggregate_fit(1, [], []) == (None, {})


def test_strategy_aggregates_in_client_id_order_whatever_the_arrival_order() -> None:
    """Floating-point sums depend on order: the strategy sorts results by client id (client-2 < client-10)."""
    from mlsecure.federated.flower import CLIENT_KEY

    clients = _clients(12, seed=2)
    results = [(SimpleNamespace(cid=f"node{9 - i}"),
                FitRes(Status(Code.OK, ""), ndarrays_to_parameters(c), 3 + i, {CLIENT_KEY: f"client-{i}"}))
               for i, c in enumerate(clients)]
    outs = []
    for order in (range(12), reversed(range(12)), [5, 11, 0, 3, 10, 1, 2, 4, 6, 7, 8, 9]):
        strat = robust_strategy(FedAvg(), min_fit_clients=12, min_available_clients=12)
        params, _ = strat.aggregate_fit(1, [results[i] for i in order], [])
        outs.append(_flat(parameters_to_ndarrays(params)))
    expected = FedAvg().aggregate_matrix(np.stack([_flat(c) for c in clients]), [3 + i for i in range(12)]).update
    for out in outs:
        np.testing.assert_array_equal(out, expected)  # bit for bit: the in-order sum
