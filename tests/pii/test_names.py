"""Names from the derived names-dataset lists, in columns and in sentences."""

from __future__ import annotations

import polars as pl
import pytest

from mlsecure.privacy.pii import PiiType
from mlsecure.privacy.pii.classify import classify_column
from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.text_mode import scan_text


def test_the_derived_lists_cover_many_countries() -> None:
    lex = lexicon()
    assert len(lex.given) > 90_000 and len(lex.surname) > 120_000
    for given in ("maria", "priya", "lukas", "giulia", "anouk", "camille", "jurgen", "lucia", "oluwaseun"):
        assert lex.is_given(given), given
    for surname in ("smith", "muller", "rossi", "dubois", "janssen", "garcia", "sharma", "nakamura"):
        assert lex.is_surname(surname), surname


@pytest.mark.parametrize("header", ["customer_name", "field_7"])
def test_customer_names_of_seven_locales(header: str) -> None:
    from faker import Faker

    names = []
    for i, locale in enumerate(("fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "en_IN", "en_GB")):
        fake = Faker(locale)
        fake.seed_instance(i)
        names += [fake.name() for _ in range(20)]
    verdict = classify_column(header, pl.Series(names))
    assert verdict.pii_type is PiiType.NAME, verdict.reasons


@pytest.mark.parametrize(("text", "names"), [
    ("Maria asked about the refund.", ["Maria"]),
    ("Sarah called twice. Then Priya wrote back to Lukas Schneider.", ["Sarah", "Priya", "Lukas Schneider"]),
    ("Please call Elladio Mazzacurati on Monday.", ["Elladio Mazzacurati"]),
    ("We met Anouk de Vries yesterday.", ["Anouk de Vries"]),
    ("Grace period ends in May.", []),
    ("Mark the box as done.", []),
    ("Will you send the file?", []),
])
def test_names_in_sentences(text: str, names: list[str]) -> None:
    found = [text[s.start:s.end] for s in scan_text(text) if s.pii_type is PiiType.NAME]
    assert found == names
