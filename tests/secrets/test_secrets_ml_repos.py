"""Synthetic ML repositories (mlsecure.secrets.ml_repos): every planted secret found at its file /
notebook member / line, at most 2 reports per repository on anything else (look-alikes). The generator
is ours, so this is a floor check; the peers' corpora (test_secrets_peer_corpus.py) are the evidence."""

from __future__ import annotations

from pathlib import Path

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.ml_repos import build_ml_repos


def test_planted_secrets_found_and_look_alikes_silent(tmp_path: Path) -> None:
    truth = build_ml_repos(tmp_path, n_repos=3, seed=2)
    scanner = SecretScanner()
    found = total = 0
    kinds: set[str] = set()
    for name, planted in truth.items():
        # info stand-ins (.env.example placeholders, the AWS example key in fixtures) do not fail a scan
        findings = [f for f in scanner.scan_paths([tmp_path / name]).findings if f.severity is not Severity.INFO]
        reported = {(Path(f.path).relative_to(tmp_path / name).as_posix(), f.member, f.line) for f in findings}
        wanted = {(p.path, p.member, p.line) for p in planted}
        kinds |= {p.kind for p in planted}
        found += len(wanted & reported)
        total += len(wanted)
        assert len(reported - wanted) <= 2, sorted(reported - wanted)
    assert total >= 12 and found / total >= 0.95
    assert {"openai", "wandb-output", "hf-output"} & kinds  # notebook cells and saved outputs are in play
