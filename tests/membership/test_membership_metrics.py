"""Membership metrics against closed forms and scikit-learn (oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score, roc_curve

from mlsecure.errors import InputError
from mlsecure.privacy.inference.metrics import clopper_pearson, evaluate, roc


def test_clopper_pearson_known_values() -> None:
    # 5/10 at 95 %: (0.18709, 0.81291) (e.g. R binom.test(5, 10)$conf.int)
    low, high = clopper_pearson(5, 10)
    assert (low, high) == pytest.approx((0.187086, 0.812914), abs=1e-6)
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n)
    assert clopper_pearson(0, 400) == pytest.approx((0.0, 1 - 0.025 ** (1 / 400)))
    assert clopper_pearson(400, 400) == pytest.approx((0.025 ** (1 / 400), 1.0))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=4, max_size=60), st.integers(0, 2**31 - 1))
def test_auc_and_roc_equal_sklearn(raw: list[int], seed: int) -> None:
    scores = np.array(raw, dtype=float)  # many ties on purpose
    member = np.random.default_rng(seed).random(len(scores)) < 0.5
    if member.all() or not member.any():
        member[0] = not member[0]
    m = evaluate(scores, member)
    assert m.auc == pytest.approx(roc_auc_score(member, scores), abs=1e-12)
    fpr, tpr = roc(scores, member)
    sk_fpr, sk_tpr, _ = roc_curve(member, scores, drop_intermediate=False)
    assert np.allclose(fpr, sk_fpr) and np.allclose(tpr, sk_tpr)


def test_tpr_at_low_fpr_counts() -> None:
    # 1000 non-members at 0..999, 100 members: 30 above every non-member, the rest at the bottom
    non = np.arange(1000, dtype=float)
    mem = np.r_[np.full(30, 2000.0), np.full(70, -1.0)]
    scores, member = np.r_[mem, non], np.r_[np.ones(100, bool), np.zeros(1000, bool)]
    m = evaluate(scores, member)
    assert m.tpr_at_01pct.value == pytest.approx(0.30)  # 1 FP allowed at 0.1 %: still 30 members
    assert m.tpr_at_01pct.k == 30 and m.tpr_at_01pct.n == 100
    assert m.tpr_at_1pct.value == pytest.approx(0.30)
    assert m.fpr_achieved_1pct <= 0.01
    lo, hi = clopper_pearson(30, 100)
    assert (m.tpr_at_1pct.low, m.tpr_at_1pct.high) == pytest.approx((lo, hi))
    # eps >= log(TPR/FPR) at small FPR: strictly positive lower bound
    assert m.epsilon_lower > 1.0
    assert m.epsilon_lower <= m.epsilon_point <= m.epsilon_upper


def test_random_scores_give_no_epsilon_evidence() -> None:
    rng = np.random.default_rng(0)
    scores, member = rng.random(4000), rng.random(4000) < 0.5
    m = evaluate(scores, member)
    assert abs(m.auc - 0.5) < 0.03
    assert m.epsilon_lower < 0.2  # Bonferroni-corrected Clopper-Pearson: no false evidence of leakage
    assert m.tpr_at_1pct.low <= 0.01 <= m.tpr_at_1pct.high + 0.01


def test_perfect_separation() -> None:
    scores = np.r_[np.ones(50), np.zeros(50)]
    member = np.r_[np.ones(50, bool), np.zeros(50, bool)]
    m = evaluate(scores, member)
    assert m.auc == 1.0 and m.advantage == 1.0 and m.tpr_at_01pct.value == 1.0


def test_needs_both_sides() -> None:
    with pytest.raises(InputError):
        evaluate(np.ones(3), np.ones(3, bool))
