"""Lexicon validators for what regex alone cannot confirm: person names, street addresses, gender."""

from __future__ import annotations

import re

from mlsecure.privacy.pii.lexicons import (
    CONTEXT_WORDS,
    FIRST_NAMES,
    GENDER_WORDS,
    LAST_NAMES,
    PERSON_CONTEXT,
    STREET_WORDS,
    TITLES,
)

_WORD = re.compile(r"[A-Za-zÀ-ÿß'-]+")
_STREET_SUFFIXES = ("strasse", "straße", "weg", "gasse", "platz", "laan", "gatan", "vej")


def is_name(text: str) -> bool:
    """A cell that is a person's name: a given name or a surname from the shipped lexicons
    (``First Last``, ``Last, First``, ``First M. Last`` or a single name)."""
    words = [w.lower().strip("'-") for w in _WORD.findall(text)]
    words = [w for w in words if w not in TITLES]
    if not words or len(words) > 4:
        return False
    if len(words) == 1:
        return words[0] in FIRST_NAMES or words[0] in LAST_NAMES
    if "," in text:
        return words[0] in LAST_NAMES or words[-1] in FIRST_NAMES
    return words[0] in FIRST_NAMES or words[-1] in LAST_NAMES


def is_street_address(text: str) -> bool:
    """A number plus a street-type word (``12 Oak St``, ``Hauptstraße 5``, ``5 rue de la Paix``)."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if not any(ch.isdigit() for ch in text) or not words:
        return False
    return any(w.strip(".") in STREET_WORDS or w.endswith(_STREET_SUFFIXES) for w in words)


def is_gender(text: str) -> bool:
    return text.strip().lower() in GENDER_WORDS


def name_windows(run: str) -> list[str]:
    """Person names inside a run of capitalised words from free text (``Dear John Smith`` -> ``John Smith``):
    a given name followed by a capitalised word, or a title followed by a surname."""
    words = run.split()
    found: list[str] = []
    i = 0
    while i < len(words) - 1:
        first, nxt = words[i].lower().rstrip("."), words[i + 1].lower().strip(",.")
        if first in FIRST_NAMES and (nxt in LAST_NAMES or nxt[:1].isalpha()):
            found.append(f"{words[i]} {words[i + 1].rstrip(',.')}")
            i += 2
        elif first in TITLES and words[i + 1][:1].isupper():
            found.append(words[i + 1].rstrip(",."))
            i += 2
        elif nxt in LAST_NAMES and first not in CONTEXT_WORDS and words[i][:1].isupper():
            found.append(f"{words[i]} {words[i + 1].rstrip(',.')}")  # unseen given name + known surname
            i += 2
        elif (first in PERSON_CONTEXT and i + 2 < len(words) and words[i + 1][:1].isupper()
              and words[i + 2][:1].isupper()):
            found.append(f"{words[i + 1]} {words[i + 2].rstrip(',.')}")  # "Patient Hamish Nakashima"
            i += 3
        elif nxt in LAST_NAMES and first in CONTEXT_WORDS:
            if nxt in FIRST_NAMES and i + 2 < len(words):
                i += 1  # "Patient Lawrence Powell": let the given-name rule take both words
                continue
            found.append(words[i + 1].rstrip(",."))  # "Patient Smith"
            i += 2
        else:
            i += 1
    return found
