"""The generated corpus: every malicious file detected, no benign file flagged above low, and no
payload ever runs while scanning (the payloads would create a marker file)."""

from __future__ import annotations

from pathlib import Path

from scan_corpus import MARKER_NAME, Sample

from mlsecure.artifacts.scan import Verdict, scan_file, scan_path
from mlsecure.findings import Severity


def test_corpus_size(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    assert sum(s.malicious for s in samples) >= 40
    assert sum(not s.malicious for s in samples) >= 20


def test_every_malicious_file_is_detected(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    missed = [s.path.name for s in samples if s.malicious and scan_file(s.path).verdict is Verdict.SAFE]
    assert missed == []


def test_no_benign_file_flagged_above_low(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    flagged = {s.path.name: [i.title for i in scan_file(s.path).issues if i.severity > Severity.LOW]
               for s in samples if not s.malicious}
    assert {name: titles for name, titles in flagged.items() if titles} == {}


def test_no_payload_runs_while_scanning(corpus: tuple[Path, list[Sample]]) -> None:
    folder, _ = corpus
    results = scan_path(folder)
    assert len(results) >= 60
    assert not (folder / MARKER_NAME).exists()


def test_code_payloads_are_malicious_with_exact_evidence(corpus: tuple[Path, list[Sample]]) -> None:
    folder, _ = corpus
    result = scan_file(folder / "malicious" / "torch_zip_payload.pt")
    assert result.verdict is Verdict.MALICIOUS
    issue = next(i for i in result.issues if i.severity is Severity.CRITICAL)
    assert issue.evidence["global"] in ("posix.system", "nt.system")
    assert issue.member == "archive/data.pkl"
    assert issue.offset is not None and issue.offset > 0
