"""Person names that news copy introduces by a role or an owner: ``Brazilian defender Vampeta``, ``coach
Hiddink``, ``Education Minister Nagoum Yamassoum``, ``his Armenian counterpart Zhirayr Liparityan``, ``Cuba's
Jose Ribalta``.

A reporter puts a person's job right before the name, with no verb between them; a team, a town or a country
owns a player or a fighter with ``'s``. ``name_frames.ROLE_RUN`` needs two or three words and a verb after them
(``Producer Mashuu Samurakami explained``); news names a person by one word as often (``striker Ronaldo``) and
ends the sentence after the name. So:

- after a role noun of news (sport, politics, business, justice, the armed forces: ``NEWS_ROLES`` and
  ``name_frames.ROLES``), one to four capitalised words that ``results_tables.person`` takes; one word only if
  a name list holds it (``Hiddink``; ``leader Hamas`` stays, and ``off-spinner Such``: an everyday word);
- after an owner's ``'s``, two to four such words opening with a listed given name (``Atlanta's Tom Glavine``;
  ``Clinton's White House`` stays).
"""

from __future__ import annotations

import re

from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.name_frames import ROLES, cased
from mlsecure.privacy.pii.name_parts import is_listed_name
from mlsecure.privacy.pii.results_tables import LINE_NAME, Langs, person

# Jobs that wire copy writes right before a name (lower case, or capitalised as a title: ``Finance Minister``)
NEWS_ROLES = (
    # sport
    "striker",
    "forward",
    "midfielder",
    "defender",
    "goalkeeper",
    "keeper",
    "winger",
    "full-back",
    "fullback",
    "sweeper",
    "playmaker",
    "coach",
    "manager",
    "captain",
    "skipper",
    "trainer",
    "batsman",
    "bowler",
    "spinner",
    "off-spinner",
    "leg-spinner",
    "all-rounder",
    "opener",
    "wicketkeeper",
    "pitcher",
    "closer",
    "reliever",
    "catcher",
    "shortstop",
    "outfielder",
    "quarterback",
    "linebacker",
    "jockey",
    "rider",
    "cyclist",
    "driver",
    "champion",
    "titleholder",
    "rookie",
    "teammate",
    "team-mate",
    "compatriot",
    "countryman",
    "opponent",
    "challenger",
    "runner",
    "sprinter",
    "swimmer",
    "boxer",
    "golfer",
    "referee",
    "umpire",
    # politics, diplomacy, the armed forces
    "minister",
    "president",
    "premier",
    "chancellor",
    "governor",
    "mayor",
    "senator",
    "congressman",
    "congresswoman",
    "ambassador",
    "envoy",
    "diplomat",
    "general",
    "colonel",
    "commander",
    "adviser",
    "advisor",
    "aide",
    "secretary",
    "counterpart",
    "leader",
    "lawmaker",
    "legislator",
    "candidate",
    "nominee",
    "dissident",
    "negotiator",
    "deputy",
    "mediator",
    "monitor",
    "rebel",
    "warlord",
    # business, justice, the press
    "economist",
    "analyst",
    "strategist",
    "trader",
    "dealer",
    "banker",
    "executive",
    "chief",
    "owner",
    "billionaire",
    "tycoon",
    "lobbyist",
    "prosecutor",
    "magistrate",
    "defendant",
    "suspect",
    "correspondent",
    "reporter",
    "editor",
    "columnist",
    "commentator",
    "official",
    "activist",
    "novelist",
    "poet",
    "pianist",
    "conductor",
    "filmmaker",
)
_ROLES = cased(sorted(set(NEWS_ROLES) | set(ROLES)))
ROLE_NAME = rf"\b(?:{_ROLES}) {LINE_NAME}"
# The same role set off by commas (``his second wife, Karen, has``) or in brackets after the name, with the
# instruments of a band's line-up (``Baron (guitar), Thomas (bass)``)
INSTRUMENTS = (
    "guitar",
    "guitars",
    "bass",
    "vocals",
    "vocal",
    "drums",
    "drum",
    "keyboards",
    "piano",
    "saxophone",
    "violin",
    "cello",
    "trumpet",
    "percussion",
)
ROLE_APPOSITION = rf"\b(?:{_ROLES}), {LINE_NAME},"
ROLE_AFTER = rf"{LINE_NAME} \((?:{_ROLES}|{'|'.join(INSTRUMENTS)})\)"
# An owner (a team, a town, a country) and its player: two to four capitalised words after ``'s``
OWNED_NAME = rf"\b[A-Z][^\W\d_]*(?:['’]s|s['’]) {LINE_NAME}"
_GIVEN_RANK = 2000


def role_name(match: str, langs: Langs) -> list[str]:
    """The name after a role noun: words ``person`` takes (the longest run of them from the first), one only
    where a name list holds it too."""
    words = _POSSESSIVE.sub("", match).split(" ")[1:]
    for end in range(len(words), 0, -1):
        name = " ".join(words[:end])
        if (end > 1 or is_listed_name(name)) and person(name, langs):
            return [name]
    return []


def apposed_name(match: str, langs: Langs) -> list[str]:
    """The name between the commas after a role noun."""
    return role_name(match.replace(",", ""), langs)


def role_after(match: str, langs: Langs) -> list[str]:
    """The name before a role or an instrument in brackets: words ``person`` takes, ending at the bracket."""
    words = _POSSESSIVE.sub("", match.split(" (", 1)[0]).split(" ")
    for start in range(len(words)):
        name = " ".join(words[start:])
        if (start < len(words) - 1 or is_listed_name(name)) and person(name, langs):
            return [name]
    return []


def owned_name(match: str, langs: Langs) -> list[str]:
    """The name after an owner's ``'s``, when it opens with a listed given name."""
    words = _POSSESSIVE.sub("", match).split(" ")[1:]
    if not words or not lexicon().is_given(words[0], max_rank=_GIVEN_RANK):
        return []
    for end in range(len(words), 1, -1):
        name = " ".join(words[:end])
        if person(name, langs):
            return [name]
    return []


_POSSESSIVE = re.compile(r"['’]s?$")


# (pattern, reader) pairs for ``spans._confirmed``, as ``results_tables.RESULT_SLOTS``
ROLE_SLOTS = (
    (ROLE_NAME, role_name),
    (ROLE_APPOSITION, apposed_name),
    (ROLE_AFTER, role_after),
    (OWNED_NAME, owned_name),
)
