"""Person names in social-media text (tweets, replies, comments) by the frames that posts put them in.

Posts name people the way edited prose does not: by one word never given in full (``thanks Sarah``, ``Nadal
broke Djokovic's serve``), after the ``@handles`` a reply opens with or an ``RT @user:`` prefix, in lower case
(``thx hanna :)``), in capitals (``listening to BRENDA LEE``), before a possessive that some corpora split from
the word (``Paul ' s house``). The frames here are the ones that say "a person" in such text:

- thanks, greetings, wishes and endearments before a word that ends the clause (``Happy birthday Justin!``,
  ``congrats george!``, ``RIP Chad``), and a word after a comma closing the post (``Thanks for the follow, Casey.``);
- the first word of a post (after its reply handles or ``RT @user:``) before a pronoun, an auxiliary or a
  common verb (``@JessicaLakey Jess, will you ...``, ``Lily I love your videos``, ``Milner knows ...``);
- a speaker's label opening a post or a sentence (``Rachel: Audrey, I love you``) and a quotation's
  attribution closing one (``... reverse it. -Roald Dahl``);
- a possessive (``Djourou's defending``, ``Jason ' s so rude``);
- a pair with the writer (``Jess and I``, ``me and pete``) and a kinship or friendship noun after ``my``
  (``my brother Reno``);
- a given name and a surname written in capitals inside mixed-case text (``BRENDA LEE``).

A frame is evidence of a person, not of which word is the name: the word itself must be one the name lists
hold (``name_data``; a capitalised word may also be a rarer listed name that no dictionary knows), open-class,
no organisation, street or place word, no country, and none of the ``EVERYDAY`` commonest words of any language
with a dictionary here (``Will``, ``Grace``, ``Mark``, ``Apple``, ``Love``): the found string is redacted in
every cell of the column. A word in lower case must pass ``lower_names.raised`` (no word among the 10,000
commonest). Names the lists miss (``Trump``: no list holds it, and it is an English word) stay to other rules.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from functools import cache, lru_cache
from itertools import pairwise

from mlsecure.privacy.pii.dict_names import STOPS, frequent, words
from mlsecure.privacy.pii.letters import NAME_LOWER as _LO
from mlsecure.privacy.pii.letters import NAME_UPPER as _UP
from mlsecure.privacy.pii.lexicons import FUNCTION_WORDS
from mlsecure.privacy.pii.lower_names import raised
from mlsecure.privacy.pii.months import month_number
from mlsecure.privacy.pii.name_data import fold, is_rare_name, lexicon
from mlsecure.privacy.pii.name_frames import ROLES, is_person_word
from mlsecure.privacy.pii.name_parts import COMMON, common_words, is_country, is_place, is_seen_word
from mlsecure.privacy.pii.names import _SPEECH, _VERBS

# The commonest words of a language's subtitle counts, its everyday core: ``will``, ``may``, ``grace``, ``mark``,
# ``rose``, ``bill``, ``apple`` fall inside it; the commonest given names start past it (``emily`` is the
# 4,037th word, ``jack`` 4,212th, ``john`` 6,378th in English).
EVERYDAY = 3000
SURNAME_RANK = 1000  # a surname at most this far down some country's list stands for a person in a frame
_MIN_LETTERS = 3
DETERMINERS = frozenset(
    (
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "each",
        "every",
        "any",
        "our",
        "your",
        "their",
        "its",
        "his",
        "her",
        "my",
    )
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_W = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
# an ASCII word boundary (Rust's DFA runs it on any text; a Unicode one falls back to a slower engine), beside the
# English cue words only (``spans._compiled`` spells it ``(?a:\b)`` for Python's ``re``)
_B = r"(?-u:\b)"
_NAMES = rf"{_W}(?: {_W})?"
# A smiley, a heart or an emoji closing a sentence (``see you tomorrow :) Michael I love you``)
_EMOTICON = r"(?:[:;=]-?[()DPp]|\(:|<3|[\u2600-\u27bf\U0001f300-\U0001faff]+)"
# What a post opens with before its first word: reply handles, a retweet's prefix, a bullet or a quote mark
_OPENING = rf"(?:^|[.!?]+ +|{_EMOTICON} +)(?:RT +)?(?:\.?@\w+:? +)*[\"“'‘]?"
# Thanks, greetings, wishes and endearments that address the person named next (lower case, matched in any case)
# fmt: off
ADDRESSING = ("thanks", "thank you", "thank u", "thx", "thanx", "ty", "congrats", "congratulations", "happy birthday",
              "happy bday", "hbd", "love you", "love u", "luv you", "luv u", "miss you", "miss u", "good job",
              "good luck", "good night", "goodnight", "good morning", "well done", "bye", "cheers", "hey", "hi",
              "hello", "hiya", "yo", "bless you", "welcome back", "rip", "r.i.p.")
# fmt: on
# What may close an addressed clause: a mark, the post's end, a hashtag or handle, a kiss, a laugh
_CLOSE = rf"(?: *(?:[!?.,:;)…❤♥<#@]|$)| +(?i:x+|xo+|lol|haha\w*|for|and){_B})"
ADDRESSED = rf"{_B}(?i:{'|'.join(re.escape(w) for w in ADDRESSING)})[,.!]* +{_NAMES}{_CLOSE}"
CLOSING_COMMA = rf", {_W}(?: *[.!?…)]+ *| *)(?:$|#|@|https?:)"
# The one addressed after ``you,`` (``we will never leave you, Michael.``, ``remember you, Kate, and``)
VOCATIVE = rf"{_B}(?i:you|u|ya), {_W}(?:[.!?,…]|$)"
# Words that, after a post's first word, make it the subject or the one addressed
# fmt: off
_AFTER_FIRST = ("you", "u", "ur", "your", "i", "we", "please", "pls", "plz", "thank", "thanks", "love", "loves", "miss",
                "do", "did", "does", "can", "could", "would", "will", "should", "what", "why", "how", "is", "are",
                "was", "has", "have", "had", "says", "said", "just", "never", "always", "really", "better", "knows",
                "thinks", "wants", "needs", "gets", "got", "looks", "makes", "made", "broke", "scores", "scored",
                "signs", "signed", "tells", "told", "wins", "won", "likes", "hates")
# fmt: on
POST_START = rf"{_OPENING}{_W}(?:,|!+)? +(?i:{'|'.join(_AFTER_FIRST)}){_B}"
SPEAKER = rf"{_OPENING}{_NAMES}: +\S"
ATTRIBUTION = rf"(?:^|\s)[-–—~:]+ ?{_NAMES} *(?:$|https?:|#)"
# a possessive, with the word before it kept so that a role (``the Holder's``, ``St. Luke's``) or a handle is told apart
POSSESSIVE = rf"(?:{_B}(?i:the|a|an|each|any|such|this|that|its|our|their|his|her|your|st)\.? +|[@#])?{_W} ?['’] ?s{_B}"
_KIN = tuple(
    sorted(
        {
            *ROLES,
            "bro",
            "sis",
            "bestie",
            "bff",
            "mate",
            "buddy",
            "bf",
            "gf",
            "babe",
            "bae",
            "boo",
            "mom",
            "mum",
            "dad",
            "grandma",
            "grandpa",
            "nan",
            "nana",
            "niece",
            "nephew",
            "twin",
            "sons",
            "daughters",
            "brothers",
            "sisters",
            "friends",
            "kids",
            "boy",
            "girl",
        }
    )
)
WITH_WRITER = rf"{_W} (?:and|&|n) (?:I|me){_B}|{_B}(?:me|I) (?:and|&|n) {_W}|{_B}(?i:my) (?:{'|'.join(_KIN)}) {_W}"
# Chat's interjections and abbreviations, which the name lists (gathered from social-network profiles) hold as
# names (``Haha`` is a given name ranked 571st, ``Yay`` a surname): a frame around them addresses nobody
# fmt: off
CHAT_WORDS = frozenset(("haha", "hahaha", "hehe", "lol", "lmao", "lmfao", "rofl", "omg", "idk", "smh", "tbh", "ahh",
                        "ohh", "ooh", "aww", "awww", "yay", "yey", "gosh", "dam", "damn", "coz", "cuz", "cos", "bc",
                        "sry", "ino", "err", "umm", "hmm", "bro", "sis", "altho", "tho", "yea", "yeah", "nah", "wow",
                        "ugh", "meh", "oops", "btw", "imo", "imho", "fyi", "pls", "plz", "thx", "ily", "wtf", "ikr",
                        "imma", "ima", "ive", "lemme", "gimme", "dunno", "gotta", "finna", "tryna", "cus", "kus",
                        "mhm", "mmm", "uhm", "huh"))
# fmt: on
# Verbs in the present that headlines and posts put after a person (``Harper wraps up``, ``Barra cites``)
# fmt: off
HEADLINE_VERBS = frozenset(("says", "wants", "needs", "gets", "makes", "takes", "gives", "goes", "comes", "knows",
                            "thinks", "tells", "calls", "starts", "scores", "signs", "wins", "loses", "leaves", "joins",
                            "plays", "blames", "defends", "heads", "wraps", "slams", "backs", "admits", "denies",
                            "vows", "urges", "warns", "reveals", "claims", "insists", "returns", "quits", "cites",
                            "labels", "speaks", "talks", "sings", "tweets", "posts", "looks", "seems", "isn", "wasn",
                            "doesn", "didn", "hasn", "hadn", "couldn", "wouldn", "shouldn", "aren", "ain"))
# fmt: on
# A run of words in capitals beside a word in lower case (a text all in capitals is ``lower_names``' to read)
_CAPS = rf"\b[{_UP}]{{2,}}(?: [{_UP}]{{2,}}){{1,2}}\b"
# Two capitalised words joined by ``and`` or ``&``, the second not opening a longer name (``Herbie & Freddie!``)
NAME_PAIR = rf"(?:^|[^\w@#])({_W}) (?:and|&) ({_W})(?:$|[^\w'’ ]| [^{_UP} ])"
# A post that is a name and nothing else but its handles, links, hashtags and marks (``Marilyn http://t.co/...``)
NAME_ONLY = rf"^(?:RT +)?(?:\.?@\w+:? +)*{_NAMES}(?:\s*(?:https?://\S+|[#@]\w+|[^\w\s]))*\s*$"
_FOLLOWERS = frozenset(_VERBS | _SPEECH | HEADLINE_VERBS)
# ``the Parent``, ``such Buyer``: a capitalised word after a determiner (the determiner in either case)
# (``DETERMINERS`` and a contract's ``such`` / ``said``)
DETERMINED = rf"{_B}(?i:{'|'.join(sorted(DETERMINERS | {'such', 'said'}))}) +[{_UP}][{_LO}]+{_B}"


def determined_words(matches: list[str]) -> frozenset[str]:
    """The capitalised words a column writes after a determiner (matches of ``DETERMINED``). A contract's ``the
    Parent`` or ``such Buyer`` is a role noun; the social frames are weak evidence (``Parent's consent``, ``Parent
    will``, ``If to Parent:`` read like a post's ``Sarah's``, ``Sarah will``, ``Sarah:``), so a word the same column
    writes after a determiner is not taken by them. A person's name takes no determiner."""
    return frozenset(m.rsplit(" ", 1)[-1] for m in matches)


CAPS_RUN = rf"[{_LO}][^{_LO}\n]*?{_CAPS}|{_CAPS}[^{_LO}\n]*[{_LO}]"


@cache
def everyday(lang: str) -> frozenset[str]:
    """The ``EVERYDAY`` most frequent words of ``lang``'s subtitle counts."""
    counts = words(lang)
    return frozenset(heapq.nlargest(EVERYDAY, counts, key=lambda w: (counts[w], w)))


@lru_cache(maxsize=1 << 14)
def name_word(word: str, *, place_ok: bool = True, rare: bool = True, common: int = EVERYDAY) -> bool:
    """A word that can stand alone for a person where a frame says one is named (see the module docstring).
    ``place_ok`` False: not a city of the gazetteer either (a weak frame: a comma closing a post); ``rare``
    False: not one of the rarer listed names (which hold chat words: ``Idk``, ``Smh``); ``common``: how many of a
    language's commonest words it may not be."""
    if len(word) < _MIN_LETTERS or not _WORD.fullmatch(word):
        return False
    low, key = word.lower(), fold(word)
    if key in CHAT_WORDS or any(w in _commonest(lang, common) for lang in STOPS for w in (low, key)):
        return False
    if word.islower():
        return raised(word) and (place_ok or not is_place(word))
    if not word[:1].isupper() or (not word[1:].islower() and not word.isupper()):
        return False  # ``McDonald``-like inner capitals are brands and handles as often as names
    if not is_person_word(word) or is_country(word) or (not place_ok and is_place(word)):
        return False
    names = lexicon()
    if names.is_given(key):
        return True
    if names.is_surname(key, max_rank=SURNAME_RANK):
        return True
    # a surname further down the lists that the dictionaries hold as a word is as often a product (``Python``,
    # ``Java``: surnames ranked 1,641st and 1,132nd)
    return (names.is_surname(key) and not is_seen_word(word, ())) or (rare and is_rare_name(key))


def _commonest(lang: str, common: int) -> frozenset[str]:
    return everyday(lang) if common == EVERYDAY else common_words(lang)


def _leading(words_: list[str], *, place_ok: bool = True, rare: bool = True) -> list[str]:
    """The name in ``words_``: the first word when it is a name word, with the second when that is one too and
    written in the same case."""
    if not words_ or not name_word(words_[0], place_ok=place_ok, rare=rare):
        return []
    if len(words_) > 1 and name_word(words_[1], rare=rare) and words_[1].islower() == words_[0].islower():
        return [" ".join(words_[:2])]
    return [words_[0]]


def addressed(match: str) -> list[str]:
    """``Happy birthday Justin!``, ``thx hanna :)``: the words after a thanks, greeting or wish."""
    cue = re.match(rf"(?i:{'|'.join(re.escape(w) for w in sorted(ADDRESSING, key=len, reverse=True))})", match)
    rest = match[cue.end() :] if cue else match
    return _leading(_WORD.findall(rest)[:2], rare=False)


def closing_comma(match: str) -> list[str]:
    """``Thanks for the follow, Casey.``: one word after a comma closing the post (not a town)."""
    return _leading(_WORD.findall(match)[:1], place_ok=False, rare=False)


def vocative(match: str) -> list[str]:
    """``never leave you, Michael.``: the word after ``you,`` (not a town)."""
    return closing_comma(match.split(",", 1)[1])


def post_start(match: str) -> list[str]:
    """``@JessicaLakey Jess, will you``, ``Lily I love``: a post's first word before a pronoun or a verb."""
    return _leading(_WORD.findall(_strip_opening(match))[:1], rare=False)


def speaker(match: str) -> list[str]:
    """``Rachel: Audrey, I love you``: one or two capitalised words before a colon opening a post or a sentence."""
    label = _strip_opening(match).split(":", 1)[0]
    found = _WORD.findall(label)
    if not found or not all(w.istitle() and name_word(w, common=COMMON) for w in found):
        return []  # a label in capitals or lower case (``EDIT:``, ``nino:``) or an everyday word (``Revealed:``)
    return [" ".join(found)] if _leading(found) == [" ".join(found)] else []


def attribution(match: str) -> list[str]:
    """``-Roald Dahl``, ``– Pooh``: the words after a dash closing a post (a quotation's author)."""
    found = _WORD.findall(match.split("http")[0].split("#")[0])[:2]
    return _leading(found) if found and all(w[:1].isupper() for w in found) else []


def possessive(match: str) -> list[str]:
    """``Djourou's defending``, ``Paul ' s house``: the word before a possessive ``'s``."""
    word = re.sub(r" ?['’] ?s$", "", match)
    if " " in word or not word[:1].isupper() or not word[1:].islower():
        return []  # after a determiner or a saint's ``St.``, a handle, a word in lower case or capitals
    return [word] if name_word(word, place_ok=False) else []


def with_writer(match: str) -> list[str]:
    """``Jess and I``, ``me and pete``, ``my brother Reno``: the word paired with the writer or after ``my``
    and a kinship or friendship noun."""
    found = _WORD.findall(match)
    word = found[0] if found[-1] in ("I", "me") and found[0] not in ("me", "I") else found[-1]
    return [word] if name_word(word, rare=False) else []


def caps_name(match: str) -> list[str]:
    """``BRENDA LEE``: a listed given name and a listed surname written in capitals, in a run of capitals."""
    tokens = re.findall(rf"\b[{_UP}]{{2,}}\b", match)
    names = lexicon()
    out = []
    for first, last in pairwise(tokens):
        if (
            len(first) >= _MIN_LETTERS
            and len(last) >= 2
            and name_word(first.title())
            and name_word(last.title())
            and names.is_given(fold(first))
            and (names.is_surname(fold(last)) or is_rare_name(last))
        ):
            out.append(f"{first} {last}")
    return out or [t for t in tokens if _caps_given(t)]


CAPS_GIVEN_RANK = 500  # a word alone in a run of capitals is a name only as a common given name (``TALK KIRK``)


def _caps_given(token: str) -> bool:
    """``HAPPY BIRTHDAY JUSTIN``, ``TALK KIRK``: a word of a run of capitals that is a given name among some
    country's ``CAPS_GIVEN_RANK`` commonest and none of a language's 10,000 commonest words, no month, no town."""
    title = token.title()
    return (
        len(token) > _MIN_LETTERS
        and lexicon().is_given(fold(token), max_rank=CAPS_GIVEN_RANK)
        and month_number(title) is None
        and name_word(title, place_ok=False, rare=False, common=COMMON)
    )


def subject_word(run: str) -> list[str]:
    """``believe Matthews missed``, ``Today on the Hill: Harper wraps up``: one capitalised word before a verb
    (an auxiliary or its negation, a verb of speech, a form in ``-ed``, a headline's ``HEADLINE_VERBS``), read from a
    match of ``spans.NAME_RUN`` (``names.name_windows`` takes a lone word there only as a common given name). Called
    on every run of the column: the cheap tests on the follower come first."""
    parts = run.split()
    follower = parts[-1] if len(parts) >= 2 else ""
    if follower not in _FOLLOWERS and not (
        len(follower) > 4
        and follower.endswith("ed")
        and follower.islower()
        and follower not in FUNCTION_WORDS
        and follower in frequent("en")  # an English past form: Dutch ``Heden overleed`` is no subject and verb
    ):
        return []
    if not parts[0].strip(".!?\"'"):
        parts.pop(0)  # the sentence boundary the run opened with
    if len(parts) == 3 and parts[0].islower() and parts.pop(0) in DETERMINERS:
        return []  # ``this Agreement will``, ``the Eucharist was``: a thing
    if len(parts) != 2:
        return []
    return [parts[0]] if name_word(parts[0], place_ok=False, rare=False) else []


def name_pair(match: str) -> list[str]:
    """``Justine and Janelle``, ``Herbie & Freddie``: two capitalised words joined by ``and``, both names by the tests
    of ``name_word`` (no town), one a given name among some country's 1,000 commonest."""
    found = re.search(rf"({_W}) (?:and|&) ({_W})", match)
    if found is None:
        return []
    pair = [found.group(1), found.group(2)]
    if not all(w.istitle() and name_word(w, place_ok=False, rare=False) for w in pair):
        return []
    return pair if any(lexicon().is_given(w, max_rank=SURNAME_RANK) for w in pair) else []


def name_only(match: str) -> list[str]:
    """``Moran 🙈``, ``Marilyn http://t.co/...``: the one or two capitalised words a post holds besides its handles,
    links, hashtags and marks."""
    found = _WORD.findall(re.sub(r"https?://\S+|[#@]\w+", " ", _strip_opening(match)))
    if not 1 <= len(found) <= 2 or not all(w.istitle() and name_word(w, place_ok=False, rare=False) for w in found):
        return []
    return [" ".join(found)]


def _strip_opening(match: str) -> str:
    return re.sub(r"^[.!?]*\s*(?:RT +)?(?:\.?@\w+:? +)*[\"“'‘]?", "", match)


SOCIAL_SLOTS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    (ADDRESSED, addressed),
    (CLOSING_COMMA, closing_comma),
    (VOCATIVE, vocative),
    (POST_START, post_start),
    (SPEAKER, speaker),
    (ATTRIBUTION, attribution),
    (POSSESSIVE, possessive),
    (WITH_WRITER, with_writer),
    (CAPS_RUN, caps_name),
    (NAME_PAIR, name_pair),
    (NAME_ONLY, name_only),
)
