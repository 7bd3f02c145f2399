"""``PatternDetector``: a detector that is one regular expression plus an optional validation."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from mlsecure.findings import Severity
from mlsecure.secrets.interface import Candidate, Detector, FileKind


class PatternDetector(Detector):
    """Matches ``pattern``; the secret is capture group ``group`` (0 = the whole match).

    ``validate(secret, match)`` returns evidence details for a plausible secret, or ``None`` when the
    format's own check fails (a wrong checksum, an undecodable key): the candidate is then yielded as
    ``rejected``, so that the scanner drops it and no generic detector reports the same span;
    ``validated`` says whether the format carries a check that passed (a checksum, a decodable
    structure) rather than only a prefix and charset.
    """

    pattern: ClassVar[re.Pattern[str]]
    group: ClassVar[int] = 1
    validated: ClassVar[bool] = False
    match_lowered: ClassVar[bool] = False
    """Run a lower-case ``pattern`` on ``text.lower()`` (Python's re is far faster than with ``(?i)``);
    the secret is still cut from the original text at the same offsets."""

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        del kind
        haystack, pattern = text, self.pattern
        if self.match_lowered:
            haystack = text.lower()
            if len(haystack) != len(text):  # a few non-ASCII letters change length when lowered
                haystack, pattern = text, re.compile(self.pattern.pattern, self.pattern.flags | re.IGNORECASE)
        for match in pattern.finditer(haystack):
            secret = text[match.start(self.group):match.end(self.group)]
            if not secret:
                continue
            details = self.validate(secret, match)
            yield Candidate(detector=self.rule_id, secret=secret, start=match.start(self.group),
                            end=match.end(self.group), severity=self.severity_of(secret),
                            validated=self.validated, rejected=details is None, details=details or {})

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        del secret, match
        return {}

    def severity_of(self, secret: str) -> Severity:
        del secret
        return self.severity
