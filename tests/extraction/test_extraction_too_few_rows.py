"""Too few rows for the extraction audit fail that check only (SCAN-002), not the whole scan (session-5 audit:
`scan --scan all --data one_row.csv` ended in exit 2 and lost every other check's result)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import mlsecure


def test_one_row_fails_the_extraction_check_not_the_scan() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    model = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    one = pd.DataFrame(x[:1], columns=["a", "b", "c"]).assign(label=[int(x[0, 0] > 0)])
    report = mlsecure.scan(model, one, checks="extraction,inversion")
    failed = {f.evidence.get("check"): f for f in report.findings if f.id == "SCAN-002"}
    assert "attacker row(s)" in failed["model-extraction"].evidence["error"]
    assert "model-inversion" in report.checks_run  # the other check still reported
