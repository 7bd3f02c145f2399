"""Capitalised words that the name passes took for people and that are not: the vetoes of issue 15's precision work.

The name lists (``name_data``) hold millions of given names and surnames of every country, and so hold most
everyday words of every language (``Loan`` is a Vietnamese given name, ``Date`` and ``Day`` are surnames,
``Agreement`` is listed). A pass that reads a capitalised word as a name because it is listed then takes a
contract's defined terms (``Loan Agreement``, ``Payment Date``, ``Business Day``) and a post's Title Case
(``Watch Live``, ``Christmas Eve``) away from every cell of the column. Session 10 attributed the spurious name
spans of the dev halves of ``tests/pii/peers2`` to their passes (``benchmarks/pii_attribution.py``); these are
the vetoes for the largest families, each of them evidence in the column's own language:

- an English contraction is no name (``I'm``, ``Let's``, ``Don't``);
- an everyday word of the column's language that the same column writes after a determiner is a role noun or a
  defined term (``the Loan``, ``this Agreement``, ``each Payment Date``): a person's name takes no determiner. It
  is no name alone, it opens no pair unless the pair is a listed given name and a listed surname (``Loan
  Agreement``, ``Payment Date``), and a name may start after it (``the Chair`` ... ``Chair Janet Yellen``);
- a lone everyday word that no list holds is no name (``Police said``).

Session 12 adds the families of the name passes inside ``names.name_windows`` that took Title Case words for people
(``Take a look``, ``Rest in Peace``, ``Business Day``, ``Vice President``, ``Watch Live``), measured on the dev halves
of ``tests/pii/peers2`` and ``peers4``:

- ``word_before_name``: a word far more common as an English word than as a name. The name lists
  rank a name by how many people of some country bear it; the subtitle counts rank a word by how often it is said.
  ``More`` is the 96th English word and at best the 112th surname of a country, ``Mark`` the 1,649th word and the
  5th given name: a word whose place among words is under ``WORD_OVER_NAME`` times its place among names is a word.
  ``name_windows`` takes such a word alone for no person, and a pair of two of them for none (``Basic Rate``), but
  a title before it still names one (``Dr. Green``) and a speech verb after it too (``Will said``);
- ``calendar_abbreviation``: ``Jan``, ``Mar``, ``Sun`` alone in English (``on Jan 2``, ``Sun 29 Jan``).

A word the lists hold as a name is a word only where the same column also writes it in lower case (``hope``,
``peace``): a column that never writes ``miles`` keeps ``go with Miles``. Beside a word that no frequent list of the
column's languages holds (``unknown_words``: ``Soulja Boy``, ``Jearl Miles``) the word is part of a name.

Measured on the dev halves: a veto on everyday pairs without the determiner evidence also took ``Joe Hockey``,
``Jim Courier`` and ``Barbara Boxer`` (a surname that is an everyday word and no list holds), so it is not made.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection, Iterable
from functools import cache

from mlsecure.privacy.pii.dict_names import frequent
from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.name_parts import COMMON, is_common_word, is_listed_name
from mlsecure.privacy.pii.names import GIVEN_RANK, is_contraction, is_open_class
from mlsecure.privacy.pii.word_bands import common_rank

# The determiners before a defined term (``social_names.DETERMINERS`` less the possessives, ``that`` and ``said``),
# and those of them that a contract uses and a headline seldom does
TERM_DETERMINERS = frozenset(("the", "a", "an", "this", "these", "those", "each", "every", "any", "such"))
_CONTRACT_DETERMINERS = TERM_DETERMINERS - {"the", "a", "an"}
# A word's place among the column's words must be this many times better than its best place among given names and
# surnames for it to be a word (``Man``: 143rd word, 4th given name, is a name; ``Sun``: 958th and 18th, a name)
WORD_OVER_NAME = 20


def defined_terms(determined: list[str], langs: tuple[str, ...]) -> frozenset[str]:
    """The everyday words of ``langs`` that the column writes after a determiner (``determined``: the distinct
    matches of ``social_names.DETERMINED``) the way a contract writes its defined terms: after two different ones
    or after a demonstrative or quantifier (``the Loan``, ``such Loan``; ``this Agreement``; ``each Payment``). A
    person's name takes no article or demonstrative, but a title or a nickname may take one (``the Duke``, ``an
    Oscar``, ``the Boy``), and news writes ``said Wang``, ``that Wang would``, posts ``my Angel``: those are left out.
    """
    seen: dict[str, set[str]] = {}
    for match in determined:
        determiner, word = match.split(" ", 1)[0].lower(), match.rsplit(" ", 1)[-1]
        if determiner in TERM_DETERMINERS:
            seen.setdefault(word, set()).add(determiner)
    return frozenset(
        w for w, dets in seen.items() if (len(dets) >= 2 or dets & _CONTRACT_DETERMINERS) and is_common_word(w, langs)
    )


def everyday_pair(words: list[str], langs: tuple[str, ...], terms: Collection[str]) -> bool:
    """Two words opening with a ``defined_terms`` word that is no listed given name (``Payment Date``), or that is
    one before an everyday word no list holds as a surname (``Loan Agreement``); not ``Grace Park`` nor ``Oscar
    Pistorius`` where the column writes ``the Grace period`` and ``the Oscar``."""
    if len(words) != 2:
        return False
    first, last = (w.rstrip(".,") for w in words)
    if first not in terms:
        return False
    names = lexicon()
    everyday_last = is_common_word(last, langs) and not names.is_surname(fold(last))
    return not names.is_given(fold(first), max_rank=GIVEN_RANK) or everyday_last


def everyday_word(word: str, langs: tuple[str, ...], terms: Collection[str]) -> bool:
    """A lone ``defined_terms`` word (``the Loan``), or an everyday word of ``langs`` that no list holds
    (``Police said``)."""
    bare = word.rstrip(".,")
    return bare in terms or (is_common_word(bare, langs) and not is_listed_name(bare))


def not_a_name(name: str, langs: tuple[str, ...], terms: Collection[str]) -> bool:
    """Whether a name of ``names.name_windows`` is one of the families above."""
    words = name.split()
    if any(is_contraction(w) for w in words):
        return True
    if len(words) == 1:
        return everyday_word(words[0], langs, terms)
    return everyday_pair(words, langs, terms)


def everyday_words(langs: tuple[str, ...], written: Iterable[str]) -> Callable[[str], bool]:
    """What ``names.name_windows`` asks of each word of a pair in a column of ``langs`` that writes ``written``
    (its matches of ``lower_case_names_pattern``): ``word_before_name`` in a column of English (or of no language
    found), and for a word the lists hold as a name (``Miles``, ``Curry``, ``Pope``) only where the column also
    writes it in lower case, as a word. Other languages ask nothing yet: their lists are not measured here, and
    the largest of them hold many Portuguese and Dutch words that are English names (``Belo``, ``Ben``)."""
    if not reads_english(langs):
        return lambda word: False
    lower = frozenset(written)
    return lambda word: word_before_name(word) and (fold(word.rstrip(".,")) in lower or not is_listed_name(word))


def lone_words(langs: tuple[str, ...], written: Iterable[str]) -> Callable[[str], bool]:
    """What ``names.name_windows`` asks of a word alone: an ``everyday_words`` word, or in English a month's or a
    day's abbreviation (``on Jan 2``, ``Sun 29 Jan``)."""
    everyday = everyday_words(langs, written)
    english = reads_english(langs)
    return lambda word: everyday(word) or (english and calendar_abbreviation(word))


def reads_english(langs: tuple[str, ...]) -> bool:
    """The English vetoes apply: a column of English or of no language found. Elsewhere ``everyday_words`` asks
    nothing, so the caller need not search the column for ``lower_case_names_pattern`` at all."""
    return not langs or "en" in langs


def unknown_words(langs: tuple[str, ...]) -> Callable[[str], bool]:
    """A capitalised word of letters that the column's languages (English where none was found) do not count among
    their frequent words (``dict_names.frequent``): ``Soulja``, ``Jearl``, ``Zayn``."""
    bands = [frequent(lang) for lang in langs or ("en",)]
    return lambda word: word.isalpha() and word[:1].isupper() and all(fold(word) not in band for band in bands)


@cache
def lower_case_names_pattern() -> str:
    """The English open-class words before names (``word_before_name``) that the name lists hold, written in lower
    case as whole words: what a column must write for such a capitalised word to be a word there."""
    named = [
        w
        for w in common_rank("en", COMMON)
        if w.isalpha() and is_open_class(w) and is_listed_name(w) and word_before_name(w)
    ]
    return r"\b(?:" + "|".join(sorted(named, key=len, reverse=True)) + r")\b"


def word_before_name(word: str) -> bool:
    """``word`` is among the ``COMMON`` commonest English words, at a place under ``WORD_OVER_NAME`` times its best
    rank as a given name or surname of any country (no rank: no name)."""
    key = fold(word.rstrip(".,"))
    place = common_rank("en", COMMON).get(key)
    if place is None:
        return False
    names = lexicon()
    as_name = min(names.given.get(key, GIVEN_RANK + 1), names.surname.get(key, GIVEN_RANK + 1))
    return as_name > GIVEN_RANK or place < WORD_OVER_NAME * as_name


def calendar_abbreviation(word: str) -> bool:
    """``Jan``, ``Sep``, ``Sun``: the three-letter English abbreviation of a month or a day of the week."""
    return fold(word.rstrip(".,")) in _calendar_abbreviations()


@cache
def _calendar_abbreviations() -> frozenset[str]:
    """The standard library's month and day names (English unless the program has set another ``LC_TIME``)."""
    return frozenset(fold(a)[:3] for a in (*calendar.month_name[1:], *calendar.day_name))
