"""Neighbour traffic in the brightness/contrast-normalised image view: the blended-trigger space."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.poisoning.calibrated import calibrated_scan
from mlsecure.poisoning.metrics import detection_metrics
from mlsecure.poisoning.neighbours import content_view, neighbour_votes
from mlsecure.poisoning.normalised import is_image, normalised_view
from mlsecure.poisoning.suite import DatasetSpec, make_case

# a smaller sibling of the suite's shapes-12x12x1 (1,200 rows instead of 2,400), seeds outside the
# suite's design (0, 2, 4) and report (1, 3, 5, 7) seeds
SMALL = DatasetSpec("shapes-12x12x1", "image", 1200, size=12, channels=1)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.2, 5.0), st.floats(-2.0, 2.0), st.floats(-2.0, 2.0), st.integers(0, 2**31 - 1))
def test_view_does_not_change_under_contrast_and_per_channel_brightness(scale: float, shift0: float,
                                                                      shift1: float, seed: int) -> None:
    x = np.random.default_rng(seed).random((3, 2, 8, 8)).astype(np.float32)
    shifted = scale * x + np.array([shift0, shift1], dtype=np.float32)[None, :, None, None]
    assert np.allclose(normalised_view(shifted), normalised_view(x), atol=1e-4)
    other = np.random.default_rng(seed + 1).random((3, 2, 8, 8)).astype(np.float32)
    assert not np.allclose(normalised_view(other), normalised_view(x), atol=1e-2)


def test_view_keeps_colour_and_rows_are_unit_norm() -> None:
    x = np.random.default_rng(0).random((4, 3, 6, 6)).astype(np.float32)
    x[1] = 0.7  # constant: no content once brightness is removed
    recoloured = x.copy()
    recoloured[:, 0] *= 3.0  # one channel's contrast changed: another colour, another view
    view = normalised_view(x)
    assert view.shape == (4, 3 * 6 * 4)
    assert np.allclose(np.linalg.norm(view[[0, 2, 3]], axis=1), 1.0, atol=1e-5)
    assert np.all(view[1] == 0.0)
    assert not np.allclose(normalised_view(recoloured)[0], view[0], atol=1e-2)


def test_is_image_needs_four_axes_and_four_pixels_a_side() -> None:
    assert is_image(np.zeros((2, 1, 4, 4)))
    assert not is_image(np.zeros((2, 1, 3, 8)))
    assert not is_image(np.zeros((2, 16)))


def test_blended_rows_are_out_voted_in_the_normalised_view_but_not_in_fourier_magnitudes() -> None:
    case = make_case(SMALL, "blend", 0.08, seed=11)
    p = case.poisoned
    fourier, _ = neighbour_votes(content_view(case.x)[0], case.y, trim=0.0)
    normalised, _ = neighbour_votes(normalised_view(case.x), case.y, trim=0.0)
    # measured: 29 of 96 out-voted in Fourier magnitudes (the shared brightness keeps them together),
    # 96 of 96 once brightness and contrast are normalised away
    assert p.sum() == 96
    assert (fourier[p] != case.y[p]).sum() < 48
    assert (normalised[p] != case.y[p]).sum() >= 90


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 13])
def test_default_scan_finds_a_blend_that_neighbours_alone_miss(seed: int) -> None:
    case = make_case(SMALL, "blend", 0.08, seed=seed)
    # the Fourier view alone misses the blended rows: no finding (seed 13), or, since the pair rule of
    # session 5, the class is found but its split recalls 0.71 of them (seed 11); the default takes the
    # rows from the normalised split, which covers more of the out-voted rows (row_source)
    alone = calibrated_scan(case.x, case.y, spaces=("neighbours",))
    assert detection_metrics(alone.flagged, case.poisoned).recall < 0.9
    scan = calibrated_scan(case.x, case.y)
    assert [(f.label, f.space) for f in scan.findings] == [(case.target, "normalised")]
    m = detection_metrics(scan.flagged, case.poisoned)
    assert m.precision >= 0.9 and m.recall >= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_default_scan_flags_nothing_on_clean_controls(seed: int) -> None:
    case = make_case(SMALL, "none", 0.0, seed=seed)
    scan = calibrated_scan(case.x, case.y)
    assert {t.space for t in scan.tests} == {"neighbours", "normalised"}
    assert not scan.flagged.any()
    assert min(t.p_value for t in scan.tests) > 1e-3


def test_tabular_rows_have_no_normalised_space() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(90, 5)), np.repeat([0, 1, 2], 30)
    assert {t.space for t in calibrated_scan(x, y).tests} == {"neighbours"}
    with pytest.raises(InputError, match="normalised"):
        calibrated_scan(x, y, spaces=("normalised",))


def test_the_check_refuses_the_normalised_space_on_a_table_with_a_reason() -> None:
    from mlsecure.check import ScanContext
    from mlsecure.data import Dataset
    from mlsecure.poisoning.checks import PoisoningCheck

    rng = np.random.default_rng(0)
    data = Dataset(x=rng.normal(size=(90, 5)), y=np.repeat([0, 1, 2], 30))
    ctx = ScanContext(data=data, options={"spaces": "neighbours,normalised"})
    with pytest.raises(InputError, match=r"spaces=normalised compares images"):
        PoisoningCheck().run(ctx)
