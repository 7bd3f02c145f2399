"""The other names of an enumeration whose names are confirmed: line-ups, lists of speakers, of the elected.

Newspapers name people in lists (``die Senatoren Raina, Crispolti, Ortali, Vitelli, Cincotti und Gentile``,
``Kirjákosz, Poulsen, Kelly, Jones``, ``Freestone, Gareth Roberts, Page, Melville``); a frame or a list of names
confirms some of them, and the rest, surnames no list holds, survived (issue 15's third corpus,
``tests/pii/peers3``). A list is one kind of thing: where two of its items are confirmed names, its other
capitalised items are names too where they are no place nor common word of the column's languages; where only one
item is confirmed, each other item that no dictionary of the column's languages knows (``Stéphan, Feyfant,
Hemery, Roy``; a pair too: ``Briand und Chamberlain``; a list of countries beside a spurious name gives nothing).
Items are one to three capitalised words with name particles between them, joined by commas, semicolons or the word
for ``and`` of the languages here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlsecure.privacy.pii.dict_names import words as dictionary
from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.locale_frames import PARTICLES
from mlsecure.privacy.pii.name_frames import alternation_pattern, is_person_word
from mlsecure.privacy.pii.name_parts import is_common_word, is_place

# ``and`` in the languages of the frames (``locale_frames``), joining a list's last item
AND = ("und", "et", "ja", "és", "y", "en", "e", "og", "och", "i", "and")
MIN_ITEMS = 2  # a pair too (``Briand und Chamberlain``): one confirmed, the other must be unknown
MIN_CONFIRMED = 1  # with one confirmed item, the others are names only where no dictionary knows them
SURE = 2  # with two, each name-shaped item is a name whatever the others are
_WORD = rf"[{_UP}][{_LO}'’]+(?:-[{_UP}][{_LO}'’]+)?"
_PARTICLE = alternation_pattern(p for p in PARTICLES if len(p) > 1)
_ITEM = rf"(?:(?:{_PARTICLE}) )?{_WORD}(?: (?:(?:{_PARTICLE}) )?{_WORD}){{0,2}}"
_JOIN = rf"(?:[,;] |,? (?:{alternation_pattern(AND)}) )"
NAME_LIST = rf"\b{_ITEM}(?:{_JOIN}{_ITEM}){{{MIN_ITEMS - 1},}}"
_SPLIT = re.compile(rf"{_JOIN}")
# a pair is joined by ``and``: two items and a comma are a clause's end and the next one's start (``the Mortgage
# Loan, Servicer shall``)
_PAIRED = re.compile(rf" (?:{alternation_pattern(AND)}) ")


def listed_beside(lists: Iterable[str], persons: Iterable[str], langs: tuple[str, ...]) -> set[str]:
    """The name-shaped unconfirmed items of ``lists`` (matches of ``NAME_LIST``) with confirmed names
    (``persons``) among them: with ``SURE`` of those each such item, with one each item no dictionary knows
    (all or none where the column's languages have no dictionary)."""
    known = set(persons)
    out: set[str] = set()
    for match in lists:
        items = _SPLIT.split(match)
        confirmed = [item for item in items if item in known or item.split()[-1] in known]
        if len(items) < MIN_ITEMS or len(confirmed) < MIN_CONFIRMED or (len(items) == 2 and not _PAIRED.search(match)):
            continue
        others = [item for item in items if item not in confirmed]
        if len(confirmed) >= SURE:
            out.update(item for item in others if _name_shaped(item, langs))
        elif langs:
            out.update(item for item in others if _name_shaped(item, langs, unknown=True))
        elif all(_name_shaped(item, langs, unknown=True) for item in others):
            out.update(others)  # no dictionary to ask (Finnish, Hungarian): a list is all names or none
    return out


def _name_shaped(item: str, langs: tuple[str, ...], *, unknown: bool = False) -> bool:
    """No place, no common word of the column's languages (with ``unknown``, no word of their dictionaries at
    all: ``Frankreich``), no organisation or street word."""
    words = [w for w in item.split() if w.lower() not in PARTICLES]
    return bool(words) and all(
        is_person_word(w)
        and not is_place(w)
        and not is_common_word(w, langs)
        and not (unknown and any(w.lower() in dictionary(lang) for lang in langs))
        for w in words
    )
