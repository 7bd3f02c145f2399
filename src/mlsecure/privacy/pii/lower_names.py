"""Names in text written all in one case: lower (``follow up with monika žilková``, ``selma is from ...``) or
capitals (headlines and shouting: ``CRICKET - LARA ENDURES ANOTHER MISERABLE DAY.``).

Every name rule of ``spans`` reads a capital as the first sign of a name; a chat line or a transcript written
without capitals has none. A text with no capital letter at all is read a second time with the words that the
name lists hold given a capital, so that the same frames, lists and dictionaries decide (``with Monika
Žilková``), and a name found there is taken in the lower case the text wrote it in. Only words that can stand
for nothing else are raised:

- a given name or surname of the top-2,000 lists of some country (``name_data.lexicon``; not the rarer names,
  which hold words the subtitle lists miss, such as Spanish ``estoy``), three letters or more;
- not among the ``name_parts.COMMON`` commonest words of any language with a dictionary here (``will``,
  ``may``, ``mark``, ``rosa``, ``john`` stay lower case), nor a function or title word, nor a country
  (``israel``; the gazetteer's cities hold too many surnames to leave out);
- a one-letter initial between two raised words (``benjamin a seiler``);
- and only in a text most of whose words (``COVERAGE``) one of those dictionaries knows: in a language without
  one, its own words are names somewhere (Hungarian ``nagy``, Swedish ``med``, Latin ``magni``).

A name found on the raised text is kept in lower case only when each of its words was raised (or is such an
initial): a name the column holds elsewhere in capitals never turns the same letters in lower case into a name.
A name of one word alone must also be one of the 200 commonest given names of a country, of four letters or
more, that no dictionary here counts 1,000 times, and not the plural of a word (``_lone``).

A text with no small letter at all is read the same way from its lower-case form, and the names found there are
taken back in capitals (``LARA``); the capitals of an acronym or of legal text (``NASA``, ``THE SOFTWARE IS
PROVIDED "AS IS"``) are words or unknown to the lists, and a lone listed word still needs ``_lone``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache
from itertools import chain

from mlsecure.privacy.pii.dict_names import STOPS, frequent, words
from mlsecure.privacy.pii.lexicons import FUNCTION_WORDS, TITLES
from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.name_parts import common_words, is_country
from mlsecure.privacy.pii.types import PiiType

_TOKEN = re.compile(r"[^\W\d_]+")
_MIN_LETTERS = 3
_LONE_LETTERS, _LONE_COUNT, _LONE_RANK = 4, 1000, 200
COVERAGE = 0.6  # share of a text's words one dictionary must know before its names are raised


@lru_cache(maxsize=1 << 15)
def raised(word: str) -> bool:
    """A lower-case word that the name lists hold and that is no everyday word of any language here."""
    if len(word) < _MIN_LETTERS or not word.islower():
        return False
    key = fold(word)  # the Spanish list writes its words without accents (``tenia``, ``aun``)
    if key in FUNCTION_WORDS or key in TITLES or any(w in common_words(lang) for lang in STOPS for w in (word, key)):
        return False
    names = lexicon()
    return (names.is_given(word) or names.is_surname(word)) and not is_country(word)


def _known_language(tokens: Iterable[str]) -> bool:
    """``COVERAGE`` of the text's words are words of one language with a dictionary here: a text in another
    language (Hungarian ``nagy``, Swedish ``med``, lorem ipsum) has its own words that the lists hold as names."""
    seen = [w for w in tokens if len(w) > 1]
    if not seen:
        return False
    # the frequent words first (``word_bands``, a part of each list): where they cover the text the full lists,
    # 1.3 s to read, would too
    lists: Iterable[Collection[str]] = chain((frequent(lang) for lang in STOPS), (words(lang) for lang in STOPS))
    return any(sum(w in known or fold(w) in known for w in seen) >= COVERAGE * len(seen) for known in lists)


def one_case(text: str) -> str | None:
    """``text`` in lower case when it is written in one case only (lower, or capitals with the same length in
    lower case, so that spans map back letter for letter); None for mixed case."""
    if not any(c.isupper() for c in text):
        return text
    low = text.lower()
    return low if not any(c.islower() for c in text) and len(low) == len(text) else None


def recase(text: str) -> str | None:
    """``text`` in lower case with its name words capitalised, when it is written in one case (``one_case``)
    and holds such a word."""
    low = one_case(text)
    if low is None:
        return None
    tokens = list(_TOKEN.finditer(low))
    up = [raised(m.group(0)) for m in tokens]
    if not any(up) or not _known_language(m.group(0) for m in tokens):
        return None
    out = list(low)
    for k, m in enumerate(tokens):
        initial = len(m.group(0)) == 1 and 0 < k < len(tokens) - 1 and up[k - 1] and up[k + 1]
        if up[k] or initial:
            out[m.start()] = out[m.start()].upper()
    return "".join(out)


def lower_names(found: dict[str, PiiType], *, capitals: bool = False) -> Iterable[str]:
    """The lower-case forms (or, for a text read from capitals, the forms in capitals) of found names every
    word of which was raised by ``recase`` (or is an initial)."""
    for value, pii_type in found.items():
        if pii_type is not PiiType.NAME or not value[:1].isupper():
            continue
        words = value.lower().split()
        if not (all(raised(w) or (len(w) == 1 and w.isalpha()) for w in words) and raised(words[0])
                and raised(words[-1])):
            continue
        if len(words) > 1 or _lone(words[0]):
            yield value.upper() if capitals else value.lower()


def _lone(word: str) -> bool:
    """One lower-case word alone is a name only as one of the 200 commonest given names of some country, of four
    letters or more, that the dictionaries hold rarely if at all (``selma``, ``conor``; not ``bots``, nor chat
    words that the lists hold further down, ``haha`` 571th, ``hella``; not ``ari``, which turns up inside words)."""
    # the full lists only for the plural, asked last (``word_bands``)
    return (len(word) >= _LONE_LETTERS and lexicon().is_given(word, max_rank=_LONE_RANK)
            and not any(w in frequent(lang, _LONE_COUNT) for lang in STOPS for w in (word, fold(word)))
            and not (word.endswith("s") and any(word[:-1] in words(lang) for lang in STOPS)))  # ``bots``
