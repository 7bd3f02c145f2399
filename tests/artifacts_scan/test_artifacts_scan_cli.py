"""The CLI verbs, the scan check and the converter, end to end in-process."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest
import torch

from mlsecure.artifacts.checks import ArtifactScanCheck
from mlsecure.artifacts.convert import convert
from mlsecure.check import ScanContext
from mlsecure.cli.main import main
from mlsecure.errors import UnsafeArtifactError


class _Payload:
    def __reduce__(self) -> tuple[object, ...]:
        return os.getcwd, ()


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    good = tmp_path / "good.pt"
    torch.save(torch.nn.Linear(3, 2).state_dict(), good)
    bad = tmp_path / "bad.pt"
    torch.save({"w": torch.ones(2), "x": _Payload()}, bad)
    return good, bad


def test_scan_json_exit_codes(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = files
    assert main(["artifact", "scan", str(good), "--format", "json"]) == 0
    assert main(["artifact", "scan", str(good), str(bad), "--format", "json"]) == 1
    assert main(["artifact", "scan", str(bad), "--format", "json", "--fail-on", "critical"]) == 1


def test_scan_json_report_contents(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, bad = files
    assert main(["artifact", "scan", str(bad), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    finding = report["findings"][0]
    assert finding["id"] == "ART-001" and finding["owasp"] == "ML06"
    assert set(finding["atlas"]) == {"AML.T0011.000", "AML.T0010.003", "AML.T0018.002"}
    assert finding["evidence"]["global"] == "posix.getcwd" or finding["evidence"]["global"].endswith(".getcwd")
    assert finding["location"]["member"].endswith("data.pkl")
    assert report["metrics"]["artifact-scan"]["verdicts"][str(bad)]["verdict"] == "malicious"


def test_scan_sarif(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, bad = files
    assert main(["artifact", "scan", str(bad), "--format", "sarif", "--fail-on", "critical"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["runs"][0]["results"]


def test_convert_refuses_unclean_and_writes_safetensors(files: tuple[Path, Path], tmp_path: Path) -> None:
    from safetensors.torch import load_file

    good, bad = files
    with pytest.raises(UnsafeArtifactError):
        convert(bad, tmp_path / "bad.safetensors")
    assert main(["artifact", "convert", str(good), "--to", "safetensors", "-o", str(tmp_path / "g.safetensors")]) == 0
    tensors = load_file(str(tmp_path / "g.safetensors"))
    original = torch.load(good, weights_only=True)
    assert set(tensors) == set(original)
    assert all(torch.equal(tensors[k], original[k]) for k in original)


def test_check_runs_scanner(files: tuple[Path, Path]) -> None:
    good, bad = files
    assert ArtifactScanCheck().run(ScanContext(model_path=good)).findings == ()
    result = ArtifactScanCheck().run(ScanContext(model_path=bad))
    assert result.metrics["verdict"] == "malicious"
    assert result.findings[0].check == "artifact-scan"


def test_pickle_written_by_test_is_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps(_Payload()))
    assert main(["artifact", "scan", str(path), "--format", "json", "--output", str(tmp_path / "r.json")]) == 1
    assert json.loads((tmp_path / "r.json").read_text())["findings"]
