"""A confirmed name with a case ending: the same person, in the form the sentence declines it to.

Finnish, Hungarian and Estonian decline names with suffixes (``Obama`` -> ``Obaman``, ``Éva`` -> ``Évát``,
``Évához``; a name ending in a consonant may take an ``i`` first: ``Chávez`` -> ``Chávezin``), and the Germanic
languages write the genitive with a bare ``s`` (``Bertelsens advokat``, ``Mussolinis``). Redaction replaces a
confirmed name where no letter touches it, so the declined form stays in the text whole. Here a capitalised word
of the column is a name when it is a confirmed name word of the same column plus one of these endings (Hungarian
lengthens a final ``a`` or ``e`` before them: ``Évá-t``). Only confirmed names are extended, never a list entry
alone: ``Turun`` (Turku's genitive) is no name because ``Turku`` is none; a word that is a city's name is left
(``Bergen``), and the Finnish partitive ``-ia`` is not read (``Roman`` -> ``Romania``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlsecure.privacy.pii.dict_names import words as dictionary
from mlsecure.privacy.pii.gazetteer import city_names, fold
from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP

# Finnish cases a person takes (genitive, partitive, the cases of having, giving and taking, essive, translative),
# with and without the linking ``i`` and the ``-kin`` clitic; Hungarian cases (accusative, dative, instrumental,
# towards, from, about, at, for, as) in their vowel-harmony variants. The cases of being in, into and out of a place
# (Finnish ``-ssa``, ``-sta``, ``-Vn``; Hungarian ``-ban``, ``-ba``, ``-ból``, ``-on``, ``-ra``) are left out: they
# decline a country or a town (``Kiinassa``), seldom a person.
ENDINGS = frozenset(
    (
        "s",
        "n",
        "a",
        "ä",
        "ta",
        "tä",
        "lle",
        "lla",
        "llä",
        "lta",
        "ltä",
        "na",
        "nä",
        "ksi",
        "in",
        "ille",
        "illa",
        "illä",
        "ilta",
        "iltä",
        "ina",
        "inä",
        "iksi",
        "nkin",
        "kin",
        "t",
        "ot",
        "et",
        "öt",
        "at",
        "nak",
        "nek",
        "val",
        "vel",
        "hoz",
        "hez",
        "höz",
        "ról",
        "ről",
        "tól",
        "től",
        "nál",
        "nél",
        "ért",
        "ként",
        "vá",
        "vé",
        "é",
        "ék",
        "al",
        "el",
    )
)
_ASSIMILATED = ("al", "el")  # ``-val``/``-vel`` after a consonant, which doubles: read only so
# The cases of a place (Finnish in, out of, into; Hungarian in, into, out of, onto, on): a word the column also
# writes with one of these is a country, a town or an institution (``Kiinassa``, ``Bizottságban``), not a person
PLACE_ENDINGS = (
    "ssa",
    "ssä",
    "sta",
    "stä",
    "seen",
    "han",
    "hin",
    "hen",
    "ban",
    "ben",
    "ba",
    "be",
    "ból",
    "ből",
    "ra",
    "re",
    "on",
    "ön",
)
_LONGEST = max(map(len, ENDINGS))
_LENGTHENED = {"á": "a", "é": "e"}
# The Finnish cases after which a stem is read back to its nominative (``nominatives``): not the translative
# ``-ksi`` (``Onneksi`` is ``fortunately``, not ``Onni``), nor a plural's ``-t`` (``Lappalaiset``)
FINNISH_CASES = frozenset(("n", "a", "ä", "ta", "tä", "lle", "lla", "llä", "lta", "ltä", "na", "nä", "kin", "nkin"))
FINNISH_CASES |= frozenset(("in", "ille", "illa", "illä", "ilta", "iltä", "ina", "inä"))
_GRADED = re.compile(r"([aeiouyäö])([kpt])([aeiouyäö])$")  # a weak grade's single stop before the last vowel
MIN_STEM = 3
# A Finnish stem is read back only from four letters: ``Ole-n`` (``I am``) is no ``Oli``, ``Tee-n`` no ``Tei``
MIN_FINNISH_STEM = 4
# Capitalised words long enough to be a stem and an ending (the pass asks only about these)
CAPITALISED_WORD = rf"\b[{_UP}][{_LO}]{{{MIN_STEM},}}\b"


def inflected(
    words: Iterable[str], names: Iterable[str], langs: tuple[str, ...] = (), *, finnish: bool = False
) -> set[str]:
    """The words of ``words`` that are a word of one of ``names`` plus an ending of ``ENDINGS``, and no word of the
    column's dictionary languages (``dict_names.languages``: German ``Sachen`` is ``Sache`` and ``n`` but a noun,
    English ``Bills`` a plural). In a Finnish column (``finnish``) the stem before a Finnish case ending is also
    read back to its nominative (``nominatives``: ``Virtasen``, ``Mikolle``); elsewhere, and before the plural
    ``-t`` or the translative ``-ksi``, it is not (``Lappalaiset`` is a people, ``Onneksi`` a word)."""
    words = set(words)
    stems = {w for name in names for w in name.split() if len(w) >= MIN_STEM and w[:1].isupper() and w.isalpha()}
    stems = {s for s in stems if not any(s + e in words or s + s[-1] + e in words for e in PLACE_ENDINGS)}
    out: set[str] = set()
    for word in words:
        if word in stems:
            continue
        for cut in range(1, min(_LONGEST, len(word) - MIN_STEM) + 1):
            stem, ending = word[:-cut], word[-cut:]
            if ending not in ENDINGS:
                continue
            if ending in _ASSIMILATED:  # Hungarian ``-val``/``-vel`` after a consonant, doubled: ``Peter-rel``
                if stem[-1:] != stem[-2:-1] or stem[:-1] not in stems:
                    continue
                stem = stem[:-1]
            if not stems.isdisjoint(nominatives(stem, finnish=finnish and ending in FINNISH_CASES)):
                low = word.lower()
                if fold(word) not in city_names() and not any(low in dictionary(lang) for lang in langs):
                    out.add(word)
                break
    return out


def nominatives(stem: str, *, finnish: bool = True) -> set[str]:
    """The nominatives a stem left by a case ending may stand for (itself among them): Hungarian lengthens a final
    ``a``/``e`` (``Évá-t``); with ``finnish``, ``-se-``/``-s-`` is ``-nen`` (``Virtase-n``, ``Virtas-ta``), ``-e-``
    a final ``-i`` (``Ahtisaare-n``), ``-kse-`` and ``-ee-`` a final ``-s`` (``Markukse-lle``, ``Mithridatee-n``),
    and a weak grade the strong one (``Miko-lle`` -> ``Mikko``, ``Heiki-n``)."""
    out = {stem}
    if stem[-1:] in _LENGTHENED:
        out.add(stem[:-1] + _LENGTHENED[stem[-1]])
    if not finnish or len(stem) < MIN_FINNISH_STEM:
        return out
    if stem.endswith("kse"):
        out.add(stem[:-3] + "s")  # ``Markukse-lle`` -> ``Markus``, ``Herakleiokse-n``
    if stem.endswith("se"):
        out.add(stem[:-2] + "nen")
    elif stem.endswith("s"):
        out.add(stem[:-1] + "nen")
    elif stem.endswith("ee"):
        out.add(stem[:-1] + "s")  # ``Mithridatee-n`` -> ``Mithridates``, ``Aristotelee-n``
    elif stem.endswith("e"):
        out.add(stem[:-1] + "i")
    if (weak := _GRADED.search(stem)) is not None:
        out.add(stem[: weak.start(2)] + weak.group(2) * 2 + weak.group(3))
    return {s for s in out if len(s) >= MIN_STEM}


# A capitalised word broken at a line's end and set again with its hyphen (``Du- mini``, ``Tarta- kower``)
HYPHEN_BROKEN = rf"\b[{_UP}][{_LO}]+- [{_LO}]+\b"


def hyphen_broken(matches: Iterable[str], names: Iterable[str]) -> set[str]:
    """The matches of ``HYPHEN_BROKEN`` that a confirmed name's word is, read whole: the old newspapers' OCR keeps
    the hyphen and space of a word broken at a line's end (``Du- mini`` where the column also says ``Dumini``)."""
    words = {w for name in names for w in name.split()}
    return {m for m in matches if m.replace("- ", "") in words}
