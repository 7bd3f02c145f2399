"""Person names in informal text that the frames of ``social_names`` miss: names no list holds before a possessive,
a given name in lower case before a possessive, and a name said alone as a sentence or a turn.

- ``Djourou's defending``, ``Rihanna ' s Anti``: posts, transcripts and encyclopedias name people the lists have
  never seen (new celebrities, foreign surnames, nicknames). A capitalised word that no language's subtitles count
  past their floor (``name_parts.is_seen_word``) is a name or a coinage, and before a possessive it is mostly a
  person's. It must follow a word in lower case, a mark or the text's start (not ``New Zealand's``), no
  determiner (``the Doctor's``), and be no plural or contraction of a known word (``Thats``, ``Lakers``). The same
  word before a verb was measured and dropped (dev: 93 name spans on persons for 197 on other entities or on
  nothing: ``Wikinews``, ``Airbnb``, ``Zaire``; ``benchmarks/pii.md`` 0z5).
- ``lebron's post game``, ``donny's room``: a given name in lower case before a possessive. (A common given name
  in lower case before a verb, ``simone is``, was measured and dropped: dev 2 names for 2 other spans, ``lorry``.)
- ``Yeah. Jennifer.``, ``Zach. Yeah.``, ``Frank. Where are you?``: a turn or a sentence that is one listed given name
  and nothing else calls or answers a person. The word must pass ``social_names.name_word`` with no town and none of
  a language's 10,000 commonest words (``Okay.``, ``Right.``, ``Amazing.`` stay words).

``spans`` keeps these names only in a column whose function words are mostly English (``mid_names.english_names``):
the lists hold other languages' words as given names (Hungarian ``Szép!``, ``Titok.`` said alone).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.name_frames import is_person_word
from mlsecure.privacy.pii.name_parts import COMMON, is_place, is_seen_word
from mlsecure.privacy.pii.social_names import DETERMINERS, POSSESSIVE, name_word

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_MIN_LETTERS = 4  # ``Kuy``, ``Jap``: three letters no dictionary knows are as often an abbreviation
_ELONGATED = re.compile(r"(\w)\1\1")  # ``Awwww``, ``Oooh``, ``Wahaaay``: a letter three times is a sound drawn out


def unknown_name(word: str) -> bool:
    """``Djourou``, ``Rihanna``: a capitalised word (its other letters small) that no dictionary of any language
    here counts past its floor, nor without a final ``s`` (``Thats``, ``Lakers``), open-class, no organisation,
    street or place word."""
    return (
        len(word) >= _MIN_LETTERS
        and word[:1].isupper()
        and word[1:].isalpha()
        and word[1:].islower()
        and not _ELONGATED.search(word)
        and not is_seen_word(word, ())
        and not (word.endswith("s") and is_seen_word(word[:-1], ()))
        and is_person_word(word)
        and not is_place(word)
    )


# A capitalised word before a possessive, after a word in lower case, a mark or the text's start: not the last word
# of a longer proper name (``New Zealand's``, ``Credit Suisse's``)
OWNER = rf"(?:(?:^|[^\w'’])[{_LO}]+ +|^|[.,;:!?)] +|[\"“(] *)[{_UP}][{_LO}]+ ?['’] ?s(?-u:\b)"


def unknown_owner(match: str) -> list[str]:
    """``Djourou's defending``, ``Hanzo ' s hand``: an ``unknown_name`` before a possessive (a match of ``OWNER``;
    not after a determiner: ``the Doctor's``)."""
    found = _WORD.findall(re.sub(r" ?['’] ?s$", "", match))
    if not found or (len(found) > 1 and found[-2].lower() in DETERMINERS):
        return []
    return found[-1:] if unknown_name(found[-1]) else []


def lower_owner(match: str) -> list[str]:
    """``lebron's post game``, ``donny's room``: a listed given name in lower case before a possessive (a match of
    ``social_names.POSSESSIVE``), none of a language's 10,000 commonest words (``lower_names.raised``: not ``mom's``,
    ``bill's``) and no town; a surname alone in lower case is as often a word (``booker's``)."""
    word = re.sub(r" ?['’] ?s$", "", match)
    if " " in word or not word.islower() or not lexicon().is_given(word):
        return []
    return [word] if name_word(word, place_ok=False, rare=False) else []


# Sentences or turns of one capitalised word each, in a row: after a text's start, a sentence's end or a line's
# (a speaker's turn), each before a sentence's end and a space or the text's end (one match for ``Yeah. Jennifer.``:
# the regex engine has no look-behind to let two matches share the space between them)
_ONE = rf"[{_UP}][{_LO}]+[.!?]+"
NAME_SENTENCE = rf"(?:^|[.!?|]\s+|\n\s*){_ONE}(?:\s+{_ONE})*(?:\s|$)"


def name_sentence(match: str) -> list[str]:
    """``Yeah. Jennifer.``, ``Zach. Yeah.``: the words of one-word sentences that are listed given names (see the
    module docstring)."""
    found = (w.rstrip(".!?") for w in match.split() if w[:1].isupper())
    return [w for w in found if lexicon().is_given(fold(w)) and name_word(w, place_ok=False, rare=False, common=COMMON)]


INFORMAL_SLOTS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    (OWNER, unknown_owner),
    (POSSESSIVE, lower_owner),
    (NAME_SENTENCE, name_sentence),
)
