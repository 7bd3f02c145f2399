"""Person names by the frame a sentence puts them in, whether or not the name lists hold them.

A frame is a pattern (run over the whole column by ``spans``, Rust's regex syntax that Python's ``re``
also reads) and a reader that returns the names inside one match:

- naming frames in several languages (``My name is Rubija``, ``What's your last name? Boyle``,
  ``people call me Csanád``, ``ich heiße``, ``je m'appelle``, ``me llamo``, ``меня зовут``...);
- a title before any word (``Mr lan Chase``, ``with ms. Marcela``);
- a vocative: a listed given name before a comma and a request (``Leif, can I ...``) or after a comma at
  the end of an exclamation or question (``Don't go to town, Roy!``);
- speech verbs before their subject (``says Hartvigsson.``);
- lists and pairs: when most items of a comma/``and`` list are listed given names, every item is a name
  (``Gaetane, Hannah, Anthony, Derek, Anna and Andrew``); two capitalised words joined by ``and`` before a
  plural verb, one of them listed (``Park and Mann were ...``);
- a given name, a one-letter initial without its dot and a surname (``Ravil G Yefimov``);
- a line of its own heading a text or a quoted block (``>Ella H. Snider``): a listed given name and a
  listed surname, or a middle initial;
- lower-case full names (``follow up with patricia desrosiers``) when the first word is a listed given
  name and the last a listed surname.

``propagate`` then takes the first and last words of each confirmed two- or three-word name as names on
their own (``Alvir spent a year ... assistant to Alvir D. Pušaver``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.lexicons import FUNCTION_WORDS, PERSON_LABELS
from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.names import NOT_PERSON_WORDS, is_open_class, labelled_name

_W = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"  # a word (any script, any case); the readers check case and lists
_GIVEN_RANK, _SURNAME_RANK = 2000, 2000

# Phrases after which the next words are the speaker's own name (compared case-insensitively)
NAMING = ("my name is", "my name's", "my names is", "name's", "i am called", "call me", "calls me", "called me",
          "known as", "ich heiße", "ich heisse", "mein name ist", "je m'appelle", "je m’appelle", "mon nom est",
          "je suis", "me llamo", "mi nombre es", "mi chiamo", "il mio nome è", "mijn naam is", "ik heet",
          "jag heter", "mitt namn är", "jeg heter", "mit navn er", "mitt navn er", "nazywam się", "mam na imię",
          "меня зовут", "моё имя", "мое имя", "meu nome é", "me chamo", "chamo-me", "benim adım", "adım")
# Discourse words that open a sentence before a comma as a vocative would (``Okay, can I ...``)
DISCOURSE = frozenset(("ok", "okay", "great", "hey", "yes", "no", "well", "sure", "thanks", "sorry", "hello", "hi",
                       "please", "now", "so", "also", "honey", "mom", "dad", "boss", "sir", "madam", "anyway",
                       "actually", "alright", "right", "fine", "cool", "wow", "oh", "ah", "look", "listen", "see",
                       "first", "then", "finally", "however", "still", "besides", "meanwhile", "today", "tomorrow"))
_REQUEST = ("can", "could", "would", "will", "please", "do", "did", "are", "is", "have", "i", "you", "we", "what",
            "how", "where", "when", "why", "let", "thank", "thanks")
_SPEECH = ("says", "said", "asked", "asks", "replied", "replies", "added", "adds", "explained", "wrote", "noted",
           "recalled", "recalls", "shouted", "answered")
_PLURAL_VERBS = ("were", "are", "have", "had", "both", "met", "went", "said", "will", "would", "can", "did", "each",
                 "became", "married", "live", "lived", "work", "worked")
_AND = ("and", "or", "und", "et", "y", "e", "en", "och", "og", "и", "i", "a", "ve", "és", "ja")
_TITLE_WORDS = ("Mr", "Mrs", "Ms", "Mx", "Miss", "Dr", "Prof", "mr", "mrs", "ms", "dr", "MR", "MRS", "DR")
# person verbs and salutations before a lower-case full name (not ``from``/``by``/``is``: ``from base class``)
_LOWER_PRECEDERS = ("with", "call", "called", "contact", "contacted", "met", "meet", "ask", "asked", "tell", "told",
                    "email", "emailed", "thank", "heard", "saw", "dear", "hi", "hello", "visit", "visited", "phone",
                    "text", "texted", "remind", "reminded", "cc", "me")


def alternation_pattern(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(set(words), key=len, reverse=True))


def cased(words: Iterable[str]) -> str:
    """An alternation of ``words`` as written and with a capital first letter: a case-insensitive alternation
    costs the regex engine several times more over a whole column."""
    return alternation_pattern(v for w in words for v in (w, w[:1].upper() + w[1:]))


NAMING_RUN = rf"(?:^|[^\w])(?:{cased(NAMING)}) +{_W}(?: +{_W}\.?){{0,3}}"
NAME_QUESTION = rf"(?i:\bname)[^.!?\n]{{0,12}}\? *{_W}(?: +{_W}\.?){{0,3}}"
TITLED_ANY = rf"(?:^|[^\w])(?:{alternation_pattern(_TITLE_WORDS)})\.? +{_W}(?: +{_W})?"
VOCATIVE_START = rf"(?:^|[.!?]\s+|\n)[\"“]?{_W}, (?:{cased(_REQUEST)})\b"
VOCATIVE_END = rf", {_W}[!?]"
SPEECH_RUN = rf"\b(?:{cased(_SPEECH)}) {_W}(?: {_W}){{0,2}}(?:[.,!?;:]|$)"
LIST_RUN = rf"{_W}(?:, {_W}){{1,}},? (?:{alternation_pattern(_AND)}) {_W}"
PAIR_RUN = rf"{_W} (?:and|&) {_W} (?:{alternation_pattern(_PLURAL_VERBS)})\b"
INITIAL_RUN = rf"(?:^|[^\w.])[{_UP}][^\W\d_]+ [A-Z]\.? [{_UP}][^\W\d_]+(?:['’-][^\W\d_]+)*"
HEAD_LINE = rf"(?:^|\n)>? ?{_W}(?: {{1,2}}(?:[^\W\d_]\.|{_W})){{1,3}} *(?:\n|$)"
# (no middle ``a``, ``i``, ``o``...: one-letter words of prose)
_LOWER_NAME = rf"[{_LO}][^\W\d_]+(?: [b-df-hj-np-tv-xz]\.?)? [{_LO}][^\W\d_]+(?:['’-][^\W\d_]+)*"
# after a person verb, opening the text, or alone on a line (a wrapped line of prose starts ``base class``)
LOWER_PAIR = rf"(?:^|\b(?:{alternation_pattern(_LOWER_PRECEDERS)}) ){_LOWER_NAME}|\n{_LOWER_NAME}[ \t]*(?:\n|$)"
# The first line of a text or of a block (after a blank line; ``>`` quoting allowed) followed within six lines by
# a street line (a house number and a word) or a phone or e-mail label: the head of a contact block or an
# address, which is whom it is about (``Julcsa Kárpáthy\nMhealthcoach\n50668 Kiannonkatu 98``)
BLOCK_HEAD = (rf"(?:^|\n[> \t]*\n)>? ?{_W}(?: {{1,2}}(?:[A-Z]\.?|{_W})){{1,3}} *\n(?:>? ?[^\n]*\n){{0,5}}>? ?"
              r"(?:[0-9][0-9 ,/-]*[ ,][^\W\d_]{2,}|(?i:phone|e-?mail|mobile|tel|fax)\b)")
# Role nouns before two or three capitalised words and a lower-case verb (``Producer Mashuu Samurakami explained``)
ROLES = ("producer", "director", "writer", "author", "singer", "actor", "actress", "composer", "painter", "artist",
         "engineer", "manager", "assistant", "doctor", "nurse", "teacher", "professor", "lawyer", "attorney",
         "officer", "detective", "inspector", "sergeant", "captain", "coach", "drummer", "guitarist", "founder",
         "ceo", "chairman", "chairwoman", "senator", "judge", "spokesman", "spokeswoman", "spokesperson",
         "colleague", "neighbour", "neighbor", "brother", "sister", "mother", "father", "son", "daughter",
         "husband", "wife", "friend", "uncle", "aunt", "cousin", "grandmother", "grandfather", "boyfriend",
         "girlfriend", "landlord", "landlady", "tenant", "physician", "surgeon", "therapist", "dentist")
ROLE_RUN = rf"\b(?:{cased(ROLES)}) {_W} {_W}(?: {_W})? [a-z]+"
# A listed given name opening a sentence before a verb of the past that names' own rule does not list, or a
# capitalised word or two after a verb of billing (``Jens spent a year``, ``and starring Borkowski``)
_PAST = ("spent", "worked", "moved", "joined", "left", "studied", "lived", "grew", "lost", "won", "wrote", "began",
         "started", "finished", "spent", "taught", "served", "retired", "returned", "arrived", "died", "married",
         "shouted", "whispered", "smiled", "laughed", "cried", "decided", "agreed", "refused", "signed", "visited")
SUBJECT_RUN = rf"(?:^|[.!?] +|\n)[{_UP}][^\W\d_]+ (?:{alternation_pattern(_PAST)})\b"
BILLED_RUN = rf"\b(?:starring|featuring|co-starring|narrated by|hosted by) {_W}(?: {_W})?"
# A JSON or dict key that labels a person and its quoted value (``{"name":"Leo Wang"}``, ``'owner': 'Raj Mehta'``)
_ASCII_LABELS = alternation_pattern(w for w in PERSON_LABELS if w.isascii())
JSON_LABELLED = (rf"[\"'](?i:(?:[a-z]+_)?(?:{_ASCII_LABELS}))[\"'] ?[:=] ?"
                 r"[\"'][^\"'\n]{1,60}[\"']")


_POSSESSIVE = re.compile(r"['’]s$")


def _given(word: str, rank: int = _GIVEN_RANK) -> bool:
    return is_open_class(word) and lexicon().is_given(fold(word.rstrip(".,")), max_rank=rank)


def _surname(word: str) -> bool:
    return is_open_class(word) and lexicon().is_surname(fold(word.rstrip(".,")), max_rank=_SURNAME_RANK)


def is_person_word(word: str) -> bool:
    """Open-class and no organisation, street or place word."""
    return is_open_class(word) and fold(word.rstrip(".,")) not in NOT_PERSON_WORDS and fold(word) not in DISCOURSE


def is_initial(word: str) -> bool:
    return len(word.rstrip(".")) == 1 and word[:1].isalpha()


def is_capitalised(word: str) -> bool:
    return word[:1].isupper() and (not word.isupper() or len(word) <= 3)


def _slot(words: list[str], *, lower_listed: bool) -> list[str]:
    """The words of a name slot from its start: capitalised words and initials; with ``lower_listed`` a
    lower-case first word that is a listed given name and later ones that are listed surnames."""
    out: list[str] = []
    for k, raw in enumerate(words):
        word = raw.rstrip(".,;:!?\"'")
        if not word or (fold(word) in FUNCTION_WORDS and not is_initial(word)):
            break
        if is_capitalised(word) and is_person_word(word):
            out.append(word)
        elif is_initial(word) and out:
            out.append(raw.rstrip(",;:!?\"'") if raw.rstrip(",;:!?\"'").endswith(".") and k + 1 < len(words) else word)
        elif lower_listed and word.islower() and (_given(word) if not out else _surname(word) or _given(word)):
            out.append(word)
        else:
            break
        if raw != raw.rstrip(".,;:!?\"'") and not is_initial(word):
            break  # the clause ends with this word
    while out and is_initial(out[-1]):
        out.pop()
    return out


def naming_name(match: str) -> list[str]:
    """``My name is Aantje Mourik``, ``my name is lena andersson``, ``Sometimes people call me Piusz``."""
    low = match.lower()
    cue = max((low.rfind(p) + len(p) for p in NAMING if p in low), default=-1)
    if cue < 0:
        return []
    rest = match[cue:].split()
    words = _slot(rest, lower_listed=True)
    if len(words) == 1 and words[0].islower() and not _given(words[0]):
        return []
    return [" ".join(words)] if words else []


def question_name(match: str) -> list[str]:
    """``What's your last name? Magnusson``: the answer after a question about a name."""
    words = _slot(match.partition("?")[2].split(), lower_listed=True)
    return [" ".join(words)] if words else []


def titled_any(match: str) -> list[str]:
    """``Mr lan Chase``, ``with ms. Marcela``: one or two words after a title are a person, listed or not; a
    lower-case first word only before a capitalised one."""
    parts = match.strip(" \t\n.,;:()[]").split()
    title, words = parts[0], [w.rstrip(".,;:!?\"'") for w in parts[1:]]
    if title.rstrip(".") == "Miss" and not words[0][:1].isupper():
        return []
    if not words[0][:1].isupper() and (len(words) < 2 or not is_capitalised(words[1]) or not words[0].isalpha()):
        return []
    name = [w for w in words[:1] if is_open_class(w) and fold(w) not in NOT_PERSON_WORDS]
    if name and len(words) > 1 and is_capitalised(words[1]) and is_person_word(words[1]):
        name.append(words[1])
    return [" ".join(name)] if name else []


def vocative_start(match: str) -> list[str]:
    """``Leif, can I please speak to your boss?``: a listed given name opening a sentence before a comma and
    a request or question (``Okay, can I``: discourse words are no vocative)."""
    word = match.strip(" \t\n.!?\"“").split(",")[0].strip()
    return [word] if is_capitalised(word) and is_person_word(word) and _given(word) else []


def vocative_end(match: str) -> list[str]:
    """``Don't go to town, Roy!``: a listed given name after a comma closing an exclamation or question."""
    word = match[2:-1]
    return [word] if is_capitalised(word) and is_person_word(word) and _given(word) else []


def speech_name(match: str) -> list[str]:
    """``says Hartvigsson.``, ``said Du Cane,``: capitalised words after a speech verb, the clause ending."""
    words = match.rstrip(".,!?;:").split()[1:]
    if not all(is_capitalised(w) and is_person_word(w) for w in words):
        return []
    return [" ".join(words)]


def list_names(match: str) -> list[str]:
    """``Gaetane, Hannah, Anthony, Derek, Anna and Andrew``: three or more items of one word, most of them
    listed given names (a lower-case list: four or more, three in four listed), are all names."""
    items = [w for w in re.split(r",? (?:" + alternation_pattern(_AND) + r") |, ", match) if w]
    if len(items) < 3:
        return []
    lower = all(w.islower() for w in items)
    if not lower and not all(is_capitalised(w) for w in items):
        items = items[1:]  # the list's first match took a lower-case word before it (``had Anna, ...``)
        if len(items) < 3 or not all(is_capitalised(w) for w in items):
            return []
    listed = sum(_given(w) for w in items)
    if lower and (len(items) < 4 or listed * 4 < len(items) * 3):
        return []
    if not lower and (listed < 2 or listed * 2 <= len(items)):
        return []
    return [w for w in items if is_person_word(w)]


def pair_names(match: str) -> list[str]:
    """``Park and Mann were precision engineers``: two capitalised words joined by ``and`` before a plural
    verb, one of them a listed given name or surname."""
    first, _, rest = match.partition(" ")
    second = rest.split()[1]
    words = [first, second]
    if not all(is_capitalised(w) and is_person_word(w) for w in words):
        return []
    return words if any(_given(w) or _surname(w) for w in words) else []


def initial_name(match: str) -> list[str]:
    """``Ravil G Yefimov``, ``Soib K. Kishiev``: a word, a one-letter capital initial and a word, all capitalised;
    without the initial's dot one of them listed (lower case: ``lower_pair``)."""
    words = match.strip(" \t\n,;:()[]\"'").split()
    if len(words) != 3:
        return []
    first, mid, last = words
    if (all(is_capitalised(w) for w in words) and mid.rstrip(".").isupper()
            and is_person_word(first) and is_person_word(last)
            and (mid.endswith(".") or _given(first) or _surname(last))):
        return [" ".join(words)]
    return []


def head_line(match: str) -> list[str]:
    """A line alone heading a text or a quoted block (``Julieta S Almeida``, ``>Ella H. Snider``): a listed
    given name first and a listed surname last, or a middle initial beside one listed word; lower case
    (``naomi ryan``) only with both listed."""
    line = match.strip("\n").lstrip("> ").rstrip()
    words = line.split()
    if not 2 <= len(words) <= 4 or not all(is_person_word(w) or is_initial(w) for w in words):
        return []
    core = [w for w in words if not is_initial(w)]
    if len(core) < 2 or is_initial(words[0]) or is_initial(words[-1]):
        return []
    initials = len(core) < len(words)
    if all(is_capitalised(w) or is_initial(w) for w in words):
        if (_given(core[0]) and _surname(core[-1])) or (initials and (_given(core[0]) or _surname(core[-1]))):
            return [line]
    elif all(w.islower() for w in words) and _given(core[0]) and _surname(core[-1]):
        return [line]
    return []


def lower_pair(match: str) -> list[str]:
    """``follow up with patricia desrosiers``, ``eva kleist lives at``: a lower-case listed given name and
    listed surname after a person's verb, opening the text, or alone on a line."""
    words = [_POSSESSIVE.sub("", w) for w in match.strip(" \t\n").split()]
    if words and fold(words[0]) in _LOWER_PRECEDERS and len(words) > 2:
        words = words[1:]
    if not 2 <= len(words) <= 3 or not all(w.islower() for w in words):
        return []
    if len(words) == 3 and not is_initial(words[1]):
        return []
    if _given(words[0]) and _surname(words[-1]):
        return [" ".join(words)]
    return []


def block_head(match: str) -> list[str]:
    """The first line of a contact block or an address (``BLOCK_HEAD``): two to four capitalised words (initials
    between them), none a closed-class, organisation, street or heading word."""
    line = match.lstrip("\n> \t").split("\n", 1)[0].rstrip()
    words = line.split()
    if not 2 <= len(words) <= 4 or is_initial(words[0]) or is_initial(words[-1]):
        return []
    # a closed-class word that is a common given name before an initial (``Ella H. Snider``, ``May J. Lee``)
    first_ok = is_initial(words[1]) and is_capitalised(words[0]) and lexicon().is_given(fold(words[0]), max_rank=300)
    if not all((is_capitalised(w) and is_person_word(w) and fold(w) not in HEADINGS) or is_initial(w)
               or (k == 0 and first_ok)
               for k, w in enumerate(words)):
        return []
    return [line]


# Capitalised words that head a block of contact lines without naming a person
HEADINGS = frozenset(("address", "addresses", "contact", "contacts", "details", "information", "info", "hours",
                      "opening", "directions", "location", "locations", "billing", "shipping", "mailing", "postal",
                      "delivery", "invoice", "registered", "head", "main", "headquarters", "branch", "personal",
                      "emergency", "home", "work", "business", "general", "enquiries", "inquiries", "reception",
                      "customer", "account", "order", "summary", "notes", "phone", "email", "mobile", "fax"))


def role_name(match: str) -> list[str]:
    """``Producer Mashuu Samurakami explained``: the capitalised words between a role noun and a verb."""
    words = match.split()[1:]
    while words and not words[-1][:1].isupper():
        words.pop()
    if 2 <= len(words) <= 3 and all(is_capitalised(w) and is_person_word(w) for w in words):
        return [" ".join(words)]
    return []


def subject_name(match: str) -> list[str]:
    """``Jens spent a year at ...``: a listed given name opening a sentence before its verb."""
    word = match.strip(" \t\n.!?").split()[0]
    return [word] if is_capitalised(word) and is_person_word(word) and _given(word) else []


def billed_name(match: str) -> list[str]:
    """``and starring Borkowski``: the capitalised words after a verb of billing."""
    words = match.split()[1:]
    if words and words[0] == "by":
        words = words[1:]
    out: list[str] = []
    for w in words:
        if not (is_capitalised(w) and is_person_word(w)):
            break
        out.append(w)
    return [" ".join(out)] if out else []


def json_labelled(match: str) -> list[str]:
    """``{"name":"Leo Wang"}``: the quoted value of a key that labels a person, read as ``labelled_name`` reads
    ``Name: Leo Wang``."""
    value = re.split(r"[\"'] ?[:=] ?[\"']", match, maxsplit=1)[-1][:-1]
    person = labelled_name(f"name: {value}")
    return [person] if person and person in value else []


FRAME_SLOTS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    (NAMING_RUN, naming_name), (NAME_QUESTION, question_name), (TITLED_ANY, titled_any),
    (VOCATIVE_START, vocative_start), (VOCATIVE_END, vocative_end), (SPEECH_RUN, speech_name),
    (LIST_RUN, list_names), (PAIR_RUN, pair_names), (INITIAL_RUN, initial_name), (HEAD_LINE, head_line),
    (LOWER_PAIR, lower_pair), (JSON_LABELLED, json_labelled), (BLOCK_HEAD, block_head), (ROLE_RUN, role_name),
    (SUBJECT_RUN, subject_name), (BILLED_RUN, billed_name))


def propagate(names: Iterable[str]) -> set[str]:
    """The first and last words of confirmed names with a middle initial (``Alvir D. Pušaver`` gives ``Alvir`` and
    ``Pušaver``): a text that names a person in full goes on to call them by one of the names. Only this shape:
    the words of any confirmed two-word run would spread a company's (``Magellan Health``) or a run of German
    nouns (``Auto Buch``) to every cell of the column."""
    out: set[str] = set()
    for name in names:
        words = name.split()
        if len(words) != 3 or not is_initial(words[1]):
            continue
        for word in (words[0], words[-1]):
            if len(word) >= 3 and is_capitalised(word) and is_person_word(word) and word.isalpha():
                out.add(word)
    return out
