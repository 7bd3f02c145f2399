"""``artifact sbom MODEL_DIR -o FILE --force`` never replaces a file of the model or another input (session-5
audit: `-o MODEL_DIR/model.pt --force` replaced the model with its own SBOM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsecure.cli.main import main


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"\x00weights" * 64)
    return folder


def test_sbom_refuses_to_write_over_a_model_file(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weights = model_dir / "weights.bin"
    before = weights.read_bytes()
    assert main(["artifact", "sbom", str(model_dir), "--output", str(weights), "--force"]) == 2
    assert "of the model being signed" in capsys.readouterr().err
    assert weights.read_bytes() == before


def test_sbom_refuses_to_write_over_its_requirements(model_dir: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy==1.26.0\n")
    assert main(["artifact", "sbom", str(model_dir), "--requirements", str(requirements), "--output",
                 str(requirements), "--force"]) == 2
    assert requirements.read_text() == "numpy==1.26.0\n"
    out = tmp_path / "bom.json"
    assert main(["artifact", "sbom", str(model_dir), "--requirements", str(requirements), "--output", str(out)]) == 0
    assert '"bomFormat": "CycloneDX"' in out.read_text()


def test_signing_an_empty_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Session-5 audit: `artifact sign EMPTY_DIR` wrote a valid signature over 0 files, and verify said OK."""
    key = tmp_path / "k"
    assert main(["artifact", "keygen", "--out", str(key)]) == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["artifact", "sign", str(empty), "--key", str(key), "--output", str(tmp_path / "e.sig")]) == 2
    assert "holds no file" in capsys.readouterr().err
    assert not (tmp_path / "e.sig").exists()
