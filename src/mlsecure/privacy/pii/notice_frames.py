"""Person names by the frames of notices, registers and programmes in French, German, Dutch and Spanish text.

``locale_frames`` reads a name after its title. The old newspapers (Europeana, issue 15's third corpus,
``tests/pii/peers3``) and news wires (CoNLL-2002) also name people where no title stands before them, in a few
fixed shapes that say "a person" as surely:

- an age after the name (``Esther Bausire, célibataire, 27 ans``, ``Grant, de 40 años``, ``J. C. van Blerk, jd.,
  oud 36 j.``);
- a role or trade after the name and a comma (``Boreau de Roincé, capitaine breveté``, ``Rodolpho Tourinho, y
  del presidente``... ``Duponnois, commissaire``);
- initials before a lower-case particle (``J. C. van Blerk``, ``D. de Rooij``): a particle after initials opens a
  surname;
- a role before ``de``, ``von``, ``van`` and a word no dictionary of the column's languages knows (``général de
  Longuemar``; not ``président de la République``, ``Präsident von Frankreich``);
- the author after a work's closing quote (``„Norma" von Bellini``, ``« Cueillons la Violette », de G. Traitan``);
- a sentence's subject before a reporting verb (``. Menem criticó ayer``, ``. Müller sagte``);
- a long list of single words, most of them unknown to the dictionaries and none a place (``Scheler, Habel,
  Apolonvy, Tauber``: a team's line-up);
- a reporter's initials in parentheses after a full stop (``... in zijn vel. (KS) Het``), agencies aside.

Each pattern is Rust's regex syntax that Python's ``re`` also reads, run over the whole column by ``spans``; each
reader gets the column's languages (``dict_names.languages``) and drops places, organisation words and, where the
frame is weaker, words of the languages' dictionaries.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from mlsecure.privacy.pii.dict_names import words as dictionary
from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.locale_frames import NAME, PARTICLES, ROLES, name_after, with_surname, word_list
from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.name_frames import alternation_pattern, cased, is_capitalised, is_person_word
from mlsecure.privacy.pii.name_parts import is_common_word, is_place

Langs = tuple[str, ...]


# Items of a list read without any confirmed name among them, and the share of them that must be unknown words
LONG_LIST = 4
UNKNOWN_SHARE = 0.6
# The languages whose dictionaries judge a word when the column's languages are unknown
WESTERN = ("fr", "de", "nl", "es")
# Initials and a name of ``locale_frames`` (``G. Traitan``, ``Ch. Fournay``)
_INITIALS = rf"(?:[{_UP}][{_LO}]?\. ?){{0,3}}"
_NAMED = rf"{_INITIALS}{NAME}"
# An age after a name: ``, 27 ans``, ``, de 40 años``, ``, 45 Jahre``, ``jd., oud 36 j.`` (Dutch registers: young
# woman, young man, widow(er))
_REGISTER = r"(?:(?:jd|jm|jr|wed|wedn|wede|wedr)\.,? )?"
_AGE_LEAD = r"(?:de |oud |âgée? de |agée? de |im Alter von |alt )?"
AGE_RUN = (
    rf"(?:^|[^\w.])(?:{_NAMED}),? {_REGISTER}{_AGE_LEAD}[0-9]{{1,3}} ?"
    r"(?:ans|an|años|Jahre|Jahren|jaar|jaren|j\.|jr\.)(?:$|[^\w])"
)
# Trades and states a register or a notice writes after a name and a comma, beside ``locale_frames.ROLES``
TRADES = word_list("""
    célibataire cultivateur cultivatrice propriétaire rentier rentière journalier journalière négociant
    négociante ménagère domestique marin douanier cordonnier boulanger menuisier charpentier forgeron laboureur
    tailleur couturière commerçant employé employée instituteur institutrice médecin pharmacien avoué avoués
    huissier ex-soldat soldat sergent capitaine ingénieur directeur directrice secrétaire trésorier conseiller
    architecte entrepreneur imprimeur libraire horloger chanoine vicaire recteur curé aumônier veuve veuf épouse
    fils fille né née décédé décédée sénateur député notaire landbouwer arbeider winkelier koopman timmerman
    smid bakker schipper herbergier weduwnaar weduwe echtgenoote geboren overleden wethouder secretario director
    directora gerente consejero consejera delegado delegada concejal concejala líder jefe portero delantero
    defensa centrocampista ministro ministra presidente presidenta diputado diputada Rechtsanwalt Kaufmann
    Landwirt Arzt Lehrer Bauer Tischler Schneider Gastwirt Privatier Witwe Sohn Tochter Apotheker Zahnarzt
    Ingenieur Fabrikant Oberlehrer Pfarrer
""")
_ROLES_LOWER = [r for r in (*ROLES, *TRADES) if r[:1].islower()]
_ROLES_CAPITAL = [r for r in (*ROLES, *TRADES) if r[:1].isupper()]
ROLE_AFTER_RUN = (
    rf"(?:^|[^\w.])(?:{_NAMED}), (?:{alternation_pattern(_ROLES_LOWER)}|{alternation_pattern(_ROLES_CAPITAL)})"
    r"(?:$|[^\w'-])"
)
# Initials, then a lower-case particle, then the surname (``J. C. van Blerk``, ``D. de Rooij``, ``A. von Lenz``)
_OPENING = alternation_pattern(("van", "von", "de", "du", "ten", "ter", "le", "la", "del", "di", "da"))
INITIAL_PARTICLE_RUN = (
    rf"(?:^|[^\w.])(?:[{_UP}][{_LO}]?\. ?){{1,3}}(?:{_OPENING})(?: (?:der|den|de|la|le|van))? "
    rf"[{_UP}][{_LO}'’]+(?:-[{_UP}][{_LO}'’]+)?"
)
# A role, then ``de``, ``von`` or ``van`` and a surname (``général de Longuemar``, ``Präsident von Hindenburg``)
ROLE_PARTICLE_RUN = (
    rf"(?:^|[^\w.])(?:{cased(ROLES)}) (?:de|von|van|d') ?(?:(?:la|le|der|den) )?"
    rf"[{_UP}][{_LO}'’]+(?:-[{_UP}][{_LO}'’]+)?"
)
# The author of a work after its closing quote (``„Norma" von Bellini``, ``« Les Roseaux », de Ed. Missa``)
WORK_BY_RUN = rf"[\"”»“] ?,? (?:von|de|van|di|del|by) {_NAMED}"
# A reporter's initials in parentheses between two sentences or at the text's end (``... gevoeligheid. (FL) Ook
# op dat vlak``, ``... in zijn vel. " (KS)``): an acronym stands after the words it shortens, not after a full stop
BYLINE_RUN = r"[.!?\"'] \((?:[A-Z][A-Za-z]?[A-Z]|[A-Z]{2})\)(?: [A-Z]|$)"
# News agencies sign the same way (``(EFE)``, ``(AP)``): no person
AGENCIES = frozenset(
    (
        "AFP",
        "AP",
        "EFE",
        "ANP",
        "DPA",
        "APA",
        "SDA",
        "ATS",
        "ANSA",
        "UPI",
        "PAP",
        "CTK",
        "MTI",
        "NTB",
        "TT",
        "STT",
        "AA",
        "BTA",
        "ITAR",
        "TASS",
        "KNA",
        "EPD",
        "EPA",
        "KYODO",
        "PTI",
        "IANS",
        "RTR",
    )
)
# A sentence that opens with its subject and a reporting verb (``. Menem criticó ayer``, ``. Rato dijo que``,
# ``. Dupont a déclaré``, ``. Müller sagte``, ``. Jansen zei``)
SAID = word_list("""
    dijo afirmó aseguró explicó subrayó criticó señaló declaró indicó añadió manifestó reconoció advirtió insistió
    destacó recordó precisó sostuvo anunció denunció respondió
    déclare déclara affirme affirma explique expliqua ajoute ajouta précise précisa estime souligne
    sagte erklärte betonte meinte fügte
    zei zegt verklaarde verklaart benadrukte vertelde antwoordde
""")
# An everyday word that is also a surname this common in some country is taken as the name (``Rato``: 464th in
# Spain; ``Niemand``, 1,385th somewhere, is not)
COMMON_SURNAME_RANK = 500
SAID_RUN = (
    rf"(?:^|[.!?»\"”] )[{_UP}][{_LO}'’]+(?:-[{_UP}][{_LO}'’]+)?(?: [{_UP}][{_LO}'’]+)? "
    rf"(?:{alternation_pattern((*SAID, 'a déclaré', 'a dit', 'a affirmé', 'a expliqué', 'a ajouté'))})(?:$|[^\w])"
)
# A long list of single capitalised words (a team's line-up, a chess table, a list of authors: ``Scheler, Habel,
# Apolonvy, Tauber, Lorenzi``): where most items are words no dictionary knows and none is a place, those are names
_LIST_ITEM = rf"[{_UP}][{_LO}'’]+(?:-[{_UP}][{_LO}'’]+)?(?: [0-9])?"
LONG_LIST_RUN = rf"(?:^|[^\w.] ?){_LIST_ITEM}(?:[,;] {_LIST_ITEM}){{{LONG_LIST - 1},}}"
# Initials before a surname set in capitals, as notices sign and list people (``Aanwijzer B. MEULINK.``,
# ``Steenwijk, G. VARRENHORST.``, ``G. FREISLICH, Secretaris``); a firm's legal form is no initial (``N.V.``, ``S.A.``)
INITIALS_CAPS_RUN = rf"(?:^|[^\w.])(?:[{_UP}]\. ?){{1,3}}[{_UP}]{{4,}}(?:[ -][{_UP}]{{4,}})?(?:[.,;:]|$)"
LEGAL_FORMS = frozenset(("NV", "SA", "AG", "BV", "KG", "SL", "SRL", "SPA", "OY", "AB", "AS"))
_AGE_TAIL = re.compile(rf",? {_REGISTER}{_AGE_LEAD}[0-9]")
_LEADING_INITIALS = re.compile(rf"^(?:[{_UP}][{_LO}]?\. ?)+")


def _name_words(named: str) -> str | None:
    """The name a ``_NAMED`` run holds: initials dropped, then ``locale_frames.name_after`` (a place ends it)."""
    return name_after(_LEADING_INITIALS.sub("", named).split(), particle_first=True)


def _trailing_name(words: list[str], langs: Langs) -> str | None:
    """The capitalised person words (particles between them) that end ``words``: what stands just before a
    comma and an age or role, whatever sentence words came before (``Décès. Esther Bausire``; a common word that
    opens the sentence is left out: ``Stirbt Obermoser``)."""
    out: list[str] = []
    for raw in reversed(words):
        word = raw.strip('.,;:!?»"”„“«(')
        if (out and word.lower() in PARTICLES) or (
            len(word) >= 2 and is_capitalised(word) and is_person_word(word) and not is_place(word)
        ):
            out.insert(0, word)
        else:
            break
        if raw != word:
            break
    while out and (out[0].lower() in PARTICLES or (len(out) > 1 and is_common_word(out[0], langs))):
        out.pop(0)
    return " ".join(out) if out else None


def _unknown(word: str, langs: Langs) -> bool:
    """No word of the dictionaries of the column's languages (of the four here when none was found)."""
    low = word.lower()
    return not any(low in dictionary(lang) for lang in langs or WESTERN)


def _surname_like(word: str, langs: Langs) -> bool:
    """A word that may stand alone for a person: no word of the column's dictionaries (``Weise``, ``Besitzer``,
    ``Krankheit`` are German), unless it is also a surname this common somewhere (``Castillo``, ``Rato``)."""
    return _unknown(word, langs) or lexicon().is_surname(word, max_rank=COMMON_SURNAME_RANK)


def _taken(name: str | None, langs: Langs) -> list[str]:
    """The name, and its surname alone where that may stand alone (``locale_frames.with_surname``); a name of one
    word only where it may (``Frankreich, 72 Jahre`` is no person)."""
    if not name:
        return []
    last = [w for w in name.split() if w.lower() not in PARTICLES][-1]
    if name == last and is_place(last):
        return []
    if not _surname_like(last, langs):
        return [] if name == last else [name]
    return with_surname(name)


def aged_name(match: str, langs: Langs) -> list[str]:
    """``Louise Allo, 11 ans``, ``Grant, de 40 años``: the name before an age."""
    head = _AGE_TAIL.split(match.lstrip(" \t\n([{\"'«„“"), maxsplit=1)[0]
    return _taken(_trailing_name(_LEADING_INITIALS.sub("", head).split(), langs), langs)


def role_after_name(match: str, langs: Langs) -> list[str]:
    """``Duponnois, commissaire``, ``Boreau de Roincé, capitaine``: the name before a comma and a role."""
    head = match.lstrip(" \t\n([{\"'«„“").split(", ", 1)[0]
    return _taken(_trailing_name(_LEADING_INITIALS.sub("", head).split(), langs), langs)


def initial_particle_name(match: str, langs: Langs) -> list[str]:
    """``J. C. van Blerk``: the particle and surname after initials (and the whole with its initials)."""
    text = match.lstrip(" \t\n([{\"'«„“")
    surname = _LEADING_INITIALS.sub("", text)
    last = surname.split()[-1]
    if is_place(last) or not is_person_word(last):
        return []
    return [text, surname]


def role_particle_name(match: str, langs: Langs) -> list[str]:
    """``général de Longuemar``: the particle and surname after a role, if no dictionary knows the surname."""
    words = match.lstrip(" \t\n([{\"'«„“").split()[1:]
    last = words[-1]
    if is_place(last) or not is_person_word(last) or not _unknown(last, langs):
        return []
    return [" ".join(words)]


def work_author(match: str, langs: Langs) -> list[str]:
    """``„Norma" von Bellini``: the author after a work's closing quote."""
    return _taken(_name_words(re.split(r" (?:von|de|van|di|del|by) ", match, maxsplit=1)[1]), langs)


def sentence_subject(match: str, langs: Langs) -> list[str]:
    """``. Menem criticó``: the subject before a reporting verb that opens a sentence (``También dijo``,
    ``J' ajoute``, ``Niemand sagte`` aside)."""
    words = match.lstrip('.!?»"” ').split()
    said = next(k for k in range(1, len(words)) if words[k][:1].islower())
    names = words[:said]
    if not all(is_person_word(w) and not is_place(w) and w[-1:].isalpha() for w in names):
        return []
    return _taken(" ".join(names), langs)


def listed_unknowns(match: str, langs: Langs) -> list[str]:
    """``Scheler, Habel, Apolonvy, Tauber``: the list's unknown words, if most items are and no item is a place, in a
    column whose languages have dictionaries here."""
    if not set(langs) & set(WESTERN):  # no dictionary of the column's language here
        return []
    items = [re.sub(r" [0-9]$", "", item.strip()) for item in re.split(r"[,;] ", re.sub(r"^\W+", "", match))]
    endings = Counter(item[-3:] for item in items)
    if any(is_place(item) for item in items) or endings.most_common(1)[0][1] * 2 > len(items):
        return []  # a place, or most items in one case ending (Finnish ``Kiinassa, Intiassa, Laosissa``)
        return []
    unknown = [
        item
        for item in items
        if is_person_word(item) and not is_common_word(item, langs) and _unknown(item, langs) and len(item) >= 3
    ]
    return unknown if len(unknown) >= UNKNOWN_SHARE * len(items) else []


def capitals_after_initials(match: str, langs: Langs) -> list[str]:
    """``B. MEULINK``: the initials and the surname in capitals after them (and the surname alone), where each word
    of it is no place, no organisation word and no word of the column's dictionaries (``G. ZWOLLE``, ``M. ET``)."""
    text = match.strip(" \t\n([{\"'«„“.,;:")
    initials = _LEADING_INITIALS.match(text)
    surname = text[initials.end() :] if initials else text
    if not initials or re.sub(r"[^A-Z]", "", initials.group(0)) in LEGAL_FORMS:
        return []
    words = [w.capitalize() for w in re.split(r"[ -]", surname)]
    if any(is_place(w) or not is_person_word(w) or not _surname_like(w, langs) for w in words):
        return []
    return [text, surname]


def byline_initials(match: str, langs: Langs) -> list[str]:
    """``. (FL) Ook``: the reporter's initials, unless an agency's."""
    initials = match[match.index("(") + 1 : match.index(")")]
    return [] if initials.upper() in AGENCIES else [initials]


NOTICE_SLOTS: tuple[tuple[str, Callable[[str, Langs], list[str]]], ...] = (
    (AGE_RUN, aged_name),
    (ROLE_AFTER_RUN, role_after_name),
    (INITIAL_PARTICLE_RUN, initial_particle_name),
    (ROLE_PARTICLE_RUN, role_particle_name),
    (WORK_BY_RUN, work_author),
    (BYLINE_RUN, byline_initials),
    (SAID_RUN, sentence_subject),
    (LONG_LIST_RUN, listed_unknowns),
    (INITIALS_CAPS_RUN, capitals_after_initials),
)
