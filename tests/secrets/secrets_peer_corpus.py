"""Load the peers' public test cases (tests/secrets/data) and score a scanner on them."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.walk import file_kind

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Case:
    plugin: str
    text: str
    filename: str
    expected: bool
    source: str


def load(name: str) -> list[Case]:
    """The cases of ``data/<name>.json``; a string one peer test labels positive is positive everywhere
    (GitLab's plugin lists a GitHub token as a negative that GitHub's plugin must flag)."""
    document = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    positive = {c["text"] for c in document["cases"] if c["expected"]}
    return [Case(c["plugin"], c["text"], c["filename"], c["expected"] or c["text"] in positive, c["source"])
            for c in document["cases"]]


def held_out_half(plugin: str) -> bool:
    """Round 4's split by rule / plugin name, as in benchmarks/bench_secrets.py: sha256 of the name, odd =
    held out (measured only, never read while fixing)."""
    return int(hashlib.sha256(plugin.encode()).hexdigest(), 16) % 2 == 1


def kingfisher_half(source: str) -> str:
    """Session 6's split of the Kingfisher corpus, made before its strings were read: sha256 of the rule
    file's base name (one provider per file), odd = ``held-out`` (measured only), even = ``dev``."""
    name = Path(source).name
    return "held-out" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2 else "dev"


@dataclass(frozen=True)
class Score:
    positives: int
    found: int
    negatives: int
    flagged: int
    misses: tuple[Case, ...]
    false_positives: tuple[Case, ...]
    per_plugin: dict[str, tuple[int, int, int, int]]

    @property
    def recall(self) -> float:
        return self.found / self.positives

    @property
    def fp_rate(self) -> float:
        return self.flagged / self.negatives


def score(cases: list[Case], scanner: SecretScanner, *, at_least: Severity = Severity.INFO) -> Score:
    """A case is flagged when a finding of severity ``at_least`` or above is reported (``INFO``: any
    report, stand-ins included; ``MEDIUM``: what fails a scan at the default ``--fail-on``)."""
    hits: list[bool] = []
    for case in cases:
        findings = scanner.scan_text(case.text, path=case.filename, kind=file_kind(Path(case.filename)))
        hits.append(any(f.severity >= at_least for f in findings))
    per: dict[str, Counter[str]] = {}
    for case, hit in zip(cases, hits, strict=True):
        counter = per.setdefault(case.plugin.split(" ")[0], Counter())
        counter["pos" if case.expected else "neg"] += 1
        counter[("tp" if case.expected else "fp")] += hit
    return Score(
        positives=sum(c.expected for c in cases), found=sum(h for c, h in zip(cases, hits, strict=True) if c.expected),
        negatives=sum(not c.expected for c in cases),
        flagged=sum(h for c, h in zip(cases, hits, strict=True) if not c.expected),
        misses=tuple(c for c, h in zip(cases, hits, strict=True) if c.expected and not h),
        false_positives=tuple(c for c, h in zip(cases, hits, strict=True) if not c.expected and h),
        per_plugin={k: (v["tp"], v["pos"], v["fp"], v["neg"]) for k, v in sorted(per.items())})
