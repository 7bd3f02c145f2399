"""Words of French, German, Dutch and Spanish text that the name passes took for people and that are not.

The name lists hold many everyday words of these languages as given names (``April`` ranks 26th, ``Mai`` 90th,
``Nur`` and ``Man`` are listed, French ``Ce`` too), and the lone-name and list passes read a capitalised word the
lists know as a person. In issue 15's third corpus (``tests/pii/peers3``, dev half) the words taken from texts that
tag no person were, among others, a market report's months (``Weizen Mai 226,75, Juli 228,00``), a sentence's first
pronoun or adverb (``Ce matin``, ``Man sagt``, ``Nur selten``), Dutch stock lists' ``Dito`` (ditto), a country in
the column's language (``der Schweiz``, ``la France``) and the town of a dateline (``Paris, 22 avril.``). This is
``local_words``' counterpart for the languages ``dict_names`` reads: in a column of ``WESTERN`` languages a name is
dropped when every word of it is a closed-class, month or weekday word of those languages (the calendar in its old
Dutch spelling too: ``Junij``), when it is one word naming a country in one of them, or one word the column writes
as a dateline's place (``dateline_places``). A run that opens with such a word keeps the rest (``Nur Schulze`` ->
``Schulze``) unless that word is a common given name, except in German after an article (``der Kommission``: the
language capitalises its nouns, and a run after ``der`` or ``dieser`` is a noun phrase).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mlsecure.privacy.pii.declined_names import COMMON_GIVEN
from mlsecure.privacy.pii.dict_names import MIN_STOPS, STOPS
from mlsecure.privacy.pii.local_words import country_names
from mlsecure.privacy.pii.locale_frames import SURNAME_OPENERS, TITLE, word_list
from mlsecure.privacy.pii.months import month_names, month_number
from mlsecure.privacy.pii.name_data import fold, lexicon

WESTERN = ("de", "fr", "nl", "es")
# Closed-class words (pronouns, articles, conjunctions, the commonest adverbs that open a sentence), lower case, and
# the weekdays of the languages that capitalise them. Given names that are also such a word and common as names
# here (German ``Hans``, Spanish ``Pilar``) are not in them.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "de": frozenset(
        word_list("""
        der die das den dem des ein eine einer eines einem einen dieser diese dieses diesem diesen jener jene
        man nur auch noch schon doch bis mir mich dir dich ihm ihr ihn ihnen uns euch sie wir ich du er es
        und oder aber denn sondern wenn als wie wo was wer warum nicht kein keine keiner so da dann nun jetzt
        hier dort heute gestern morgen sehr ganz alle alles viele einige mehr weniger wird werden wurde ist
        sind war waren hat haben hatte dabei darauf dazu daher deshalb jedoch zwar also immer nie bereits
        montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag
    """)
    ),
    "fr": frozenset(
        word_list("""
        ce cet cette ces cela ceci ça il ils elle elles on nous vous je tu le la les un une des du au aux
        et ou mais donc car ni que qui quoi dont où quand comme si ne pas plus moins très bien tout tous toute
        toutes aussi ainsi alors encore déjà puis enfin ici là aujourd hier demain est sont était sera
    """)
    ),
    "nl": frozenset(
        word_list("""
        de het een en of maar want dat die dit deze wie wat waar wanneer hoe hij zij ze wij we ik jij je u
        men er niet geen ook nog al reeds zeer veel meer minder hier daar thans nu dan toen dito idem
        is zijn was waren wordt werd worden heeft hebben had
        maandag dinsdag dingsdag woensdag donderdag vrijdag zaterdag zondag
    """)
    ),
    "es": frozenset(
        word_list("""
        el la los las un una unos unas y o pero que quien donde cuando como si no ya muy más menos también
        aquí allí hoy ayer mañana este esta estos estas ese esa eso esto aquel él ella ellos ellas nosotros
    """)
    ),
}
# German articles and demonstratives: what follows one is a noun phrase (``der Kommission``, ``Dieser Schritt``)
GERMAN_DETERMINERS = frozenset(
    word_list("""
    der die das den dem des ein eine einer eines einem einen dieser diese dieses diesem diesen jener jene jenes
""")
)
# The languages that capitalise their months and weekdays (German nouns; Dutch as its 19th-century papers print
# them: ``Junij``, ``Dingsdag``). French and Spanish write them in lower case, so a capitalised ``Julio``,
# ``Domingo`` or ``Abril`` there is a person's name or a sentence's first word.
CAPITALISED_CALENDAR = frozenset(("de", "nl"))
# A country's name in the column's language that is also among the commonest given names of some country is read
# as the person's: Spanish writes Mauritius and Guadeloupe ``Mauricio`` and ``Guadalupe``, French Dominica
# ``Dominique`` (ranks 10, 30, 30); ``Irlande`` (300), ``Maurice`` and ``Kuba`` (100) stay countries.
TOP_GIVEN = 30
# The months as 19th-century Dutch spelt them, which the Europeana newspapers print (``21 Junij``)
OLD_MONTHS = {"nl": frozenset(word_list("januarij februarij maart april mei junij julij augustus"))}
# A dateline: a town, a comma, the day and its month (``Paris, 22 avril.``, ``Dortmund, 3. April.``)
_DATE_AFTER = r",? (?:den )?[0-9]{1,2}\.? ?(\w+)"


def main_languages(stops: Iterable[str]) -> tuple[str, ...]:
    """The ``WESTERN`` languages of which the column writes the most distinct function words of ``dict_names.STOPS``
    (``stops``: its matches), ``dict_names.MIN_STOPS`` at least, and more than of English: a long column of German
    newspaper text also writes ``le``, ``et``, ``que``, so every language of ``dict_names.languages`` is found there,
    and Spanish ``ella`` would strip ``Ella`` off ``Ella Frei``."""
    found = set(stops)
    counts = {lang: len(STOPS[lang] & found) for lang in (*WESTERN, "en")}
    most = max(counts[lang] for lang in WESTERN)
    if most < MIN_STOPS or most <= counts["en"]:
        return ()
    return tuple(lang for lang in WESTERN if counts[lang] == most)


def western_person(name: str, langs: Iterable[str]) -> str | None:
    """What of ``name`` may be a person in a column of ``langs`` (``dict_names.languages``; only ``WESTERN``
    ones are read): None for words that are all closed-class or calendar words of them and for one word naming a
    country in one of them that is no top given name (``TOP_GIVEN``); the rest of a run that opens with such a
    word that is no common given name; else ``name`` itself."""
    words = name.split()
    langs = tuple(lang for lang in langs if lang in WESTERN)
    if not words or not langs:
        return name
    closed = [any(is_closed_word(w, lang) for lang in langs) for w in words]
    if all(closed):
        return None
    if len(words) == 1:
        country = any(name.lower() in country_names(lang) for lang in langs)
        return None if country and not lexicon().is_given(name, max_rank=TOP_GIVEN) else name
    if "de" in langs and words[0].lower() in GERMAN_DETERMINERS:
        return None  # German capitalises its nouns: ``der Kommission``, ``Dieser Schritt`` are no person's
    if closed[0] and words[0] not in SURNAME_OPENERS and not lexicon().is_given(words[0], max_rank=COMMON_GIVEN):
        return western_person(" ".join(words[1:]), langs)
    return name


def is_closed_word(word: str, lang: str) -> bool:
    """A closed-class word of ``lang`` (``FUNCTION_WORDS``), or a month where the language capitalises its months
    (``CAPITALISED_CALENDAR``, ``months.month_names``)."""
    low = word.rstrip(".,;:").lower()
    if low in FUNCTION_WORDS[lang]:
        return True
    return lang in CAPITALISED_CALENDAR and (fold(low) in month_names(lang) or low in OLD_MONTHS.get(lang, ()))


def dateline_places(cells: Any, words: Iterable[str]) -> set[str]:
    """The ``words`` that some cell of ``cells`` (a list or a Polars Series) writes before a day and its month, as a
    dateline names its town (``Paris, 22 avril.``), and never after a title or honorific (``M. Paris combat``):
    one query over the column."""
    names = sorted({w for w in words if w.isalpha()}, key=len, reverse=True)
    if not names:
        return set()
    alternation = "(?:" + "|".join(map(re.escape, names)) + ")"
    pattern = rf"\b{alternation}{_DATE_AFTER}|(?:{TITLE}) {alternation}\b"
    if isinstance(cells, list):
        compiled = re.compile(pattern)
        matches = [m.group(0) for text in cells for m in compiled.finditer(text)]
    else:
        matches = cells.str.extract_all(pattern).explode().drop_nulls().unique().to_list()
    titled, dated = set(), set()
    for match in matches:
        first, *_, last = match.replace(",", " ").split()
        if first in names and month_number(last) is not None:
            dated.add(first)
        elif last in names:
            titled.add(last)
    return dated - titled


def western_changes(names: Iterable[str], stops: Iterable[str], cells: Any) -> dict[str, str | None]:
    """The names of a column whose texts are ``cells`` that ``western_person`` or ``dateline_places`` change, each
    with what is left of it (None: nothing), in the column's ``main_languages`` (``stops``: its function words)."""
    langs = main_languages(stops)
    if not langs:
        return {}
    changes: dict[str, str | None] = {}
    single: list[str] = []
    for name in names:
        kept = western_person(name, langs)
        if kept != name:
            changes[name] = kept
        elif " " not in name:
            single.append(name)
    if cells is not None and single:
        changes.update(dict.fromkeys(dateline_places(cells, single)))
    return changes
