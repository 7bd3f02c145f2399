"""Session 11's French, German, Dutch and Spanish rules, on sentences in the shapes of the third peer corpus
(``tests/pii/peers3``: Europeana's old newspapers, CoNLL-2002), written anew: a found name that holds its title
(``locale_frames.without_title``) and the families listed in each test."""

from __future__ import annotations

import polars as pl
import pytest

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.locale_frames import without_title


def _redacted(*texts: str) -> list[str]:
    """The texts redacted together, as one column of a table is."""
    return list(transform_text(pl.Series("text", list(texts)), Method.REDACT, key=None).to_list())


def test_a_found_name_with_its_title_no_longer_guards_the_longer_word() -> None:
    # ``Ministerpräsident Musso`` (of ``Musso- lini``) was a found name: the column's other ``Ministerpräsident
    # Mussolini`` held it with letters after it, was kept whole as a longer word, and the surname survived
    out = _redacted(
        "Gestern hat Ministerpräsident Musso- lini gesprochen.",
        "Rom. Ministerpräsident Mussolini kam.",
        "Benito Mussolini ist da.",
    )
    assert out == [
        "Gestern hat Ministerpräsident [NAME] gesprochen.",
        "Rom. Ministerpräsident [NAME] kam.",
        "[NAME] ist da.",
    ]


@pytest.mark.parametrize(
    ("found", "name"),
    [
        ("Ministerpräsident Musso", "Musso"),  # a German compound role
        ("Regierungspräsident Müller", "Müller"),
        ("M. Fagard", "Fagard"),  # a dotted honorific, with its dot only
        ("Herrn Johann Forst", "Johann Forst"),
        ("général Boulanger", "Boulanger"),
        ("burgemeester Van Dijk", "Van Dijk"),
        ("Don Johnson", None),  # a title that is also a common given name opens the name
        ("Prince Harry", None),
        ("M Fagard", None),  # ``M`` without its dot is an initial
        ("Müller", None),
        ("Präsident", None),  # a title alone is left as it was found
    ],
)
def test_without_title(found: str, name: str | None) -> None:
    assert without_title(found) == name
