"""The deployment's own ServerApp and ClientApp functions (``_server_fn``, ``_client_fn``) driven in this process
for one round: the run config names the robust rule, every client trains on its share and signs, the tampered
update is rejected and the rest are aggregated by that rule. The same functions run in separate processes in
tests/federated/test_flower_deployment.py (there with DP-FedAvg); here, without a dozen process starts, the robust
rule's round is checked against the median computed directly."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

pytest.importorskip("flwr.server.strategy")
from flwr.common import FitIns, ndarrays_to_parameters, parameters_to_ndarrays

from mlsecure.federated.deployment import _client_fn, _server_fn, _write_keys

CLIENTS = 3
RUN = {"rounds": 1, "clients": CLIENTS, "aggregator": "median", "byzantine": 0, "seed": 0, "alpha": 0.5,
       "local-epochs": 1, "lr": 0.5, "dp-clip": 0.0, "dp-noise": 0.0, "dp-delta": 0.0}


def test_one_signed_median_round_of_the_deployment_apps(tmp_path: Path) -> None:
    _write_keys(tmp_path, CLIENTS)
    run = {**RUN, "enrolled-keys": str(tmp_path / "enrolled.json"), "result-path": str(tmp_path / "result.json")}
    strategy = _server_fn(SimpleNamespace(run_config=run, node_config={})).strategy
    initial = parameters_to_ndarrays(strategy.initialize_parameters(None))
    assert [a.shape for a in initial] == [(64, 10), (10,)] and not any(a.any() for a in initial)

    results: list[tuple[Any, Any]] = []
    sent: dict[str, np.ndarray] = {}
    for pid in range(CLIENTS):
        behaviour = "tamper" if pid == 2 else "honest"
        node = {"partition-id": pid, "num-partitions": CLIENTS, "signing-key": str(tmp_path / f"client-{pid}.pem"),
                "behaviour": behaviour}
        client = _client_fn(SimpleNamespace(node_config=node, run_config=run))
        res = client.fit(FitIns(ndarrays_to_parameters(initial), {"server-round": 1}))
        sent[f"client-{pid}"] = np.concatenate([a.ravel() for a in parameters_to_ndarrays(res.parameters)])
        results.append((SimpleNamespace(cid=f"node-{pid}"), res))

    params, _ = strategy.aggregate_fit(1, results, [])
    got = np.concatenate([a.ravel() for a in parameters_to_ndarrays(params)])
    # the median of the two authentic updates (their mean) is the new model; the tampered one never counted
    np.testing.assert_allclose(got, np.median(np.stack([sent["client-0"], sent["client-1"]]), axis=0))
    assert not np.allclose(got, np.median(np.stack(list(sent.values())), axis=0))
    assert [(r.client, r.round) for r in strategy.rejections] == [("client-2", 1)]
    assert "signature does not match" in strategy.rejections[0].reason

    strategy.evaluate(1, params)  # the ServerApp's record, as run_deployment reads it back
    record = json.loads((tmp_path / "result.json").read_text())
    assert record["aggregator"] == "median"
    assert len(record["accuracy"]) == 1 and record["accuracy"][0] > 0.3  # 10 classes: chance is 0.1
    assert [(r["client"], r["round"]) for r in record["rejections"]] == [("client-2", 1)]
