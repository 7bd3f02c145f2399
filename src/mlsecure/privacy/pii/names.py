"""Person names, street addresses and gender words: what regex alone cannot confirm.

Names come from the given-name and surname lists of 105 countries (``name_data``, derived from the
names-dataset package), combined with the shape of the text around them: a title before a word, a
given name before a surname, a capitalised given name inside a sentence, or a given name opening a
sentence and followed by its verb ("Maria asked ..."). Closed-class words (``FUNCTION_WORDS``) and
calendar words are never a name on their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mlsecure.privacy.pii.lexicons import (
    ACCENTED_FUNCTION_WORDS,
    COLLECTIVE_SUBJECTS,
    CONTEXT_WORDS,
    FUNCTION_WORDS,
    GENDER_WORDS,
    HANDING_VERBS,
    MEETING_VERBS,
    ORGANISATION_WORDS,
    PERSON_CONTEXT,
    STREET_TOKENS,
    STREET_WORDS,
    TITLES,
)
from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.script_names import KOREAN_SURNAMES, NOT_NAME_END, NOT_NAME_WORDS, script_name

_WORD = re.compile(r"[^\W\d_][^\W\d_'-]*(?:['-][^\W\d_]+)*")
GIVEN_RANK = 2000  # a word ranked within the top 2000 given names of some country (the whole lexicon)
SINGLE_RANK = 300  # a lone word must be more common to be taken for a given name without a surname


def is_name(text: str) -> bool:
    """A cell that is a person's name: ``First Last``, ``Last, First``, ``First M. Last`` or one name; in
    Chinese, Korean, Japanese, Cyrillic or Greek script also by the shape its language gives names
    (``script_names``)."""
    return _listed_name(text) or (not text.isascii() and script_name(text))


def _listed_name(text: str) -> bool:
    words = [w for w in _WORD.findall(text) if fold(w) not in TITLES]
    words = [w for w in words if len(w) > 1 or not w.isupper()]
    if not words or len(words) > 5:
        return False
    lex = lexicon()
    folded = [fold(w) for w in words]
    if any(w in FUNCTION_WORDS and w not in _PARTICLES for w in folded):
        return False
    if len(words) == 1:
        return lex.is_given(words[0], max_rank=SINGLE_RANK) or lex.is_surname(words[0], max_rank=SINGLE_RANK)
    if "," in text:
        return lex.is_surname(words[0]) or lex.is_given(words[-1])
    # ``Βλαδίμηρος-Βασίλειος``, ``Jean-Pierre``: a double given name is listed by its first part
    return lex.is_given(words[0]) or lex.is_surname(words[-1]) or ("-" in words[0] and lex.is_given(
        words[0].split("-")[0]))


# Surname particles (``van der Berg``, ``de la Cruz``, ``di Maio``) that are function words elsewhere.
_PARTICLES = frozenset(("van", "der", "den", "de", "la", "le", "di", "da", "del", "von", "zu", "ten", "ter", "du",
                        "dos", "das", "y", "bin", "al", "te", "tho", "op"))


def is_gender(text: str) -> bool:
    return text.strip().lower() in GENDER_WORDS


def _given(word: str, rank: int = GIVEN_RANK) -> bool:
    return is_open_class(word) and lexicon().is_given(fold(word.rstrip(".,")), max_rank=rank)


def _surname(word: str) -> bool:
    key = fold(word.rstrip(".,"))
    return is_open_class(word) and (lexicon().is_surname(key) or (len(key) > 5 and key.endswith(SURNAME_SUFFIXES)))


# ``I'm``, ``Let's``, ``Don't``, ``we'll``: a pronoun, ``let`` or an auxiliary's ``n't`` before a clitic
_CONTRACTION = re.compile(r"(?i)([^\W\d_]+)['’](m|s|re|ve|ll|d|t)")
_CLITIC_HOSTS = frozenset(("let", "there", "here", "that", "what", "who", "where", "how"))


def is_contraction(word: str) -> bool:
    """An English contraction of a closed-class word (``I'm``, ``Let's``, ``Don't``), not a name nor a name's
    possessive (``O'Brien``, ``D'Angelo``, ``Maria's`` are none)."""
    match = _CONTRACTION.fullmatch(word.rstrip(".,!?;:"))
    if match is None:
        return False
    host, clitic = fold(match.group(1)), match.group(2).lower()
    if clitic == "t":
        return host.endswith("n")  # ``don't``, ``can't``, ``isn't``
    return host in _CLITIC_HOSTS or (host in FUNCTION_WORDS and clitic != "s") or host in ("it", "he", "she")


def is_open_class(word: str) -> bool:
    """Not a closed-class, context or title word. The function words are listed without accents and
    compared so: a word written with a diacritic is another word (Vietnamese ``Lê``, Portuguese ``Sá`` are
    surnames, French ``le`` and ``sa`` are not)."""
    bare = word.rstrip(".,")
    key = fold(bare)
    closed = ((key in FUNCTION_WORDS and (key == bare.lower() or not bare[1:].islower()))
              or bare.lower() in ACCENTED_FUNCTION_WORDS)
    return not (closed or key in CONTEXT_WORDS or key in TITLES
                or (("'" in bare or "’" in bare) and is_contraction(bare)))


def name_windows(match: str, term: Callable[[str], bool] | None = None,
                 everyday: Callable[[str], bool] = lambda word: False,
                 not_alone: Callable[[str], bool] = lambda word: False,
                 unknown: Callable[[str], bool] = lambda word: False) -> list[str]:
    """Person names inside one match of ``spans.NAME_RUN``: an optional sentence boundary, a run of
    capitalised words, and the lower-case word after it (the run's verb, when it is a subject). A word that
    ``term`` says is the column's defined term, and that no list holds as a given name, starts no name: the
    name may start after it (``the Chair`` ... ``Chair Janet Yellen``; ``each Payment Date``). Two words that
    ``everyday`` says are words before names (``not_names.everyday_words``: ``Business Day``) are no name, nor
    is a word alone that ``not_alone`` says is one (``not_names.lone_words``: ``Take a look``, ``on Jan 2``)
    unless a title goes before it, a speech verb after it, or a word of the run is one that ``unknown`` says no
    dictionary of the column knows (``Soulja Boy``, ``Jearl Miles``: the run is a name the lists half know)."""
    parts = match.lstrip(".!?\"' \n\t").split()
    preceder = fold(parts.pop(0)) if parts and parts[0][:1].islower() else None
    sentence_start = not match[:1].isspace() and preceder is None
    follower = parts[-1] if parts and parts[-1][:1].islower() and fold(parts[-1]) not in _PARTICLES else None
    raw = [w.rstrip(",") for w in (parts[:-1] if follower else parts)]
    words = [_POSSESSIVE.sub("", w) for w in raw]
    found: list[str] = []
    if preceder in _PRECEDERS and 2 <= len(words) <= 3 and (all(is_open_class(w) for w in words)
                                                            or _common_words_named(words)):
        return [" ".join(words).rstrip(".")]  # ``call Elladio Mazzacurati``: whoever is called is a person
    if (preceder in _PRECEDERS and preceder not in _PREPOSITIONS and len(words) == 1 and _listed(words[0])
            and not not_alone(words[0])):
        return [words[0].rstrip(".")]  # ``ping Zelaya``: a listed name of any country after a person verb
    # ``John F. Kennedy``, Hungarian ``Horváth B. László``: an initial between two capitalised words, one listed
    found += [" ".join(words[k - 1:k + 2]) for k in range(1, len(words) - 1)
              if _INITIAL.fullmatch(words[k]) and not _INITIAL.fullmatch(words[k - 1])
              and not _INITIAL.fullmatch(words[k + 1]) and is_open_class(words[k - 1]) and is_open_class(words[k + 1])
              and (_listed(words[k - 1]) or _listed(words[k + 1]))]
    # ``Natan's request``: a capitalised word in the possessive that the name lists hold is whose it is
    found += [w for k, (w, r) in enumerate(zip(words, raw, strict=True))
              if r != w and (k > 0 or not sentence_start) and is_open_class(w) and not is_contraction(r)
              and (_given(w) or _surname(w))]
    i = 0
    while i < len(words):
        word = words[i]
        low = fold(word.rstrip("."))
        j = i + 1
        while j < len(words) - 1 and fold(words[j]) in _PARTICLES:
            j += 1  # ``Anouk de Vries``: the particles belong to the surname
        nxt = words[j].rstrip(".") if j < len(words) else None
        if (term is not None and nxt is not None and term(word) and not _given(word)
                and low not in TITLES and low not in PERSON_CONTEXT):
            i += 1  # ``not_names.defined_term``
            continue
        if low in PERSON_CONTEXT and follower and len(words) - i - 1 in (2, 3) and all(
                is_open_class(w) for w in words[i + 1:]):
            found.append(" ".join(words[i + 1:]))  # ``Customer Gianfrancesco Perozzo reported``: a person
            break
        if low in TITLES or low in PERSON_CONTEXT:
            if nxt is not None and (low in TITLES or _given(nxt) or _surname(nxt)):
                end = j + 1 + (j + 1 < len(words) and _surname(words[j + 1]))
                found.append(" ".join(w.rstrip(".") for w in words[i + 1:end]))
                i = end
                continue
        elif (nxt is not None and j + 1 < len(words) and _given(nxt) and _surname(words[j + 1])
              and not _surname(word)):
            i += 1  # ``Call John Smith``: the name is the given name and surname after the first word
            continue
        elif nxt is not None and _given(word) and is_open_class(nxt):
            end = j + 1 + (j + 1 < len(words) and _surname(words[j + 1]))
            if not all(everyday(w) for w in words[i:end]):  # ``Vice President``, ``Watch Live``: words
                found.append(" ".join(words[i:end]).rstrip("."))
            i = end
            continue
        elif (nxt is not None and _surname(nxt) and is_open_class(word.rstrip("."))
              and (follower or preceder or len(words) > 2)):
            if not (everyday(word) and everyday(nxt)):  # ``Business Day``, ``Management Fee``
                found.append(" ".join(words[i:j + 1]).rstrip("."))  # an unseen given name before a known surname
            i = j + 1
            continue
        elif nxt is None and _lone_name(word, i == 0 and sentence_start, follower,
                                        prose=follower is not None or preceder is not None or len(words) > 1) and (
                not not_alone(word) or fold(follower or "") in _SPEECH or any(unknown(w) for w in words[:i])):
            found.append(word.rstrip("."))
        i += 1
    return list(dict.fromkeys(f for f in found if f and _capitalised(f.split())))


def _capitalised(words: list[str]) -> bool:
    """The words of a name: capitalised, surname particles (``van``, ``de``) only between them or, written as
    such in lower case, before a surname (``Dr. van Erde``, ``Ms. ten Hincamp``). The name runs of
    ``spans`` admit the Latin Extended blocks in both cases (``Ioniță``), so ``để`` can enter one lower-case,
    and a particle can end one (``Salió al``)."""
    return ((words[0][:1].isupper() or (len(words) > 1 and words[0] in _PARTICLES)) and words[-1][:1].isupper()
            and all(w[:1].isupper() or fold(w) in _PARTICLES for w in words[1:-1]))


_POSSESSIVE = re.compile(r"['’]s$")  # ``Bradley's request``: the name is ``Bradley``
_INITIAL = re.compile(r"[^\W\d_]\.")


def _listed(word: str) -> bool:
    return _given(word) or _surname(word)


# Surname endings that few other words share (compared folded, on words of six letters or more): Turkish
# ``-oğlu``, Romanian ``-escu``/``-eanu``, South Slavic ``-ović``/``-ević``, Polish ``-owski``/``-ewska``, Nordic
# patronymics, Greek ``-poulos``/``-opoulou``/``-akis``/``-idis``, Ukrainian ``-enko``/``-chuk``, Georgian
# ``-shvili``/``-adze``/``-idze``
SURNAME_SUFFIXES = ("oglu", "escu", "eanu", "ovic", "evic", "owski", "ewski", "owska", "ewska", "sson", "dottir",
                    "poulos", "opoulou", "akis", "idis", "enko", "chuk", "shvili", "adze", "idze")


def labelled_name(match: str) -> str | None:
    """The person named after a label and its colon (``spans.LABELLED_RUN``: ``Recipient: Cawisadi Fujiati``,
    ``To: 邢坤``, ``Пациент: Ганна Колесниченко``): two to four capitalised open-class words (titles left
    out), or one listed name, or a Han or Hangul run of two to four characters; an organisation or street word
    makes it no person (``From: Acme GmbH``)."""
    value = match.partition(":")[2].strip(_FIELD_STRIP)
    if not value:
        return None
    if _HAN_OR_HANGUL.fullmatch(value.replace(" ", "")):
        return _caseless_person(value)
    if not value[:1].isupper() and not value[:1].islower():  # Arabic, Hebrew, or Han and kana mixed
        return _slot_words(value)
    words = value.split()
    while words and fold(words[0].rstrip(".")) in TITLES:
        words.pop(0)
    if not words or any(fold(w.rstrip(".,")) in NOT_PERSON_WORDS for w in words):
        return None
    start = value.index(words[0])
    if len(words) == 1:
        return words[0].rstrip(".") if _listed(words[0]) else None
    if len(words) <= 4 and all(is_open_class(w) for w in words if not _INITIAL.fullmatch(w)):
        return value[start:].rstrip(".")
    return None


def field_name(match: str, *, listed: bool = True) -> str | None:
    """Two or three capitalised words filling a field of their own (``spans.FIELD_RUN``: between slashes,
    bars, semicolons, line ends, or before a bracket: ``Günser Şener / 0663 ...``, a signature line), one of
    them a listed name of any country (or none, when not ``listed``: the first field of a contact record) and none
    a closed-class, organisation or street word."""
    value = match.strip(_FIELD_STRIP)
    words = value.split()
    if not 2 <= len(words) <= 4 or any(fold(w.rstrip(".,")) in NOT_PERSON_WORDS for w in words):
        return None
    if all(is_open_class(w) for w in words) and (not listed or any(_listed(w) for w in words)):
        return value
    return None


def record_caseless(value: str) -> str | None:
    """The first field of a contact record (``spans.RECORD_RUN``: ``赫琳 / 139 0000 0000 / ...``) written as one
    run of two to four Han or Hangul characters: the person the record is about, whatever the surname (the
    lists hold the commonest), unless it ends as places and institutions do (``市``, ``역``, ``병원``); a Korean
    name after a listed surname syllable may end in ``원`` (``김주원``)."""
    value = value.strip(_FIELD_STRIP)
    if not _HAN_OR_HANGUL.fullmatch(value) or any(w in value for w in NOT_NAME_WORDS):
        return None
    return _caseless_person(value)


def _caseless_person(value: str) -> str | None:
    """A Han or Hangul run that ends as no place or institution does (``市``, ``역``, ``병원``), or a Korean
    name ending in ``원`` after a listed surname: the run itself, else None."""
    return value if value[-1] not in NOT_NAME_END or _korean_won(value) else None


def _korean_won(value: str) -> bool:
    """``김주원``, ``손채원``: three Hangul syllables, a listed surname first, ending in ``원``, a common syllable of
    given names (``지원``, ``채원``) that also ends institutions' names (``병원``, ``학원``: never after a surname)."""
    return len(value) == 3 and value[-1] == "원" and value[0] in KOREAN_SURNAMES


def greeted_name(match: str) -> str | None:
    """``Hi Cawisadi,``, ``Dear Ms. Fujiati,`` (``spans.GREETING_RUN``): one or two capitalised open-class words
    after a salutation, titles left out, up to a comma, ``!`` or the line's end, are the person greeted."""
    words = match.strip(_FIELD_STRIP + "!").split()[1:]
    while words and fold(words[0].rstrip(".")) in TITLES:
        words.pop(0)
    if not 1 <= len(words) <= 2 or not all(is_open_class(w) and _cased_or_caseless(w) for w in words):
        return None
    if any(fold(w.rstrip(".,")) in NOT_PERSON_WORDS for w in words):
        return None
    return " ".join(words)


def signed_name(match: str) -> str | None:
    """``Kind regards,\nBlitz Hermecke`` (``spans.SIGNOFF_RUN``): the line after a letter's closing is who signs."""
    return _slot_words(match.rstrip().rsplit("\n", 1)[-1])


def called_name(match: str) -> str | None:
    """``ping Filomen.`` (``spans.CALLED_RUN``): one word after a verb whose object is a person, the clause ending
    with it, is that person, listed or not (not after a preposition: ``by Python.``)."""
    verb, _, rest = match.partition(" ")
    if verb not in _PRECEDERS or verb in _PREPOSITIONS:
        return None
    return _slot_words(rest.rstrip(".,;!?)"))


def object_name(match: str) -> str | None:
    """``ran into Soter at``, ``talked to Ηώ.``, ``assigned to Hellmuth Güldemeister (`` (``spans.OBJECT_RUN``): the
    words after a verb whose object is a person (``lexicons.MEETING_VERBS``: one to four words) or that hands
    something to one (``HANDING_VERBS``: two to four words, or one listed name), none a closed-class, organisation
    or street word. The words must end the clause or stand before a closed-class word: before any other lower-case
    word they qualify it (``ran into Python errors``)."""
    parts = match.split()
    k = next((i for i, w in enumerate(parts) if not w[:1].islower()), len(parts))
    follower = parts.pop() if len(parts) > k + 1 and parts[-1][:1].islower() else None
    verb = " ".join(parts[:k])
    name = _slot_words(" ".join(parts[k:]).rstrip(_FIELD_STRIP + ".!?\"'"))
    if name is None or not all(_cased_or_caseless(w) for w in name.split()):
        return None
    if follower is not None and fold(follower) not in FUNCTION_WORDS:
        return None
    if verb in MEETING_VERBS or (verb in HANDING_VERBS and (" " in name or _listed(name))):
        return name
    return None


def subject_name(match: str) -> str | None:
    """``Arnketil will send``, ``Ηώ can call``, ``Soter replied`` (``spans.SUBJECT_RUN``): one word of any script
    opening a sentence before a modal and a verb of what people do (``lexicons.PERSON_ACTS``), or before one of
    a few past forms, is the person doing it: not a closed-class or collective word (``Everyone will send``,
    ``Staff can call``), nor, unless listed, a plural (``Students will present``: an ASCII word ending in ``s``,
    but not in the ``-us``, ``-is``, ``-os``, ``-as`` of Latin and Greek names: ``Honorius``, ``Nikos``)."""
    word = match.strip(" \t\n.!?").split()[0]
    if not is_open_class(word) or not _cased_or_caseless(word) or fold(word) in COLLECTIVE_SUBJECTS | NOT_PERSON_WORDS:
        return None
    if word.isascii() and word.endswith("s") and not word.endswith(_NAME_S) and not _listed(word):
        return None
    return word


_NAME_S = ("us", "is", "os", "as")


def titled_name(match: str) -> str | None:
    """``Dr. 上村``, ``Pt. みずき 門田`` (``spans.TITLED_CASELESS``): the words after a title and its dot."""
    value = match.strip(_FIELD_STRIP + ".!?")
    words = value.split()[1:]
    if not words:
        return None
    name = " ".join(words)
    return name if name[-1] not in NOT_NAME_END or len(words) > 1 else None


def preceded_caseless(match: str) -> str | None:
    """``reviewed by 이윤 어`` (``spans.PRECEDED_CASELESS``): two or three words of a script without letter case
    after a person's verb or preposition (one word is left to ``called_name``)."""
    verb, _, rest = match.partition(" ")
    name = rest.strip(_FIELD_STRIP + ".!?")
    return name if verb in _PRECEDERS and len(name.split()) >= 2 else None


def _slot_words(value: str) -> str | None:
    """The words of a person's slot, titles left out, if none is a closed-class, organisation or street word."""
    words = value.split()
    while words and fold(words[0].rstrip(".")) in TITLES:
        words.pop(0)
    if not 1 <= len(words) <= 4 or not (all(is_open_class(w) for w in words) or _common_words_named(words)):
        return None
    if any(fold(w.rstrip(".,")) in NOT_PERSON_WORDS for w in words):
        return None
    return " ".join(words).rstrip(".") or None


def _common_words_named(words: list[str]) -> bool:
    """``Hai Bradford``, ``Roger Winter``, ``Una Slezak``: two or three words of a person's slot, one a closed-class
    or calendar word that is also a common name where it stands (a given name among the top ``SINGLE_RANK`` of
    some country first, a surname among them last), every other word an open-class listed name."""
    if not 2 <= len(words) <= 3:
        return False
    lex = lexicon()
    for k, word in enumerate(words):
        bare = word.rstrip(".,")
        if is_open_class(word):
            if not _listed(word):
                return False
        elif not bare[:1].isupper() or not (
                (k == 0 and lex.is_given(bare, max_rank=SINGLE_RANK))
                or (k == len(words) - 1 and lex.is_surname(bare, max_rank=SINGLE_RANK))):
            return False
    return any(is_open_class(w) for w in words)


def _cased_or_caseless(word: str) -> bool:
    """Capitalised, or of a script without letter case (Han, Hangul, Arabic, Hebrew)."""
    return word[:1].isupper() or not word[:1].islower()


def chat_speaker(match: str) -> str | None:
    """``[09:12] Anna:`` (``spans.CHAT_RUN``): the capitalised words between a chat line's time stamp and its
    colon are the speaker."""
    words = _CHAT_STAMP.sub("", match).rstrip(":").split()
    if words and all(is_open_class(w) for w in words) and not any(fold(w) in NOT_PERSON_WORDS for w in words):
        return " ".join(words)
    return None


_CHAT_STAMP = re.compile(r"^\s*\[?[0-9/.,: -]*[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?\]?(?: [-–])? *")


def preceded_han(match: str) -> str | None:
    """``reach 祁勇``: two or three Han characters after a verb whose object is a person (``_PRECEDERS``)."""
    verb, _, rest = match.partition(" ")
    name = rest.rstrip(rest[-1]) if rest and not _HAN_OR_HANGUL.fullmatch(rest) else rest
    if verb in _PRECEDERS and verb not in ("by", "from", "with", "con", "mit", "avec") and 2 <= len(name) <= 3 \
            and name[-1] not in NOT_NAME_END:
        return name
    return None


_FIELD_STRIP = " \t\n/|;,:(<[]>)-"
_HAN_OR_HANGUL = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,4}|[\uac00-\ud7a3]{2,6}")
# words that make a capitalised run an organisation, a street or a place rather than a person
NOT_PERSON_WORDS = ORGANISATION_WORDS | STREET_TOKENS | STREET_WORDS | frozenset(
    ("department", "team", "office", "support", "service", "services", "sales", "desk", "center", "centre", "admin",
     "city", "county", "river", "park", "station", "airport", "hotel", "road", "street", "avenue", "lane",
     # whom a salutation greets when it greets no one person (``Hello World!``, ``Hallo zusammen``)
     "world", "everyone", "everybody", "all", "team", "folks", "guys", "there", "friends", "colleagues", "sir",
     "madam", "welt", "zusammen", "monde", "mundo", "todos", "tutti", "allemaal", "alle", "wszystkim", "dünya"))


# Lower-case words after which a run of two or three capitalised words is a person's name.
_PRECEDERS = frozenset(("with", "call", "called", "contact", "contacted", "met", "meet", "ask", "asked", "tell",
                        "told", "email", "emailed", "thank", "thanks", "dear", "hi", "hello", "cc", "by", "from",
                        "mit", "avec", "con", "met", "sig", "signed",
                        # verbs whose object is a person
                        "reach", "reached", "ping", "pinged", "remind", "reminded", "notify", "notified", "inform",
                        "informed", "phone", "phoned", "text", "texted", "message", "messaged", "visit", "visited",
                        "invite", "invited", "greet", "greeted", "hey"))
# Prepositions and salutations among them: what follows them alone is as often a product, a place or a team
_PREPOSITIONS = frozenset(("with", "by", "from", "mit", "avec", "con", "dear", "hi", "hello", "hey", "cc"))
# Verbs of speech and contact: their subject is a person even when the name is not in the lexicon.
_SPEECH = frozenset(("asked", "said", "told", "wrote", "replied", "called", "emailed", "phoned", "complained",
                     "mentioned", "explained", "says", "asks", "wants", "needs", "prefers", "confirmed", "requested"))
# Verbs that follow a sentence's subject: auxiliaries, and common irregular past forms (regular ones end
# in -ed, present ones in -s).
_VERBS = frozenset(("is", "was", "has", "had", "will", "would", "can", "could", "should", "did", "does", "may",
                    "might", "must", "said", "told", "wrote", "went", "came", "took", "gave", "got", "made", "left",
                    "sent", "saw", "met", "paid", "bought", "brought", "kept", "spoke", "found", "felt", "knew",
                    "thought", "ran", "became", "began", "forgot", "lost", "won", "hat", "ist", "war", "est", "a"))


def _lone_name(word: str, at_sentence_start: bool, follower: str | None, *, prose: bool = True) -> bool:
    """A single given name opening a sentence before its verb (``Maria asked``; not ``Grace period`` or
    ``Mark the box``), or a common given name inside a sentence, next to a lower-case word (``Win`` in
    ``(Windows 98; Win 9x)`` stands among tokens, not words)."""
    if not at_sentence_start:
        return prose and _given(word, SINGLE_RANK)
    if follower is None:
        return False
    f = fold(follower)
    if f in _SPEECH and is_open_class(word):
        return True
    if not _given(word):
        return False
    return f in _VERBS or (len(f) > 3 and f.endswith(("ed", "s")) and f not in FUNCTION_WORDS)


def surname_first(pair: str) -> bool:
    """``Nausėda, Armandas`` (``spans.SURNAME_FIRST``): a surname, a comma and a listed given name, as registers
    write a person; the first word is not itself a given name (``Paris, Maria``) nor a closed-class word."""
    first, _, second = pair.partition(", ")
    return is_open_class(first) and not _given(first) and _given(second)


def set_in_name(run: str, script: str, *, whole: bool = False) -> bool:
    """A run of another script set into a text (``spans.SET_IN_RUNS``) that is a person's name: Greek or
    Cyrillic capitalised words (a proper name wherever such a run is set into other text; a run that is a
    ``whole`` cell, a job title in a column of them, needs a word in the name lists or a surname suffix; an
    honorific before them is left out of the run's count), Korean by ``script_name`` (a surname syllable of the
    list), Hebrew or Arabic with a given name first or a surname last in the lists."""
    words = [w for w in run.split() if fold(w.rstrip(".")) not in TITLES]
    if script == "alphabet":  # a whole cell needs a listed word or a surname suffix: ``Πολιτικός Μηχανικός``
        return 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words) and (
            not whole or script_name(" ".join(words)) or any(_given(w) or _surname(w) for w in words))
    if script == "hangul":
        return script_name(" ".join(words))
    if not 2 <= len(words) <= 4:
        return False
    lex = lexicon()
    return lex.is_given(words[0]) or lex.is_surname(words[-1])


def cjk_name(run: str) -> bool:
    """One or two runs of Han or kana (``鈴木 翼``, ``涼平``) of which one is a given name or surname in the
    lists (they hold each country's names in its own script)."""
    tokens = run.split()
    if not tokens or len(tokens) > 2:
        return False
    lex = lexicon()
    if len(tokens) == 1 and len(run) == 3 and run[-1] not in NOT_NAME_END and lex.is_given(run[1:]):
        return True  # ``欧凤英``: one surname character, whatever it is, and a listed two-character given name
    return any(lex.is_given(t) or lex.is_surname(t) for t in tokens)
