"""Thresholds: Otsu known answers, the class-first rule, conformal reference cuts, paper quotas."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.errors import InputError
from mlsecure.poisoning.linalg import class_moments, project
from mlsecure.poisoning.threshold import otsu, robust_z, threshold_scores


def test_otsu_two_point_masses_is_exact() -> None:
    cut, eta2 = otsu(np.array([0.0] * 7 + [5.0] * 3))
    assert cut == 0.0 and eta2 == pytest.approx(1.0)


def test_otsu_of_a_gaussian_is_two_over_pi() -> None:
    # Otsu's cut of N(0,1) is at 0; the halves have means +-sqrt(2/pi): eta2 = 2/pi (closed form)
    z = np.random.default_rng(0).standard_normal(200_000)
    cut, eta2 = otsu(z)
    assert abs(cut) < 0.02 and eta2 == pytest.approx(2 / np.pi, abs=0.005)


def test_robust_z_known_answer() -> None:
    z = robust_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z[2] == 0.0 and z[4] == pytest.approx(97 / 1.4826)


def _planted(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(8), 200)
    scores = rng.standard_normal(len(labels))
    poison = np.zeros(len(labels), dtype=bool)
    poison[labels == 5] = rng.random(200) < 0.3
    scores[poison] += 8.0
    return scores, labels, poison


def test_auto_finds_the_target_class_then_its_poison() -> None:
    scores, labels, poison = _planted()
    th = threshold_scores(scores, labels)
    assert th.abnormal_classes == (5,)
    np.testing.assert_array_equal(th.flagged, poison)
    # the cut sits 2.35 robust sd above class 5's clean bulk (median 0.24, MAD-sd 1.12 in this draw);
    # the N(0, 1) tail there is 0.0095, and the clean classes' own tails report about that
    from scipy.stats import norm

    assert th.expected_fpr == pytest.approx(norm.sf(2.3459), abs=0.004)


def test_auto_flags_nothing_without_poison() -> None:
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(10), 150)
    for scores in (rng.standard_normal(1500), rng.exponential(size=1500), rng.standard_t(3, 1500)):
        assert not threshold_scores(scores, labels).flagged.any()


def test_side_evidence_picks_the_poison_side_when_it_is_the_majority() -> None:
    scores, labels, _ = _planted()
    rows = np.flatnonzero(labels == 5)
    poison = np.zeros(len(labels), dtype=bool)
    poison[rows[:120]] = True  # 60% of the class
    scores = np.where(labels == 5, 0.0, scores) + np.random.default_rng(2).standard_normal(len(labels)) * 0.3
    scores[rows[120:]] += 8.0  # the clean minority is the upper mode
    evidence = poison.astype(float)
    th = threshold_scores(scores, labels, side_evidence=evidence)
    np.testing.assert_array_equal(th.flagged, poison)


def test_reference_rule_is_conformal() -> None:
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1], 5000)
    scores = rng.standard_normal(10_000)
    reference = rng.random(10_000) < 0.5
    th = threshold_scores(scores, labels, rule="reference", reference=reference, fpr=0.05)
    # null data: the share flagged among the non-reference rows is about fpr (and at most, on average)
    share = th.flagged[~reference].mean()
    assert 0.03 < share < 0.06 and not th.flagged[reference].any()


def test_contamination_rule_counts() -> None:
    scores, labels, _ = _planted()
    th = threshold_scores(scores, labels, rule="contamination", rate=0.05, factor=1.5, per_class=True)
    assert th.flagged.sum() == 8 * round(0.075 * 200)  # Tran et al.: 1.5 eps of every class
    glob = threshold_scores(scores, labels, rule="contamination", rate=0.05)
    assert glob.flagged.sum() == round(0.075 * 1600)
    with pytest.raises(InputError):
        threshold_scores(scores, labels, rule="contamination")


def test_blocked_moments_match_numpy() -> None:
    x = np.random.default_rng(4).normal(1000.0, 3.0, (1037, 7))
    rows = np.arange(0, 1037, 2)
    mean, cov = class_moments(x, rows, block=64)
    # float32 Gram blocks after a float64 shift: ~1e-7 relative on the covariance
    np.testing.assert_allclose(mean, x[rows].mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(cov, np.cov(x[rows], rowvar=False), rtol=1e-5, atol=1e-5)
    basis = np.eye(7)[:, :3]
    np.testing.assert_allclose(project(x, rows, mean, basis, block=50), (x[rows] - mean)[:, :3], atol=1e-5)
