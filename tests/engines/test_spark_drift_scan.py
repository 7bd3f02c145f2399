"""``mlsecure scan --scan drift --engine spark`` gives the local engine's report: the same findings (ids,
columns, evidence) and per-column statistics equal within 1e-9 (relative), on a current table read by Spark
as a folder of three Parquet files and by the local engine as one file holding the same rows.

The tables carry known answers by construction: ``age`` shifts by half a standard deviation (SKEW-010),
``rooms`` takes values 6 and 7 never seen in training (SKEW-004), ``city`` gains category ``e`` (SKEW-005),
``income`` loses 20% of its values (SKEW-006), ``zip`` turns from integers into text with 50 unparseable
values (SKEW-003), ``old`` is gone (SKEW-001) and ``renamed`` is new (SKEW-002).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pyspark = pytest.importorskip("pyspark")
pd = pytest.importorskip("pandas")

from mlsecure.cli.main import main  # noqa: E402 - after the skip

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]
TOLERANCE = 1e-9
PRICES = [Decimal("1.50"), Decimal("2.25"), Decimal("3.00")]  # a decimal column: text to pandas, so to both engines


def _tables(root: Path) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(11)
    n, m = 2000, 1500
    ref = pd.DataFrame({
        "age": rng.normal(40, 10, n).round(1), "income": rng.lognormal(10, 1, n),
        "city": rng.choice(["a", "b", "c", "d"], n), "rooms": rng.integers(1, 6, n),
        "zip": rng.integers(10000, 99999, n), "old": rng.normal(0, 1, n), "label": rng.integers(0, 2, n),
        "price": rng.choice(PRICES, n)})
    income = rng.lognormal(10, 1, m)
    income[: m // 5] = np.nan
    zips = rng.integers(10000, 99999, m).astype(str).astype(object)
    zips[:50] = "n/a"
    cur = pd.DataFrame({
        "age": rng.normal(45, 10, m).round(1), "income": income,
        "city": rng.choice(["a", "b", "c", "e"], m, p=[0.4, 0.3, 0.2, 0.1]), "rooms": rng.integers(1, 8, m),
        "zip": zips, "renamed": rng.normal(3, 1, m), "label": rng.integers(0, 2, m), "price": rng.choice(PRICES, m)})
    ref_path, cur_file, lake = root / "ref.parquet", root / "cur.parquet", root / "cur_lake"
    ref.to_parquet(ref_path, index=False)
    cur.to_parquet(cur_file, index=False)
    lake.mkdir()
    for i, (lo, hi) in enumerate(((0, 400), (400, 1000), (1000, m))):
        cur.iloc[lo:hi].to_parquet(lake / f"part-{i}.parquet", index=False)
    return ref_path, cur_file, lake


def _close(a: Any, b: Any, where: str = "") -> None:
    """``a == b``, numbers within ``TOLERANCE`` (relative), NaN equal to NaN."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {a} != {b}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(a, bool):
        assert isinstance(b, int | float), f"{where}: {a} != {b}"
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1e-12), \
            f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_scan_drift_on_spark_equals_the_local_engine(spark: Any, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur_file, lake = _tables(tmp_path)
    common = ["scan", "--scan", "drift", "--data", str(ref), "--option", "multivariate=none", "--format", "json"]
    # the local engine builds a numeric Dataset from --data: the text columns are left out of it (not of drift)
    text = ["--exclude-column", "city", "--exclude-column", "price"]
    assert main([*common, *text, "--option", f"current={cur_file}"]) == 1
    local = json.loads(capsys.readouterr().out)
    assert main([*common, "--option", f"current={lake}", "--engine", "spark", "--spark-master", "local[2]"]) == 1
    on_spark = json.loads(capsys.readouterr().out)

    by_id = {f["id"]: f for f in local["findings"]}
    assert sorted(by_id) == ["SKEW-001", "SKEW-002", "SKEW-003", "SKEW-004", "SKEW-005", "SKEW-006", "SKEW-010"]
    assert "age" in by_id["SKEW-010"]["evidence"]["columns"]
    assert by_id["SKEW-003"]["evidence"]["unparseable_values"] == 50
    assert by_id["SKEW-004"]["location"]["column"] == "rooms"
    assert by_id["SKEW-006"]["evidence"]["current_rate"] == pytest.approx(0.2)
    _close(local["findings"], on_spark["findings"], "findings")
    engine = on_spark["metrics"]["drift"].pop("engine")
    assert engine["name"] == "spark" and "multivariate" in engine["not_run"]
    _close(local["metrics"]["drift"], on_spark["metrics"]["drift"], "metrics")
    assert local["metrics"]["drift"]["n_current"] == 1500
    tests = {f["column"]: f["test"] for f in on_spark["metrics"]["drift"]["features"]}
    assert tests == {"age": "ks", "income": "ks", "zip": "ks", "city": "chi2", "rooms": "chi2", "label": "chi2",
                     "price": "chi2"}
