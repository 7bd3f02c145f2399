"""A real Flower deployment: SuperLink and SuperNodes as separate processes on 127.0.0.1.

Slow: a dozen Python processes start (SuperLink, SuperExec, ServerApp, SuperNodes, ClientApps);
one round: 48-61 s at load average 4-7, 145 s at load 10-15 on 2 shared cores.
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
def test_signed_robust_rounds_in_a_flower_deployment() -> None:
    res = run_deployment(clients=3, rounds=1, aggregator="median", behaviours={2: "tamper"}, timeout=580)
    assert res.aggregator == "median"
    assert len(res.accuracy) == 1
    assert res.accepted == (2,)
    assert [(r["client"], r["round"]) for r in res.rejections] == [("client-2", 1)]
    assert "signature does not match" in res.rejections[0]["reason"]
    assert res.final_accuracy > 0.3  # 10 classes: chance is 0.1; one round from zero weights


@pytest.mark.timeout(600)
def test_client_clipping_and_noise_in_a_flower_deployment_report_the_accountants_epsilon() -> None:
    from mlsecure.federated.client_dp import federated_epsilon
    from mlsecure.federated.deployment import DeploymentDP

    dp = DeploymentDP(clip_norm=0.5, noise_multiplier=1.1, delta=1e-5)
    res = run_deployment(clients=2, rounds=2, aggregator="dp-fedavg", dp=dp, timeout=580)
    assert res.aggregator == "dp-fedavg"
    assert res.accepted == (2, 2)
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
