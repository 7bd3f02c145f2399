"""Words of Finnish, Hungarian and Norwegian text that the name passes took for people and that are not.

The name lists hold most short words of every language (``Sen``, ``Tai``, ``Oli``, ``Mikä`` are listed given
names), and the column's dictionary languages (``dict_names``) do not include these three, so a sentence opening
``Sen jälkeen`` or ``Olen kehittänyt`` lost its first word, and a country in its own language (``Suomen``,
``Ruotsi``, ``Tanskasta``, ``Magyarország``, ``Dániában``) was read as a name or a declined surname
(``Tanskanen``). In a column whose function words are mostly one of these languages
(``declined_names.declining_languages``) a name is dropped when it opens with one of that language's closed-class
words (pronouns, conjunctions, the verb ``to be``, a few everyday openers), or when it is one word that is a
country's name in that language (pycountry's own translations of ISO 3166-1, shipped with it), as written or
with one of the language's case endings (``Suome-n`` -> ``Suomi``, ``Tanska-sta``, ``Dániá-ban`` -> ``Dánia``).
A run that opens with a function word keeps its other words (``Miksi Carla`` -> ``Carla``), and one that only holds
such a word after its first is kept whole (``Amartya Sen``). Left out of the lists as names more often than words
in the dev half: Finnish ``jo`` (``Jo Tomkins``), ``pian`` (also ``Pia``'s genitive).
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from functools import cache

from mlsecure.privacy.pii.declined_names import COMMON_GIVEN, ENDINGS
from mlsecure.privacy.pii.locale_frames import word_list
from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.name_endings import MIN_STEM, PLACE_ENDINGS, nominatives

# Closed-class words and a few everyday sentence openers, lower case. Given names that are also such a word and
# common as names in these languages' own texts (Norwegian ``Hans``, ``Per``; Finnish ``Aina``, ``Jo``) are left out.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "fi": frozenset(word_list("""
        se sen sitä siitä sillä siinä siihen sille siltä ne niiden niitä niistä niin tämä tämän tätä tässä tästä
        tähän tuo tuon tuota tuossa nuo noita nämä näitä minä mä mää mie minun mun minua sinä sä sinun sun hän
        hänen häntä me meidän meitä te teidän he heidän heitä ja tai vai eli sekä että mutta kun jos koska vaikka
        kuin joka jonka jota jossa jotka mikä mitä miksi miten missä mistä mihin milloin kuka kenen ketä keitä
        ei en et emme ette eivät eikö enkä älä olen olet on olemme olette ovat oli olin olit olimme olitte olivat
        olisi ollut ole olla ai joo jaa kyllä ehkä siis nyt vielä sitten vasta juuri myös vain yli kanssa
        ilman paljon moni monet kaikki jokin joku kukaan mikään itse tuolloin silloin täällä siellä tänään eilen
        huomenna ostin kävin luin luen tein sain pidän
    """)),
    "hu": frozenset(word_list("""
        a az egy és hogy nem de is ha mert meg még már csak mint pedig vagy sőt tehát azonban akkor aztán majd
        most itt ott így úgy igen ki mi te én ő ők ti ön önök aki ami amely amit akit azt ezt ez azok ezek abban
        ebben annak ennek arra erre arról erről őket minket engem téged saját sok jó jól lehet volt van lesz nincs
        bár noha ám hát mit miért hol hová honnan mikor ilyen olyan minden semmi valami senki
    """)),
    "no": frozenset(word_list("""
        og i på det den de han hun jeg vi du dere meg deg seg oss dem som er var har hadde ble blir kan skal vil
        må ikke også etter til fra med ved om mot men eller da nå så her der hva hvem hvor når hvorfor hvordan
        alle noen ingen dette disse denne min mitt mine din ditt dine sin sitt sine vår vårt våre deres hennes
        ja nei bare mer mye
    """)),
}
# pycountry's catalogue for each language (Norwegian: Bokmål and Nynorsk)
# pycountry's catalogues per language: the declining three here, the others for ``name_scorer``'s country check
_CATALOGUES = {"fi": ("fi",), "hu": ("hu",), "no": ("nb_NO", "nn"), "de": ("de",), "fr": ("fr",), "nl": ("nl",),
               "es": ("es",), "it": ("it",), "pt": ("pt",)}


def local_person(name: str, langs: Iterable[str]) -> str | None:
    """What of ``name`` may be a person in a column of ``langs`` (``declined_names.declining_languages``): None
    for one word or a run of words that are the languages' function words (``Sen``, ``tai sen``) and for one word
    naming a country in one of them, declined or not; the rest of a run that opens with a function word that is
    no common given name (``Miksi Carla`` -> ``Carla``; ``Bár Cacau`` stays whole); else ``name`` itself."""
    words = name.split()
    langs = tuple(langs)
    if not words or not langs:
        return name
    closed = [any(w.lower() in FUNCTION_WORDS[lang] for lang in langs) for w in words]
    if all(closed):
        return None
    if len(words) == 1:
        return None if any(is_local_country(name, lang) for lang in langs) else name
    if closed[0] and not lexicon().is_given(words[0], max_rank=COMMON_GIVEN):
        return local_person(" ".join(words[1:]), langs)
    return name


def is_local_country(word: str, lang: str) -> bool:
    """A country's name in ``lang`` as ``word`` writes it, or read back from one of the language's case endings
    (a person's, ``declined_names.ENDINGS``, or a place's, ``name_endings.PLACE_ENDINGS``)."""
    countries = country_names(lang)
    if word.lower() in countries:
        return True
    endings = ENDINGS[lang] | frozenset(PLACE_ENDINGS)
    for cut in range(1, min(max(map(len, endings)), len(word) - MIN_STEM) + 1):
        stem, ending = word[:-cut], word[-cut:]
        if ending in endings and any(b.lower() in countries for b in nominatives(stem, finnish=lang == "fi")):
            return True
    return False


@cache
def country_names(lang: str) -> frozenset[str]:
    """The one-word names of countries in ``lang``, lower case, from pycountry's translations of ISO 3166-1."""
    import pycountry

    out: set[str] = set()
    for catalogue in _CATALOGUES.get(lang, ()):
        translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[catalogue]).gettext
        for country in pycountry.countries:
            for attr in ("name", "common_name"):
                english = getattr(country, attr, None)
                if english and " " not in (local := translate(english)) and local != english:
                    out.add(local.lower())
    return frozenset(out)
