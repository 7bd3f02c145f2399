"""The geometry null in each class's own spread and size (session 6, issue 16: clean classes that
differ in spread or size must not be flagged; injected rows must stay evidence)."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.errors import InputError
from mlsecure.poisoning.calibrated import calibrated_scan
from mlsecure.poisoning.class_scale import class_scale, own_scale_eligible
from mlsecure.poisoning.metrics import detection_metrics
from mlsecure.poisoning.neighbours import _posterior_cdf, match_class_totals, neighbour_graph
from mlsecure.poisoning.probes import CLEAN_PROBES, clean_probe


def test_class_scale_is_the_median_distance_to_the_kth_nearest_row_of_the_class() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0.0, 1.0, (60, 3)), rng.normal(20.0, 3.0, (40, 3))])
    codes = np.repeat([0, 1], [60, 40])
    cs = class_scale(x, codes, 2, k=5, width=30)
    for a in (0, 1):
        rows = x[codes == a]
        d = np.sqrt(((rows[:, None] - rows[None]) ** 2).sum(axis=2))
        np.fill_diagonal(d, np.inf)
        assert cs.scale[a] == pytest.approx(np.median(np.sort(d, axis=1)[:, 4]), rel=1e-3)
    assert 2.0 < cs.scale[1] / cs.scale[0] < 5.0  # 3 x the spread, a little denser per row count
    full = np.sqrt(((x[:, None] - x[None]) ** 2).sum(axis=2))
    np.fill_diagonal(full, np.inf)
    assert np.array_equal(cs.candidates[:, 0], full.argmin(axis=1))
    assert np.allclose(cs.distance[:, 0], full.min(axis=1), rtol=1e-3, atol=1e-3)  # float32 expansion


def test_a_diffuse_class_holds_its_floor_in_its_own_units_where_the_raw_share_drops_it() -> None:
    # a compact class (400 rows) next to a class 3 x as spread: where the diffuse class's rows are
    # out-voted (its tails in the compact class's region) it is a thin part of the raw neighbourhood
    # and the raw floor drops it there; in its own units (distances over its spread) it holds its floor
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0.0, 1.0, (400, 4)), rng.normal(2.5, 3.0, (400, 4))])
    codes = np.repeat([0, 1], 400)
    nearest, _ = neighbour_graph(x, wide=50, trim=0.0)
    raw = np.diff(np.concatenate([np.zeros((800, 1)), _posterior_cdf(nearest, codes, 2, 10, 0.15)], axis=1), axis=1)
    tails = (codes == 1) & ((codes[nearest[:, :10]] == 0).sum(axis=1) > 5)  # out-voted rows of the diffuse class
    eligible = own_scale_eligible(class_scale(x, codes, 2), codes, 2, k=10, wide=50, floor=0.15)
    assert tails.sum() > 20
    assert (raw[tails, 1] == 0).mean() > 0.6  # the raw floor drops the diffuse class at most of its own rows (81%)
    assert eligible[tails, 1].mean() > 0.75  # its own units keep it at most of them (81%)
    assert not eligible[codes == 0, 1].all()  # not everywhere: the compact class's core stays its own


def test_matched_class_totals_recover_the_weights_that_generated_the_shares() -> None:
    # shares = w * p / sum(w * p) with known class weights w: matching the totals drawn from the
    # true posterior recovers w (up to a common factor); rows left out of ``kept`` do not count
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(3), 2000)
    truth = p * np.array([1.0, 0.5, 2.0])
    truth /= truth.sum(axis=1, keepdims=True)
    codes = (rng.random((2000, 1)) > np.cumsum(truth, axis=1)).sum(axis=1)
    kept = np.ones(2000, dtype=bool)
    kept[:100] = False
    codes[:100] = 1  # rows injected into class 1: left out of both sides
    out = match_class_totals(p, codes, 3, kept)
    ratio = out[0] / p[0]
    assert ratio / ratio[0] == pytest.approx([1.0, 0.5, 2.0], rel=0.12)
    post = out[kept] / out[kept].sum(axis=1, keepdims=True)
    assert post.sum(axis=0) == pytest.approx(np.bincount(codes[kept], minlength=3), rel=1e-3)


def test_the_probes_are_pure_functions_of_name_and_seed() -> None:
    x1, y1 = clean_probe("imbalance", 3)
    x2, y2 = clean_probe("imbalance", 3)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert np.bincount(y1).tolist() == [700, 200, 120, 70]
    assert not np.array_equal(clean_probe("imbalance", 5)[0], x1)
    assert len(CLEAN_PROBES) == 15
    with pytest.raises(InputError, match="unknown clean probe"):
        clean_probe("nope", 1)


# Clean probes the session-5 null flagged (benchmarks/poisoning.md, session 6 "before"); not the
# seeds the rule was developed on except spread3-1.4 seed 4 and make-classification-imb seed 2.
FLAGGED_BEFORE = [("spread3-1.4", 1), ("spread3-1.4", 3), ("spread3-1.4", 4), ("make-classification-imb", 1),
                  ("make-classification-imb", 2), ("make-classification", 1)]


@pytest.mark.parametrize(("name", "seed"), FLAGGED_BEFORE)
def test_clean_classes_of_unequal_spread_or_size_get_no_finding(name: str, seed: int) -> None:
    x, y = clean_probe(name, seed)
    before = calibrated_scan(x, y, seed=seed, class_scaled=False)
    assert before.poison_found  # the session-5 null: a finding on clean data
    scan = calibrated_scan(x, y, seed=seed)
    assert not scan.poison_found and not scan.flagged.any()


def test_a_flip_the_session_5_null_found_next_to_a_diffuse_class_is_still_found() -> None:
    """The class-scaled null must not explain injected rows away: 60 rows of the diffuse class 0 (1.6 x
    the spread) relabelled as class 1 are a thin population of class 1 inside class 0 at ITS scale.
    (Of seeds 5, 6, 7 of this construction both nulls find seed 6 and neither finds 5 or 7, where the
    symmetric null with the other classes' overdispersion is the one that does not reject.)"""
    rng = np.random.default_rng(6)
    centres = rng.normal(0.0, 2.5, (4, 8))
    spreads = [1.6, 1.0, 1.0, 1.2]
    x = np.concatenate([centres[c] + spreads[c] * rng.normal(0.0, 1.0, (250, 8)) for c in range(4)])
    y = np.repeat(np.arange(4), 250)
    flipped = np.zeros(len(y), dtype=bool)
    flipped[rng.choice(250, 60, replace=False)] = True
    y[flipped] = 1
    scan = calibrated_scan(x, y)
    assert [f.label for f in scan.findings] == [1]
    assert detection_metrics(scan.flagged, flipped).f1 > 0.9
