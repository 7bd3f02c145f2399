"""Person names in the tables of sports results that news agencies print as text: scorecards, result lists,
scorers and line-ups, whatever the lists hold of the names.

Wire copy sets the people of a sports page in fixed shapes that no sentence frame covers and that name lists
cannot vouch for (``Kaluwitharana``, ``Gete Wami``):

- a cricket batting line and a bowling analysis: ``S. Law c Tillekeratne b Dharmasena 13``, ``Vaas 7-0-29-0``
  (overs-maidens-runs-wickets);
- an entrant of a ranked result or a match with the entrant's country or club in brackets:
  ``5. Chryste Gaines (U.S.) 11.20``, ``Monica Seles (U.S.) beat Dally Randriantefy (Madagascar)``;
- goal scorers with their minutes in brackets after a score (``Bochum 2 (Stickroth 30th pen, Wosz 89th)``) or
  after the name (``Aunger (41st min, pen)``), and numbered line-ups (``15 - Andre Joubert, 14 - Justin Swart``);
- a full name that a line break cut in two inside a list (``Glenn McGrath, Ricky\\nPonting, Michael Slater``).

Each shape is a pattern run once over the whole column by ``spans`` (Rust's regex syntax, which Python's ``re``
also reads); its reader returns the names of one match. A name of one word is taken only where it is no
everyday word of the column's languages, no place and no closed-class word, since the confirmed string replaces
that word in every cell (``Law`` of ``Bowling: ... Law 2-0-23-0`` stays); a name with an initial or of several
words is replaced only as written, so only place words and everyday words no name list holds rule it out
(``Real Madrid (Spain)``, ``Kinder Bologna (Italy)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.lexicons import FUNCTION_WORDS
from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.name_frames import is_person_word
from mlsecure.privacy.pii.name_parts import is_common_word, is_country, is_listed_name, is_place

# One word of a name: ``McGrath``, ``O'Neill``, ``N'Doram``, ``Ata-ur-Rehman``, ``Tyler-Sharman``
WORD = rf"(?:[{_UP}]['’])?[{_UP}][{_LO}'’]+(?:[{_UP}][{_LO}'’]+)?(?:-[{_UP}{_LO}][{_LO}'’]+)*"
_PARTICLE = "(?:van|von|de|der|den|di|da|del|dos|das|le|la|du|ter|ten)"
# A name: initials, then one to four words (particles between them); a line break may stand for a space, as
# in wire copy cut into lines
_NAME = rf"(?:[{_UP}]\. ?){{0,2}}{WORD}(?:[ \n](?:{_PARTICLE} )*{WORD}){{0,3}}"
LINE_NAME = rf"(?:[{_UP}]\. ?){{0,2}}(?:{_PARTICLE} )?{WORD}(?: (?:{_PARTICLE} )*{WORD}){{0,3}}"  # on one line
_NAME_RE = re.compile(_NAME)
_ORDINAL = r"[0-9]{1,3}(?:st|nd|rd|th)"

# A batting line: batsman, how out (caught, stumped, lbw, bowled, run out, not out) and the runs
BATTING_LINE = (
    rf"(?m)^{LINE_NAME} (?:(?:c|st) (?:and )?(?:{LINE_NAME} )?)?(?:lbw )?"
    rf"(?:b {LINE_NAME}|lbw {LINE_NAME}|run out|not out|retired hurt|hit wicket b {LINE_NAME})"
    rf" [0-9]{{1,3}}\*?[ \t]*$"
)
# A bowler's analysis: overs (a part over after the dot), maidens, runs, wickets
BOWLING_FIGURES = rf"(?:^|[:,;]\s*|\n){_NAME}\s[0-9]{{1,2}}(?:\.[0-9])?-[0-9]{{1,2}}-[0-9]{{1,3}}-[0-9]{{1,2}}\b"
# An entrant with a country or club in brackets, after a rank, ``beat``, or a bracket closing the entrant
# before (a relay team), or before ``beat`` (two patterns: one match may not take the ``beat`` of the next)
_AFFILIATION = r"\((?:[A-Z][A-Za-z.'-]*)(?: [A-Z][A-Za-z.'-]*){0,2}\)"
ENTRANT = rf"(?:(?m:^)[0-9]{{1,3}}[.=]? |\bbeat |\bbt |\), ){_NAME}[ \n]{_AFFILIATION}"
WINNER = rf"{_NAME}[ \n]{_AFFILIATION}[ \n](?:beat|bt)\b"
# Scorers in brackets with their minutes, after a team's name and score (plain minutes: ``Bochum 2 (``, not the
# version of ``Mozilla/5.0 (Windows 98)``) or alone (ordinals only), and a scorer before the minute in brackets
_SCORER = (
    rf"(?:[0-9]{{1,2}} - )?{_NAME}[ \n][0-9]{{1,3}}(?:st|nd|rd|th)?(?: pen| og)?"
    rf"(?: and [0-9]{{1,3}}(?:st|nd|rd|th)?)*"
)
SCORERS = (
    rf"(?:[{_LO}] [0-9]{{1,2}} )?\({_SCORER}(?:(?:,|;| and)[ \n]{_SCORER})*\)"
    rf"|{_NAME} \({_ORDINAL}(?: min(?:ute)?s?)?[,)]"
)
# Two numbered players at least: ``13 - Japie Mulder (Joel Stransky, 48 mins) 12 - Danie van Schalkwyk``
_PLAYER = rf"[0-9]{{1,2}} - {_NAME}(?: \([^()\n]{{3,40}}\))?"
LINE_UP = rf"{_PLAYER}(?:[,;]?[ \n]{_PLAYER})+"
# A pitcher's or fighter's record in brackets after the name: ``Tom Glavine (13-8)``, ``Estes (3-4)``
RECORD = rf"{_NAME} \([0-9]{{1,2}}-[0-9]{{1,2}}(?:-[0-9]{{1,2}})?\)"
# Betting odds before each name, two at least: ``7-1 Luis Figo 7-1 Raul Gonzalez``
_ODDS = r"[0-9]{1,3}-[0-9]{1,2}"
ODDS_LIST = rf"{_ODDS}[ \n]{_NAME}(?:[ \n]+{_ODDS}[ \n]{_NAME})+"
# A team sheet: three names or more after a label that names one (``The team is as follows:``, ``Did not bat:``,
# ``Squad:``), one to three words each (``(captain)`` after one)
_MEMBER = rf"(?:[{_UP}]\. ?)?{WORD}(?: {WORD}){{0,2}}(?: \([a-z]+\))?"
_SHEET = r"(?i:team|teams|squad|line-?up|players|did not bat|to bat|as follows)"
SQUAD = rf"\b{_SHEET}[^:\n]{{0,20}}:[ \t]*\n?[ \t]*{_MEMBER}(?:,[ \t\n]*{_MEMBER}){{2,}}"
# A listed given name at a line's end and the rest of the name on the next line, between list marks
BROKEN_NAME = rf"(?:, |: | - ){WORD}\n{WORD}(?: {WORD})?(?:[,.;)\n]| \(| [0-9]|$)"

_STRIP = " \t\n:,;.()-0123456789"
_SCORE = re.compile(r"^[^\W\d_] [0-9]{1,2} $")  # the end of a team's name and its score
Langs = tuple[str, ...]


def batting(match: str, langs: Langs) -> list[str]:
    """The batsman, fielder and bowler of a batting line."""
    parts = re.sub(r"\b(?:c and b|c|st|lbw|b|run out|not out|retired hurt|hit wicket)\b", "|", match.rstrip("* \t"))
    return _people((part.strip(_STRIP) for part in parts.split("|")), langs)


def bowling(match: str, langs: Langs) -> list[str]:
    """The bowler before an analysis."""
    return _people([re.split(r"\s[0-9]", match.strip(" \t\n:,;"), maxsplit=1)[0]], langs)


def entrant(match: str, langs: Langs) -> list[str]:
    """The entrant before its bracket (never the bracket: a country or a club)."""
    head = match.removeprefix(")").split("(", 1)[0].lstrip(" ,")
    return _people([re.sub(r"^(?:[0-9]{1,3}[.=]? |beat |bt )", "", head).strip(_STRIP)], langs)


def scorers(match: str, langs: Langs) -> list[str]:
    """The scorers of a bracket; without a score before it, only minutes written as ordinals count."""
    head, inside = match.split("(", 1)
    inside, scored = inside.rstrip(",)"), _SCORE.match(head) is not None
    if head.strip() and not scored:  # ``Aunger (41st min, pen)``: the name is before the bracket
        return _people([head.strip()], langs)
    if not scored and not all(
        re.search(rf"\b{_ORDINAL}\b", part) for part in re.split(r",|;| and ", inside) if part.strip()
    ):
        return []
    return _people((m.group(0) for m in _NAME_RE.finditer(re.sub(r"\b[0-9]{1,2} - ", "", inside))), langs)


def record(match: str, langs: Langs) -> list[str]:
    """The name before a win-loss record."""
    return _people([match.split(" (", 1)[0]], langs)


def names_in(match: str, langs: Langs) -> list[str]:
    """Every name of a match (a line-up, a list of odds)."""
    return _people((m.group(0) for m in _NAME_RE.finditer(match)), langs)


def squad(match: str, langs: Langs) -> list[str]:
    """The members of a team sheet, when half of them at least are listed names that are no everyday word, and
    none is a country (a list of teams)."""
    members = [re.sub(r" \([a-z]+\)$", "", m.strip()) for m in match.split(":", 1)[1].split(",")]
    words = [[w for w in m.split() if not _INITIAL.match(w)] for m in members]
    if any(is_country(w) for ws in words for w in ws):
        return []
    known = sum(bool(ws) and all(is_listed_name(w) and not is_common_word(w, langs) for w in ws) for ws in words)
    return _people(members, langs) if 2 * known >= len(members) else []


def broken_name(match: str, langs: Langs) -> list[str]:
    """The two lines of a name that opens with a listed given name that is no everyday word."""
    name = re.sub(r"(?:[,.;)\n]| \(| [0-9])$", "", match.lstrip(",:- ")).strip(" \t")
    first = name.split("\n", 1)[0]
    return _people([name], langs) if lexicon().is_given(first) and not is_common_word(first, langs) else []


# (pattern, reader) pairs for ``spans._confirmed``; a reader takes a match and the column's languages
RESULT_SLOTS: tuple[tuple[str, Callable[[str, Langs], list[str]]], ...] = (
    (BATTING_LINE, batting),
    (BOWLING_FIGURES, bowling),
    (ENTRANT, entrant),
    (WINNER, entrant),
    (SCORERS, scorers),
    (LINE_UP, names_in),
    (RECORD, record),
    (ODDS_LIST, names_in),
    (SQUAD, squad),
    (BROKEN_NAME, broken_name),
)


def _people(candidates: Iterable[str], langs: Langs) -> list[str]:
    """The candidates that ``person`` takes, each without an owner before it (``Atlanta's Tom Glavine``)."""
    return [name for c in candidates if (name := _POSSESSOR.sub("", c)) and person(name, langs)]


@lru_cache(maxsize=1 << 14)
def person(name: str, langs: Langs) -> bool:
    """A name from a results table that may be confirmed: no country and no closed-class word in it.

    One word: no everyday word of ``langs`` (it would go from every cell), and a place only where a name list
    holds it too (``Bode``, ``Lopez``). One word after initials or particles (``S. Warne``, ``van Vossen``): any
    word but a closed-class one, since it is replaced only as written. Several words: an everyday word only as a
    first name or a surname near the top of the lists (``Michael Green``, not ``Real Madrid``, ``Green Bay
    Packers``), and a last word that is a place only where a list holds it (a club: ``Partizan Belgrade``)."""
    tokens = name.split()
    words = [t for t in tokens if not _INITIAL.match(t) and t not in _PARTICLES]
    if not words or len(words) > 4 or any(not _shape(w) or not is_person_word(w) or is_country(w) for w in words):
        return False
    if len(tokens) == 1:
        return (
            len(name) >= 3
            and not is_common_word(name, langs)
            and fold(name) not in FUNCTION_WORDS
            and (is_listed_name(name) or not is_place(name))
        )
    if len(words) == 1:
        return fold(words[0]) not in FUNCTION_WORDS
    names = lexicon()
    for k, word in enumerate(words):
        if is_common_word(word, langs) and not (
            (k == 0 and len(words) > 1 and names.is_given(word, max_rank=_GIVEN_TOP))
            or (k == len(words) - 1 and names.is_surname(word, max_rank=_SURNAME_TOP))
        ):
            return False
    return not (is_place(words[-1]) and not is_listed_name(words[-1]))


# the first names of a country's lists: the everyday words that are names as well (``Dean``, ``Green``, not ``Real``)
_GIVEN_TOP, _SURNAME_TOP = 200, 100
_POSSESSOR = re.compile(r"^.*['’]s[ \n]")
_PARTICLES = frozenset(p for w in _PARTICLE.strip("(?:)").split("|") for p in (w, w.capitalize()))
_INITIAL = re.compile(r"^[A-Z]\.?$")
_SHAPE = re.compile(rf"^{WORD}$")


def _shape(word: str) -> bool:
    return _SHAPE.match(word) is not None and not (word.isupper() and len(word) > 3)
