"""The contract every provider rule meets: unique stable id, a cited format source, compiles, finds its
example (through the detector, as the scanner runs it), rejects its negatives, and matches in linear
time on long adversarial inputs (no catastrophic backtracking)."""

from __future__ import annotations

import re
import time

import pytest

from mlsecure.secrets import SecretScanner
from mlsecure.secrets.detectors.table import ProviderRules
from mlsecure.secrets.interface import FileKind
from mlsecure.secrets.registry import build_detectors
from mlsecure.secrets.rules import RULES, Rule

IDS = [f"{r.rule_id}-{r.provider}-{r.name}" for r in RULES]


def test_ids_are_unique_and_in_the_table_range() -> None:
    ids = [r.rule_id for r in RULES]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"SEC-[1-9]\d\d", i) for i in ids)
    assert len(RULES) >= 140


def test_released_ids_do_not_move() -> None:
    by_id = {r.rule_id: (r.provider, r.name) for r in RULES}
    assert by_id["SEC-100"] == ("JFrog Artifactory", "api-key")
    assert by_id["SEC-132"] == ("Databricks", "api-token")
    assert by_id["SEC-238"] == ("Google Cloud", "service-account-file")
    assert by_id["SEC-249"] == ("Fly.io", "machine-token")
    assert by_id["SEC-262"] == ("LangSmith", "api-key")


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_contract(rule: Rule) -> None:
    assert rule.doc and rule.negatives and rule.keywords
    assert all(k == k.lower() for k in rule.keywords) and any(k in rule.example.lower() for k in rule.keywords)
    (candidate,) = list(ProviderRules([rule]).find(rule.example, kind=FileKind.TEXT))
    assert candidate.detector == rule.rule_id and not candidate.rejected
    assert candidate.secret and candidate.secret in rule.example
    for negative in rule.negatives:
        assert not [c for c in ProviderRules([rule]).find(negative, kind=FileKind.TEXT) if not c.rejected], negative


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_example_is_reported_by_the_default_scanner(rule: Rule) -> None:
    findings = SecretScanner().scan_text(f"{rule.example}\n", kind=FileKind.CONFIG)
    assert findings, rule.example
    assert findings[0].masked.endswith("********") and rule.example not in repr(findings)


def _adversarial(rule: Rule, n: int = 20_000) -> list[str]:
    prefix = rule.example[:8]
    keyword = rule.keywords[0]
    return [prefix * (n // max(len(prefix), 1)), "a" * n, "=" * n, "-" * n, "_" * n, (keyword + "=") * (n // 8),
            keyword + " " + "A1" * (n // 2), rule.example[:-1] * (n // len(rule.example)), ". " * n]


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_is_linear_on_adversarial_input(rule: Rule) -> None:
    started = time.process_time()
    for text in _adversarial(rule):
        for _ in rule.regex.finditer(text):
            pass
    assert time.process_time() - started < 0.5  # ~9 x 20 kB; a backtracking blow-up takes seconds


@pytest.mark.parametrize("detector", build_detectors(), ids=lambda d: d.rule_id)
def test_every_detector_is_linear_on_adversarial_input(detector: object) -> None:
    from mlsecure.secrets.interface import Detector

    assert isinstance(detector, Detector)
    n = 20_000  # a blow-up (quadratic or worse) shows at this size as seconds; linear matching takes ms
    inputs = ["password = " + "a" * n, "-----BEGIN PRIVATE KEY-----\n" + "A" * n, "https://" + "u:" * (n // 2),
              "\"" + "Ab1" * (n // 3), "x" * 10 + "=" * n, "key: " + "a1B " * (n // 4), "eyJ" + "a" * n,
              ("token = '" + "aB3" * 10) * (n // 40), "secret" * (n // 6)]
    started = time.process_time()
    for text in inputs:
        for kind in FileKind:
            list(detector.find(text, kind=kind))
    assert time.process_time() - started < 2.0


def test_scanner_passes_are_linear_on_adversarial_input() -> None:
    """The scanner's own passes: public PEM blocks without an END, x-filled stand-in variants, list names
    looked up for many quoted items, lone private-key BEGIN lines."""
    from mlsecure.secrets import SecretScanner

    n = 20_000
    item = '"' + "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3" + '", '
    inputs = ["-----BEGIN PUBLIC KEY-----\n" * (3 * n // 27), "SK" + "x" * n, ("AKIA" + "x" * 16 + " ") * (n // 21),
              "keyids: [" + item * (n // len(item)), "[" * n + item,
              "-----BEGIN PRIVATE KEY-----\n" * (3 * n // 28)]  # 60 kB: a scan to the end per BEGIN takes seconds
    scanner = SecretScanner()
    started = time.process_time()
    for text in inputs:
        for kind in (FileKind.CODE, FileKind.CONFIG):
            scanner.scan_text(text, kind=kind)
    assert time.process_time() - started < 5.0  # about 1 s; a scan to the end per BEGIN line took 18 s
