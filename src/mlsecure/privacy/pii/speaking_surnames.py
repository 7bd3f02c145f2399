"""A confirmed person's surname used alone as the one who speaks: ``Naroff said``, ``said Geraghty.``, ``Burns
told a news briefing``.

News names a person in full once and then by surname, often in other stories of the same column (``Bob Dole``
in one, ``Dole said`` in the next). ``name_parts.spread`` takes a part only where the same text also holds the
full name and no more texts use the word without it, since a word of a company or a product would otherwise
leave every cell. A verb of speech is the evidence that the word stands for a person: once the surname of a
confirmed full name is the subject of ``said`` (or follows it) anywhere in the column, it is a name wherever it
stands. Everyday words of the column's languages are not taken (``Young said`` after ``Doug Young``: ``Young``
would go from every cell), nor closed-class, place or organisation words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlsecure.privacy.pii.name_frames import cased, is_person_word
from mlsecure.privacy.pii.name_parts import is_common_word, is_place
from mlsecure.privacy.pii.results_tables import WORD, Langs

SPEECH_VERBS = (
    "said",
    "says",
    "told",
    "added",
    "asked",
    "replied",
    "wrote",
    "noted",
    "argued",
    "insisted",
    "warned",
    "explained",
    "declined",
    "denied",
    "acknowledged",
    "admitted",
    "stressed",
    "predicted",
    "estimated",
    "testified",
    "conceded",
    "urged",
    "announced",
    "quoted",
)
_VERBS = "|".join(SPEECH_VERBS)
# ``Naroff said``, or ``said Geraghty.`` closing a clause
SPEAKER = rf"\b{WORD} (?:{_VERBS})\b|\b(?:{cased(SPEECH_VERBS)}) {WORD}(?:[.,;]|$)"
_WORD_RE = re.compile(WORD)
_MIN_LETTERS = 3


def speaking_surnames(matches: Iterable[str], names: Iterable[str], langs: Langs) -> set[str]:
    """The words of ``matches`` (of ``SPEAKER``) that are the last word of a confirmed name of two words or more."""
    surnames = {words[-1] for name in names if len(words := name.split()) >= 2 and len(words[-1]) >= _MIN_LETTERS}
    out: set[str] = set()
    for match in matches:
        found = [w for w in _WORD_RE.findall(match) if w in surnames]
        out.update(w for w in found if is_person_word(w) and not is_common_word(w, langs) and not is_place(w))
    return out
