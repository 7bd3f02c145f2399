"""Secure aggregation (Bonawitz et al. 2017): exact sums, uniform masked views, dropout recovery."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare, kstest

from mlsecure.errors import ConfigError
from mlsecure.federated import shamir
from mlsecure.federated.secure_aggregation import (
    SecAggClient,
    SecAggConfig,
    SecAggServer,
    SecureAggregationError,
    secure_sum,
)
from mlsecure.federated.updates import ClientId


def _updates(n: int, d: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"c{i:02d}": rng.normal(0, 3, size=d) for i in range(n)}


def test_sum_equals_plaintext_sum_within_quantisation() -> None:
    ups = _updates(7, 500)
    res = secure_sum(ups, threshold=4, frac_bits=24)
    expected = np.sum(list(ups.values()), axis=0)
    # each client rounds to 2^-24, so |error| <= n * 2^-25
    assert np.abs(res.total - expected).max() <= 7 * 2.0**-25
    assert res.dropped == ()


def test_a_masked_update_looks_uniform_to_the_server() -> None:
    ups = {f"c{i}": np.zeros(20_000) for i in range(5)}  # the most structured input there is
    res = secure_sum(ups, threshold=3)
    y = res.masked["c2"]
    top = (y >> np.uint64(56)).astype(np.int64)  # the top byte of each 64-bit word
    assert chisquare(np.bincount(top, minlength=256)).pvalue > 1e-4
    assert kstest(y.astype(np.float64) / 2.0**64, "uniform").pvalue > 1e-4
    # the test has power: the unmasked fixed-point encoding of a real update is far from uniform
    plain = SecAggConfig(threshold=3).encode(np.random.default_rng(0).normal(size=20_000))
    assert kstest(plain.astype(np.float64) / 2.0**64, "uniform").pvalue < 1e-10
    np.testing.assert_allclose(res.total, 0.0, atol=1e-12)


def test_dropped_clients_masks_are_removed_with_t_survivors() -> None:
    ups = _updates(8, 300, seed=1)
    res = secure_sum(ups, threshold=5, drop_after_sharing=["c01", "c06", "c07"])
    expected = np.sum([v for k, v in ups.items() if k not in {"c01", "c06", "c07"}], axis=0)
    assert np.abs(res.total - expected).max() <= 8 * 2.0**-25
    assert res.dropped == ("c01", "c06", "c07")


def test_fewer_than_t_survivors_fail_with_a_clear_error() -> None:
    ups = _updates(8, 50, seed=2)
    with pytest.raises(SecureAggregationError, match=r"only 4 clients answered .* t=5"):
        secure_sum(ups, threshold=5, drop_after_sharing=["c00", "c01", "c02", "c03"])
    with pytest.raises(SecureAggregationError, match=r"only 4 clients answered .* t=5"):
        secure_sum(ups, threshold=5, drop_after_sharing=["c00"], drop_before_unmasking=["c01", "c02", "c03"])
    # exactly t responders still works
    res = secure_sum(ups, threshold=5, drop_after_sharing=["c00"], drop_before_unmasking=["c01", "c02"])
    expected = np.sum([v for k, v in ups.items() if k != "c00"], axis=0)
    assert np.abs(res.total - expected).max() <= 8 * 2.0**-25


def test_a_client_refuses_to_reveal_both_shares_of_one_peer() -> None:
    cfg = SecAggConfig(threshold=2)
    ids = [ClientId("a"), ClientId("b"), ClientId("c")]
    clients = {c: SecAggClient(c, dim=4, config=cfg) for c in ids}
    server = SecAggServer(dim=4, config=cfg)
    roster = server.collect_adverts([clients[c].advertise() for c in ids])
    inbox = server.route({c: clients[c].share_keys(roster) for c in ids})
    for c in ids:
        clients[c].receive_shares(inbox[c])
    with pytest.raises(SecureAggregationError, match="both shares"):
        clients["a"].unmask(["a", "b"], ["b", "c"])


def test_tampered_share_is_detected() -> None:
    cfg = SecAggConfig(threshold=2)
    ids = [ClientId("a"), ClientId("b"), ClientId("c")]
    clients = {c: SecAggClient(c, dim=4, config=cfg) for c in ids}
    server = SecAggServer(dim=4, config=cfg)
    roster = server.collect_adverts([clients[c].advertise() for c in ids])
    inbox = server.route({c: clients[c].share_keys(roster) for c in ids})
    blob = bytearray(inbox["b"]["a"])
    blob[-1] ^= 1
    with pytest.raises(SecureAggregationError, match="failed authentication"):
        clients["b"].receive_shares({"a": bytes(blob)})


def test_threshold_and_ring_are_checked() -> None:
    with pytest.raises(ConfigError, match="n/2 < t <= n"):
        secure_sum(_updates(6, 3), threshold=3)
    with pytest.raises(ConfigError, match="overflows"):
        secure_sum(_updates(4, 3), threshold=3, clip=1e12)


def test_shamir_threshold() -> None:
    secret = bytes(range(32))
    shares = shamir.split(secret, xs=[1, 2, 3, 4, 5], threshold=3)
    assert shamir.combine({k: shares[k] for k in (2, 4, 5)}, threshold=3, length=32) == secret
    assert shamir.combine({k: shares[k] for k in (1, 3, 5)}, threshold=3, length=32) == secret
    with pytest.raises(ValueError, match="2 shares cannot recover"):
        shamir.combine({k: shares[k] for k in (1, 2)}, threshold=3, length=32)
