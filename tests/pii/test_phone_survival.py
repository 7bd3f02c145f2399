"""No phone number survives ``anonymize`` of free text, whatever country wrote it and however it is
punctuated; counts, dates and ranges of years are left alone.

The numbers come from faker's per-locale phone providers (nobody here wrote their formats): international
prefixes, trunk zeros, extensions, dots, spaces, slashes, parentheses, seven-digit local numbers, and many
that libphonenumber rejects (made-up area codes), in sentence templates that carry no phone context word.
"""

from __future__ import annotations

import random

import polars as pl
import pytest

from mlsecure.privacy.pii import anonymize_frame, audit_frame
from mlsecure.privacy.pii.text_mode import scan_text

LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "en_IN", "pt_BR", "ja_JP", "en_AU",
           "pl_PL", "sv_SE", "tr_TR", "en_NZ", "uk_UA", "th_TH", "he_IL", "es_MX", "ko_KR")
TEMPLATES = ("You can reach me at {p} after six.", "{p}", "Her number is {p}.", "Text {p} if late",
             "numbers: {p}; {q}", "He left {p}, {q} as callbacks", "({p})", "prefers {p}.")


def _redacted(texts: list[str]) -> list[str]:
    frame = pl.DataFrame({"t": texts})
    return anonymize_frame(frame, audit=audit_frame(frame, text_columns=["t"])).frame.get_column("t").to_list()


def _survivors(locales: tuple[str, ...], per_locale: int) -> tuple[list[tuple[str, str]], int]:
    from faker import Faker

    rng = random.Random(11)
    texts: list[str] = []
    planted: list[list[str]] = []
    for i, locale in enumerate(locales):
        fake = Faker(locale)
        fake.seed_instance(100 + i)
        for _ in range(per_locale):
            p, q = fake.phone_number(), fake.phone_number()
            template = rng.choice(TEMPLATES)
            texts.append(template.format(p=p, q=q))
            planted.append([p, q] if "{q}" in template else [p])
    out = _redacted(texts)
    survived = [(p, text) for text, numbers in zip(out, planted, strict=True) for p in numbers if p in text]
    return survived, sum(len(n) for n in planted)


def test_phone_numbers_of_five_locales_do_not_survive() -> None:
    survived, planted = _survivors(("en_US", "fr_FR", "en_NZ", "uk_UA", "ja_JP"), 6)
    assert survived == [] and planted >= 30


@pytest.mark.slow
def test_phone_numbers_of_twenty_locales_do_not_survive() -> None:
    survived, planted = _survivors(LOCALES, 25)
    assert survived == [] and planted >= 500


@pytest.mark.parametrize(("text", "phones"), [
    ("numbers: 202-555-0143; 415-555-0199", ["202-555-0143", "415-555-0199"]),
    ("Call +44 20 7946 0958, +33 1 42 68 53 00 or +49 30 1234567!", ["+44 20 7946 0958", "+33 1 42 68 53 00",
                                                                       "+49 30 1234567"]),
])
def test_every_number_of_a_list_is_found(text: str, phones: list[str]) -> None:
    assert [text[s.start:s.end] for s in scan_text(text)] == phones


def test_counts_dates_and_years_are_not_redacted_as_phones() -> None:
    texts = ["Population rose from 8 336 817 to 8 804 190.", "1.000.000 visitors came.",
             "Between 2019-2023 sales grew 12.5%.", "Logged at 2022-01-26 04:56:11 by the gateway.",
             "Call me maybe, said nobody in 1999/2000.", "The invoice total was 1,234,567.89 USD."]
    assert _redacted(texts) == texts
