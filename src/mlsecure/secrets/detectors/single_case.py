"""Drawn values in one case or in letters only (session 8): shapes that ``word_like`` reads as names.

Many providers issue single-case base36 keys (Kingfisher's rules: Eventbrite ``[0-9A-Z]{20}``, Etherscan
``[0-9A-Z]{34}``, Finage / IP2Location ``[0-9A-Z]{32}``; gitleaks: Mattermost, Twitch, Algolia ``[a-z0-9]``)
and one base62 draw in ~70 of 24 characters holds no digit. ``word_like``'s CamelCase test counts runs
between case and digit changes, which single-case and letters-only draws have few of, so these two
functions say when such a value is still a draw: what reads as no language, not how it is cased.
"""

from __future__ import annotations

import re

_SINGLE_CASE_ALNUM = re.compile(r"^(?:[a-z0-9]+|[A-Z0-9]+)$")
_DIGIT_RUN = re.compile(r"[0-9]+")
_LOWER_WORD = re.compile(r"[a-z]{3,}")
_LOWER_TO_UPPER = re.compile(r"(?<=[a-z])(?=[A-Z])")
_VOWELS = frozenset("aeiou")


def reads_as_language(value: str) -> bool:
    """Half the characters in letter runs of 3+ with a vowel share of natural language (case folded):
    ``tokenizer2config``, ``SERVICE2ACCOUNT``; random base36 letters hold vowels at 5 in 26."""
    folded = value.lower()
    letters = [c for c in folded if c.isalpha()]
    if not letters:
        return False
    coverage = sum(len(m) for m in _LOWER_WORD.findall(folded)) / len(folded)
    return coverage >= 0.5 and sum(c in _VOWELS for c in letters) / len(letters) >= 0.3


def single_case_draw(value: str) -> bool:
    """A single-case base36 run of 16+ characters, digits in 2+ places, 8+ letters that read as no language:
    ``X7W8HTTHLVYXPPVRZJZS``, ``k7tqzm2xwhpvbnrdfgjs``."""
    if len(value) < 16 or _SINGLE_CASE_ALNUM.match(value) is None:
        return False
    if len(_DIGIT_RUN.findall(value)) < 2 or sum(c.isalpha() for c in value) < 8:
        return False
    return not reads_as_language(value)


def letters_draw(value: str) -> bool:
    """20+ letters only, both cases, a lower-to-upper change at least once in six characters (a draw from 52
    letters has one in four), reading as no language: ``DjayBenyJrtpvydFCzAphcqc``. CamelCase names are
    made of words (``MyServiceAccountNameHere``, ``HTTPServerConfigurationURL``: vowels at a third)."""
    if len(value) < 20 or not value.isascii() or not value.isalpha():
        return False
    if value.islower() or value.isupper():
        return False
    return len(_LOWER_TO_UPPER.findall(value)) * 6 >= len(value) and not reads_as_language(value)
