"""Person names by the frames other languages put them in: honorifics, titles and roles, reported speech.

``name_frames`` reads English frames (``Mr``, ``says Hartvigsson.``). Real text in other languages names people
the same ways with other words, and those words are the whole evidence when a surname is in no list (``M. Fagard,
commissaire``, ``de heer Zurhaar``, ``Herrn Forst``, ``esittelijä Jarzembowskia``, ``», seier Ekre.``,
``dijo Díez Canseco``; issue 15's third corpus, ``tests/pii/peers3``, where most such names survived):

- an honorific (``M.``, ``MM.``, ``Mme``, ``Herr``, ``heer``, ``señora``, ``rouva``...) before capitalised words;
- a title or role noun (``général``, ``burgemeester``, ``Ministerpräsident``, ``kuningas``, ``politimester``)
  before capitalised words;
- a speech verb after a comma, quote or dash, before capitalised words that end the clause (``, sier Steinnes.``,
  ``», a déclaré M. Roch``, ``–, mondta Kovács János.``);
- Hungarian honorifics and titles after the name (``Rjunoszuke urat``, ``Green ezredes``, ``Obama elnök``).

Each pattern is Rust's regex syntax that Python's ``re`` also reads, run over the whole column by ``spans``; its
reader keeps the capitalised open-class words after the cue (name particles such as ``van der`` inside, further
titles skipped) and drops organisation, street and place words (``name_frames.is_person_word``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.name_frames import alternation_pattern, cased, is_capitalised, is_person_word
from mlsecure.privacy.pii.name_parts import is_place


def word_list(text: str, sep: str | None = None) -> tuple[str, ...]:
    """A word list written as text (one entry per space, or per ``sep`` where entries hold spaces)."""
    return tuple(w.strip() for w in text.split(sep) if w.strip())


# Written before a name with their dot: French, Dutch, German, Spanish, Italian, Scandinavian abbreviations
HONORIFICS_DOTTED = word_list("""
    M MM Mme Mmes Mlle Mlles Mgr Hr Hrn Fr Frl Sr Sra Srta Dña Dhr Mevr Mw Mej Jhr Jkvr hh Sig Dott Cav Kapt
    Gen Pfr geb Cav Comm Avv Adv Ing Prof On Rag Geom Ds Wwe Ww Rttm Hptm Lt Kpt Kapt wed Wed
""")
# The French shipping lists' ``c.`` (capitaine) before the master's name: read in lower case only (``C.`` is an
# initial)
_CAPTAIN = r"c\."
# ``M.`` as the old newspapers' OCR reads it (``NI. Blanc``, ``Ni. Laniec``, ``M* Sergeant``, ``RI. Clemenceau``)
OCR_MONSIEUR = r"(?:N[Iil1]|R[Il])[.,*]|M[*»-]"
_OCR_MONSIEUR = re.compile(OCR_MONSIEUR)
# Written before a name as they are (a capital first letter is also read)
HONORIFICS = word_list("""
    Mme Mlle Mmes Mlles Mgr Herr Herrn Frau Fräulein monsieur messieurs madame mesdames mademoiselle maître
    sieur nommé nommée Witwe weduwe namens genaamd nimeltä llamado llamada chamado chamada chiamato chiamata
    heer heeren heren mevrouw juffrouw jonkheer señor señora señorita don doña signor signora signorina senhor
    senhora rouva herra neiti herr fru frøken fröken pan pani pán paní lord lady sir dame veuve Mister
""")
# Honorifics of several people, before a list of names (``MM. Limon et Meunier``, ``de heeren Thorbecke, Wintgens``)
PLURAL = word_list("""
    MM. Mmes Mlles hh. heeren heren Heeren Heren messieurs Messieurs mesdames Herren Gebrüder gebroeders
    frères époux docteurs généraux Senatoren Abgeordneten Brüder Geschw. Eheleute echtelieden
""")
_AND = word_list("et en und y e og och ja és i a and")
# Titles and roles written before a name (lower case in most languages, German nouns capitalised: both read):
# French, Dutch, German, Spanish, Italian, Portuguese, Finnish, Norwegian, Danish, Swedish, Hungarian, Polish, Czech
ROLES = word_list("""
    colonel capitaine lieutenant commandant docteur abbé cardinal président ministre sénateur député maire
    préfet roi reine prince princesse comte comtesse duc duchesse baron baronne marquis empereur impératrice
    pape maréchal amiral professeur juge avocat notaire curé pasteur évêque archevêque chanoine citoyen
    commissaire général sous-préfet souspréfet sergent caporal adjudant soldat gendarme brigadier lieutenant-colonel
    generaal kolonel kapitein luitenant dokter president minister senator burgemeester wethouder
    koning koningin prins prinses graaf gravin hertog keizer paus bisschop pastoor dominee notaris advocaat
    rechter professor ambtsgenoot voorzitter surnumerair kardinaal Oberst Hauptmann Leutnant Doktor Präsident
    Außenminister Ministerpräsident Reichskanzler Bundeskanzler Kanzler Bürgermeister König Königin Prinz
    Prinzessin Fürst Fürstin Graf Gräfin Grafen Herzog Herzogin Erzherzog Kaiser Kaiserin Papst Bischof Pfarrer
    Professor Richter Rechtsanwalt Abgeordneter Direktor Statthalter Botschafter Kommissar Kardinal Freiherr
    Monsignor Senators coronel capitán teniente doctor presidente ministro ministra senador senadora diputado
    diputada alcalde alcaldesa rey reina príncipe princesa conde condesa duque duquesa juez jueza portavoz
    gobernador gobernadora entrenador generale senatore onorevole dottore avvocato ingegnere doutor rei
    deputado kuningas kuningatar keisari prinssi presidentti pääministeri ministeri senaattori jäsen esittelijä
    puheenjohtaja johtaja toimitusjohtaja professori tohtori kenraali eversti kapteeni piispa paavi pormestari
    komissaari valmentaja diktaattori kansanedustaja varapuheenjohtaja konge kung dronning drottning prinsesse
    statsminister ordfører borgermester biskop advokat dommer politimester prosjektleder prosjektleiar direktør
    sorenskriver lagmann trener styreleder styreleiar király királynő császár herceg gróf báró elnök
    miniszterelnök polgármester professzor prezydent ksiądz prezident
""")
# Roles read only in lower case: capitalised, they open English names of things (``General Motors``, ``Hong Kong``,
# ``Premier League``, ``Fiscal Policy``)
ROLES_LOWER = word_list("general kong premier fiscal papa generál")
# German compound role nouns, read by their last part (``Untersekretär Grandi``, ``Altmeister Janovski``,
# ``Milizkommandant``, ``Schatzsekretär Mellon``, ``Verteidigungsminister Stribrny``)
COMPOUND_ROLES = word_list("""
    minister sekretär kommandant kommissär kommissar direktor präsident inspektor meister gärtner rat rath leutnant
    kanzler bischof
""")
# German nouns decline: a genitive or dative role before a name (``des Kommerzienrats Wolfsteiner``, ``dem
# Reichskanzler``, ``des Königs Albert``, ``dem Präsidenten Coolidge``)
GERMAN_CASE_ENDING = r"(?:e?s|e?n)?"
# Speech verbs that a reporting clause puts before its subject (``», sier Ekre.``, ``, aldus Van Diepenbeek.``)
SPEECH = word_list(
    """
    sier, seier, sagde, siger, säger, fortel, forteller, fortæller, berättar, forklarer, förklarar, mener,
    meiner, menar, meinte, hevder, skriver, skreiv, understreker, påpeker, avslutter, avsluttar, opplyser,
    svarer, svarar, konkluderer, tror, trur, legger til, zegt, zei, aldus, vindt, vond, verklaart, verklaarde,
    stelt, stelde, meent, meende, antwoordt, antwoordde, benadrukt, vertelt, vertelde, schrijft, sagt, sagte,
    erklärt, erklärte, meint, betont, betonte, so, schreibt, dit, déclare, affirme, explique, ajoute, précise,
    estime, souligne, poursuit, conclut, répond, raconte, assure, a déclaré, a dit, dijo, dice, afirmó,
    aseguró, añadió, señaló, explicó, indicó, manifestó, declaró, subrayó, precisó, agregó, comentó, insistió,
    concluyó, advirtió, recordó, sostuvo, ha detto, spiega, aggiunge, afferma, disse, afirmou, explicou,
    acrescentou, declarou, sanoi, sanoo, kertoi, kertoo, toteaa, totesi, kirjoittaa, kirjoitti, muistuttaa,
    korostaa, vastasi, mondta, mondja, nyilatkozta, közölte, írta, tette hozzá, hangsúlyozta, válaszolta,
    powiedział, powiedziała, dodał, dodała, řekl, řekla, uvedl, uvedla
""",
    sep=",",
)
# Speech verbs that Finnish and Hungarian put after their subject in a reporting clause (``, Theron sanoi
# ystävälleen``, ``Kovács mondta.``)
SPEECH_AFTER = word_list("""
    sanoi sanoo kertoi kertoo totesi toteaa vastasi kysyi huusi kuiskasi mondta mondja kérdezte válaszolta
    felelte kiáltotta
""")
# Hungarian honorifics, ranks and titles after the name, in the cases a sentence puts them (``Rjunoszuke urat``,
# ``Green ezredes``, ``Obama elnök``)
AFTER = word_list("""
    úr urat úrnak úrral úrhoz úrtól úrról asszony asszonyt asszonynak asszonnyal kisasszony kisasszonyt néni
    nénit bácsi bácsit ezredes őrnagy százados hadnagy tábornok kapitány elnök király királynő herceg gróf báró
    professzor atya püspök miniszterelnök polgármester császár császárnő hercegnő grófnő királyné mester pápa
    bíboros érsek
""")
# Honorifics written whole before an initial that stands for the name (``Herr K.``, ``de heer B.``)
INITIAL_TITLES = word_list("Mme Mlle Herr Herrn Frau Fräulein heer mevrouw madame monsieur señor señora")
# Particles inside a name (``Boreau de Roincé``, ``van der Linde``, ``Díez Canseco``)
# (not Dutch ``te``: ``de heer Kernper te Amsterdam`` is where he lives)
PARTICLES = frozenset(word_list("van von de der den ter ten du des la le di da del della dos das y zu af av v d"))
# Capitalised particles that open a surname (``Van Diepenbeek``, ``De Prins``, ``Le Pen``; not German ``Der``, ``Das``)
SURNAME_OPENERS = frozenset(("Van", "De", "Di", "Da", "Del", "Della", "Von", "Ter", "Ten", "Du", "Le", "La", "Dos"))
NAME_WORD = rf"[{_UP}](?:[{_UP}]{{2,}}|[{_LO}'’]*(?:-[{_UP}{_LO}][{_LO}'’]+)?)"  # ``KERNEIS`` after a title too
_PART = rf"(?:{alternation_pattern(p for p in PARTICLES if len(p) > 1)}|v\.|d')"
NAME = rf"(?:{_PART} )*{NAME_WORD}(?: (?:{_PART} ?)*{NAME_WORD}){{0,3}}"
TITLE = (
    rf"(?:{alternation_pattern(HONORIFICS_DOTTED)})\.|(?:{cased(HONORIFICS)})|(?:{cased(ROLES)})"
    rf"|(?:{alternation_pattern(ROLES_LOWER)})|{_CAPTAIN}|{OCR_MONSIEUR}"
    rf"|[{_UP}][{_LO}]+(?:{alternation_pattern(COMPOUND_ROLES)}){GERMAN_CASE_ENDING}"
    rf"|(?:{alternation_pattern(r for r in ROLES if r[:1].isupper())}){GERMAN_CASE_ENDING}"
)
TITLED_RUN = rf"(?:^|[^\w.])(?:{TITLE}) +(?:(?:{TITLE}) +)*{NAME}"
# An item of a list after a plural title: a candidate's vote count or initials may come first (``MM. Bellanger,
# 617 Bordas, 634 Burot``, ``Mmes R. Deschamps, Dolmet``)
_ITEM = rf"(?:[0-9]{{1,5}} )?(?:[{_UP}][{_LO}]?\. ?){{0,3}}{NAME}"
PLURAL_RUN = (
    rf"(?:^|[^\w.])(?:{alternation_pattern(PLURAL)}) +{_ITEM}(?:, {_ITEM})*"
    rf"(?:,? (?:{alternation_pattern(_AND)}) {_ITEM})?"
)
# The reporting clause may go on after the name with a preposition (``», dijo Rato a la prensa``)
_CLAUSE_GOES_ON = alternation_pattern(word_list("a al ante en à au aux devant vor gegenüber tegen aan tijdens"))
SPEECH_RUN = rf"[,»\"”'–-] *(?:{cased(SPEECH)}) +(?:(?:{TITLE}) +)*{NAME}(?:[.,;:!?»\"”]|$| (?:{_CLAUSE_GOES_ON}) )"
# French ``Me`` (maître: a notary, a lawyer) before a surname in capitals, as the notices set it (``ETUDE de Me
# COTTIN, notaire``); before a capitalised word it is English ``me`` too often (``Call Me Maybe``)
MAITRE_RUN = rf"\bMe [{_UP}]{{3,}}\b"
REPORTED_RUN = rf"[,»\"”'–-] *{NAME} (?:{alternation_pattern(SPEECH_AFTER)})\b"
# A person the paper names by an initial only, after an honorific (``Mme L. après une scène``, ``M. V. et la
# chambre``, ``Frau K., die``): the initial is the name, so nothing capitalised may follow it (``M. L. Herr`` is an
# initial and a surname, which ``TITLED_RUN`` reads)
_INITIAL_HONORIFICS = word_list("M Mme Mlle Hr Hrn Fr Frl Dhr Mevr Mw Wed Wwe Sr Sra Srta")
INITIAL_RUN = (
    rf"(?:^|[^\w.])(?:(?:{alternation_pattern(_INITIAL_HONORIFICS)})\.|(?:{alternation_pattern(INITIAL_TITLES)}))"
    rf" [{_UP}]\.(?: [{_LO}0-9]|[,;:)]|$)"
)
_INITIAL = re.compile(rf"[{_UP}]\.")
# ``Zauditu etióp császár``
AFTER_RUN = rf"\b{NAME_WORD}(?: {NAME_WORD})? (?:[{_LO}]+ )?(?:{alternation_pattern(AFTER)})\b"
_HONORIFIC_KEYS = frozenset(fold(w.rstrip(".")) for w in (*HONORIFICS_DOTTED, *HONORIFICS))
_TITLE_KEYS = frozenset(fold(w.rstrip(".")) for w in (*HONORIFICS_DOTTED, *HONORIFICS, *ROLES, *ROLES_LOWER, *PLURAL))


def name_after(words: list[str], *, particle_first: bool = True) -> str | None:
    """The name that ``words`` open with: further titles skipped, capitalised person words and particles between
    them, the last word capitalised; a word ending in a clause mark ends it. Without ``particle_first`` a
    lower-case particle cannot open it: after a role it opens a complement (``ministre des Finances``)."""
    while words and fold(words[0].rstrip(".")) in _TITLE_KEYS:
        words = words[1:]
    out: list[str] = []
    for raw in words:
        word = raw.rstrip('.,;:!?»"”')
        if word.lower() in PARTICLES or word in ("v.", "d'"):
            if not out and (word not in SURNAME_OPENERS if word[:1].isupper() else not particle_first):
                break  # ``Der``, ``Das`` opening a clause; ``der Republik`` after ``Präsident``
            out.append(raw if raw == "v." else word)
        elif (
            len(word) >= 2
            and (is_capitalised(word) or (word.isupper() and word.isalpha()))
            and is_person_word(word)
            and fold(word) not in _TITLE_KEYS
        ):  # ``M- KERNEIS, notaire``
            if any(w.rstrip(".").lower() not in PARTICLES for w in out) and is_place(word):
                break  # ``Baron Milligen Zwolle``: a list gives the town after the name
            out.append(word)
        else:
            break
        if raw != word and raw != "v.":
            break
    while out and (out[-1].lower() in PARTICLES or out[-1] == "v."):
        out.pop()
    if not out or (len(out) == 1 and out[0].lower() in PARTICLES):
        return None
    return " ".join(out)


def titled_name(match: str) -> list[str]:
    """``M. Fagard``, ``de heer Zurhaar``, ``Herrn Forst``, ``kuningas Mithridates``: the name after its title."""
    words = match.lstrip(" \t\n([{\"'«„“").split()
    honorific = bool(words) and (
        fold(words[0].rstrip(".")) in _HONORIFIC_KEYS or _OCR_MONSIEUR.fullmatch(words[0]) is not None
    )
    return with_surname(name_after(words[1:], particle_first=honorific) if words else None)


def with_surname(name: str | None) -> list[str]:
    """The name, and its last word alone when it has several: another rule may have taken ``Herrn Johann`` of
    ``Herrn Johann Etzmannsdorser``, and the text goes on to say ``Etzmannsdorser``."""
    if not name:
        return []
    last = name.split()[-1]
    return [name, last] if last != name and len(last) >= 3 else [name]


_LIST_LEAD = re.compile(rf"^(?:[0-9]+ )?(?:[{_UP}][{_LO}]?\. ?)*")


def plural_names(match: str) -> list[str]:
    """``MM. Limon et Meunier``, ``de heeren Thorbecke, Wintgens, ter Brugghen``: each name of the list."""
    words = match.lstrip(" \t\n([{\"'«„“").split()[1:]
    items = re.split(rf",? (?:{alternation_pattern(_AND)}) |, ", " ".join(words))
    return [name for item in items if (name := name_after(_LIST_LEAD.sub("", item).split()))]


def speech_name(match: str) -> list[str]:
    """``», seier Ekre.``, ``, aldus Van Diepenbeek.``: the name after a reporting verb, the clause ending."""
    rest = match.lstrip(",»\"”'–- ").split()
    verb = next(v for v in sorted(SPEECH, key=len, reverse=True) if " ".join(rest).lower().startswith(v + " "))
    return with_surname(name_after(rest[len(verb.split()) :], particle_first=False))


def maitre_name(match: str) -> list[str]:
    """``Me COTTIN``: the surname after ``Me``."""
    name = match.split()[-1]
    return [name] if is_person_word(name) else []


def reported_name(match: str) -> list[str]:
    """``, Theron sanoi``: the name between a clause mark and the speech verb after it."""
    words = match.lstrip(",»\"”'–- ").split()[:-1]
    return with_surname(name_after(words, particle_first=False))


def initial_name(match: str) -> list[str]:
    """``Mme L.``: the initial that stands for the person (the pattern also holds the mark after it)."""
    return [_INITIAL.findall(match)[-1]]


def after_name(match: str) -> list[str]:
    """``Rjunoszuke urat``, ``Lodge asszony``: the capitalised words before a Hungarian honorific."""
    words = match.split()[:-1]
    if len(words) >= 2 and words[-1][:1].islower():
        words = words[:-1]  # the adjective before the rank (``etióp császár``)
    keep = [w for w in words if is_capitalised(w) and is_person_word(w)]
    return [" ".join(keep)] if keep and keep == words else []


# A title that is also a common given name (``Don``, ``Prince``, ``Rey``) may open the name itself: kept
GIVEN_TITLE_RANK = 150
TITLE_SURNAME_RANK = 500  # a title word this common as a surname (Richter, Kaiser, Graf) found alone is a name
_COMPOUND_ROLE = re.compile(
    rf"[{_UP}][{_LO}]+(?:{alternation_pattern(COMPOUND_ROLES)}){GERMAN_CASE_ENDING}"
    rf"|(?:{alternation_pattern(r for r in ROLES if r[:1].isupper())}){GERMAN_CASE_ENDING}"
)


def without_title(name: str) -> str | None:
    """The name a found string holds after its leading titles (``Ministerpräsident Musso`` -> ``Musso``), ``""``
    for titles alone (``Herr``), or None when it opens with none. A found string that holds its title guards the
    longer word around it at redaction: ``Ministerpräsident Mussolini`` elsewhere in the column holds
    ``Ministerpräsident Musso`` with letters after it, so it was kept whole and ``Mussolini`` survived. A title
    alone (a part that ``name_frames.propagate`` took of ``Herr Gruber``) names nobody."""
    words = name.split()
    n = 0
    while n < len(words) - 1 and _title_word(words[n]):
        n += 1
    if (
        n == len(words) - 1
        and _title_word(words[n], compound=False)
        and not lexicon().is_surname(words[n], max_rank=TITLE_SURNAME_RANK)
    ):  # ``Kerbrat`` is no ``-rat`` alone
        return ""  # ``Dr. Richter``: the German for judge is also a common surname, which a frame found here
    return " ".join(words[n:]) if n else None


def _title_word(word: str, *, compound: bool = True) -> bool:
    """A title of this module (dotted ones with their dot, ``ROLES_LOWER`` in lower case) that is no common given
    name, or (with ``compound``) a German compound or declined role (``Ministerpräsident``, ``Reichskanzlers``)."""
    if word.endswith("."):
        return word[:-1] in HONORIFICS_DOTTED
    if compound and _COMPOUND_ROLE.fullmatch(word):
        return True
    key = fold(word)
    return (key in _PLAIN_TITLE_KEYS or word in ROLES_LOWER) and not lexicon().is_given(word, max_rank=GIVEN_TITLE_RANK)


_PLAIN_TITLE_KEYS = frozenset(fold(w) for w in (*HONORIFICS, *ROLES, *PLURAL) if not w.endswith("."))


LOCALE_SLOTS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    (TITLED_RUN, titled_name),
    (PLURAL_RUN, plural_names),
    (SPEECH_RUN, speech_name),
    (REPORTED_RUN, reported_name),
    (MAITRE_RUN, maitre_name),
    (AFTER_RUN, after_name),
    (INITIAL_RUN, initial_name),
)
