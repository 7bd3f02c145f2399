"""A confirmed person's surname alone as the one who speaks, anywhere in the column (``speaking_surnames``):
known answers and the words that must stay."""

from __future__ import annotations

import re

import polars as pl

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.speaking_surnames import SPEAKER, speaking_surnames

EN = ("en",)


def speakers(text: str, names: list[str]) -> set[str]:
    return speaking_surnames([m.group(0) for m in re.finditer(SPEAKER, text)], names, EN)


def test_surname_of_a_confirmed_name_before_or_after_said() -> None:
    text = 'Naroffski said rates would rise. "It is early," said Doleman.'
    assert speakers(text, ["Joel Naroffski", "Robert Doleman"]) == {"Naroffski", "Doleman"}


def test_only_surnames_of_confirmed_names() -> None:
    assert speakers("Naroffski said rates would rise.", ["Naroffski Bank"]) == set()  # not its last word
    assert speakers("Naroffski said rates would rise.", []) == set()
    assert speakers("Naroffski was quiet.", ["Joel Naroffski"]) == set()  # no verb of speech


def test_everyday_words_and_places_stay() -> None:
    """``Young said`` after ``Doug Young``: ``Young`` would go from every cell; a capital speaks for its state."""
    assert speakers("Young said it was over. Washington said no.", ["Doug Young", "Denzel Washington"]) == set()


def test_column_redaction_across_texts() -> None:
    texts = [
        "Economist Joel Naroffski expects a cut.",
        '"Not yet," Naroffski said on Friday.',
        "Naroffski's forecast was wrong.",
    ]
    out = transform_text(pl.Series("text", texts), Method.REDACT, key=None).to_list()
    assert all("Naroffski" not in t for t in out)
