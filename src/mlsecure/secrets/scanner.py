"""``SecretScanner``: run the detectors over files, drop placeholders / pragma lines / baseline entries,
resolve overlaps, and return masked ``SecretFinding``s (the raw value never leaves this module).

Threat model (OWASP ML06, MITRE ATLAS AML.T0055 Unsecured Credentials): credentials committed next
to models, notebooks, training configs and model cards give an adversary the registry, the data
store or the experiment tracker.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlsecure.data.tables import read_json_object
from mlsecure.errors import InputError
from mlsecure.findings import Finding, Location, Severity
from mlsecure.secrets.allowlist import (
    encoded_media,
    has_pragma,
    is_placeholder,
    is_public_value,
    is_reference,
    public_blocks,
)
from mlsecure.secrets.detectors.context import drawn_shape
from mlsecure.secrets.detectors.structured import public_jwt
from mlsecure.secrets.interface import Candidate, Detector, FileKind
from mlsecure.secrets.local_stack import compose_by_content, local_stack_reason
from mlsecure.secrets.masking import DEFAULT_FINGERPRINT_KEY, fingerprint, mask
from mlsecure.secrets.notebook_context import notebook_reason
from mlsecure.secrets.peer_fp import foreign_value, prefix_only, query_without_secret
from mlsecure.secrets.registry import build_detectors
from mlsecure.secrets.repo_context import FIXTURE_RULES
from mlsecure.secrets.repo_context import judge as judge_context
from mlsecure.secrets.walk import SNIFF_BYTES, decode, inside_root, is_binary, iter_files, text_parts

STAND_IN_TITLE = ("documented example key / placeholder - not a live credential, but the pattern shows where "
                  "a real one would go")
STAND_IN_REMEDIATION = ("No rotation needed if this is only an example; make sure the real value is loaded at "
                        "run time (secret manager, environment) and never written here.")
_X_RUN = re.compile(r"[xX]{8,}")
# an x-filled token ("SKxxxx...", "AP6xxxx") keeps its provider's prefix and length: the x's are read
# as characters of the provider's alphabet (lower- or upper-case hex + digits fit the documented ones)
_X_FILLERS = ("a1b2c3d4e5f6", "A1B2C3D4E5F6")
# a token that runs straight into a mask ("xoxp-5723...-####", "AKIA...***") was cut and masked: redacted
_MASK_TAIL = re.compile(r"[-_.:/]?(?:#{3}|\*{3}|\.{3}|\u2026)")

# test code and its data: a typed value given to a generic credential name there is a fixture
# (accessKey: 'aws123', MINIO_SECRET_KEY: 'minio123'); provider formats and drawn values are still reported
# .NET and JVM name test projects and classes in PascalCase (Connectors.OpenAI.UnitTests/, KeyEncoderTests.cs,
# src/test/java/.../ClientTest.java)
_TEST_PATH = re.compile(r"(?:^|/)(?:tests?|testing|testdata|test_data|fixtures?|__tests__|__mocks__|mocks?|"
                        r"integration[-_]tests?|e2e)/|(?:^|/)(?:test_[^/]*|[^/]*_test\.[a-z]+|[^/]*\.(?:test|spec)\.[a-z]+|"
                        r"conftest\.py)$|(?:^|/|\.)(?:Unit|Integration|Functional)?Tests?/|"
                        r"(?<=[a-z0-9])Tests?\.(?:cs|java|kt|scala)$")

OWASP = "ML06"
ATLAS = ("AML.T0055",)
REMEDIATION = ("Revoke and rotate this credential at its provider now (it must be treated as leaked), "
               "remove it from the file and from version-control history (git filter-repo), and load it "
               "at run time from a secret manager (mlsecure.secrets providers: env, file, Vault).")


@dataclass(frozen=True)
class SecretFinding:
    """One detected secret, masked. ``fingerprint`` is a keyed hash for baselines."""

    rule_id: str
    title: str
    description: str
    severity: Severity
    path: str
    line: int
    column: int
    offset: int
    masked: str
    length: int
    fingerprint: str
    validated: bool
    member: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    rotate: str = ""

    def to_finding(self) -> Finding:
        where = self.path + (f" ({self.member})" if self.member else "") + f":{self.line}"
        evidence: dict[str, Any] = {"line": self.line, "column": self.column, "masked": self.masked,
                                    "length": self.length, "fingerprint": self.fingerprint,
                                    "validated": self.validated}
        evidence.update(self.details)
        return Finding(id=self.rule_id, title=f"{self.title} in {where}", severity=self.severity, owasp=OWASP,
                       atlas=ATLAS, location=Location(path=self.path, member=self.member, offset=self.offset),
                       evidence=evidence,
                       remediation=self.rotate if self.details.get("stand_in")
                       else (self.rotate + " " + REMEDIATION).strip(), description=self.description,
                       check="secret-scan")


@dataclass(frozen=True)
class ScanStats:
    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped_binary: int = 0
    skipped_large: int = 0
    skipped_unreadable: int = 0
    suppressed_placeholder: int = 0
    stand_ins: int = 0  # provider-shaped placeholders reported at info
    suppressed_invalid: int = 0
    suppressed_pragma: int = 0
    suppressed_baseline: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SecretScanResult:
    findings: tuple[SecretFinding, ...]
    stats: ScanStats

    def to_findings(self) -> tuple[Finding, ...]:
        return tuple(f.to_finding() for f in self.findings)


class SecretScanner:
    """Scan texts and files for secrets with the registered (or the given) detectors.

    ``baseline`` holds fingerprints of accepted findings (see ``load_baseline``); files above
    ``max_file_bytes`` and binary files (a NUL byte in the first 8 KiB) are skipped and counted.
    ``suppress_placeholders=False`` reports values in a provider's documented format at the rule's
    severity even when they look like a stand-in (``AKIAIOSFODNN7EXAMPLE``, ``AP6xxxxxxxxxx``): a
    format-only mode (CLI ``--fail-on-placeholders``) for teams that want no token-shaped string
    committed at all, which is also what detect-secrets' tests expect. Placeholders of the generic
    detectors (``password = "changeme"``) and references (``${VAR}``) stay silent in both modes.
    """

    def __init__(self, *, detectors: Sequence[Detector] | None = None,
                 fingerprint_key: bytes = DEFAULT_FINGERPRINT_KEY, baseline: Iterable[str] = (),
                 max_file_bytes: int = 5 * 1024 * 1024, suppress_placeholders: bool = True) -> None:
        if max_file_bytes <= 0:
            raise InputError(f"max_file_bytes must be positive, got {max_file_bytes}")
        self.detectors = list(build_detectors() if detectors is None else detectors)
        self.detectors.sort(key=lambda d: -d.priority)
        self._rules = {info.rule_id: info for d in self.detectors for info in d.describe()}
        self.fingerprint_key = fingerprint_key
        self.baseline = frozenset(baseline)
        self.max_file_bytes = max_file_bytes
        self.suppress_placeholders = suppress_placeholders
        self._counts: dict[str, int] = {}

    def scan_paths(self, paths: Sequence[Path | str], *, progress: Callable[[str, float], None] | None = None,
                   total: int | None = None) -> SecretScanResult:
        """Scan files and directories (recursively); see ``walk.iter_files`` for what is skipped.

        ``progress("secret scan", fraction)`` is called every 256 files when ``total`` (the number of
        files, e.g. from ``walk.count_files``) is given.
        """
        started = time.perf_counter()
        self._counts = dict.fromkeys(("placeholder", "stand_in", "pragma", "baseline", "invalid"), 0)
        findings: list[SecretFinding] = []
        scanned = size = binary = large = unreadable = 0
        roots = [Path(p) for p in paths]
        for path in iter_files(roots):
            try:
                with path.open("rb") as handle:
                    data = handle.read(self.max_file_bytes + 1)
            except OSError:
                unreadable += 1
                continue
            if len(data) > self.max_file_bytes:
                large += 1
                continue
            if is_binary(data[:SNIFF_BYTES]):
                binary += 1
                continue
            scanned += 1
            size += len(data)
            text = decode(data)
            where = inside_root(path, roots)
            for part in text_parts(path, text):
                findings.extend(self._scan(part.text, path=str(path), member=part.member, kind=part.kind, where=where,
                                           tutorial=part.tutorial))
            if progress is not None and total and scanned % 256 == 0:
                progress("secret scan", min(scanned / total, 1.0))
        stats = ScanStats(files_scanned=scanned, bytes_scanned=size, skipped_binary=binary, skipped_large=large,
                          skipped_unreadable=unreadable, suppressed_placeholder=self._counts["placeholder"],
                          stand_ins=self._counts["stand_in"],
                          suppressed_invalid=self._counts["invalid"],
                          suppressed_pragma=self._counts["pragma"], suppressed_baseline=self._counts["baseline"],
                          seconds=time.perf_counter() - started)
        return SecretScanResult(tuple(findings), stats)

    def scan_text(self, text: str, *, path: str = "<text>", member: str | None = None,
                  kind: FileKind = FileKind.TEXT) -> list[SecretFinding]:
        """Findings in one text (``path`` names it in the findings and in the fingerprint)."""
        self._counts = dict.fromkeys(("placeholder", "stand_in", "pragma", "baseline", "invalid"), 0)
        return self._scan(text, path=path, member=member, kind=kind)

    def _scan(self, text: str, *, path: str, member: str | None, kind: FileKind,
              where: str | None = None, tutorial: bool = False) -> list[SecretFinding]:
        """``path`` names the file in findings; ``where`` (default ``path``) is what the path-based judgements read:
        its place inside the scanned tree, so that folders above the root (``~/examples/repo``) decide nothing.
        ``tutorial``: the text is part of a notebook written to be read (``walk.tutorial_notebook``)."""
        where = path if where is None else where
        lowered = text.lower()
        filled = _x_filled(text)
        kept: list[Candidate] = []
        stand_ins: set[int] = set()  # ids of kept candidates reported at info
        local: dict[int, str] = {}  # ids of kept candidates reported at low: typed local-stack passwords
        claimed = public_blocks(text)  # certificates and public keys; placeholders claim their span too
        claimed.extend(encoded_media(text))  # base64 images and documents: data
        in_tests = _TEST_PATH.search(where.replace("\\", "/")) is not None
        compose = compose_by_content(text, where)
        for detector in self.detectors:  # highest priority first: it claims the span
            for candidate, x_filled in self._candidates(detector, text, lowered, filled, kind):
                if any(start < candidate.end and candidate.start < end for start, end in claimed):
                    continue
                claimed.append((candidate.start, candidate.end))
                if foreign_value(candidate.detector, text, candidate.start) or query_without_secret(candidate.secret):
                    self._counts["placeholder"] += 1  # ``domain: '...'``, a SAS query without ``sig`` (peer_fp)
                    continue
                if is_public_value(candidate.secret) or public_jwt(candidate.secret):
                    self._counts["placeholder"] += 1  # public by design (a Stripe publishable key)
                    continue
                if candidate.rejected:
                    self._counts["invalid"] += 1
                    continue
                verdict = judge_context(candidate.detector, candidate.secret, text, candidate.start, candidate.end,
                                        path=where, in_tests=in_tests, free_form=candidate.free_form,
                                        details=candidate.details)  # session 8: repository context
                if verdict is not None and verdict.drop:
                    self._counts["placeholder"] += 1
                    continue
                if notebook_reason(candidate.secret, text, candidate.start, member=member, kind=kind) is not None:
                    self._counts["placeholder"] += 1  # session 13b: notebook outputs and docs
                    continue
                if verdict is not None:
                    local[id(candidate)] = verdict.reason
                if in_tests and candidate.detector in FIXTURE_RULES and not drawn_shape(candidate.secret):
                    self._counts["placeholder"] += 1  # a typed fixture in a test (minio123, awsSecret123)
                    continue
                if candidate.details.get("stand_in"):  # the detector's own verdict (a key block with no key)
                    self._counts["stand_in"] += 1
                    stand_ins.add(id(candidate))
                elif not detector.judges_stand_ins and (x_filled or is_placeholder(candidate.secret)
                                                        or _MASK_TAIL.match(text, candidate.end) is not None
                                                        or prefix_only(candidate.secret)):
                    # a generic detector's placeholder (password = "changeme") and any reference (${VAR})
                    # are dropped; a provider-format one is an info stand-in, or in format-only mode is
                    # reported at its rule's severity (the format matched; the peers' tests count it)
                    if not detector.reports_stand_ins or candidate.free_form or is_reference(candidate.secret):
                        self._counts["placeholder"] += 1
                        continue
                    if self.suppress_placeholders:
                        self._counts["stand_in"] += 1
                        stand_ins.add(id(candidate))
                if id(candidate) not in stand_ins:
                    host = candidate.details.get("host")
                    reason = local_stack_reason(candidate.detector, candidate.secret, where,
                                                host if isinstance(host, str) else None, in_tests=in_tests,
                                                after=text[candidate.end:candidate.end + 300], compose=compose,
                                                document=tutorial)
                    if reason is not None:
                        local[id(candidate)] = reason
                kept.append(candidate)
        out: list[SecretFinding] = []
        for candidate in sorted(kept, key=lambda c: c.start):
            line_start = text.rfind("\n", 0, candidate.start) + 1
            line_end = text.find("\n", candidate.start)
            if has_pragma(text[line_start:line_end if line_end >= 0 else len(text)]):
                self._counts["pragma"] += 1
                continue
            fp = fingerprint(candidate.secret, rule_id=candidate.detector,
                             path=path + (f"!{member}" if member else ""), key=self.fingerprint_key)
            if fp in self.baseline:
                self._counts["baseline"] += 1
                continue
            info = self._rules[candidate.detector]
            stand_in = id(candidate) in stand_ins
            details = dict(candidate.details) | ({"stand_in": True} if stand_in else {})
            severity = Severity.INFO if stand_in else candidate.severity
            if id(candidate) in local and not stand_in:
                details["local_stack"] = local[id(candidate)]
                severity = Severity.LOW
            out.append(SecretFinding(
                rule_id=candidate.detector, title=f"{info.title}: {STAND_IN_TITLE}" if stand_in else info.title,
                description=info.description, severity=severity,
                path=path, member=member,
                line=text.count("\n", 0, candidate.start) + 1, column=candidate.start - line_start + 1,
                offset=candidate.start, masked=mask(candidate.secret), length=len(candidate.secret),
                fingerprint=fp, validated=candidate.validated, details=details,
                rotate=STAND_IN_REMEDIATION if stand_in else info.rotate))
        return out

    @staticmethod
    def _candidates(detector: Detector, text: str, lowered: str, filled: Sequence[str],
                    kind: FileKind) -> Iterable[tuple[Candidate, bool]]:
        """The detector's candidates in ``text``, then (for provider formats) those it finds only where
        x-runs were read as the provider's alphabet: each with whether it is such an x-filled stand-in."""
        if not detector.keywords or any(k in lowered for k in detector.keywords):
            for candidate in detector.find(text, kind=kind):
                yield candidate, False
        if not detector.reports_stand_ins:
            return
        for variant in filled:
            if detector.keywords and not any(k in variant.lower() for k in detector.keywords):
                continue
            for candidate in detector.find(variant, kind=kind):
                if candidate.rejected or "xxxx" not in text[candidate.start:candidate.end].lower():
                    continue
                secret = text[candidate.start:candidate.end]
                yield Candidate(detector=candidate.detector, secret=secret, start=candidate.start,
                                end=candidate.end, severity=candidate.severity,
                                details=candidate.details, free_form=candidate.free_form), True


def _x_filled(text: str) -> tuple[str, ...]:
    """``text`` with every run of 8+ x's rewritten in each filler alphabet (same length, same offsets)."""
    if _X_RUN.search(text) is None:
        return ()
    variants = []
    for filler in _X_FILLERS:
        def fill(match: re.Match[str], filler: str = filler) -> str:
            n = len(match.group())
            return (filler * (n // len(filler) + 1))[:n]
        variants.append(_X_RUN.sub(fill, text))
    return tuple(variants)


def load_baseline(path: Path) -> frozenset[str]:
    """Fingerprints from a baseline file: ``{"fingerprints": [...]}`` or an mlsecure JSON report."""
    document = read_json_object(path, "baseline")
    if isinstance(document, dict) and isinstance(document.get("fingerprints"), list):
        return frozenset(str(f) for f in document["fingerprints"])
    if isinstance(document, dict) and isinstance(document.get("findings"), list):
        return frozenset(str(f["evidence"]["fingerprint"]) for f in document["findings"]
                         if isinstance(f, dict) and isinstance(f.get("evidence"), dict)
                         and "fingerprint" in f["evidence"])
    raise InputError(f"{path}: a baseline is {{\"fingerprints\": [...]}} or an mlsecure JSON report")


def baseline_document(findings: Iterable[SecretFinding]) -> dict[str, Any]:
    """The JSON a ``--write-baseline`` file holds (fingerprints only, no secret, no mask)."""
    return {"version": 1, "tool": "mlsecure secrets",
            "fingerprints": sorted({f.fingerprint for f in findings})}
