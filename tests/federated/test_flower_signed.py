"""The Flower strategy with signed updates: authentic updates are aggregated, the rest are rejected."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.federated.aggregators import CoordinateMedian

pytest.importorskip("flwr.server.strategy")
from flwr.common import Code, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays

from mlsecure.federated.flower import (
    CLIENT_KEY,
    ROUND_KEY,
    SIGNATURE_KEY,
    robust_strategy,
    signed_arrays,
)
from mlsecure.federated.signing import UpdateVerifier, sign_update


def _res(arrays: list[np.ndarray], metrics: dict[str, object]) -> FitRes:
    return FitRes(Status(Code.OK, ""), ndarrays_to_parameters(arrays), 5, metrics)


def test_only_authentic_fresh_updates_reach_the_aggregator() -> None:
    rng = np.random.default_rng(3)
    keys = {f"c{i}": Ed25519PrivateKey.generate() for i in range(5)}
    verifier = UpdateVerifier({cid: k.public_key() for cid, k in keys.items()})
    strat = robust_strategy(CoordinateMedian(), verifier=verifier)
    updates = {cid: [rng.normal(size=(2, 3)), rng.normal(size=3)] for cid in keys}
    results = []
    for cid, arrs in updates.items():
        rnd = 4 if cid == "c3" else 5  # c3 replays a round-4 update
        sig = sign_update(keys[cid], signed_arrays(arrs), client=cid, round_number=rnd).signature
        sent = [arrs[0] + 1.0, arrs[1]] if cid == "c2" else arrs  # c2 is altered after signing
        results.append((SimpleNamespace(cid=cid), _res(sent, {CLIENT_KEY: cid, ROUND_KEY: rnd, SIGNATURE_KEY: sig})))
    results.append((SimpleNamespace(cid="x"), _res(updates["c0"], {})))  # unsigned
    params, metrics = strat.aggregate_fit(5, results, [])
    kept = ["c0", "c1", "c4"]
    expected = np.median(np.stack([np.concatenate([a.ravel() for a in updates[c]]) for c in kept]), axis=0)
    np.testing.assert_allclose(np.concatenate([a.ravel() for a in parameters_to_ndarrays(params)]), expected)
    assert sorted(r.client for r in strat.rejections) == ["c2", "c3", "node x"]
    assert metrics["mlsecure_rejected_clients"] == 3
    # nothing authentic: no new model
    strat2 = robust_strategy(CoordinateMedian(), verifier=UpdateVerifier({}))
    assert strat2.aggregate_fit(1, results[:1], [])[0] is None
