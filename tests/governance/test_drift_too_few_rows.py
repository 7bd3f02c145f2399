"""A serving or reference table of one row is "could not complete" (SCAN-002), not a numpy crash (session-5 audit:
`--scan drift --option current=one_row.csv` ended in `ValueError: autodetected range of [nan, nan]`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlsecure


@pytest.mark.parametrize("which", ["current", "reference"])
def test_a_one_row_table_is_not_evaluated(tmp_path: Path, which: str) -> None:
    rng = np.random.default_rng(0)
    big = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"]).assign(label=np.arange(60) % 2)
    one = big.iloc[:1]
    (tmp_path / "big.csv").write_text(big.to_csv(index=False))
    (tmp_path / "one.csv").write_text(one.to_csv(index=False))
    data, current = ("big.csv", "one.csv") if which == "current" else ("one.csv", "big.csv")
    report = mlsecure.scan(None, tmp_path / data, checks="drift", options={"current": str(tmp_path / current),
                                                                          "multivariate": "mmd"})
    (finding,) = [f for f in report.findings if f.id.startswith("SCAN")]
    assert finding.id == "SCAN-002" and "1 row(s)" in finding.evidence["error"]
