"""A person named in full is then called by one part of the name: ``Philip Latourelle ... starring Latourelle``,
``Anna Kowalski said ... Kowalski's office``.

Once ``spans`` has confirmed a full name (two to four words, two of them capitalised; or initials and a listed
name, ``D. Fleming``), each capitalised word of three letters or more is a name on its own where **the same
text** also holds it alone, capitalised, as a whole word (a possessive ``'s`` after it is still the word).
Evidence from the same text is what keeps this from spreading the words of a company or product that a weaker
rule took for a person (``Magellan Health``) to every cell of a column. A word is not spread when it is:

- a closed-class, title, organisation, street or place word (``Street``, ``Dr``), nor any word of a run
  that holds one or an everyday word that no list holds as a name (``Magellan`` of ``Magellan Health``);
- an everyday word of one of the column's languages (among the ``COMMON`` most frequent of pyspellchecker's
  subtitle counts, ``dict_names.words``), even a listed name (``May``, ``Will``, ``Grace``, ``Brown``, German
  ``Freund``, ``Auto``, ``Buch``), since the confirmed string replaces it in every cell of the column; nor a
  word the lists count above their floor that no name list holds (``Separator`` of ``Line Separator``);
- a word that more texts of the column use alone without the full name than beside it (``Haskell`` of
  ``Haskell Curry`` in a column about programming languages).

A column in no language with a dictionary here spreads only listed names that are everyday words in none of
them, from runs that open with a listed given name.

``extend`` adds a capitalised word that no dictionary of the column's languages knows beside a confirmed
name in a run of capitalised words (``Dzhambek Ivanov`` once ``Ivanov`` is a name), so that the whole name
goes, not only the part the lists knew.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

from mlsecure.privacy.pii.address_frames import country_folds
from mlsecure.privacy.pii.dict_names import STOPS, words
from mlsecure.privacy.pii.gazetteer import city_names
from mlsecure.privacy.pii.gazetteer import fold as place_fold
from mlsecure.privacy.pii.lexicons import TITLES
from mlsecure.privacy.pii.name_data import fold, is_rare_name, lexicon
from mlsecure.privacy.pii.name_frames import is_capitalised, is_initial, is_person_word
from mlsecure.privacy.pii.names import NOT_PERSON_WORDS
from mlsecure.privacy.pii.word_bands import common_band, top_words

COMMON = 10_000  # the most frequent words of a language's subtitle counts: a listed name among them is a word too
_MIN_LETTERS = 3
_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")
_MASK = "\x00"


def parts(name: str, langs: tuple[str, ...]) -> list[str]:
    """The words of a confirmed full name that may stand for the person alone in the same text."""
    tokens = name.split()
    if not 2 <= len(tokens) <= 4 or any(fold(t.rstrip(".")) in TITLES for t in tokens):
        return []
    caps = [t.rstrip(".") for t in tokens if t[:1].isupper() and len(t.rstrip(".")) > 1]  # not particles, initials
    initialled = len(caps) == 1 and len(tokens) > 1 and all(is_initial(t) for t in tokens if t.rstrip(".") != caps[0])
    if len(caps) < 2 and not (initialled and is_listed_name(caps[0])):
        return []  # one word is a full name only after initials, and only a listed name (``D. Fleming``)
    if any(not is_person_word(t) or (is_common_word(t, langs) and not is_listed_name(t)) for t in caps):
        return []  # ``Magellan Health``: an everyday word that no list holds as a name makes the run no person's
    if not langs and not lexicon().is_given(caps[0]):
        return []  # no dictionary to tell words from names: only a run that opens with a given name
    return [t for t in caps if len(t) >= _MIN_LETTERS and _WORD.match(t) and is_capitalised(t)
            and not is_common_word(t, langs)
            and (is_listed_name(t) or not is_seen_word(t, langs))]


def is_seen_word(word: str, langs: tuple[str, ...]) -> bool:
    """A word the subtitle lists of the column's languages counted more than their fewest times (each list
    starts at a floor, 50, that holds the odd misspelling and name: ``carder``, ``farrakhan``)."""
    low = word.lower()
    return any(words(lang).get(low, 0) > _floor(lang) for lang in langs or tuple(STOPS))


@cache
def _floor(lang: str) -> int:
    return min(words(lang).values())


def is_common_word(word: str, langs: tuple[str, ...]) -> bool:
    """One of the ``COMMON`` commonest words of the column's languages (of any language here, when none was
    found): ``Will``, ``May``, ``Health``, German ``Buch``."""
    low = word.lower()
    return any(low in common_words(lang) for lang in langs or tuple(STOPS))


@cache
def common_words(lang: str) -> frozenset[str]:
    """The ``COMMON`` most frequent words of ``lang``'s subtitle counts: everyday words, whatever else they are
    (prebuilt in ``word_bands``: the full list is not read for them)."""
    band = common_band(lang, COMMON)
    return band if band is not None else top_words(words(lang), COMMON)


def spread(texts: Any, names: Iterable[str], langs: tuple[str, ...]) -> set[str]:
    """The parts of ``names`` (as written, or in capitals) that some text of ``texts`` (a list of strings or a
    Polars Series) holds alone beside the full name, and that no more texts hold alone without it (a word more
    texts use without the person than with them is a word of the column: a product, a language, a place).

    The texts are searched for every capitalised word of the names first (one Aho-Corasick pass); the lists
    and dictionaries are asked only about the few words found alone."""
    by_token: dict[str, set[str]] = {}
    for name in names:
        tokens = name.split()
        if 2 <= len(tokens) <= 4:
            for token in tokens:
                if len(token) >= _MIN_LETTERS and token[:1].isupper():
                    by_token.setdefault(token, set()).add(name)
    # the same word written in capitals (a headline above the story: ``HARRISON`` after ``Kenny Harrison``)
    as_written = {token.upper(): token for token in by_token if token.upper() != token}
    as_written.update({token: token for token in by_token})
    if not by_token:
        return set()
    candidates = sorted(as_written, key=len, reverse=True)
    pairs = _pairs_python(texts, candidates) if isinstance(texts, list) else _pairs_polars(texts, candidates)
    beside: dict[str, set[str]] = {}  # the full names a word stood beside
    counts: dict[str, list[int]] = {}  # texts with the word alone: [beside its full name, without]
    for text, hits in pairs:
        for token in set(hits):
            fulls = [n for n in by_token[as_written[token]] if n in text]
            if text.count(token) <= sum(text.count(n) * n.split().count(token) for n in fulls):
                continue  # every occurrence inside a full name (the common case: no Python regex)
            if not _alone(token, text, fulls):
                continue
            counts.setdefault(token, [0, 0])[not fulls] += 1
            beside.setdefault(token, set()).update(fulls)
    return {token for token, fulls in beside.items()
            if counts[token][0] >= max(1, counts[token][1])
            and any(as_written[token] in parts(n, langs) for n in fulls)}


def _alone(token: str, text: str, fulls: Sequence[str]) -> bool:
    """``token`` stands in ``text`` as a whole word (no letter or digit beside it) outside the full names.
    (A scan with ``str.find``: a pattern per word would overflow ``re``'s cache on a large column.)"""
    for full in sorted(fulls, key=len, reverse=True):
        text = text.replace(full, _MASK)
    start = text.find(token)
    while start >= 0:
        end = start + len(token)
        if not (start and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum()):
            return True
        start = text.find(token, start + 1)
    return False


def _pairs_python(texts: list[str], candidates: list[str]) -> list[tuple[str, list[str]]]:
    out = []
    for text in texts:
        hits = [p for p in candidates if p in text]
        if hits:
            out.append((text, hits))
    return out


def _pairs_polars(texts: Any, candidates: list[str]) -> list[tuple[str, list[str]]]:
    """The same as ``_pairs_python`` over a Series: one Aho-Corasick pass; Python only sees the texts that
    hold a candidate."""
    hits = texts.str.extract_many(candidates, overlapping=True)
    keep = hits.list.len() > 0
    return list(zip(texts.filter(keep).to_list(), hits.filter(keep).to_list(), strict=True))


def extend(runs: Iterable[str], names: set[str], langs: tuple[str, ...]) -> set[str]:
    """Runs of capitalised words (``spans.NAME_RUN`` matches) in which a confirmed name of one or two words
    stands beside a capitalised word that no dictionary of the column's languages knows: the name with it."""
    if not langs:
        return set()
    out: set[str] = set()
    heads = {n.split(" ", 1)[0] for n in names}
    for run in runs:
        tokens = [t.rstrip(",") for t in run.split()]
        if len(tokens) < 2 or heads.isdisjoint(tokens):
            continue
        for size in (2, 1):
            for i in range(len(tokens) - size + 1):
                if tokens[i] not in heads or " ".join(tokens[i:i + size]) not in names:
                    continue
                start = i - (i > 0 and _unknown_cap(tokens[i - 1], langs))
                end = i + size + (i + size < len(tokens) and _unknown_cap(tokens[i + size], langs))
                if end - start == size or any(fold(t) in NOT_PERSON_WORDS for t in tokens):
                    continue  # ``Piermark Drive Zak Points``: a street's words, not a person's
                if all(is_listed_name(t) and not is_country(t) for t in tokens[i:i + size]):
                    out.add(" ".join(tokens[start:end]))
    return out - names


def _shaped(word: str) -> bool:
    """Capitalised, three letters or more, letters only (``Wojciechowska-Kraus`` too), not all capitals."""
    return len(word) >= _MIN_LETTERS and is_capitalised(word) and not word.isupper() and _WORD.match(word) is not None


@lru_cache(maxsize=1 << 14)
def is_listed_name(word: str) -> bool:
    names = lexicon()
    return names.is_given(word) or names.is_surname(word) or is_rare_name(word)


@lru_cache(maxsize=1 << 14)
def _unknown_cap(word: str, langs: tuple[str, ...]) -> bool:
    """A capitalised word of no dictionary of ``langs``, and no city of the gazetteer (``Armenomonastiro``)."""
    low = word.lower()
    return (_shaped(word) and is_person_word(word) and all(low not in words(lang) for lang in langs)
            and not is_place(word))


def is_place(word: str) -> bool:
    """A city of the gazetteer or a country (``Cáceres``, ``Cyprus``)."""
    return place_fold(word) in city_names() or is_country(word)


def is_country(word: str) -> bool:
    """A country (``Cyprus``): an unknown word beside it is a town's (many cities share a listed surname)."""
    return place_fold(word) in country_folds()
