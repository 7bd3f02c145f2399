"""SCAn (Tang et al. 2021, arXiv:1908.00686): known answers on Gaussians we generate ourselves, and
end-to-end on blended and clean-label attacks that differ from the benchmark's (pattern, alpha,
target, seed)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from poisoning_helpers import train_mlp  # type: ignore[import-not-found]  # tests/poisoning/poisoning_helpers.py

from mlsecure.poisoning.detectors import create
from mlsecure.poisoning.detectors.untangling import (
    THRESHOLD,
    anomaly_index,
    global_model,
    two_identity_split,
    untangle,
    untangling_statistic,
)
from mlsecure.poisoning.threshold import threshold_scores


def _classes(seed: int, *, n_classes: int = 10, per_class: int = 150, k: int = 16,
             planted: float = 0.0, target: int = 3, shift: float = 6.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian classes sharing one within-class covariance; optionally ``planted`` share of class
    ``target`` moved to a second identity ``shift`` Mahalanobis units away (a trigger feature)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, k)) / np.sqrt(k) + np.eye(k)  # within-class covariance a a^T
    identities = 3.0 * rng.standard_normal((n_classes, k))
    y = np.repeat(np.arange(n_classes), per_class)
    x = identities[y] + rng.standard_normal((len(y), k)) @ a.T
    poison = np.zeros(len(y), dtype=bool)
    if planted:
        rows = np.flatnonzero(y == target)
        poison[rows[: round(planted * len(rows))]] = True
        direction = rng.standard_normal(k)
        # shift by `shift` in the metric of the within-class covariance: a @ unit vector
        x[poison] += shift * (a @ (direction / np.linalg.norm(direction)))
    return x.astype(np.float32), y, poison


def _stats(counts: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sums = np.stack([x[y == c].sum(axis=0) for c in range(len(counts))])
    scat = np.stack([np.cov(x[y == c], rowvar=False) * (counts[c] - 1) for c in range(len(counts))])
    return counts.astype(np.float64), sums, scat


def test_global_model_recovers_known_identity_and_variation_covariances() -> None:
    # r = mu + eps, mu ~ N(0, S_mu), eps ~ N(0, S_eps): the EM estimates come back within sampling error
    rng = np.random.default_rng(0)
    s_mu = np.diag([4.0, 1.0, 0.25])
    s_eps = np.array([[1.0, 0.3, 0.0], [0.3, 1.0, 0.0], [0.0, 0.0, 0.5]])
    n_classes, per = 400, 40
    ids = rng.multivariate_normal(np.zeros(3), s_mu, n_classes)
    y = np.repeat(np.arange(n_classes), per)
    x = ids[y] + rng.multivariate_normal(np.zeros(3), s_eps, len(y))
    est_mu, est_eps, est_ids = global_model(*_stats(np.full(n_classes, per), x - x.mean(axis=0), y))
    np.testing.assert_allclose(est_eps, s_eps, atol=0.05)  # 16,000 residuals: sd of an entry ~ 0.01
    np.testing.assert_allclose(est_mu, s_mu, atol=0.1 * 4.0)  # 400 identities: sd ~ 0.07 * variance
    assert est_ids.shape == (n_classes, 3)


def test_statistic_separates_two_identities_from_one_by_the_expected_amount() -> None:
    # for a split at share p of two identities Delta Mahalanobis units apart, the log-likelihood
    # ratio per row is p (1 - p) Delta^2 (= 0.21 * 36 = 7.56); one Gaussian gives only its best
    # split's gain, about 2/pi along one axis plus small sampling terms
    rng = np.random.default_rng(1)
    k, m, p, delta = 6, 2000, 0.3, 6.0
    s_eps = np.eye(k)
    s_mu = 9.0 * np.eye(k)
    one = rng.standard_normal((m, k))
    two = rng.standard_normal((m, k))
    two[: int(p * m), 0] += delta
    f = np.linalg.inv(s_eps)
    j_one = untangling_statistic(one, s_mu, s_eps, two_identity_split(one, f))
    g = two_identity_split(two, f)
    j_two = untangling_statistic(two, s_mu, s_eps, g)
    assert j_two == pytest.approx(p * (1 - p) * delta**2, rel=0.1)
    assert 0.3 < j_one < 1.2
    assert (g[: int(p * m)] != g[int(p * m):].mean().round()).mean() > 0.99  # the split is the planted one


def test_anomaly_index_is_the_robust_z_of_the_normalised_statistic() -> None:
    stat = np.array([1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 10.0])
    a = stat / 10.0
    mad = 1.4826 * np.median(np.abs(a - np.median(a)))
    np.testing.assert_allclose(anomaly_index(stat), (a - np.median(a)) / mad)
    assert anomaly_index(stat)[-1] > THRESHOLD and (anomaly_index(stat)[:-1] < THRESHOLD).all()


@pytest.mark.parametrize(("planted", "shift"), [(0.15, 6.0), (0.3, 6.0), (0.6, 60.0)])
def test_untangle_flags_exactly_the_planted_class_and_rows(planted: float, shift: float) -> None:
    # 0.6: the poison is the majority of its class; it is still picked when its identity is more
    # than twice (squared metric) as far from the other classes as the clean component's (shift 60;
    # at 24 and 40 it is not, see the next test); "the smaller cluster" alone flags the clean rows
    x, y, poison = _classes(2, planted=planted, shift=shift)
    u = untangle(x, y)
    assert np.flatnonzero(u.infected).tolist() == [3]
    assert (u.poison == poison).mean() > 0.995
    assert (u.scores[y != 3] <= 0).all()


@pytest.mark.parametrize("seed", [3, 4, 5, 6, 7])
def test_untangle_clears_clean_gaussian_classes(seed: int) -> None:
    x, y, _ = _classes(seed)
    u = untangle(x, y)
    assert not u.infected.any() and not u.poison.any(), np.round(u.anomaly, 2)


def test_majority_poison_without_a_novel_identity_is_misoriented() -> None:
    # the documented limit: 60% of the class moved only 6 units is taken for the clean side
    x, y, poison = _classes(2, planted=0.6, shift=6.0)
    u = untangle(x, y)
    assert u.infected[3] and (u.poison[y == 3] == ~poison[y == 3]).mean() > 0.99


def test_too_few_classes_are_never_judged() -> None:
    x, y, _ = _classes(8, n_classes=4, planted=0.3, target=1)
    assert not untangle(x, y).infected.any()


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(0.01, 100.0))
def test_untangle_is_invariant_to_row_order_and_feature_scale(seed: int, scale: float) -> None:
    x, y, _ = _classes(seed % 7, per_class=60, k=8, planted=0.3)
    order = np.random.default_rng(seed).permutation(len(y))
    base = untangle(x, y)
    moved = untangle(x[order] * np.float32(scale), y[order])
    np.testing.assert_array_equal(moved.infected, base.infected)
    np.testing.assert_allclose(moved.statistic, base.statistic, rtol=1e-3, atol=1e-6)
    np.testing.assert_array_equal(moved.poison, base.poison[order])


def test_class_test_scores_threshold_at_zero() -> None:
    x, y, _ = _classes(9, planted=0.3)
    scores = create("untangling").score(x, y)
    result = threshold_scores(scores, y, kind="class_test")
    np.testing.assert_array_equal(result.flagged, scores > 0)
    assert result.abnormal_classes == (3,)
    assert result.expected_fpr < 0.01  # components 6 units apart: Phi(-3) = 0.0013


# ---- end to end on digits: attacks the benchmark does not use -----------------------------------

torch = pytest.importorskip("torch")


def _activations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    net = train_mlp(x, y)
    with torch.no_grad():
        out: np.ndarray = net[1](net[0](torch.from_numpy(np.asarray(x, np.float32)))).numpy()
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("alpha", "target", "seed"), [(0.15, 7, 3), (0.3, 5, 4)])
def test_blended_random_noise_trigger_found_in_activations(digits_split, alpha, target, seed) -> None:  # type: ignore[no-untyped-def]
    from mlsecure.poisoning import detection_metrics, scan_poisoning, simulate

    train, _ = digits_split
    p = simulate.blended(train.x, train.y, target=target, rate=0.05, alpha=alpha, seed=seed)
    scan = scan_poisoning(p.x, p.y, representations=_activations(p.x, p.y))
    run = detection_metrics(scan.run("untangling@activations").result.flagged, p.is_poisoned)
    assert run.recall >= 0.9 and run.precision >= 0.8, run
    verdict = detection_metrics(scan.suspicious, p.is_poisoned)
    assert verdict.recall >= 0.9 and verdict.precision >= 0.5, verdict
    assert [v.label for v in scan.verdicts] == [target]


@pytest.mark.slow
def test_clean_label_patch_on_another_class_corner_and_size(digits_split) -> None:  # type: ignore[no-untyped-def]
    # the benchmark uses a 2x2 bottom-right patch on class 4 at 5%; this is 3x3 top-left on 6 at 3%.
    # (A clean-label *blend* at alpha 0.2-0.3 is not learned by this MLP, ASR 0.08-0.18, and SCAn does
    # not see it either: docs/poisoning.md lists it under the limits.)
    from mlsecure.poisoning import detection_metrics, scan_poisoning, simulate

    train, _ = digits_split
    trigger = simulate.patch_trigger(64, image_shape=(8, 8), size=3, corner="top-left")
    p = simulate.clean_label(train.x, train.y, trigger=trigger, target=6, rate=0.03, seed=2)
    scan = scan_poisoning(p.x, p.y, representations=_activations(p.x, p.y))
    verdict = detection_metrics(scan.suspicious, p.is_poisoned)
    assert verdict.recall >= 0.9 and verdict.precision >= 0.8, verdict
    assert [v.label for v in scan.verdicts] == [6]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_digit_splits_are_cleared(digits, seed) -> None:  # type: ignore[no-untyped-def]
    order = np.random.default_rng(seed).permutation(len(digits.x))[: int(0.7 * len(digits.x))]
    x, y = digits.x[order], digits.y[order]
    for features in (x, _activations(x, y)):
        u = untangle(features, y)
        assert not u.infected.any(), np.round(u.anomaly, 2)
