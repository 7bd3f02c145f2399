"""A listed name in a declined form: ``Watsonin``, ``Gaddafin``, ``Virtasen``, ``Mikolle``, ``Chapmannek``,
``Bukowski-t``, Norwegian ``Hitlers``.

Finnish and Hungarian put a person's case on the name itself, and Norwegian its genitive ``s``, so the name
lists (which hold ``Watson``, ``Virtanen``, ``Mikko``) never meet the word the text writes. ``name_endings``
extends a name some rule confirmed in the column; most declined names have no such base form in their text
(issue 15's third corpus, ``tests/pii/peers3``: Turku NER's ``Newtonin``, ``Stalinin``, NerKor's ``Petert``). Here
a capitalised word inside a sentence (a word of these languages is capitalised there only as a proper noun; in
Hungarian and Norwegian also a sentence's first word, from a base of ``MIN_OPENING_BASE`` letters) is a name when
cutting one of its language's case endings leaves a listed given name or surname, read back to its nominative
(``name_endings.nominatives``: ``Virtase-n`` -> ``Virtanen``, ``Miko-lle`` -> ``Mikko``, ``Évá-t`` -> ``Éva``;
Hungarian doubles a consonant before ``-al``/``-el``: ``Renwick-kel``). Hungarian sets a case ending off with a
hyphen after a foreign name (``Bukowski-t``, ``Rush-nak``): such a listed word is a name wherever it stands. A
ruler's number marks a name (``REGNAL``: ``II. Lipót``, ``Saurmag II:n``).

Only columns whose function words are mostly Finnish, Hungarian or Norwegian are read, with that language's
endings. No name: a place (a city, a country, a word the column also declines with a place's case: ``Kiinassa``),
an everyday word of the dictionary languages (``Times``), a word the column also writes in lower case (``Aina``
opening a sentence whose stop the text left out), a word the lists hold as it stands (the other rules decided it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mlsecure.privacy.pii.dict_names import STOPS as DICTIONARY_STOPS
from mlsecure.privacy.pii.dict_names import words as dictionary
from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.locale_frames import word_list
from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.name_endings import FINNISH_CASES, MIN_STEM, PLACE_ENDINGS, nominatives
from mlsecure.privacy.pii.name_frames import is_person_word
from mlsecure.privacy.pii.name_parts import is_common_word, is_country, is_place

# Function words that tell these three languages apart from each other and from the seven of ``dict_names``
STOPS: dict[str, frozenset[str]] = {
    "fi": frozenset(("ja", "että", "oli", "hän", "mutta", "kun", "myös", "ovat", "joka", "sekä", "ole", "vain")),
    "hu": frozenset(("és", "hogy", "nem", "egy", "meg", "volt", "csak", "már", "mint", "pedig", "vagy", "azt")),
    "no": frozenset(("og", "ikke", "som", "på", "det", "har", "ble", "eller", "jeg", "også", "etter", "skal")),
}
# Estonian shares Finnish's ``ja``, ``oli``, ``ole`` (and ``on``, ``ei``), so its text passed for Finnish and got the
# Finnish endings and weights (session 13b: held-out Estonian prose lost words). These words are Estonian's alone:
# none occurs in the 362 Turku NER Finnish dev documents (``siis``, ``et``, ``oma``, ``ei``, ``on`` do, so they are
# left out). Estonian is no declining language here (no endings, no weights): its words only outvote the others.
ESTONIAN_STOPS = frozenset(("ning", "see", "mis", "kui", "või", "mida", "seda", "nagu", "veel", "pole", "kes", "juba"))
# The function words of these languages and of ``dict_names``' in one query: a column's matches feed both
# ``dict_names.languages`` and ``declining_languages``, which each count only their own words (a word is matched
# whole, so the matches are those of the two patterns together)
FUNCTION_WORD_RUN = (
    r"\b(?:"
    + "|".join(
        sorted(
            {w for ws in (*STOPS.values(), *DICTIONARY_STOPS.values(), ESTONIAN_STOPS) for w in ws},
            key=len,
            reverse=True,
        )
    )
    + r")\b"
)
MIN_STOPS = 2  # distinct function words of a language before its endings are read
# The cases a person takes. Finnish (``name_endings.FINNISH_CASES``): genitive, partitive, having, giving, taking,
# essive, with the linking ``i`` of a name ending in a consonant and the ``-kin`` clitic; Hungarian: accusative, dative,
# instrumental (assimilated after a consonant), towards, from, about, at, for, as, possessive; Norwegian: genitive.
ENDINGS: dict[str, frozenset[str]] = {
    "fi": FINNISH_CASES,
    "hu": frozenset(("t", "ot", "et", "öt", "at", "nak", "nek", "val", "vel", "al", "el", "hoz", "hez", "höz"))
    | frozenset(("ról", "ről", "tól", "től", "nál", "nél", "ért", "ként", "é", "ék")),
    "no": frozenset(("s",)),
}
MIN_FAMILY = 2  # declined forms of an unlisted capitalised word before it is read as a name (``declined_families``)
_LENGTHENED = {"a": "á", "e": "é"}  # Hungarian lengthens a final vowel before a case ending (``Évá-t``)
_ASSIMILATED = frozenset(("al", "el"))  # Hungarian ``-val``/``-vel`` after a consonant, which doubles
MIN_OPENING_BASE = 5  # letters of a name opening a sentence: ``Forró-t``, ``Több-et`` open Hungarian subtitles
COMMON_GIVEN = 300  # a given name this common is a name even where it is also an everyday word
PLACE_NAME_RANK = 100  # a town's name this common as a given name or surname declines as a person's too
RANK = 2000  # a listed given name or surname of some country within this rank (``name_data``)
# A ruler's number: Hungarian writes it before the name (``II. Lipót``, ``I. Sigebertet``), Finnish after it, with
# the case ending after a colon (``Saurmag II:n``; a bare ``Suomessa II`` is no ruler)
REGNAL = (
    rf"\b[IVX]{{1,4}}\. [{_UP}][{_LO}]{{{MIN_STEM - 1},}}\b"
    rf"|\b[{_UP}][{_LO}]{{{MIN_STEM - 1},}} [IVX]{{1,4}}:[{_LO}]+\b"
)
_NUMERALS = frozenset(("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"))
# A capitalised word with a hyphenated Hungarian case ending
# The German words that put a noun in the genitive before it (a person's genitive goes without one)
GENITIVE_DETERMINERS = frozenset(
    word_list("des eines dieses jenes seines ihres unseres meines deines eures keines welches jedes manches solches")
)
HYPHENATED = rf"\b[{_UP}][{_LO}]{{{MIN_STEM - 1},}}-(?:{'|'.join(sorted(ENDINGS['hu'], key=len, reverse=True))})\b"


def declining_languages(stops_found: Iterable[str], others_found: Iterable[str] = ()) -> tuple[str, ...]:
    """The language here of which the column uses the most distinct function words, ``MIN_STOPS`` at least (all
    of them on a tie), and more than of any language ``dict_names`` reads (``others_found``: the matches of its
    ``STOP_RUN``; ``FUNCTION_WORD_RUN``'s serve for both) and of Estonian (``ESTONIAN_STOPS``): Finnish web text
    also writes ``som`` and ``det``, English tweets ``det`` and ``skal``, and Estonian ``ja`` and ``oli``."""
    found, others = set(stops_found), set(others_found)
    counts = {lang: len(stops & found) for lang, stops in STOPS.items()}
    most = max(counts.values())
    rivals = (len(ESTONIAN_STOPS & found), *(len(stops & others) for stops in DICTIONARY_STOPS.values()))
    if most <= max(rivals):
        return ()
    return tuple(lang for lang, n in counts.items() if n == most >= MIN_STOPS)


def declined_names(
    mid: Iterable[str],
    hyphenated: Iterable[str],
    regnal: Iterable[str],
    capitalised: Iterable[str],
    langs: tuple[str, ...],
    cells: Any,
    dictionary_langs: tuple[str, ...] = (),
) -> set[str]:
    """The declined listed names among the words of ``mid`` (matches of ``dict_names.MID_RUN``, after the small
    word opening each) and ``hyphenated`` (of ``HYPHENATED``, whose name is taken without its ending), the names
    ``regnal`` numbers (of ``REGNAL``), with their base forms where the column writes them too (``capitalised``:
    matches of ``name_endings.CAPITALISED_WORD``), in a column of ``langs`` (``declining_languages``) whose texts
    are ``cells`` (a list or a Polars Series; None before a batch ran). A word the column also writes in lower
    case, as it stands or as its base, is an everyday word opening a sentence whose stop the text left out
    (``uupumus Kävelin``, ``Aina``) or a numbered thing (``II. kerület``). In a German column
    (``dictionary_langs``: ``dict_names.languages``) a listed name's genitive too (``genitive_names``)."""
    if cells is None:
        return set()
    mid = list(mid)
    genitives = genitive_names(mid, cells) if "de" in dictionary_langs else set()
    if not langs:
        return genitives
    endings = frozenset().union(*(ENDINGS[lang] for lang in langs))
    words = set(capitalised)
    bases: dict[str, str] = {}
    # a sentence's first word too, but not in Finnish: its verbs' past ``-in``/``-sin`` is a name's genitive there
    # (``Luin``, ``Keräsin``: ``I read``, ``I gathered``)
    inside = {w.strip(",;") for match in mid for w in match.split()[1:]}
    opening = set() if "fi" in langs else words - inside
    for word in inside | opening:
        base = _listed_base(word, endings, words)
        if base is not None and (word in inside or len(base) >= MIN_OPENING_BASE):
            bases[word] = base
    if "hu" in langs:
        for match in hyphenated:
            name = match.rsplit("-", 1)[0]
            if listed(name) and may_be_name(name):
                bases[name] = name
    for match in regnal:  # the numbered word of ``REGNAL`` in its language's order
        first, second = match.split()[:2]
        hungarian = first.rstrip(".") in _NUMERALS
        name = second if hungarian else first
        if ("hu" if hungarian else "fi") in langs and (hungarian or ":" in second) and may_be_name(name):
            bases[name] = name
    families = declined_families(inside, words, langs) if "hu" in langs else {}
    bases.update(families)
    # a family's adjective in ``-i`` written in lower case makes it a place (``Európa``, ``európai``)
    adjectives = {base.lower() + "i" for base in families.values()}
    lower = written_lower(cells, {w for pair in bases.items() for w in pair} | adjectives)
    out: set[str] = genitives
    for word, base in bases.items():
        if (
            word.lower() not in lower
            and base.lower() not in lower
            and (word not in families or base.lower() + "i" not in lower)
        ):
            out.update((word, base) if base in words else (word,))
    return out


def declined_families(inside: Iterable[str], words: Iterable[str], langs: tuple[str, ...]) -> dict[str, str]:
    """An unlisted name a Hungarian column writes bare inside a sentence and declined with ``MIN_FAMILY`` person
    cases of ``ENDINGS`` of ``langs`` (``Loder``, ``Lodert``, ``Lodernek``; ``Kadhafi``, ``Kadhafit``,
    ``Kadhafihoz``), and never with a place's (``PLACE_ENDINGS``: ``Budapestre`` declines a town): each form with
    the bare word as its base. Hungarian lengthens a final vowel before the ending (``Évá-t``) and doubles a final
    consonant before ``-al``/``-el``. A place, a function or organisation word or an everyday word is left."""
    endings = frozenset().union(*(ENDINGS[lang] for lang in langs))
    written = set(words)
    out: dict[str, str] = {}
    for stem in {w for w in inside if len(w) >= MIN_STEM + 1 and w.isalpha()}:
        if listed(stem) or not may_be_name(stem) or _declined_as_place(stem, written):
            continue
        heads = {stem, stem[:-1] + _LENGTHENED[stem[-1]]} if stem[-1] in _LENGTHENED else {stem}
        forms = {h + e for h in heads for e in endings if h + e in written}
        forms |= {stem + stem[-1] + e for e in _ASSIMILATED if stem + stem[-1] + e in written}
        if len(forms) >= MIN_FAMILY:
            out.update(dict.fromkeys(forms | {stem}, stem))
    return out


def genitive_names(mid: Iterable[str], cells: Any) -> set[str]:
    """The words of ``mid`` (``dict_names.MID_RUN`` matches) that are a listed name's German genitive: the name and a
    bare ``s`` with no article before it (``Luthers Lehre``, ``Chamberlains Rede``, ``Napoleons``; a noun's
    genitive takes one: ``des Meisters``). Neither the word nor its base may be a German dictionary word
    (``Hindenburgs`` is one, ``Bauers`` another), a listed name as it stands (``Peters``), a place or an everyday
    word, nor written in lower case in the column (``written_lower``)."""
    german = dictionary("de")
    bases: dict[str, str] = {}
    for match in mid:
        small, *words = match.split()
        if small.rstrip(",;") in GENITIVE_DETERMINERS:
            continue
        for word in (w.rstrip(",;") for w in words):
            base = word[:-1]
            if (
                word.endswith("s")
                and len(base) >= MIN_STEM + 1
                and word.lower() not in german
                and base.lower() not in german
                and not listed(word)
                and listed(base)
                and may_be_name(word)
                and may_be_name(base)
            ):
                bases[word] = base
    lower = written_lower(cells, {w for pair in bases.items() for w in pair})
    return {w for w, base in bases.items() if w.lower() not in lower and base.lower() not in lower}


def written_lower(cells: Any, words: Iterable[str]) -> set[str]:
    """The lower-case forms of ``words`` that some cell of ``cells`` writes as a whole word (one query)."""
    lows = sorted({w.lower() for w in words}, key=len, reverse=True)
    if not lows:
        return set()
    pattern = r"\b(?:" + "|".join(map(re.escape, lows)) + r")\b"
    if isinstance(cells, list):
        compiled = re.compile(pattern)
        return {m for text in cells for m in compiled.findall(text)}
    return set(cells.str.extract_all(pattern).explode().drop_nulls().unique().to_list())


def _listed_base(word: str, endings: frozenset[str], words: set[str]) -> str | None:
    """The listed nominative ``word`` declines, if any; none for a word listed itself, a place, or a stem the
    column also declines as a place."""
    if not word[:1].isupper() or listed(word) or is_place(word) or not is_person_word(word) or _everyday(word):
        return None
    for cut in range(1, min(max(map(len, endings)), len(word) - MIN_STEM) + 1):
        stem, ending = word[:-cut], word[-cut:]
        if ending not in endings:
            continue
        if ending in _ASSIMILATED:
            if stem[-1:] != stem[-2:-1]:
                continue
            stem = stem[:-1]
        if _declined_as_place(stem, words):
            return None
        for base in sorted(nominatives(stem, finnish=ending in FINNISH_CASES)):
            if listed(base) and not _place_first(base) and not _everyday(base):
                return base
    return None


def _place_first(base: str) -> bool:
    """A place that is no common name too: a country, or a town the lists do not hold within ``PLACE_NAME_RANK``
    (``Turku``, ``Bergen``; ``Caroline``, ``Murphy`` and ``Aksu`` are towns of the gazetteer and common names, and
    ``Carolinen``, ``Murphyn``, ``Aksulle`` in Finnish text are people's; a town the column declines as a place is
    left before this is asked)."""
    if not is_place(base):
        return False
    names = lexicon()
    common = names.is_given(base, max_rank=PLACE_NAME_RANK) or names.is_surname(base, max_rank=PLACE_NAME_RANK)
    return is_country(base) or not common


def may_be_name(word: str) -> bool:
    """A word that may be a name whatever the lists say: no place, function or organisation word, everyday word."""
    return is_person_word(word) and not is_place(word) and not _everyday(word)


def _everyday(word: str) -> bool:
    """One of the commonest words of a language ``dict_names`` reads (``Star``, ``Apple``, ``Times``) and no
    common given name (``Anna``, ``Peter`` stay names)."""
    return is_common_word(word, ()) and not lexicon().is_given(word, max_rank=COMMON_GIVEN)


def _declined_as_place(stem: str, words: set[str]) -> bool:
    return any(stem + e in words for e in PLACE_ENDINGS)


def listed(word: str) -> bool:
    """A given name or surname within ``RANK`` in some country."""
    names = lexicon()
    return names.is_given(word, max_rank=RANK) or names.is_surname(word, max_rank=RANK)
