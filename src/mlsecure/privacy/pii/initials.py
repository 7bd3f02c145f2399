"""A person written as an initial and a surname (``S. Warne``, ``T Waititi``): the surname alone is one word
that the capital rules will not take, but an initial before it is how scores, credits and sign-offs write a
person.

The word must be one that ``lower_names.raised`` would raise (a given name or surname of the top-2,000 lists of
some country, no everyday word of any language here, nor a title, function word or country: ``S. Army``,
``A. Love`` stay). An initial without its full stop must be a letter that no dictionary here counts among its
commonest words (English ``A``, ``I``, Spanish ``Y``, Portuguese ``O``: ``A Stewart`` may be an article).
"""

from __future__ import annotations

from functools import lru_cache

from mlsecure.privacy.pii.dict_names import STOPS
from mlsecure.privacy.pii.lower_names import raised
from mlsecure.privacy.pii.name_parts import common_words

# An initial not itself part of a dotted run (``U.S. Stewart``), then one capitalised word (Rust's syntax)
INITIAL_SURNAME = r"(?:^|[\s(\[,;:|" + "\"'" + r"])[A-Z]\.? ?[A-Z][a-z]+(?:[A-Z][a-z]+)?\b"


@lru_cache(maxsize=64)
def _word_letter(letter: str) -> bool:
    return any(letter in common_words(lang) for lang in STOPS)


def initial_surname(match: str) -> str | None:
    """The ``X. Surname`` of a match of ``INITIAL_SURNAME`` when it names a person, else None."""
    run = match.lstrip(" \t\r\n([,;:|\"'")
    letter, dotted = run[0], run[1] == "."
    word = run[2:].lstrip(" ")
    if not dotted and (_word_letter(letter.lower()) or run[1] != " "):
        return None
    return run if raised(word.lower()) else None
