"""k-anonymity, l-diversity and t-closeness: closed-form answers and the enforcement property."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.privacy.pii.kanon import emd, enforce_k, measure
from mlsecure.privacy.pii.types import PiiType


def test_emd_matches_li_et_al_2007() -> None:
    # Li, Li, Venkatasubramanian, "t-Closeness", ICDE 2007, section 4: salaries 3k..11k;
    # P1 = {3k, 4k, 5k} -> 0.375, P2 = {6k, 8k, 11k} -> 0.167.
    q = np.full(9, 1 / 9)
    p1 = np.array([1 / 3] * 3 + [0] * 6)
    p2 = np.zeros(9)
    p2[[3, 5, 8]] = 1 / 3
    assert emd(p1, q, ordered=True) == pytest.approx(0.375)
    assert emd(p2, q, ordered=True) == pytest.approx(1 / 6)
    # equal ground distance = total variation distance
    assert emd(np.array([1.0, 0.0]), np.array([0.5, 0.5]), ordered=False) == pytest.approx(0.5)


def test_measure_hand_table() -> None:
    table = pl.DataFrame({
        "zip": ["021", "021", "021", "100", "100", "100"],
        "sex": ["F", "F", "F", "M", "M", "M"],
        "dx": ["flu", "flu", "cold", "flu", "hiv", "cold"],
    })
    a = measure(table, ["zip", "sex"], sensitive="dx")
    assert (a.k, a.classes, a.l_diversity) == (3, 2, 2)
    # class 1: flu 2/3, cold 1/3 vs overall flu 1/2, cold 1/3, hiv 1/6 -> TV = (1/6 + 0 + 1/6) / 2 = 1/6
    assert a.t_closeness == pytest.approx(1 / 6)
    assert a.rows_below == {2: 0, 5: 6, 10: 6}


tables = st.integers(30, 120).flatmap(lambda n: st.tuples(
    st.lists(st.from_regex(r"\A[0-9]{5}\Z"), min_size=n, max_size=n),
    st.lists(st.integers(0, 99), min_size=n, max_size=n),
    st.lists(st.sampled_from(["F", "M", "X"]), min_size=n, max_size=n),
    st.sampled_from([2, 3, 5]),
))


@settings(max_examples=15, deadline=None)
@given(tables)
def test_enforce_k_really_yields_k(data: tuple[list[str], list[int], list[str], int]) -> None:
    zips, ages, sexes, k = data
    table = pl.DataFrame({"zip": zips, "age": [str(a) for a in ages], "sex": sexes})
    types = {"zip": PiiType.ZIP_CODE, "age": PiiType.AGE, "sex": PiiType.GENDER}
    result = enforce_k(table, ["zip", "age", "sex"], k, max_suppression=0.1, types=types)
    assert len(result.suppressed_rows) <= int(0.1 * len(zips))
    assert result.frame.height + len(result.suppressed_rows) == len(zips)
    if result.frame.height:
        sizes = result.frame.group_by(["zip", "age", "sex"]).len().get_column("len")
        assert sizes.min() >= k
        assert result.result.k >= k


def test_enforce_prefers_lowest_generalization() -> None:
    zips = ["02139"] * 3 + ["02138"] * 2 + ["02141"] * 2 + ["02142"] * 3
    table = pl.DataFrame({"zip": zips, "sex": ["F"] * 10})
    result = enforce_k(table, ["zip", "sex"], 5, max_suppression=0.0, types={"zip": PiiType.ZIP_CODE})
    assert result.levels == {"zip": 1, "sex": 0}  # 0213* and 0214*: two classes of 5 rows
    assert result.result.k == 5


def test_errors_name_the_problem() -> None:
    table = pl.DataFrame({"a": ["1", "2"]})
    with pytest.raises(InputError, match="no such column"):
        measure(table, ["b"])
    with pytest.raises(InputError, match="k must be"):
        enforce_k(table, ["a"], 0)
    with pytest.raises(InputError, match="no generalization"):
        enforce_k(table, ["a"], 3, max_suppression=0.0)
