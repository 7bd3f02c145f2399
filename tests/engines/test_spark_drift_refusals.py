"""``scan --engine spark`` refuses, with exit 2 and one line, what has no Spark version, before a JVM starts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsecure.cli.main import main

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


@pytest.fixture
def tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    import mlsecure.engines.tables.spark as spark_module

    def no_jvm(*_: object, **__: object) -> None:
        raise AssertionError("a refused scan must not start Spark")

    monkeypatch.setattr(spark_module, "spark_session", no_jvm)
    frame = pd.DataFrame({"a": np.arange(30.0), "label": np.arange(30) % 2})
    frame.to_parquet(tmp_path / "ref.parquet", index=False)
    frame.to_csv(tmp_path / "cur.csv", index=False)
    frame.to_parquet(tmp_path / "cur.parquet", index=False)
    return tmp_path / "ref.parquet", tmp_path


@pytest.mark.parametrize(("extra", "says"), [
    (["--scan", "fairness", "--option", "multivariate=none"], "supports only the drift check (--scan drift); "
                                                               "this scan also selects fairness"),
    ([], "the multivariate drift tests (c2st, mmd) have no Spark version; add --option multivariate=none"),
    (["--option", "multivariate=mmd"], "the multivariate drift tests (mmd) have no Spark version"),
    (["--option", "multivariate=none", "--option", "current=holdout"], "not --holdout"),
    (["--option", "multivariate=none", "--model", "MODEL"], "prediction drift (the model's outputs) has no Spark "
                                                            "version; drop --model"),
])
def test_refused_with_one_line(tables: tuple[Path, Path], extra: list[str], says: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    ref, root = tables
    current = [] if "current=holdout" in extra else ["--option", f"current={root / 'cur.parquet'}"]
    extra = [str(root / "model.pkl") if e == "MODEL" else e for e in extra]
    (root / "model.pkl").write_bytes(b"never loaded: the refusal comes first")
    code = main(["scan", "--scan", "drift", *extra, "--data", str(ref), *current, "--engine", "spark"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert says in err and len(err.splitlines()) == 1, err


def test_text_tables_and_a_stray_master_are_refused(tables: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ref, root = tables
    base = ["scan", "--scan", "drift", "--data", str(ref), "--option", "multivariate=none"]
    assert main([*base, "--option", f"current={root / 'cur.csv'}", "--engine", "spark"]) == 2
    assert "--engine spark reads Parquet (typed columns), not csv" in capsys.readouterr().err
    assert main([*base, "--option", f"current={root / 'cur.parquet'}", "--spark-master", "local[2]"]) == 2
    assert "--spark-master needs --engine spark" in capsys.readouterr().err
