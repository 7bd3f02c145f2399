"""Person names that a genre's own conventions point at: authors cited in academic text, initials before a
surname in credits and reference lists, people called in dialogue and conversation, judges and parties in court
opinions.

Each convention is a frame that only a person fills, so one capitalised word in it is a name where the same word
alone in running text would not be taken:

- a citation: ``(Li, Polat, Scalzo, & Bavelier, 2010; Dye & Bavelier 2010)``, ``Palmeri and Gazio (1995)``,
  ``Daily et al.``; each author passes ``results_tables.person`` (no everyday word, no country: ``(Table 2, 2010)``
  stays) and is no month (``(Sep 1958)``);
- two or three initials before a surname: ``C. D. Fellbaum``, ``E.T.A. Hoffmann`` (not an abbreviation that the
  initials spell: ``U.S. Army``, ``D.C. Comics``), and a reference list written surname-first with capital
  initials, three or more in a row: ``Kara S, Spickermann D, Weckbecker A``;
- a call in dialogue: a quoted line that is only names (``“Robert,” my mom says``), a listed given name opening a
  sentence or a turn before a comma and a lower-case word (``Kendra, just let it go``), or closing one after a comma
  (``That's low, Issac.``); never a place (``Paris, the capital``) nor an everyday word (``Well, no``);
- a person's own: ``Graindor de Douai, who``, ``Thrun and his colleagues``, ``Catullus himself``, ``Goldberg's
  breakthrough``, ``Melville's wife`` (kin, life events and writings: what no company or band has);
- a list that names people: its other items (``Morris and Goscinny`` among ``Mark Twain, Robert Louis Stevenson,
  ...``) once half of its items, two at least, are confirmed names (``people_beside``, after the other passes);
- the bench: ``BLACKMUN, J., delivered``, ``DOUGLAS, BRENNAN, and POWELL, JJ., joined``; a case: ``Lynch v.
  Overholser``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from mlsecure.privacy.pii.months import month_number
from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.name_frames import is_capitalised, is_person_word
from mlsecure.privacy.pii.name_parts import is_common_word, is_country, is_listed_name, is_place, is_seen_word
from mlsecure.privacy.pii.places import is_region
from mlsecure.privacy.pii.results_tables import WORD, Langs, person

_AUTHOR = rf"{WORD}(?: {WORD})?"
_AUTHORS = rf"{_AUTHOR}(?:(?:,? &|,? and|,) {_AUTHOR})*(?: et al\.?)?"
_YEAR = r"(?:1[6-9]|20)[0-9][0-9][a-z]?"
# an author-year item inside brackets (after the bracket or a ``;``), or authors before a bracketed year
CITED = (
    rf"[(;] ?(?:see |e\.g\.,? |cf\. )?{_AUTHORS},? {_YEAR}\b|{_AUTHORS}(?:['’]s)? \({_YEAR}\)|{WORD} et al\b"
    rf"|{_AUTHORS}, (?:pp?|[Vv]ol)\.|{_AUTHOR} (?:and|&) {_AUTHOR},? {_YEAR}\b"
)
_SEPARATOR = re.compile(r",? & |,? and |, ")
_LEAD = re.compile(r"^[(;] ?(?:see |e\.g\.,? |cf\. )?")
_TAIL = re.compile(rf"(?: et al\.?)?(?:['’]s)?,? \(?{_YEAR}\)?$| et al$|, (?:pp?|[Vv]ol)\.$")

_INITIALS = r"(?:[A-Z]\. ?){2,3}"
INITIALLED = rf"(?:^|[^\w.]){_INITIALS}{WORD}"
# what two or three capital initials spell when they are an abbreviation, not a person's initials
_ABBREVIATIONS = frozenset(
    (
        "US",
        "UK",
        "DC",
        "PO",
        "AD",
        "BC",
        "NY",
        "LA",
        "EU",
        "UN",
        "AM",
        "PM",
        "USA",
        "UAE",
        "NYC",
        "SA",
        "NV",
        "BV",
        "JR",
        "SR",
        "TV",
        "ID",
        "OK",
        "NB",
        "PS",
        "VS",
        "RIP",
        "ET",
        "BA",
        "BS",
        "MA",
        "MS",
        "MD",
        "PHD",
        "LLC",
        "SS",
    )
)
REFERENCE_LIST = rf"{WORD} [A-Z]{{1,4}}(?:, {WORD} [A-Z]{{1,4}}){{2,}}\b"

CALLED = rf"[“\"](?:\.\.\. )?{WORD}[,!?](?: {WORD}[,!?])*(?: {WORD} \.\.\.| \.\.\.)?[”\"]"
TURN_START = rf"(?:^|\n|[.!?] )[“\"]?{WORD}, [a-z]+"
# what follows a place named at the start of a sentence: its description, not a call
_DESCRIBING = frozenset(
    (
        "the",
        "a",
        "an",
        "which",
        "where",
        "located",
        "home",
        "capital",
        "one",
        "city",
        "is",
        "was",
        "in",
        "on",
        "at",
        "near",
        "and",
        "or",
        "but",
        "with",
        "for",
        "from",
        "to",
        "as",
        "its",
    )
)
# the short English words that open what is said to someone (``Ben, we``; ``Apa, ne`` in Hungarian stays)
_SHORT_OPENERS = frozenset(("i", "we", "you", "he", "it", "my", "do", "go", "no", "is", "be", "me", "us", "if", "so"))
TURN_END = rf"\b[a-z]+, {WORD}(?:[.!?]|\s[–—-])(?:\s|$)"

_RUN = rf"{WORD}(?: {WORD}){{0,2}}"
# what only a person does in running prose: ``Graindor de Douai, who``, ``Thrun and his colleagues``, ``Catullus
# himself``; and what only a person has: ``Goldberg's breakthrough``... not (a company has products, a band albums)
POINTED = rf"{_RUN}(?:, whom?\b|, whose\b| and (?:his|her)\b| (?:himself|herself)\b)"
_PERSONAL = (
    "wife",
    "husband",
    "son",
    "daughter",
    "mother",
    "father",
    "brother",
    "sister",
    "widow",
    "widower",
    "parents",
    "grandson",
    "granddaughter",
    "nephew",
    "niece",
    "cousin",
    "girlfriend",
    "boyfriend",
    "fiancée",
    "fiancé",
    "death",
    "birth",
    "childhood",
    "funeral",
    "assassination",
    "biography",
    "autobiography",
    "memoir",
    "memoirs",
    "novel",
    "novels",
    "poem",
    "poems",
    "poetry",
    "writings",
    "diary",
    "marriage",
    "retirement",
    "grave",
    "tomb",
    "breakthrough",
    "mistress",
    "lover",
    "widowhood",
)
OWNED = rf"{_RUN}['’]s (?:{'|'.join(_PERSONAL)})\b"

_CAPS = r"[A-Z][A-Z'’-]{2,}"
BENCH = rf"{_CAPS}(?:,? (?:and )?{_CAPS})*, (?:C\.J\.|JJ?\.)"
CASE = rf"\b{WORD} v\. {WORD}\b"


def cited_authors(match: str, langs: Langs) -> list[str]:
    """The authors of a citation, each as written (two words at most: ``Filippini Fantoni``)."""
    body = _TAIL.sub("", _LEAD.sub("", match))
    return [a for a in _SEPARATOR.split(body) if a and person(a, langs) and month_number(a) is None]


def initialled(match: str, langs: Langs) -> list[str]:
    """``C. D. Fellbaum``: the initials and the surname, unless the initials spell an abbreviation or the surname is
    a word of the column's dictionaries that no name list holds."""
    run = match.lstrip(" \t\n([,;:|\"'“")
    letters = "".join(c for c in run[: run.rfind(".") + 1] if c.isalpha())
    surname = run.rsplit(" ", 1)[-1].rsplit(".", 1)[-1]
    known = is_listed_name(surname) or not is_seen_word(surname, langs)  # ``G. K. V. R. Vracht``: Dutch for freight
    return [run] if letters not in _ABBREVIATIONS and known and person(run, langs) else []


def referenced(match: str, langs: Langs) -> list[str]:
    """``Kara S, Spickermann D``: every item whose surname is a person word and no country."""
    items = match.split(", ")
    return [i for i in items if is_person_word(i.rsplit(" ", 1)[0]) and not is_country(i.rsplit(" ", 1)[0])]


def _called(word: str, langs: Langs, *, given: bool = True) -> bool:
    """A listed name (a given name with ``given``) that is no everyday word (of the column's languages or of English,
    which every language's texts quote: Swedish ``None, noll``) and no country: a person spoken to. Only where the
    column's language has a dictionary here: in Finnish ``Niin`` and ``Joo`` are listed names too."""
    if not langs:  # no dictionary of the column's language to tell its everyday words (Finnish ``Niin, ostin``)
        return False
    listed = lexicon().is_given(word) if given else is_listed_name(word)
    return (
        is_capitalised(word)
        and is_person_word(word)
        and listed
        and not is_common_word(word, (*langs, "en"))
        and not is_country(word)
    )


def called_names(match: str, langs: Langs) -> list[str]:
    """``“Robert,”``, ``“Daniels! Peterson! Flynn!”``: the listed names of a quoted line that is only names."""
    words = [w.strip('“”"., !?') for w in match.split()]
    return [w for w in words if w and _called(w, langs, given=False)]


def turn_start(match: str, langs: Langs) -> list[str]:
    """``Kendra, just let it go``: the word after the comma an everyday word of the column's languages (a
    misread language's words stay: Finnish ``Niin, ostin``); a place before what describes it stays (``Paris, the
    capital``)."""
    word, _, rest = match.lstrip('.!? \n“"').partition(", ")
    short = len(rest) < 3 and rest not in _SHORT_OPENERS  # ``Apa, ne``: two letters are a word of many languages
    if (is_place(word) and rest in _DESCRIBING) or short or not is_common_word(rest, langs):
        return []
    return [word] if _called(word, langs) else []


def turn_end(match: str, langs: Langs) -> list[str]:
    """``That's low, Issac.``: a listed given name closing a sentence after a comma and an everyday word of the
    column's languages, no place (``in Paris.``)."""
    before, _, word = match.partition(", ")
    word = word.rstrip(" \t\n.!?–—-")
    return [word] if is_common_word(before, langs) and _called(word, langs) and not is_place(word) else []


def _person_tail(run: str, langs: Langs) -> list[str]:
    """The longest end of ``run`` that is a person's name (``Speaker Newt Gingrich`` gives ``Newt Gingrich``)."""
    words = run.split()
    for k in range(len(words)):
        if person(tail := " ".join(words[k:]), langs):
            return [tail]
    return []


def pointed(match: str, langs: Langs) -> list[str]:
    """The name before ``, who``, ``and his``, ``himself``."""
    return _person_tail(re.split(r",? (?:who|whom|whose|and|himself|herself)\b", match)[0], langs)


def owned(match: str, langs: Langs) -> list[str]:
    """The name before ``'s wife``, ``'s novel``, ``'s death``."""
    return _person_tail(re.split(r"['’]s ", match)[0], langs)


def bench_names(match: str, langs: Langs) -> list[str]:
    """``DOUGLAS, BRENNAN, and POWELL, JJ.``: the judges' names in capitals."""
    words = re.findall(_CAPS, match.rsplit(", ", 1)[0])
    return [w for w in words if w != "AND" and is_person_word(w.title()) and not is_country(w.title())]


def case_parties(match: str, langs: Langs) -> list[str]:
    """``Lynch v. Overholser``: each party that is a person's name (``Texas v. Johnson`` gives ``Johnson``: a state,
    a province is no person)."""
    return [w for w in match.split(" v. ") if person(w, langs) and not is_region(w)]


_ITEM = rf"(?:[A-Z]\. ?){{0,3}}{WORD}(?: {WORD}){{0,2}}"
# a list of three or more people, places or things: ``Sepp Hochreiter, Y. Bengio, P. Frasconi, and Jürgen X``
PEOPLE_LIST = rf"{_ITEM}(?:(?:,? (?:and|&) |, ){_ITEM})+"
_LIST_SEPARATOR = re.compile(r",? (?:and|&) |, ")


def people_beside(matches: Iterable[str], names: Iterable[str], langs: Langs) -> set[str]:
    """The other items of a list of three or more whose items are at least half confirmed names, two of them
    written in full (a list of planets or towns with one of them misread as a name is left alone):
    ``Morris and Goscinny`` among ``Mark Twain, Robert Louis Stevenson, ...``; each must pass
    ``results_tables.person`` (a company, a place, an everyday word stays)."""
    known = set(names)
    out: set[str] = set()
    for match in matches:
        items = [i for i in _LIST_SEPARATOR.split(match) if i]
        if len(items) < 3:
            continue
        # the first item may hold the sentence's opening word (``With Sepp Hochreiter``)
        named = [i in known or (k == 0 and any(i.endswith(" " + n) for n in known)) for k, i in enumerate(items)]
        full = sum(n and " " in i for i, n in zip(items, named, strict=True))  # a person in full, not ``Mars``
        if full >= 2 and 2 * sum(named) >= len(items):
            out.update(i for i, n in zip(items, named, strict=True) if not n and person(i, langs))
    return out


# (pattern, reader) pairs for ``spans._confirmed``, as ``results_tables.RESULT_SLOTS``
GENRE_SLOTS: tuple[tuple[str, Callable[[str, Langs], list[str]]], ...] = (
    (CITED, cited_authors),
    (INITIALLED, initialled),
    (REFERENCE_LIST, referenced),
    (CALLED, called_names),
    (TURN_START, turn_start),
    (TURN_END, turn_end),
    (POINTED, pointed),
    (OWNED, owned),
    (BENCH, bench_names),
    (CASE, case_parties),
)
