"""Attacks on synthetic outputs with known structure, and the signals' closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.errors import ConfigError
from mlsecure.privacy.inference.attacks import AuditData, attacks, get_attack, register
from mlsecure.privacy.inference.metrics import evaluate
from mlsecure.privacy.inference.reference import ModelOutputs, ReferenceSet, balanced_masks
from mlsecure.privacy.inference.signals import (
    neg_modified_entropy,
    scaled_logit,
    scaled_logit_from_logits,
)


def test_scaled_logit_from_probs_equals_from_logits() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(50, 4))
    y = rng.integers(0, 4, 50)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert scaled_logit(p, y) == pytest.approx(scaled_logit_from_logits(z, y), abs=1e-9)
    assert np.isfinite(scaled_logit_from_logits(np.array([[1000.0, 0.0]]), np.array([0]))).all()


def test_modified_entropy_closed_form() -> None:
    # one-hot on the label: Mentr = 0; one-hot on another class: Mentr -> large
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    val = neg_modified_entropy(p, np.array([0, 0]))
    assert val[0] == pytest.approx(0.0, abs=1e-9)
    assert val[1] < -20


def test_balanced_masks() -> None:
    masks = balanced_masks(8, 1000, np.random.default_rng(0))
    assert (masks.sum(axis=0) == 4).all()
    assert abs(masks.sum(axis=1).mean() - 500) < 1e-9


def _synthetic(shift: float, n: int = 400, k_models: int = 16, seed: int = 0) -> tuple[AuditData, np.ndarray]:
    """Records whose scaled logit is N(mu_i + shift * IN, 1): LiRA's model exactly."""
    rng = np.random.default_rng(seed)
    member = np.r_[np.ones(n // 2, bool), np.zeros(n // 2, bool)]
    mu = rng.normal(0, 3, n)  # per-record difficulty: what reference models calibrate away
    masks = balanced_masks(k_models, n, rng)
    ref_signal = mu + shift * masks + rng.normal(0, 1, (k_models, n))
    target_signal = mu + shift * member + rng.normal(0, 1, n)

    def probs(sig: np.ndarray) -> np.ndarray:
        p1 = 1 / (1 + np.exp(-sig))
        return np.stack([p1, 1 - p1], axis=-1)

    refs = ReferenceSet(probs(ref_signal), ref_signal, masks, "synthetic", 0.0)
    data = AuditData(ModelOutputs(probs(target_signal), target_signal), np.zeros(n, np.int64), refs,
                     np.nonzero(~member)[0])
    return data, member


def test_lira_beats_loss_when_records_differ_in_difficulty() -> None:
    data, member = _synthetic(shift=2.0)
    auc = {name: evaluate(get_attack(name).score(data), member).auc for name in
           ("loss", "lira_offline", "lira_online", "rmia", "rmia_offline", "shadow")}
    assert auc["lira_online"] > 0.8 and auc["lira_offline"] > 0.8 and auc["rmia"] > 0.8
    assert auc["loss"] < auc["lira_online"] - 0.1  # the global threshold cannot see per-record difficulty
    assert auc["shadow"] > 0.55


def test_no_signal_no_separation() -> None:
    data, member = _synthetic(shift=0.0)
    for name in ("lira_online", "lira_offline", "rmia"):
        assert abs(evaluate(get_attack(name).score(data), member).auc - 0.5) < 0.1


def test_registry() -> None:
    table = attacks()
    assert {"loss", "confidence", "entropy", "shadow", "lira_offline", "lira_online", "rmia"} <= set(table)
    with pytest.raises(ConfigError):
        register("loss", table["rmia"])
    with pytest.raises(ConfigError):
        get_attack("nope")
