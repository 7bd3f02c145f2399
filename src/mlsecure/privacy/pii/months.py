"""Month names of the languages a customer table is written in, for dates such as ``3 mai 2001``,
``3. März 2001``, ``3 de mayo de 2001``, ``3 мая 2001`` or ``3 Μαΐου 2001``.

Written from the languages' own calendars (the CLDR ``format/wide`` month names, which are the genitive
forms in Slavic languages, Greek, Finnish and Lithuanian, plus the nominative where a date also uses it),
folded like every other lexicon here (lower case, accents removed), so ``März`` is ``marz``. A month is
also read from a prefix of 3 or more letters (``Sept.``, ``janv.``, ``Okt``) that only one month's
names start with, across all the languages.
"""

from __future__ import annotations

from functools import cache

from mlsecure.privacy.pii.name_data import fold

# One row per language: its twelve month names, January first; alternatives separated by "|".
_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "de": ("januar|jänner", "februar|feber", "märz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre|setiembre",
           "octubre", "noviembre", "diciembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "ro": ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie",
           "octombrie", "noiembrie", "decembrie"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"),
    "da_no": ("januar", "februar", "marts|mars", "april", "maj|mai", "juni", "juli", "august", "september",
              "oktober", "november", "december|desember"),
    "fi": ("tammikuuta|tammikuu", "helmikuuta|helmikuu", "maaliskuuta|maaliskuu", "huhtikuuta|huhtikuu",
           "toukokuuta|toukokuu", "kesäkuuta|kesäkuu", "heinäkuuta|heinäkuu", "elokuuta|elokuu",
           "syyskuuta|syyskuu", "lokakuuta|lokakuu", "marraskuuta|marraskuu", "joulukuuta|joulukuu"),
    "pl": ("stycznia|styczeń", "lutego|luty", "marca|marzec", "kwietnia|kwiecień", "maja|maj", "czerwca|czerwiec",
           "lipca|lipiec", "sierpnia|sierpień", "września|wrzesień", "października|październik",
           "listopada|listopad", "grudnia|grudzień"),
    "cs": ("ledna|leden", "února|únor", "března|březen", "dubna|duben", "května|květen", "června|červen",
           "července|červenec", "srpna|srpen", "září", "října|říjen", "listopadu", "prosince|prosinec"),
    "sk": ("januára|január", "februára|február", "marca|marec", "apríla|apríl", "mája|máj", "júna|jún",
           "júla|júl", "augusta|august", "septembra|september", "októbra|október", "novembra|november",
           "decembra|december"),
    "hu": ("január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember",
           "október", "november", "december"),
    "hr": ("siječnja|siječanj", "veljače|veljača", "ožujka|ožujak", "travnja|travanj", "svibnja|svibanj",
           "lipnja|lipanj", "srpnja|srpanj", "kolovoza|kolovoz", "rujna|rujan", "listopada", "studenoga|studeni",
           "prosinca|prosinac"),
    "tr": ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim", "kasım",
           "aralık"),
    "ru": ("января|январь", "февраля|февраль", "марта|март", "апреля|апрель", "мая|май", "июня|июнь",
           "июля|июль", "августа|август", "сентября|сентябрь", "октября|октябрь", "ноября|ноябрь",
           "декабря|декабрь"),
    "uk": ("січня|січень", "лютого|лютий", "березня|березень", "квітня|квітень", "травня|травень",
           "червня|червень", "липня|липень", "серпня|серпень", "вересня|вересень", "жовтня|жовтень",
           "листопада|листопад", "грудня|грудень"),
    "el": ("ιανουαρίου|ιανουάριος", "φεβρουαρίου|φεβρουάριος", "μαρτίου|μάρτιος", "απριλίου|απρίλιος",
           "μαΐου|μάιος", "ιουνίου|ιούνιος", "ιουλίου|ιούλιος", "αυγούστου|αύγουστος",
           "σεπτεμβρίου|σεπτέμβριος", "οκτωβρίου|οκτώβριος", "νοεμβρίου|νοέμβριος", "δεκεμβρίου|δεκέμβριος"),
    "id_ms": ("januari", "februari", "maret|mac", "april", "mei", "juni|jun", "juli|julai", "agustus|ogos",
              "september", "oktober", "november", "desember|disember"),
}
MIN_PREFIX = 3


def month_number(word: str) -> int | None:
    """The month (1-12) a month name or unambiguous abbreviation of ``_NAMES`` stands for, or None."""
    key = fold(word.rstrip("."))
    table = _table()
    if key in table:
        return table[key]
    return _prefixes().get(key) if len(key) >= MIN_PREFIX else None


@cache
def month_names(lang: str) -> frozenset[str]:
    """The month names of ``lang`` (a key of ``_NAMES``; none for another), folded: ``mai``, ``marz``."""
    return frozenset(fold(name) for names in _NAMES.get(lang, ()) for name in names.split("|"))


@cache
def _table() -> dict[str, int]:
    seen: dict[str, set[int]] = {}
    for months in _NAMES.values():
        for number, names in enumerate(months, start=1):
            for name in names.split("|"):
                seen.setdefault(fold(name), set()).add(number)
    # ``listopada`` is November in Polish and October in Croatian: a name of two months is neither
    return {name: next(iter(numbers)) for name, numbers in seen.items() if len(numbers) == 1}


@cache
def _prefixes() -> dict[str, int]:
    """Each prefix of 3+ letters that the names of exactly one month start with."""
    seen: dict[str, set[int]] = {}
    for name, number in _table().items():
        for end in range(MIN_PREFIX, len(name)):
            seen.setdefault(name[:end], set()).add(number)
    return {prefix: next(iter(numbers)) for prefix, numbers in seen.items() if len(numbers) == 1}
