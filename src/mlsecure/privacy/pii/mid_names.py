"""Person names in social text where no frame announces them: three readings of a column of English posts.

Posts name people with nothing around them that says "a person" (no title, no thanks, no verb of speech):

- one word in the middle of a clause (``allow Dempsey to sit``, ``It's Dempsey again``, ``especially Dunn rolling
  back``). What says it is the case: a capitalised word after a word in lower case is a proper noun, as a post
  capitalises nothing else mid-sentence (sentence starts and title-case headlines are left out). Which proper noun
  is told by the lists (``social_names.name_word``: a listed name, none of a language's 10,000 commonest words, no
  chat word, country, town, organisation or street word), not after a determiner (``the Easter bunny``) nor a
  preposition of place (``at Fulham``). Read from the ``spans.NAME_RUN`` / ``PRECEDED_RUN`` matches the pipeline
  already has: no pass of its own;
- a given name and a surname in lower case (``emma watson``): one pattern of literals over the column;
- a found name written again in lower case elsewhere in the column (``justin bieber`` after ``Justin Bieber``),
  where the column writes that form no more often than the found one (column evidence: a word the column writes
  mostly in lower case is a word of it).

``english_names`` keeps them only in a column whose function words are mostly English, and drops a name with a word
that another language of the column counts more often (German capitalises its nouns: ``im Haus``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from mlsecure.privacy.pii.dict_names import MIN_STOPS, STOPS, words
from mlsecure.privacy.pii.lower_names import raised
from mlsecure.privacy.pii.months import month_number
from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.name_parts import COMMON, is_place
from mlsecure.privacy.pii.social_names import CHAT_WORDS, DETERMINERS, name_word

_ASCII_WORD = re.compile(r"[a-z]{3,}")
_ASCII_NAME = re.compile(r"[A-Z][a-z]+")  # ``Justin``: a name written capitalised

# Prepositions that put a place, a club or a venue after them as often as a person (``in Hull``, ``at Fulham``,
# ``from Barcelona``); ``to`` and ``with`` take people as often (``pass to Williams``, ``with Tessa``) and stay
# fmt: off
PLACE_PREPOSITIONS = frozenset(("in", "at", "from", "near", "of", "on", "into", "onto", "across", "around", "via",
                                "outside", "inside", "across", "throughout", "towards", "toward", "within", "vs",
                                "v", "versus"))
# fmt: on


def mid_sentence_name(run: str) -> list[str]:
    """``allow Suarez to``, ``especially Dunn rolling``: the one capitalised word of a run that a lower-case word
    opens, when it passes ``name_word`` (no town either), is no month, and that word is no determiner or place
    preposition. (A sentence's first word before a lower-case one was tried too: 13 names for 36 other words on the
    dev half, ``Nicely``, ``Rainbow``, ``Upcoming``.)"""
    parts = run.split()
    if len(parts) < 2 or not parts[0].islower() or not parts[0].isalpha():
        return []
    if len(parts) > 3 or (len(parts) == 3 and not parts[2].islower()):
        return []  # more than one capitalised word: ``name_windows`` reads runs of names
    if parts[0] in DETERMINERS or parts[0] in PLACE_PREPOSITIONS:
        return []
    word = parts[1].rstrip(",.")
    if not word[:1].isupper() or not word[1:].islower() or month_number(word) is not None:
        return []
    return [word] if name_word(word, place_ok=False, rare=False, common=COMMON) else []


# Given names this high in some country's list open a full name written in lower case (``emma watson``)
LOWER_GIVEN_RANK = 500
# ... and this often in English subtitles (``emma`` 2,118 times, ``ian`` 1,036): a name that English posts write
ENGLISH_GIVEN_COUNT = 500


@cache
def lower_full_name_pattern() -> str:
    """Two words in lower case, the first a given name among some country's ``LOWER_GIVEN_RANK`` commonest that
    English text uses (``ENGLISH_GIVEN_COUNT``) and that is no everyday word (``lower_names.raised``): a pattern of
    literals, so the regex engine skips to them."""
    english = words("en")
    given = (
        w
        for w, rank in lexicon().given.items()
        if rank <= LOWER_GIVEN_RANK and english.get(w, 0) >= ENGLISH_GIVEN_COUNT and _ASCII_WORD.fullmatch(w)
    )
    alternatives = sorted((w for w in given if raised(w) and w not in CHAT_WORDS), key=lambda w: (-len(w), w))
    return rf"(?-u:\b)(?:{'|'.join(alternatives)}) [a-z]{{3,}}(?-u:\b)"


def lower_full_name(match: str) -> list[str]:
    """``emma watson``, ``bonnie bennett``: a match of ``lower_full_name_pattern`` whose second word is a listed
    surname that is no everyday word either. Posts write celebrities and friends in lower case inside mixed-case
    text; two name words that no dictionary counts among its commonest side by side are a person."""
    first, last = match.split(" ")
    names = lexicon()
    if last in CHAT_WORDS or not raised(last) or not names.is_surname(last):
        return []
    if words("en").get(first, 0) < ENGLISH_GIVEN_COUNT:
        return []  # a given name English text does not use (``kata kau``, ``kang masaya``: Malay, Tagalog words)
    return [match] if names.is_given(first, max_rank=LOWER_GIVEN_RANK) else []


def lower_forms(cells: Any, names: Iterable[str]) -> list[str]:
    """``justin bieber``, ``rihanna``: found names written again in lower case elsewhere in the column (``cells``: a
    list of strings or a Polars Series). A post that names ``Justin Bieber`` and another ``justin bieber`` name one
    person. A one-word name is taken only when it is a common given name and no everyday word
    (``lower_names.raised``: not ``mark``, ``will``); a longer one when one of its words is none (``john mayer``);
    and only when the column writes it in lower case no more often than as found: a word the column writes mostly in
    lower case is a word of it (lorem ipsum's ``dolores``, Finnish ``eli``) whatever else a sentence start made it."""
    wanted = {low: name for name in names if (low := _lower_form(name)) is not None}
    if not wanted:
        return []
    lower = _counts(cells, list(wanted))
    if not lower:
        return []  # the common case: no found name written again in lower case, one pass over the column
    cased = _counts(cells, [wanted[w] for w in lower])
    return sorted(w for w, n in lower.items() if n <= cased.get(wanted[w], 0))


def _counts(cells: Any, values: list[str]) -> dict[str, int]:
    """How often each of ``values`` stands in ``cells`` between spaces or a sentence's marks (not inside an e-mail
    address or a link: ``aaron.howard@gmail.com``, ``~mason``)."""
    alternation = "|".join(re.escape(w) for w in sorted(values, key=len, reverse=True))
    pattern = rf"(?:^|[\s(\"'“‘])(?:{alternation})(?:$|[\s,!?;:)\"'”’…]|\.(?:\s|$))"
    if isinstance(cells, list):
        compiled = re.compile(pattern)
        matches = [m.group(0) for text in cells for m in compiled.finditer(text)]
    else:
        matches = cells.str.extract_all(pattern).explode().drop_nulls().to_list()
    counts: dict[str, int] = {}
    for match in matches:
        key = match.strip(_FENCE)
        counts[key] = counts.get(key, 0) + 1
    return counts


_FENCE = " \t\n\r(\"'“‘,!?;:)”’….\u00a0"


def _lower_form(name: str) -> str | None:
    tokens = name.split()
    if not 1 <= len(tokens) <= 3 or not all(_ASCII_NAME.fullmatch(t) for t in tokens):
        return None
    low = name.lower()
    if low == name or any(t in CHAT_WORDS for t in low.split()):
        return None
    if any(month_number(t) is not None for t in tokens) or (len(tokens) > 1 and is_place(name)):
        return None  # a month, or a place another rule took for a name (``South Africa`` -> ``south africa``)
    if len(tokens) == 1:  # one word: a common given name (``George``, not ``London``, ``Derby``, ``Chrome``)
        return low if raised(low) and lexicon().is_given(low, max_rank=LOWER_GIVEN_RANK) else None
    return low if any(raised(t) for t in low.split()) else None


def english_names(candidates: Iterable[str], stops_found: Iterable[str], langs: tuple[str, ...]) -> list[str]:
    """The names of ``candidates`` (this module's readings of a column) that stand: none unless the column is
    ``mostly_english``, and none with a word that another language the column writes (``langs``) counts more often
    than English does (a German sentence's ``im Haus`` in a column of English is a noun, capitalised as German writes
    nouns; ``emma``, ``watson`` are counted most in English subtitles)."""
    if not mostly_english(stops_found):
        return []
    english, others = words("en"), [words(lang) for lang in langs if lang != "en"]

    def foreign(word: str) -> bool:
        low = word.lower()
        return any(known.get(low, 0) > english.get(low, 0) for known in others)

    return sorted(p for p in candidates if not any(foreign(w) for w in p.split()))


def mostly_english(stops_found: Iterable[str]) -> bool:
    """A column whose function words (``dict_names.STOP_RUN`` matches) are English more than any other language's:
    where the rules of this module read. Dutch old newspapers use ``is``, ``was`` and ``of`` too (``languages`` counts
    English there), but more of their own."""
    found = set(stops_found)
    counts = {lang: len(stops & found) for lang, stops in STOPS.items()}
    return counts["en"] >= MIN_STOPS and counts["en"] >= max(counts.values())
