"""Every detector honours the contract; each finds a planted signal it is built for."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.errors import ConfigError
from mlsecure.poisoning.detectors import (
    ConfidentLearningDetector,
    Detector,
    DetectorError,
    SpectralSignatureDetector,
    available,
    create,
    register,
    split_class,
)
from mlsecure.poisoning.detectors.spectral import que_scores, robust_whiten

NAMES = ("spectre", "spectral", "activation_clustering", "isolation_forest", "knn", "confident_learning",
         "untangling")


def _backdoor_blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four Gaussian classes in 20-d; 30% of class 2 shifted by 6 sd along one axis (a trigger)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), 150)
    x = rng.standard_normal((600, 20)) + 4.0 * np.eye(20)[labels]
    poison = np.zeros(600, dtype=bool)
    poison[np.flatnonzero(labels == 2)[:45]] = True
    x[poison, 10] += 6.0
    return x.astype(np.float32), labels, poison


@pytest.mark.parametrize("name", NAMES)
def test_contract_shapes_and_label_relabelling(name: str) -> None:
    x, y, _ = _backdoor_blobs()
    det = create(name)
    s = det.score(x, y)
    assert s.shape == (600,) and s.dtype == np.float64 and np.isfinite(s).all()
    # class names are opaque: renaming classes (order-preserving) changes nothing
    s2 = create(name).score(x, np.array(["a", "b", "c", "d"])[y])
    np.testing.assert_allclose(s, s2, rtol=1e-6, atol=1e-9)
    with pytest.raises(DetectorError):
        det.score(x, y[:-1])


@pytest.mark.parametrize("name", ["spectre", "spectral", "activation_clustering"])
def test_backdoor_detectors_rank_the_planted_rows_first_in_their_class(name: str) -> None:
    x, y, poison = _backdoor_blobs()
    s = create(name).score(x, y)
    rows = np.flatnonzero(y == 2)
    top = rows[np.argsort(s[rows])[::-1][:45]]
    assert poison[top].mean() >= 0.95


def test_signed_spectral_beats_the_squared_score_at_high_poison_share() -> None:
    # 45% of the class shifted: the squared projection puts clean and poison at 0.45/0.55 of the shift
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 10))
    poison = np.arange(400) < 180
    x[poison, 0] += 5.0
    y = np.zeros(400, dtype=int)
    from sklearn.metrics import roc_auc_score

    signed = roc_auc_score(poison, SpectralSignatureDetector().score(x, y))
    squared = roc_auc_score(poison, SpectralSignatureDetector(statistic="squared").score(x, y))
    assert signed > 0.99 and squared < 0.8


def test_que_scores_of_isotropic_data_average_one() -> None:
    # for whitened data with S = I, Q is the identity up to scale: tau_i = |x_i|^2 / k, mean 1
    w = np.random.default_rng(2).standard_normal((20000, 8))
    w = w @ np.linalg.inv(np.linalg.cholesky(w.T @ w / len(w))).T  # exactly S = I
    assert que_scores(w).mean() == pytest.approx(1.0, rel=1e-9)


def test_robust_whitening_ignores_a_shifted_third() -> None:
    rng = np.random.default_rng(3)
    z = rng.standard_normal((3000, 6))
    z[:1000, 2] += 8.0
    w = robust_whiten(z)
    # the clean two thirds come out (nearly) standard normal; the shifted third sits ~8 sd away
    assert np.allclose(w[1000:].std(axis=0), 1.0, atol=0.1)
    assert abs(w[:1000].mean(axis=0)[np.argmax(np.abs(w[:1000].mean(axis=0)))]) > 6.5


def test_activation_clustering_split_statistics() -> None:
    x, y, poison = _backdoor_blobs()
    rows = np.flatnonzero(y == 2)
    split = split_class(x, rows, n_components=10)
    assert split.relative_size == pytest.approx(0.3, abs=0.01)
    np.testing.assert_array_equal(split.small, poison[rows])
    assert split.silhouette > 0.3


def test_knn_finds_flipped_labels() -> None:
    rng = np.random.default_rng(5)
    y = np.repeat(np.arange(4), 150)
    x = rng.standard_normal((600, 20)) + 10.0 * np.eye(20)[y]  # well-separated classes
    flipped = np.zeros(600, dtype=bool)
    flipped[::20] = True
    y2 = np.where(flipped, (y + 1) % 4, y)
    s = create("knn").score(x, y2)
    assert (s[flipped] > 0.5).all() and (s[~flipped] > 0.5).mean() < 0.01


def test_confident_learning_matches_cleanlab_on_the_same_probabilities() -> None:
    from cleanlab.filter import find_label_issues

    rng = np.random.default_rng(6)
    y = np.repeat(np.arange(4), 150)
    x = rng.standard_normal((600, 20)) + 10.0 * np.eye(20)[y]  # well-separated classes
    y2 = y.copy()
    y2[::25] = (y2[::25] + 1) % 4
    det = ConfidentLearningDetector()
    probs = det.out_of_fold_probabilities(x, y2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_array_equal(det.label_issues(x, y2), find_label_issues(y2, probs, n_jobs=1))
    assert det.label_issues(x, y2)[::25].mean() > 0.9


def test_registry_refuses_silent_replacement() -> None:
    class Zero(Detector):
        name = "zero"

        def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
            return np.zeros(len(x))

    register("zero-test", Zero)
    assert "zero-test" in available()
    with pytest.raises(ConfigError):
        register("spectre", Zero)
    with pytest.raises(ConfigError):
        create("no-such-detector")
