"""``ProviderRules``: one detector that runs the provider rule table (``mlsecure.secrets.rules``).

Each rule yields candidates under its own ``rule_id``; ``describe`` gives the scanner each rule's
title, so a finding names its provider. A rule with ``min_entropy`` drops values whose Shannon
entropy is lower (``abcabcabc...`` in a keyed assignment is a stand-in, not a key).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.generic import shannon_entropy
from mlsecure.secrets.interface import Candidate, Detector, FileKind, RuleInfo
from mlsecure.secrets.rules import RULES, Rule

_CAPITALISED_WORD = re.compile(r"[A-Z][a-z]{3,}")
_CAPITALISED_RUN = re.compile(r"[A-Z][a-z]{2,}")


def _identifier(value: str) -> bool:
    """A CamelCase name (APActivationPayload, Mistral3ForConditionalGeneration) or an upper-case word (APALACHICOLA,
    a pronunciation dictionary's headword; session 14), not a drawn token."""
    if value.isalpha() and value.isupper():
        # letters only, upper case: a drawn base62 value is so with p = (26/62)^n (1 in 1,000 at 8 characters, 1 in
        # 14,000 at 11). Lower case stays: the peers' suites label typed stand-ins such as abcdefghij... positive
        return True
    if not any(c.isdigit() for c in value) and len(_CAPITALISED_WORD.findall(value)) >= 2:
        return True
    # or capitalised words over 90 % of it, digits allowed (1 in 100 000 random 32-character base62 strings)
    return sum(len(w) for w in _CAPITALISED_RUN.findall(value)) >= 0.9 * len(value)


class ProviderRules(Detector):
    """Every rule of ``RULES`` (or the given ones): documented provider token formats."""

    rule_id = "SEC-100"
    title = "Provider credential"
    description = "A credential in a provider's documented token format (see mlsecure.secrets.rules)."
    severity = Severity.HIGH
    priority = 88
    reports_stand_ins = True
    keywords: ClassVar[tuple[str, ...]] = ()

    def __init__(self, rules: Sequence[Rule] = RULES) -> None:
        self.rules = tuple(rules)
        self._keywords = tuple(sorted({k for rule in self.rules for k in rule.keywords}))

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        del kind
        lowered = text.lower()
        present = {k for k in self._keywords if k in lowered}  # one test per distinct keyword, not per rule
        for rule in self.rules:
            if not any(k in present for k in rule.keywords):
                continue
            boundary = rule.boundary
            for match in rule.regex.finditer(text):
                secret = match.group(rule.group)
                if not secret or (boundary is not None and match.start() > 0
                                  and boundary.match(text, match.start() - 1)):
                    continue
                if rule.reject_identifiers and _identifier(secret):
                    continue
                rejected = (rule.min_entropy > 0 and shannon_entropy(secret) < rule.min_entropy) \
                    or (rule.check is not None and not rule.check(secret))
                severity = rule.severity
                if rule.context and re.search(rule.context, text) is None:
                    severity = Severity.LOW  # a marker without what it marks (a redacted key file)
                yield Candidate(detector=rule.rule_id, secret=secret, start=match.start(rule.group),
                                end=match.end(rule.group), severity=severity, rejected=rejected,
                                details={"provider": rule.provider, "rule": rule.name}, free_form=rule.free_form)

    def describe(self) -> Iterator[RuleInfo]:
        for rule in self.rules:
            yield RuleInfo(rule.rule_id, rule.title,
                           rule.description or f"A {rule.title} (format: {rule.doc}).",
                           f"Revoke and reissue it in the {rule.provider} console.")
