"""The detector contract: a ``Detector`` turns one text into ``Candidate`` secrets.

A detector never decides about placeholders, pragmas, baselines or overlaps: the scanner does that
once for all detectors (``scanner.py``). A candidate carries the raw secret only inside the process;
everything that leaves the scanner (``SecretFinding``, ``Finding``) carries the masked form and a
keyed fingerprint instead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from mlsecure.findings import Severity


class FileKind(StrEnum):
    """How a text is read: code needs quoted literals, config accepts bare values."""

    CODE = "code"
    C_LIKE_CODE = "c-like-code"  # C, C++, C#, Objective-C: '...' is a character, only "..." is a string
    CONFIG = "config"
    TEXT = "text"
    LOCKFILE = "lockfile"  # dependency pins: hashes and commits by design


@dataclass(frozen=True)
class Candidate:
    """A possible secret at ``start:end`` of the scanned text (the secret value's own span).

    ``secret`` is the raw value: it never leaves ``mlsecure.secrets.scanner``.
    """

    detector: str
    secret: str
    start: int
    end: int
    severity: Severity
    validated: bool = False
    rejected: bool = False  # the format's check failed: not a secret, but nobody else may claim the span
    details: Mapping[str, Any] = field(default_factory=dict)
    free_form: bool = False
    """The value is whatever a person typed (a curl ``-u user:password``, an ``Authorization`` value), not
    a provider-drawn format: a placeholder there (``test:test``, ``username:token``) says nothing about a
    provider, so it is dropped like a generic detector's instead of reported as an info stand-in."""

    def __repr__(self) -> str:  # never show the raw value, even in a traceback
        return f"Candidate(detector={self.detector!r}, start={self.start}, end={self.end}, secret=<masked>)"


@dataclass(frozen=True)
class RuleInfo:
    """What a finding says about the rule that produced it."""

    rule_id: str
    title: str
    description: str
    rotate: str


class Detector(ABC):
    """One kind of secret. Subclasses set the class attributes and implement ``find``.

    ``rule_id`` is the stable ``SEC-NNN`` finding id; ``priority`` breaks overlaps (a provider-specific
    match beats a generic assignment, which beats the entropy heuristic); ``keywords`` are lower-case
    substrings of which at least one must occur in the text for ``find`` to run (a cheap pre-filter).
    """

    rule_id: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    severity: ClassVar[Severity]
    priority: ClassVar[int] = 50
    rotate: ClassVar[str] = ""  # where to revoke this kind of credential (joined into the remediation)
    keywords: ClassVar[tuple[str, ...]] = ()
    reports_stand_ins: ClassVar[bool] = False
    """A provider-shaped stand-in (``AKIAIOSFODNN7EXAMPLE``, ``AP6xxxxxxxxxx``) still shows where a real
    credential of that provider goes: the scanner reports it at info instead of dropping it. Generic
    detectors (a ``password = "changeme"`` assignment) leave this off: their stand-ins say nothing more."""
    judges_stand_ins: ClassVar[bool] = False
    """The detector's own check tells a stand-in (``details["stand_in"]``), so the scanner's placeholder
    words are not applied: in a private key's 800 base64 characters, "FAkE" or "xXxX" occur by chance."""

    @abstractmethod
    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        """Every candidate in ``text`` (``kind`` tells code from configuration)."""

    def name(self) -> str:
        return type(self).__name__

    def describe(self) -> Iterator[RuleInfo]:
        """The rules this detector reports under (one, unless it runs a rule table)."""
        yield RuleInfo(self.rule_id, self.title, self.description, self.rotate)
