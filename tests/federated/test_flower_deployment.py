"""A real Flower deployment: SuperLink and SuperNodes as separate processes on 127.0.0.1.

Slow: a dozen Python processes start (SuperLink, SuperExec, ServerApp, SuperNodes, ClientApps), so one
deployment serves the module and is checked for signed updates and client-level DP together.
Needs Flower's deployment dependencies (sqlalchemy, alembic, grpcio-health-checking, prompt_toolkit; see
docs/federated-learning.md); skips, saying why, without them."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.slow

for _mod in ("flwr", "sqlalchemy", "alembic", "grpc_health", "prompt_toolkit"):
    if importlib.util.find_spec(_mod) is None:
        pytest.skip(f"the Flower deployment needs {_mod}", allow_module_level=True)

from mlsecure.federated.deployment import run_deployment  # noqa: E402


@pytest.mark.timeout(600)
def test_signed_rounds_with_client_clipping_and_noise_in_a_flower_deployment() -> None:
    """One deployment checked for both properties: the ServerApp rejects the update tampered with after signing
    (client 2, every round) and aggregates the authentic ones with DP-FedAvg, reporting the accountant's epsilon.
    (The robust rule's round through the same ServerApp and ClientApp functions: test_deployment_apps.py.)"""
    from mlsecure.federated.client_dp import federated_epsilon
    from mlsecure.federated.deployment import DeploymentDP

    dp = DeploymentDP(clip_norm=0.5, noise_multiplier=1.1, delta=1e-5)
    res = run_deployment(clients=3, rounds=2, aggregator="dp-fedavg", dp=dp, behaviours={2: "tamper"}, timeout=580)
    assert res.aggregator == "dp-fedavg"
    assert len(res.accuracy) == 2
    # the signatures: client 2's update is refused in each round, the two authentic ones are aggregated
    assert res.accepted == (2, 2)
    assert [(r["client"], r["round"]) for r in res.rejections] == [("client-2", 1), ("client-2", 2)]
    assert all("signature does not match" in r["reason"] for r in res.rejections)
    # Every client in every round (q = 1): epsilon after r rounds is dp-accounting's for r Gaussian mechanisms.
    assert res.epsilon == tuple(federated_epsilon(noise_multiplier=1.1, sample_rate=1.0, rounds=r,
                                                  delta=1e-5).epsilon for r in (1, 2))
    assert res.delta == 1e-5
    assert res.epsilon[0] < res.epsilon[1]
    # The clients' updates were longer than S before clipping; the server received them clipped to S.
    assert len(res.reported_norms) == 2 and all(len(r) == 2 for r in res.reported_norms)
    assert min(n for r in res.reported_norms for n in r) > 0.5
    assert len(res.received_norms) == 2
    for norms in res.received_norms:
        assert norms == pytest.approx([0.5, 0.5], rel=1e-9)
