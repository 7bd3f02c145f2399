"""The CLI end to end, in-process: formats validate, --fail-on drives the exit code, bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from mlsecure.cli.main import main
from mlsecure.findings import report_schema

REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    from mlsecure.demo import prepare_demo

    return prepare_demo(tmp_path_factory.mktemp("demo"))


def _scan(*extra: str, files) -> list[str]:  # type: ignore[no-untyped-def]
    return ["scan", "--scan", "serialization", "--model", str(files.model), "--data", str(files.train), *extra]


def test_sarif_output_validates(demo_files, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r.sarif"
    code = main(_scan("--format", "sarif", "--output", str(out), files=demo_files))
    assert code == 0
    sarif = json.loads(out.read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA)
    results = sarif["runs"][0]["results"]
    assert results and results[0]["ruleId"] == "SUP-001"
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("model.pt")


def test_json_output_validates_against_report_schema(demo_files, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(_scan("--format", "json", files=demo_files)) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, report_schema())
    assert data["checks_run"][0] == "serialization"


def test_fail_on_changes_the_exit_code(demo_files, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    # The TorchScript demo model yields one LOW finding (SUP-001).
    assert main(_scan("--format", "json", "--fail-on", "low", files=demo_files)) == 1
    assert main(_scan("--format", "json", "--fail-on", "medium", files=demo_files)) == 0


@pytest.mark.parametrize("fmt", ["md", "html", "terminal"])
def test_other_formats_render(demo_files, fmt: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"r.{fmt}"
    assert main(_scan("--format", fmt, "--output", str(out), files=demo_files)) == 0
    text = out.read_text()
    assert "SUP-001" in text


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_missing_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--model", str(tmp_path / "absent.pt")]) == 2
    assert "absent.pt: no such model file" in _one_line_error(capsys)


def test_ragged_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.csv"
    path.write_text("a,b,label\n1,2,0\n1,2,3,4\n")
    assert main(["scan", "--data", str(path), "--scan", "supply-chain"]) == 2
    assert "line 3 has 4 fields" in _one_line_error(capsys)


def test_text_file_named_model_pt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.pt"
    path.write_text("hello\n")
    assert main(["scan", "--model", str(path)]) == 2
    assert "not a model format" in _one_line_error(capsys)


def test_unknown_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--scan", "telepathy", "--model", "x.pt"]) == 2
    assert "unknown scan 'telepathy'" in _one_line_error(capsys)


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--format", "pdf"])
    assert exc.value.code == 2
    assert "invalid choice: 'pdf'" in _one_line_error(capsys)


def test_guide_command_line_through_the_script(demo_files) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts/security_scan.py"), "--scan", "serialization", "--model",
         str(demo_files.model), "--framework", "pytorch", "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"][0]["id"] == "SUP-001"
    # the model records its data files, so the guide's data-less command line still finds them
    assert "recorded in" in proc.stderr


def test_catalog_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "atlas", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == "5.6.0" and len(data["guide_mapping"]) == 15
    assert main(["catalog", "owasp", "--format", "json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["risks"]][-1] == "ML10"


def test_exclude_column_drops_non_feature_columns(demo_files, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """An id and a group column are not model inputs: excluded, the scan equals the one on the plain table;
    kept, the model refuses the wider rows; an unknown column is named."""
    lines = Path(demo_files.train).read_text().splitlines()
    wide = tmp_path / "wide.csv"
    wide.write_text("\n".join([f"row_id,{lines[0]},group"]
                              + [f"{1000 + i},{line},{'ab'[i % 2]}" for i, line in enumerate(lines[1:])]) + "\n")
    base = ["scan", "--scan", "model-inversion", "--model", str(demo_files.model), "--format", "json",
            "--fail-on", "critical"]
    assert main([*base, "--data", str(demo_files.train)]) == 0
    plain = json.loads(capsys.readouterr().out)["metrics"]["model-inversion"]
    assert main([*base, "--data", str(wide), "--exclude-column", "row_id", "--exclude-column", "group"]) == 0
    excluded = json.loads(capsys.readouterr().out)["metrics"]["model-inversion"]
    plain.pop("seconds", None)
    excluded.pop("seconds", None)
    assert excluded == plain
    assert main([*base, "--data", str(wide), "--exclude-column", "row_idx"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(f"mlsecure: error: {wide}: --exclude-column 'row_idx' is not a column")


def test_an_unexpected_exception_is_one_line_and_exit_2_never_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A bug is not a verdict: exit 1 would read as "findings" and a traceback is not a reason
    (session-5 audit: `privacy dp noise --target-epsilon 1e-300` ended in a ValueError traceback, exit 1)."""
    from mlsecure.cli import catalog_cmd

    def broken(args: object) -> int:
        raise ValueError("math domain error")

    monkeypatch.setattr(catalog_cmd, "run", broken)
    assert main(["catalog", "owasp"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (ValueError: math domain error)" in err
    with pytest.raises(ValueError, match="math domain"):
        main(["--debug", "catalog", "owasp"])


def test_demo_never_replaces_files_in_its_workdir_unasked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Session-5 audit: `mlsecure demo --workdir .` overwrote an existing train.csv and model.pt without --force."""
    (tmp_path / "train.csv").write_text("mine\n")
    code = main(["demo", "--workdir", str(tmp_path), "--report-prefix", str(tmp_path / "r")])
    assert code == 2
    assert "train.csv: the demo file already exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "train.csv").read_text() == "mine\n"


def test_sigterm_mid_write_leaves_no_partial_and_exits_143(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Session-5 audit: SIGTERM (a CI timeout) used Python's default handler, which skips every ``finally``: the
    atomic writer's ``.partial`` file stayed behind. Now it is raised like Ctrl-C and cleaned up."""
    import os
    import signal

    from mlsecure.cli import catalog_cmd
    from mlsecure.io.outputs import atomic_output

    target = tmp_path / "out.txt"

    def writes_then_is_killed(args: object) -> int:
        with atomic_output(target) as handle:
            handle.write("half")
            os.kill(os.getpid(), signal.SIGTERM)
        return 0

    def not_main_s_handler(signum: int, frame: object) -> None:
        raise RuntimeError("SIGTERM reached the caller's handler: main() installed none")

    monkeypatch.setattr(catalog_cmd, "run", writes_then_is_killed)
    before = signal.signal(signal.SIGTERM, not_main_s_handler)  # without main's handler the test fails, not dies
    try:
        assert main(["catalog", "owasp"]) == 143
        assert signal.getsignal(signal.SIGTERM) is not_main_s_handler  # restored for the caller
    finally:
        signal.signal(signal.SIGTERM, before)
    assert "terminated" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # neither the output nor its .partial file
