"""A check the user names that cannot run is a failing finding (SCAN-004), never a quiet skip with exit 0;
reached through ``all`` it stays a skip with its reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlsecure.cli.main import main


@pytest.fixture
def binary_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    frame["label"] = np.arange(60) % 2
    path = tmp_path / "binary.csv"
    frame.to_csv(path, index=False)
    return path


def test_named_check_that_does_not_apply_fails_the_scan(binary_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(["scan", "--scan", "poisoning", "--data", str(binary_csv), "--format", "json", "-o", str(out)])
    import json

    report = json.loads(out.read_text())
    ids = [f["id"] for f in report["findings"]]
    assert code == 1
    assert ids == ["SCAN-004"]
    assert report["findings"][0]["evidence"]["check"] == "poisoning"
    assert "at least 3 classes" in report["findings"][0]["evidence"]["reason"]


def test_named_check_without_its_model_fails_the_scan(binary_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(["scan", "--scan", "robustness", "--data", str(binary_csv), "--format", "json", "-o", str(out)])
    import json

    report = json.loads(out.read_text())
    assert code == 1
    assert [f["id"] for f in report["findings"]] == ["SCAN-004"]
    assert "model" in report["findings"][0]["evidence"]["reason"]


@pytest.mark.parametrize("fail_on", ["high", "critical"])
def test_a_check_not_evaluated_fails_whatever_fail_on_says(binary_csv: Path, fail_on: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Session-5 audit: `--scan robustness --data D --fail-on critical` (no model) exited 0 with SCAN-004 (high)
    in the report; exit 0 promises every requested check ran."""
    code = main(["scan", "--scan", "robustness", "--data", str(binary_csv), "--fail-on", fail_on,
                 "--format", "json"])
    assert code == 1
    assert "not evaluated: adversarial-robustness" in capsys.readouterr().err or fail_on == "high"


def test_under_scan_all_inputs_that_could_not_be_evaluated_fail_and_absent_inputs_only_skip(
        binary_csv: Path, tmp_path: Path) -> None:
    """Session-5 audit: `--scan all --data binary.csv` exited 0 although the poisoning scan could not evaluate the
    given training data (binary labels); a check whose input was simply not given (no model, no holdout, no
    --option sensitive) stays a listed skip."""
    import json

    out = tmp_path / "r.json"
    code = main(["scan", "--scan", "all", "--data", str(binary_csv), "--format", "json", "-o", str(out)])
    report = json.loads(out.read_text())
    failing = {f["evidence"]["check"]: f["title"] for f in report["findings"] if f["id"] == "SCAN-004"}
    assert code == 1
    assert list(failing) == ["poisoning"]
    assert failing["poisoning"].endswith("the given inputs could not be evaluated")
    skipped = {s["check"] for s in report["skipped"]}
    assert {"adversarial-robustness", "membership-inference", "fairness", "drift"} <= skipped


def test_inapplicable_reasons_are_strings_equal_to_their_text() -> None:
    from mlsecure.check import TEXT_SKIP, Inapplicable

    assert isinstance(TEXT_SKIP, Inapplicable) and str(TEXT_SKIP) == TEXT_SKIP
    assert not isinstance("a limit was hit", Inapplicable)


@pytest.mark.parametrize("value", ["-0.03", "nan", "inf", "0"])
def test_a_bad_epsilon_is_refused_before_any_input_is_read(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Session-5 audit: `--epsilon -0.03` was refused only after the model and data were loaded, with a message
    that did not name the option."""
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "--scan", "robustness", "--model", "/nonexistent/model.pt", "--epsilon", value])
    assert exit_info.value.code == 2
    assert "argument --epsilon" in capsys.readouterr().err
