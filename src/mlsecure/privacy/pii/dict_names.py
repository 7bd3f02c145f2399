"""Person names that no frame announces: a capitalised word inside a sentence that is no word of the
text's language and is a listed given name or surname.

Frames (``name_frames``) find ``My name is Rubija``; a bare name in running text (``but Akifumi just has to``)
has no cue but its capital. A capital alone is no evidence: sentences capitalise products, places, months and
nouns (German). What separates ``Akifumi`` from ``Grace`` or ``Apple`` is a dictionary: both of those are
words of English, ``Akifumi`` is not. The dictionaries are pyspellchecker's word-frequency lists (MIT; built
from OpenSubtitles word counts) of each language whose function words the column uses; a column in none of
them (another script, code) gets no reading here. A run of two or three such words is one full name
(``add Grzegorz Brzęczyszczykiewicz as guardian``) when one of them is listed.

Where a word may stand:
- inside a sentence, after a common lower-case word of the language (a heading's Title Case and a sentence's
  first word are not evidence of a name);
- opening a sentence before a verb that takes a person as its subject (``Mehrudin shouted``).
The subtitle counts do hold the commonest given names (``john``, ``maria``) as words: those stay to the
name lists' own rules; this one adds the names the dictionary does not know.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.lexicons import FUNCTION_WORDS, MEETING_VERBS, PERSON_ACTS_DONE, SUBJECT_MODALS
from mlsecure.privacy.pii.name_data import fold, is_rare_name, lexicon
from mlsecure.privacy.pii.names import NOT_PERSON_WORDS, is_open_class
from mlsecure.privacy.pii.word_bands import frequent_band

_CAP = rf"[{_UP}][{_LO}]+"
# Function words that tell the languages apart (few shared between them), lower case as written in prose
STOPS: dict[str, frozenset[str]] = {
    "en": frozenset(("the", "and", "is", "of", "you", "that", "with", "was", "this", "for", "have", "not")),
    "es": frozenset(("el", "los", "las", "que", "es", "por", "una", "con", "para", "del", "pero", "está")),
    "fr": frozenset(("le", "les", "et", "est", "des", "une", "pas", "que", "dans", "pour", "avec", "sur")),
    "de": frozenset(("der", "die", "und", "das", "ist", "nicht", "ich", "mit", "ein", "eine", "auf", "sie")),
    "pt": frozenset(("o", "os", "que", "não", "um", "uma", "com", "do", "da", "para", "é", "em")),
    "it": frozenset(("il", "che", "di", "non", "è", "per", "una", "sono", "gli", "della", "con", "del")),
    "nl": frozenset(("het", "een", "en", "niet", "ik", "van", "dat", "is", "zijn", "voor", "met", "op")),
}
STOP_RUN = r"\b(?:" + "|".join(sorted({w for ws in STOPS.values() for w in ws}, key=len, reverse=True)) + r")\b"
# Verbs after which the sentence's first word is its subject, a person: these, and the modals, speech and meeting
# verbs below as ``lexicons`` lists them (a word dropped there is dropped here)
_SUBJECT_VERBS = frozenset(("is", "was", "has", "had", "went", "lives", "lived", "works", "worked", "shouted",
                            "called", "wants", "wanted", "thinks", "thought", "knows", "knew", "loves", "loved",
                            "gave", "got", "came")) | (
    (frozenset(SUBJECT_MODALS) | MEETING_VERBS | PERSON_ACTS_DONE)
    & frozenset(("will", "would", "can", "could", "said", "says", "told", "asked", "met", "wrote")))
MID_RUN = rf"\b[{_LO}]+[,;]? {_CAP}(?: {_CAP}){{0,3}}"
START_RUN = rf"(?:^|[.!?] +|\n){_CAP} (?:{'|'.join(sorted(_SUBJECT_VERBS, key=lambda w: (-len(w), w)))})\b"
_RANK = 2000
RARE = True  # also the names ranked past _RANK (``name_data.RARE_RANK``)
MIN_STOPS = 2  # distinct function words of a language a column needs before its dictionary is used
# How often (in the subtitle counts) the lower-case word before a run must be seen in one of the column's
# languages: the sentence is in that language, not in one we have no dictionary for (Norwegian, Polish...)
CONTEXT_COUNT = 1000


def languages(stops_found: Iterable[str]) -> tuple[str, ...]:
    """The languages of which the column uses ``MIN_STOPS`` distinct function words: a word known to any of
    them is a word (a column of English with a German sentence keeps ``Hund``)."""
    found = set(stops_found)
    return tuple(lang for lang, stops in STOPS.items() if len(stops & found) >= MIN_STOPS)


@cache
def words(lang: str) -> dict[str, int]:
    """The words of pyspellchecker's list for ``lang`` (lower case) and their counts, loaded once."""
    data = (resources.files("spellchecker") / "resources" / f"{lang}.json.gz").read_bytes()
    counts: dict[str, int] = json.loads(gzip.decompress(data))
    return counts


def frequent(lang: str, count: int = CONTEXT_COUNT) -> frozenset[str]:
    """The words of ``lang`` counted at least ``count`` times (prebuilt in ``word_bands``: the full list is read
    only for another bound)."""
    band = frequent_band(lang, count)
    return band if band is not None else _frequent(lang, count)


@cache
def _frequent(lang: str, count: int) -> frozenset[str]:
    return frozenset(w for w, c in words(lang).items() if c >= count)


def _context(word: str, langs: tuple[str, ...]) -> bool:
    return any(word in frequent(lang) for lang in langs)


def _unknown(word: str, langs: tuple[str, ...]) -> bool:
    low = word.lower()
    return (len(word) >= 3 and all(low not in words(lang) for lang in langs) and is_open_class(word)
            and fold(word) not in NOT_PERSON_WORDS and fold(word) not in FUNCTION_WORDS)


def _listed(word: str) -> bool:
    names = lexicon()
    # past the top _RANK (``Mehrudin``, ``Shovda``): only here, where the word is no word of the language
    return names.is_given(word, max_rank=_RANK) or names.is_surname(word, max_rank=_RANK) or (
        RARE and is_rare_name(word))


def mid_names(match: str, langs: tuple[str, ...]) -> list[str]:
    """Names in a run of capitalised words after a lower-case word: the whole run when every word is unknown
    to the dictionary and one is listed, else each unknown listed word on its own."""
    before, _, rest = match.partition(" ")
    run = re.findall(_CAP, rest)
    if len(run) > 3 or not _context(before.rstrip(",;"), langs):  # a title or a heading in Title Case, not a person
        return []
    unknown = [w for w in run if _unknown(w, langs)]
    if len(run) > 1 and len(unknown) == len(run) and any(_listed(w) for w in run):
        return [" ".join(run)]
    return [w for w in unknown if _listed(w)]


def start_name(match: str, langs: tuple[str, ...]) -> str | None:
    """The first word of a sentence before a person's verb, when unknown to the dictionary and listed."""
    word = re.findall(_CAP, match)[0]
    return word if _unknown(word, langs) and _listed(word) else None
