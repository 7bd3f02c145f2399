"""Presidio's recognizer test strings (``data/presidio_corpus.json``, MIT, see its ``license`` field) and
how we score a detector on them: labels are Presidio's own expectations (positive when its test expects
at least one result of the file's entity). Regenerate with ``make_presidio_corpus.py``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mlsecure.privacy.pii.types import PiiType

CORPUS = Path(__file__).parent / "data" / "presidio_corpus.json"

ENTITY_TYPE: dict[str, PiiType] = {
    "CREDIT_CARD": PiiType.CREDIT_CARD, "EMAIL_ADDRESS": PiiType.EMAIL, "US_SSN": PiiType.SSN,
    "IBAN_CODE": PiiType.IBAN, "PHONE_NUMBER": PiiType.PHONE, "IP_ADDRESS": PiiType.IP_ADDRESS,
    "UK_NINO": PiiType.NATIONAL_ID, "UK_NHS": PiiType.HEALTH_PLAN_ID, "DE_TAX_ID": PiiType.NATIONAL_ID,
    "ES_NIE": PiiType.NATIONAL_ID, "ES_NIF": PiiType.NATIONAL_ID, "IT_FISCAL_CODE": PiiType.NATIONAL_ID,
    "IN_AADHAAR": PiiType.NATIONAL_ID, "IN_PAN": PiiType.NATIONAL_ID, "CA_SIN": PiiType.NATIONAL_ID,
    "AU_TFN": PiiType.NATIONAL_ID, "AU_MEDICARE": PiiType.HEALTH_PLAN_ID, "SG_NRIC_FIN": PiiType.NATIONAL_ID,
    "US_ITIN": PiiType.NATIONAL_ID, "US_NPI": PiiType.NPI, "ABA_ROUTING_NUMBER": PiiType.ABA_ROUTING,
    "CRYPTO": PiiType.CRYPTO_ADDRESS, "MAC_ADDRESS": PiiType.MAC_ADDRESS, "URL": PiiType.URL,
    "UK_POSTCODE": PiiType.ZIP_CODE,
}


@dataclass(frozen=True)
class Case:
    source: str
    entity: str
    core: bool  # one of the six files issue 15 measured first
    text: str
    positive: bool

    @property
    def pii_type(self) -> PiiType:
        return ENTITY_TYPE[self.entity]


@dataclass
class Tally:
    positives: int = 0
    right_type: int = 0
    negatives: int = 0
    negatives_flagged: int = 0  # any PII type reported on a string Presidio expects nothing in

    @property
    def recall(self) -> float:
        return self.right_type / self.positives if self.positives else 1.0

    @property
    def fp_rate(self) -> float:
        return self.negatives_flagged / self.negatives if self.negatives else 0.0


def load() -> list[Case]:
    data = json.loads(CORPUS.read_text())
    return [Case(c["source"], c["entity"], c["core"], c["text"], c["expected_len"] > 0) for c in data["cases"]]


def score(cases: Iterable[Case], detect: Callable[[str], set[PiiType]],
          misses: list[tuple[Case, set[PiiType]]] | None = None) -> dict[str, Tally]:
    """Per Presidio entity: right type on positives, anything reported on negatives."""
    out: dict[str, Tally] = {}
    for case in cases:
        tally = out.setdefault(case.entity, Tally())
        found = detect(case.text)
        if case.positive:
            tally.positives += 1
            hit = case.pii_type in found
            tally.right_type += hit
        else:
            tally.negatives += 1
            hit = not found
            tally.negatives_flagged += not hit
        if not hit and misses is not None:
            misses.append((case, found))
    return out


def total(tallies: dict[str, Tally], *, core_only: bool = False, cases: list[Case] | None = None) -> Tally:
    keep = {c.entity for c in cases if c.core} if core_only and cases else set(tallies)
    t = Tally()
    for entity, x in tallies.items():
        if entity in keep:
            t.positives += x.positives
            t.right_type += x.right_type
            t.negatives += x.negatives
            t.negatives_flagged += x.negatives_flagged
    return t
