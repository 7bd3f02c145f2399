"""PII spans inside free text: vectorised candidate extraction, validation of distinct candidates only.

Each recognizer with a ``span_pattern`` is run over the whole column with one Polars
``str.extract_all`` kernel; the distinct candidates are validated in Python (checksums, parsers,
name lexicons); the confirmed strings are then located or replaced in every cell at once with an
Aho-Corasick kernel (``str.contains_any`` / ``str.replace_many``). Person names come from runs of
capitalised words checked against the given-name and surname lexicons.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import numpy as np

from mlsecure.privacy.pii.address_frames import address_slots
from mlsecure.privacy.pii.claims import Claims, Evidence
from mlsecure.privacy.pii.column_words import western_changes
from mlsecure.privacy.pii.declined_names import (
    FUNCTION_WORD_RUN,
    HYPHENATED,
    REGNAL,
    declined_names,
    declining_languages,
)
from mlsecure.privacy.pii.dict_names import MID_RUN, START_RUN, languages, mid_names, start_name
from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.genre_names import GENRE_SLOTS, PEOPLE_LIST, people_beside
from mlsecure.privacy.pii.informal_names import INFORMAL_SLOTS
from mlsecure.privacy.pii.initials import INITIAL_SURNAME, initial_surname
from mlsecure.privacy.pii.lexicons import (
    CLOSINGS,
    GREETINGS,
    HANDING_VERBS,
    MEETING_VERBS,
    PERSON_ACTS,
    PERSON_ACTS_DONE,
    PERSON_LABELS,
    SUBJECT_MODALS,
)
from mlsecure.privacy.pii.local_words import local_person
from mlsecure.privacy.pii.locale_frames import LOCALE_SLOTS, without_title
from mlsecure.privacy.pii.lower_names import lower_names, recase
from mlsecure.privacy.pii.masking import shape_mask
from mlsecure.privacy.pii.mid_names import (
    english_names,
    lower_forms,
    lower_full_name,
    lower_full_name_pattern,
    mid_sentence_name,
)
from mlsecure.privacy.pii.name_endings import CAPITALISED_WORD, HYPHEN_BROKEN, hyphen_broken, inflected
from mlsecure.privacy.pii.name_frames import FRAME_SLOTS, propagate
from mlsecure.privacy.pii.name_lists import NAME_LIST, listed_beside
from mlsecure.privacy.pii.name_parts import extend, spread
from mlsecure.privacy.pii.name_scorer import declining_model, learned_names
from mlsecure.privacy.pii.named_again import named_again
from mlsecure.privacy.pii.names import (
    called_name,
    chat_speaker,
    cjk_name,
    field_name,
    greeted_name,
    labelled_name,
    name_windows,
    object_name,
    preceded_caseless,
    preceded_han,
    record_caseless,
    set_in_name,
    signed_name,
    subject_name,
    surname_first,
    titled_name,
)
from mlsecure.privacy.pii.news_roles import ROLE_SLOTS
from mlsecure.privacy.pii.not_names import (
    defined_terms,
    everyday_words,
    lone_words,
    lower_case_names_pattern,
    not_a_name,
    reads_english,
    unknown_words,
)
from mlsecure.privacy.pii.notice_frames import NOTICE_SLOTS
from mlsecure.privacy.pii.recognizers import Recognizer, recognizers
from mlsecure.privacy.pii.recognizers.builtin import IPV6_WITH_IPV4
from mlsecure.privacy.pii.regex_threads import select_pinned
from mlsecure.privacy.pii.results_tables import RESULT_SLOTS
from mlsecure.privacy.pii.script_names import script_name
from mlsecure.privacy.pii.social_names import DETERMINED, SOCIAL_SLOTS, determined_words, subject_word
from mlsecure.privacy.pii.speaking_surnames import SPEAKER, speaking_surnames
from mlsecure.privacy.pii.street_spans import SPAN_PATTERN as STREET_PATTERN
from mlsecure.privacy.pii.street_spans import street_span
from mlsecure.privacy.pii.types import PiiType
from mlsecure.privacy.pii.validators import phone_after_number_word, phone_in_text, phone_shaped

# Greek and Cyrillic capitals and small letters (the Ukrainian letters among them)
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"  # kana and Han
_GC_UPPER, _GC_LOWER = "\u0386\u0388-\u038f\u0391-\u03ab\u0400-\u042f\u0490", "\u0390\u03ac-\u03ce\u0430-\u045f\u0491"
# Latin Extended-A and -B and Extended Additional in both classes: their capitals and small letters alternate
# within the blocks (``Łukasz``, Romanian ``Ioniță``, Vietnamese ``Nguyễn``)
_MIXED = "\u0100-\u024f\u1e00-\u1eff\u0460-\u052f"  # and the Cyrillic Supplement (Kazakh ``Әділ``, ``Қамария``)
_UPPER = "A-ZÀ-ÖØ-Þ" + _MIXED + _GC_UPPER
_LOWER = "a-zß-öø-ÿ" + _MIXED + _GC_LOWER
# one capital inside a name (``McDade``, ``MacLeod``, ``DeLuca``), and a second part after a hyphen
_CAP = rf"[{_UPPER}][{_LOWER}'ʼ]+(?:[{_UPPER}][{_LOWER}'ʼ]+)?(?:-[{_UPPER}{_LOWER}][{_LOWER}'ʼ]+)?"
# A run of capitalised words (titles and surname particles included) after a sentence boundary or a
# space, with the lower-case word that follows it: ``names.name_windows`` reads the three parts.
# a title only with its dot: ``Dr`` starts ``Dragomir``; Turkish (Av., Uzm., Öğr.) and Indonesian (Bpk., Sdr.,
# Ir., Hj., drg.) titles written before names as well
_TITLES = "Mr|Mrs|Ms|Mx|Dr|Prof|Av|Uzm|Öğr|Bpk|Sdr|Sdri|Ir|Hj|drg|Pt"
_ELEMENT = rf"(?:(?:{_TITLES})\.|{_CAP}|[{_UPPER}]\.)"
_RUN = rf"{_ELEMENT}(?: (?:(?:van|von|de|der|den|di|da|del|la|le|du|ter|ten|te|tho|op) )*{_ELEMENT})*"
# ``Kalvaitis, Jolanta``: a surname, a comma and a given name, as registers write them (``names.surname_first``)
SURNAME_FIRST = rf"\b{_CAP}, {_CAP}\b"
NAME_RUN = rf"(?:^|[.!?]\s+|\s)(?:[{_LOWER}]+ )?{_RUN}\b(?: [{_LOWER}]+)?"  # ``Apple`` of ``AppleWebKit``: no
# The same runs with only the word before them: in ``Please call Elladio ...`` the first match takes
# ``call`` as the follower of ``Please``, so ``call`` is read again here as the preceder of ``Elladio``.
PRECEDED_RUN = rf"\b[{_LOWER}]+ {_RUN}\b"


# A run after a person label and its colon (``Recipient: ...``; ``lexicons.PERSON_LABELS``, ``names.labelled_name``),
# or a Han or Hangul run there; the character after the run shows where it ends.
# A word of a name in a person's slot, in any script: capitalised, or a run of Han, kana or Hangul, or of
# Arabic or Hebrew letters (Persian zero-width non-joiners inside: ``نوش‌آفرین``)
_ABJAD_WORD = (r"(?:[\u0620-\u064a\u0671-\u06d3\u200c]{2,}(?:-[\u0620-\u064a\u0671-\u06d3\u200c]{2,})?"
               r"|[\u05d0-\u05ea'\u05f3]{2,}(?:-[\u05d0-\u05ea'\u05f3]{2,})?)")  # ``יעקב-בנימין``
_SLOT_WORD = rf"(?:{_CAP}|[{_CJK}]{{1,4}}|[\uac00-\ud7a3]{{1,4}}|{_ABJAD_WORD})"
_SLOT_RUN = rf"(?:(?:{_TITLES})\. )?{_SLOT_WORD}(?: {_SLOT_WORD}){{0,3}}"
_LABELS = "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(PERSON_LABELS, key=len, reverse=True))
LABELLED_RUN = rf"(?i:(?:^|[^\w])(?:{_LABELS})) ?: *{_SLOT_RUN}(?:$|[^\w])"
# Two or three capitalised words alone in a field: between slashes, bars, semicolons or line ends, or before
# a bracket (``Günser Şener / 0663 ...``, a signature line, ``Ana Pop <ana@...>``; ``names.field_name``)
# (a line alone only after a line ending in a comma, as a letter's closing: a title-case heading is no person,
# nor a cell of a drawn table)
_FIELD_WORDS = rf"[ \t]*{_CAP}(?: {_CAP}){{1,3}}[ \t]*"
FIELD_RUN = rf"(?:(?:^|[/;]|,\n){_FIELD_WORDS}(?:$|[/;(<\[])|(?:[/;]|,\n){_FIELD_WORDS}\n)"
# The same field followed by one holding a phone number or an e-mail address: a contact record
# (``Kasiyah Suartini / +62 (0663) 920 5013 / ...``), whose first field is a person whether listed or not
RECORD_RUN = (rf"(?:^|[/|;\n])[ \t]*{_SLOT_WORD}(?: {_SLOT_WORD}){{0,3}}[ \t]*[/|;\t][ \t]*"
              r"(?:\+?\(?[0-9][0-9 ().\-]{6,}[0-9]|[^\s/|;@]+@[^\s/|;@]+\.[a-z]{2,})")
# A salutation and the capitalised words after it up to a comma, ``!`` or the line's end (``Hi Cawisadi,``,
# ``Dear Ms. Fujiati,``, ``Merhaba Günser!``; ``names.greeted_name``)
_GREETS = "|".join(sorted(GREETINGS, key=len, reverse=True))
GREETING_RUN = rf"(?i:(?:^|[^\w])(?:{_GREETS})) {_SLOT_RUN}(?:$|[,!\n])"
# A letter's closing and its own line (``Kind regards,\nBlitz Hermecke``): the next line is whoever signs
_CLOSINGS = "|".join(sorted(CLOSINGS, key=len, reverse=True))
SIGNOFF_RUN = rf"(?i:(?:^|[^\w])(?:{_CLOSINGS}))[,!.]?[ \t]*\n[ \t]*{_SLOT_RUN}[ \t]*(?:$|\n)"
# A chat log's speaker: a time stamp, then one to three capitalised words and a colon (``[09:12] Anna:``,
# ``12/03/2024, 09:12 - Anna Pop:``)
CHAT_RUN = rf"(?:^|\n)\[?[0-9/.,: -]*[0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}})?\]?(?: [-–])? *{_SLOT_RUN}:"
# Two or three Han characters after a verb whose object is a person (``reach 祁勇;``): a Chinese name
PRECEDED_HAN = r"\b[a-z]+ [\u3400-\u4dbf\u4e00-\u9fff]{2,3}(?:$|[^\u3400-\u4dbf\u4e00-\u9fff])"
# Words of a script without letter case after a title with its dot (``Dr. 上村``, ``Pt. みずき 門田``) or after a
# person's verb or preposition (``reviewed by 이윤 어``): the capitalised runs of ``NAME_RUN`` cover the rest
_CASELESS_WORD = rf"(?:[{_CJK}]{{1,4}}|[\uac00-\ud7a3]{{1,4}}|{_ABJAD_WORD})"
TITLED_CASELESS = rf"(?:^|[^\w])(?:{_TITLES})\. {_CASELESS_WORD}(?: {_CASELESS_WORD})?(?:$|[^\w])"
PRECEDED_CASELESS = rf"\b[a-z]+ {_CASELESS_WORD}(?: {_CASELESS_WORD}){{1,2}}(?:$|[^\w])"
# One word, of any script, after a verb whose object is a person and before the clause ends (``ping Filomen.``,
# ``call 윤교!``): ``names.called_name``
CALLED_RUN = rf"\b[a-z]+ {_SLOT_WORD}(?:$|[.,;!?)])"

# One to four words of any script after a verb whose object is a person (``ran into Soter at``, ``assigned to
# Hellmuth Güldemeister (owner)``): ``names.object_name``
_OBJECT_VERBS = "|".join(re.escape(v).replace(r"\ ", " ")
                         for v in sorted(MEETING_VERBS | HANDING_VERBS, key=len, reverse=True))
OBJECT_RUN = rf"(?-u:\b)(?:{_OBJECT_VERBS}) {_SLOT_RUN}(?:$| ?[^\w ]| [{_LOWER}]*)"
# One word opening a sentence before a modal and a verb of what people do, or a past form (``Arnketil will send``,
# ``Soter replied``): ``names.subject_name``
_ACTS = "|".join(sorted(PERSON_ACTS, key=len, reverse=True)).replace("-", r"\-")
_DONE = "|".join(sorted(PERSON_ACTS_DONE, key=len, reverse=True))
_MODALS = "|".join(SUBJECT_MODALS)
SUBJECT_RUN = rf"(?:^|[.!?]\s+|\n\s*){_SLOT_WORD} (?:(?:{_MODALS}) (?:{_ACTS})|{_DONE})(?:$|[^\w])"

# One or two runs of Han and kana (``鈴木 翼``) set off from the text around them by spaces or punctuation;
# ``names.cjk_name`` looks them up in the name lists, which hold Japanese and Chinese names in their script.
CJK_RUN = rf"(?:^|[^{_CJK}])[{_CJK}]{{1,4}}(?: [{_CJK}]{{1,4}})?(?:$|[^{_CJK}])"
# Names in another script set into a text (``reach Ганна Колесниченко; tried``, ``Recipient: 김민준``,
# ``/ עומרי עבדאללה /``): a run of two or three capitalised Greek or Cyrillic words (an honorific before it),
# one or two Hangul words, or two to four Hebrew or Arabic words, with no word of the same script next to
# it. In prose of that script the run has neighbours and is left to the name lists.
_GC = _GC_UPPER + _GC_LOWER
_GC_WORD = rf"[{_GC_UPPER}][{_GC_LOWER}'’ʼ]+(?:-[{_GC_UPPER}][{_GC_LOWER}'’ʼ]+)?"
SET_IN_RUNS = {
    "alphabet": (rf"(?:^|[^{_GC}\s]\s*)(?:[{_GC}]+(?:-[{_GC}]+)?\.? )?{_GC_WORD}(?: {_GC_WORD}){{1,2}}"
                 rf"\s*(?:$|[^{_GC}\s])"),
    "hangul": (r"(?:^|[^\uac00-\ud7a3\s]\s*)[\uac00-\ud7a3]{2,4}(?: [\uac00-\ud7a3]{1,4})?"
               r"\s*(?:$|[^\uac00-\ud7a3\s])"),
    "abjad": (r"(?:^|[^\u0590-\u06ff\s]\s*)[\u0590-\u06ff]+(?: [\u0590-\u06ff]+){1,3}"
              r"\s*(?:$|[^\u0590-\u06ff\s])"),
}
SET_IN_PATTERN = "|".join(f"(?:{pattern})" for pattern in SET_IN_RUNS.values())
_SET_IN_CORE = {"alphabet": re.compile(rf"[{_GC}].*[{_GC}]"),
                "hangul": re.compile(r"[\uac00-\ud7a3].*[\uac00-\ud7a3]"),
                "abjad": re.compile(r"[\u0590-\u06ff].*[\u0590-\u06ff]")}
_CJK_FENCE_STRIP = " \t\n.,;:!?()[]{}\"'’-"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    pii_type: PiiType


@dataclass(frozen=True)
class SpanScan:
    """What a free-text column holds: confirmed PII strings by type, and how many cells contain one."""

    n: int
    cells_with_pii: int
    by_type: dict[str, int]  # PII type -> cells containing at least one span of it
    found: dict[str, PiiType] = field(repr=False, default_factory=dict)  # raw strings: never rendered
    examples: tuple[str, ...] = ()  # masked cells with spans marked

    def to_dict(self) -> dict[str, Any]:
        return {"cells": self.n, "cells_with_pii": self.cells_with_pii, "by_type": dict(self.by_type),
                "examples": list(self.examples)}


def span_recognizers() -> tuple[Recognizer, ...]:
    return tuple(r for r in recognizers() if r.span_pattern)


def scan_spans(texts: Any, *, pool: Sequence[Recognizer] | None = None, region: str = "US") -> SpanScan:
    """Find the PII strings in a Polars Series of text cells."""
    return scan_spans_many([texts], pool=pool, region=region)[0]


def scan_spans_many(columns: Sequence[Any], *, pool: Sequence[Recognizer] | None = None,
                    region: str = "US") -> list[SpanScan]:
    """``scan_spans`` of several columns, their pattern queries answered together."""
    founds = confirmed_strings_many(columns, pool=pool, region=region, redacting=False)
    return [_span_scan(texts, found) for texts, found in zip(columns, founds, strict=True)]


def _span_scan(texts: Any, found: dict[str, PiiType]) -> SpanScan:
    non_null = texts.drop_nulls()
    n = len(non_null)
    if not found:
        return SpanScan(n, 0, {}, {})
    # What the redaction replaces in a cell depends on the cell's text alone: each distinct text is searched once
    # (a column of repeated values, ``Green Gadget`` in a thousand rows, asks its few texts), then counted per cell.
    cells = non_null.to_list()
    distinct = non_null.unique(maintain_order=True)
    kinds, guards = _replaced_types(distinct, found)
    at = {text: k for k, text in enumerate(distinct.to_list())}
    patterns = sorted([*found, *guards], key=len, reverse=True)
    by_cells: dict[PiiType, int] = {}
    hit_cells = 0
    examples: list[str] = []
    for text in cells:
        types = kinds[at[text]]
        if not types:
            continue
        hit_cells += 1
        for pii_type in types:
            by_cells[pii_type] = by_cells.get(pii_type, 0) + 1
        if len(examples) < 3:
            examples.append(mask_spans(text, _located_spans(text, found, patterns)))
    by_type = {t.value: by_cells.get(t, 0) for t in sorted(set(found.values()), key=lambda t: t.value)}
    return SpanScan(n, hit_cells, by_type, found, tuple(examples))


def _replaced_types(texts: Any, found: dict[str, PiiType]) -> tuple[list[set[PiiType]], set[str]]:
    """The types the redaction replaces in each of ``texts`` (distinct), and the longer words around a name there.

    One Aho-Corasick pass lists every confirmed string each text contains (overlapping matches). Where they are all
    of one type and no name among them touches a letter, the redaction replaces one at least, and only of that type.
    The other texts are searched again as the redaction searches them (the patterns of ``located_patterns``), so a
    name inside a longer word (``Pre`` of ``Prejudice``) counts nowhere."""
    contained = texts.str.extract_many(list(found), overlapping=True).to_list()
    texts_list = texts.to_list()
    fenced = {p for p, t in found.items() if t is PiiType.NAME and _WORDLIKE.search(p)}
    empty = "" in found  # in every text, and never reported by the overlapping search
    kinds: list[set[PiiType]] = []
    again: list[int] = []
    touching: list[int] = []
    for i, strings in enumerate(contained):
        kinds.append({found[s] for s in strings})
        if fenced and not fenced.isdisjoint(strings) and any(
                s in fenced and _touches_letter(texts_list[i], s) for s in strings):
            touching.append(i)
            again.append(i)
        elif empty or len(kinds[i]) > 1:
            again.append(i)
    guards: set[str] = set()
    if touching:  # a longer word around a name is in these texts only
        guards = _guards(texts.gather(touching), {s: found[s] for i in touching for s in contained[i]})
    if again:
        present = {s: found[s] for i in again for s in ["", *contained[i]] if s in found}  # the others match nowhere
        replaced = texts.gather(again).str.extract_many(sorted([*present, *guards], key=len, reverse=True),
                                                        leftmost=True)
        for i, strings in zip(again, replaced.to_list(), strict=True):
            kinds[i] = {found[s] for s in strings if s in found}
    return kinds, guards


def _span_scan_per_type(non_null: Any, found: dict[str, PiiType]) -> SpanScan:
    """``_span_scan`` read off the redaction itself: a cell counts for a type where ``replace_spans``
    replaces a string of that type (its plain form, for tests)."""
    # one mark per type, opened by NUL and closed by SOH, neither of which a text may hold: no mark spans two
    marks = {t: f"\x00{i}\x01" for i, t in enumerate(sorted(set(found.values()), key=lambda t: t.value))}
    redacted = replace_spans(non_null, found, lambda value, kind: marks[kind]) if found else non_null
    hits = redacted.str.contains("\x00", literal=True) & ~non_null.str.contains("[\x00\x01]")
    by_type = {t.value: int((redacted.str.contains(m, literal=True) & hits).sum()) for t, m in marks.items()}
    patterns = located_patterns(non_null, found)  # the column's, as the redaction of the column uses
    examples = tuple(mask_spans(text, _located_spans(text, found, patterns))
                     for text in non_null.filter(hits).head(3).to_list())
    return SpanScan(len(non_null), int(hits.sum()), by_type, found, examples)


def confirmed_strings(texts: Any, *, pool: Sequence[Recognizer] | None = None, region: str = "US",
                      redacting: bool = True) -> dict[str, PiiType]:
    """Distinct substrings of ``texts`` that are confirmed PII, each with its type (first recognizer wins).

    A recognizer with ``span_needs_context`` contributes only candidates that follow one of its context
    words by a few words, or that are a whole cell (``alone_validator`` then). Phone numbers: any
    phone-shaped number after a phone word; after "number" a number libphonenumber finds whole in one of
    ``PHONE_REGIONS``; elsewhere one written with its international prefix, or valid for ``region`` and
    written as a phone number (``phone_written``), or, with ``redacting``, any phone-shaped number.
    Streets also take the running-text shapes of ``street_spans``."""
    return confirmed_strings_many([texts], pool=pool, region=region, redacting=redacting)[0]


def confirmed_strings_many(columns: Sequence[Any], *, pool: Sequence[Recognizer] | None = None,
                           region: str = "US", redacting: bool = True) -> list[dict[str, PiiType]]:
    """``confirmed_strings`` of each column: a handful of cells in plain Python, larger columns through one
    Polars query for all of them (each pattern compiled once, whatever the number of columns)."""
    out: list[dict[str, PiiType]] = [{} for _ in columns]
    large = [i for i, texts in enumerate(columns) if len(texts) > SMALL]
    for i, texts in enumerate(columns):
        if len(texts) <= SMALL:  # a handful of cells: plain Python strings, no Polars call per pattern
            out[i] = _confirmed([t for t in texts.to_list() if t is not None], pool, region, redacting)
    if large:
        batch = _Batch([columns[i] for i in large])
        _confirmed(batch.view(0), pool, region, redacting)  # first pass: learn which patterns are needed
        batch.run()  # every pattern over every column in one Polars query
        for k, i in enumerate(large):
            out[i] = _confirmed(batch.view(k), pool, region, redacting)
    return out


def _confirmed(texts: Any, pool: Sequence[Recognizer] | None, region: str, redacting: bool) -> dict[str, PiiType]:
    found = Claims()  # a type confirmed by context replaces one confirmed by shape (``claims``)
    for rec in pool if pool is not None else span_recognizers():
        if rec.span_pattern is None:
            continue
        if rec.pii_type is PiiType.PHONE:
            _confirm(found, rec, _candidates(texts, rec), partial(phone_in_text, region=region, any_region=redacting))
            strong = tuple(w for w in (rec.context or rec.header) if w not in WEAK_PHONE_CONTEXT)
            _confirm(found, rec, _after_context(texts, rec, words=strong), phone_shaped, Evidence.CONTEXT)
            # "number" comes before every kind of number (``card number``): no evidence of a phone over the shape
            _confirm(found, rec, _after_context(texts, rec, words=tuple(WEAK_PHONE_CONTEXT)), phone_after_number_word)
            continue
        if rec.span_needs_context:
            candidates = _after_context(texts, rec)
            if rec.checksum:  # a whole cell that is one checksummed number: a column of one value
                alone = _whole_cells(texts, rec.pattern) - candidates
                _confirm(found, rec, alone, rec.alone_validator or rec.validator)
            _confirm(found, rec, candidates, rec.validator, Evidence.CONTEXT)
        else:
            _confirm(found, rec, _candidates(texts, rec), rec.validator)
    if pool is None or any(r.pii_type is PiiType.STREET_ADDRESS for r in pool):
        for match in _distinct_matches(texts, STREET_PATTERN):  # the shapes of a street in running text
            if (street := street_span(match)) is not None:
                found.setdefault(street, PiiType.STREET_ADDRESS)
        for pattern, read_parts in address_slots():  # ``address_frames``: units, military, number-first, postcodes
            for match in _distinct_matches(texts, pattern):
                for value, part_type in read_parts(match):  # ``WA 98532-1900``: a ZIP+4 after a state
                    found.claim(value, part_type, Evidence.CONTEXT)
    runs = {*_distinct_matches(texts, NAME_RUN), *(" " + m for m in _distinct_matches(texts, PRECEDED_RUN))}
    social: set[str] = set()  # ``social_names``: weak frames, kept below unless the column makes the word a role noun
    # ``dict_names.languages``: the column's languages; ``the Parent``: the words it writes after a determiner
    stops = _distinct_matches(texts, FUNCTION_WORD_RUN)  # the column's function words: asked once, read thrice
    langs = languages(stops)
    declining = declining_languages(stops, stops)  # ``declined_names``: each counts its own languages' words
    determined = _distinct_matches(texts, DETERMINED)
    roles = determined_words(determined)
    terms = defined_terms(determined, langs)  # ``not_names``: ``the Loan``, ``each Payment Date``
    english: set[str] = set()  # ``mid_names``: names no frame holds, taken below in a column of English only
    # ``not_names``: ``Take a``, ``Business Day``; the 1,164-word search is read only in a column of English
    written = _distinct_matches(texts, lower_case_names_pattern()) if reads_english(langs) else []
    everyday, not_alone, unknown = everyday_words(langs, written), lone_words(langs, written), unknown_words(langs)
    for run in runs:
        for name in name_windows(run, terms.__contains__, everyday, not_alone, unknown):
            if not not_a_name(name, langs, terms):
                found.setdefault(name, PiiType.NAME)
        social.update(subject_word(run))  # ``believe Matthews missed``
        english.update(mid_sentence_name(run))  # ``allow Dempsey to sit``
    for run in _distinct_matches(texts, CJK_RUN):
        name = run.strip(_CJK_FENCE_STRIP)
        if cjk_name(name) or (" " not in name and 2 <= len(name) <= 3 and script_name(name)):
            found.setdefault(name, PiiType.NAME)  # ``王秀英``: a surname of the list and a given name
    for pattern, read in _SLOTS:  # a person's place in a text: after a label, a salutation, in a record...
        for match in _distinct_matches(texts, pattern):
            if (person := read(match)) is not None:
                found.setdefault(person, PiiType.NAME)
    for pair in _distinct_matches(texts, SURNAME_FIRST):
        if surname_first(pair):
            found.setdefault(pair, PiiType.NAME)
    for match in _distinct_matches(texts, INITIAL_SURNAME):  # ``initials``: ``S. Warne``, ``T Waititi``
        if (person := initial_surname(match)) is not None:
            found.setdefault(person, PiiType.NAME)
    for pattern, read_all in (*FRAME_SLOTS, *LOCALE_SLOTS):  # ``name_frames``, ``locale_frames``: naming frames,
        for match in _distinct_matches(texts, pattern):
            for person in read_all(match):
                if person not in terms:  # ``Agreement, Ashford and PIM`` after ``this Agreement``
                    found.setdefault(person, PiiType.NAME)
    for pattern, read_all in SOCIAL_SLOTS:  # ``social_names``: thanks, @replies, possessives, speaker labels
        for match in _distinct_matches(texts, pattern):
            social.update(read_all(match))
    for pattern, read_all in INFORMAL_SLOTS:  # ``informal_names``: ``Djourou's``, ``Yeah. Jennifer.`` (English only)
        for match in _distinct_matches(texts, pattern):
            english.update(read_all(match))
    english.update(n for m in _distinct_matches(texts, lower_full_name_pattern()) for n in lower_full_name(m))
    for person in sorted(social):
        if person.split()[-1] not in roles:
            found.setdefault(person, PiiType.NAME)
    # ``dict_names``: capitalised words no dictionary of the column's language knows, listed as names (the
    # three queries are asked whatever the language: a batch's first pass gathers them all)
    mid, start = _distinct_matches(texts, MID_RUN), _distinct_matches(texts, START_RUN)
    for person in english_names(english, stops, langs):  # ``emma watson``
        if person.split()[-1] not in roles:
            found.setdefault(person, PiiType.NAME)
    if langs:
        for person in (*(p for m in mid for p in mid_names(m, langs)), *(start_name(m, langs) for m in start)):
            if person is not None:
                found.setdefault(person, PiiType.NAME)
    # ``results_tables``, ``news_roles``, ``genre_names``: sports pages, jobs, citations, dialogue, the bench
    for pattern, read_names in (*RESULT_SLOTS, *ROLE_SLOTS, *GENRE_SLOTS, *NOTICE_SLOTS):  # ``notice_frames``
        for match in _distinct_matches(texts, pattern):
            for person in read_names(match, langs):
                found.setdefault(person, PiiType.NAME)
    # ``genre_names``: ``Morris`` in a list of confirmed names
    for word in people_beside(_distinct_matches(texts, PEOPLE_LIST), _names(found), langs):
        found.setdefault(word, PiiType.NAME)
    # ``Naroff said`` anywhere in the column once ``Joel Naroff`` is a name
    for word in speaking_surnames(_distinct_matches(texts, SPEAKER), _names(found), langs):
        found.setdefault(word, PiiType.NAME)
    for word in propagate(_names(found)):
        found.setdefault(word, PiiType.NAME)
    # ``name_parts``: a confirmed name with the unknown capitalised word beside it, and its parts where the
    # same text uses them alone
    for person in extend(runs, set(_names(found)), langs):
        found.setdefault(person, PiiType.NAME)
    cells = _cells(texts)
    if cells is not None:
        for word in spread(cells, _names(found), langs):
            found.setdefault(word, PiiType.NAME)
        # ``named_again``: a surname alone in any text of an English column once a text named the person in full
        for word in english_names(named_again(cells, _names(found), langs), stops, langs):
            found.setdefault(word, PiiType.NAME)
        for word in lower_forms(cells, _names(found)):  # ``justin bieber``
            found.setdefault(word, PiiType.NAME)
    capitalised = _distinct_matches(texts, CAPITALISED_WORD)  # ``declined_names``: ``Watsonin``, ``Bukowski-t``
    for word in declined_names(mid, _distinct_matches(texts, HYPHENATED), _distinct_matches(texts, REGNAL),
                               capitalised, declining, cells, langs):
        found.setdefault(word, PiiType.NAME)
    _drop_local_words(found, declining)  # before the names' declined forms and lists are read from them
    persons = _names(found)  # ``name_endings``: ``Obaman``, ``Évát``
    for word in inflected(capitalised, persons, langs, finnish="fi" in declining):
        found.setdefault(word, PiiType.NAME)
    # ``name_lists``, ``name_endings``: a list's other names (``Ortali, Vitelli, Cincotti und Gentile``), a
    # confirmed name broken at a line's end (``Du- mini``)
    for word in (*listed_beside(_distinct_matches(texts, NAME_LIST), persons, langs),
                 *hyphen_broken(_distinct_matches(texts, HYPHEN_BROKEN), persons)):
        found.setdefault(word, PiiType.NAME)
    for run in _distinct_matches(texts, SET_IN_PATTERN):  # one pass for the three scripts
        for script, core_pattern in _SET_IN_CORE.items():
            core = core_pattern.search(run)
            if core is not None and set_in_name(core.group(0), script, whole=core.group(0) == run.strip()):
                found.setdefault(core.group(0), PiiType.NAME)
                break
    # ``lower_names``: the cells written in one case (without a capital, or all in capitals), read again in lower
    # case with their name words capitalised; a name comes back in the case of its cells
    groups = [(capitals, raised) for capitals, cells in ((False, _lower_cells(texts)), (True, _caps_cells(texts)))
              if (raised := [r for cell in cells if (r := recase(cell)) is not None])]
    if groups:
        again = confirmed_strings_many([polars().Series("t", raised) for _, raised in groups], pool=pool,
                                       region=region, redacting=redacting)
        for (capitals, _), names in zip(groups, again, strict=True):
            for name in lower_names(names, capitals=capitals):
                found.setdefault(name, PiiType.NAME)
    for titled, name in [(v, n) for v in _names(found) if (n := without_title(v)) is not None]:
        del found[titled]  # ``locale_frames``: a found ``Ministerpräsident Musso`` kept ``Mussolini`` whole
        if name:
            found.setdefault(name, PiiType.NAME)
    # ``name_scorer``: a learned score of what is left; a Finnish or Hungarian column by its own weights (its
    # language first: the ``lang`` feature), a Norwegian one not at all (no licensed training text)
    if LEARNED_NAMES and cells is not None and len(cells):
        model = declining_model(declining)  # None for no declining language, as for Norwegian
        if not declining or model is not None:
            counts = lambda: _repeats(texts)  # noqa: E731  (asked only for a prose column with candidates)
            for word in learned_names(cells, (*declining, *langs), found, model=model, repeats=counts):
                found.setdefault(word, PiiType.NAME)
    _drop_local_words(found, declining)
    # ``column_words``: months, pronouns, countries and datelines of French, German, Dutch, Spanish text
    for value, kept in western_changes(_names(found), stops, cells).items():
        del found[value]
        if kept:
            found.setdefault(kept, PiiType.NAME)
    return found


LEARNED_NAMES = True  # ``name_scorer`` in ``_confirmed`` (benchmarks/pii.md 0z11, 0z15: its figures on and off)


def _names(found: dict[str, PiiType]) -> list[str]:
    """The values ``found`` holds as names, in the order found: what each name pass reads back."""
    return [v for v, t in found.items() if t is PiiType.NAME]


def _drop_local_words(found: Any, declining: tuple[str, ...]) -> None:
    """``local_words``: a Finnish, Hungarian or Norwegian column's function words and countries are no names."""
    if declining:
        for value, kept in [(v, local_person(v, declining)) for v in _names(found)]:
            if kept != value:
                del found[value]
                if kept:
                    found.setdefault(kept, PiiType.NAME)


# A cell with three small letters in a row and no capital (Rust's syntax: a batch query; lists in Python)
LOWER_CELL = r"^\P{Lu}*\p{Ll}{3}\P{Lu}*$"


def _lower_cells(texts: Any) -> list[str]:
    if isinstance(texts, list):
        return [t for t in texts if t == t.lower() and re.search(r"[^\W\d_]{3}", t)]
    return sorted(_whole_cells(texts, LOWER_CELL)) if isinstance(texts, _BatchView) else []


# A line or ``|``-separated field with three capitals in a row and no small letter (a headline above its story:
# ``CRICKET - LARA ENDURES ANOTHER MISERABLE DAY.``); the query finds the cells that hold one
CAPS_CELL = r"(?:^|[\n|])[^\p{Ll}\n|]*\p{Lu}{3}[^\p{Ll}\n|]*(?:$|[\n|])"
_FIELDS = re.compile(r"[\n|]")


def _caps_cells(texts: Any) -> list[str]:
    """The lines and fields written all in capitals (``one_case`` reads them in lower case)."""
    if isinstance(texts, list):
        cells = [t for t in texts if re.search(r"[^\W\d_]{3}", t) and t != t.lower()]
    elif isinstance(texts, _BatchView):
        cells = list(_whole_cells(texts, CAPS_CELL))
    else:
        return []
    return sorted({f.strip() for cell in cells for f in _FIELDS.split(cell)
                   if f == f.upper() and f != f.lower() and re.search(r"[^\W\d_]{3}", f)})


def _cells(texts: Any) -> Any:
    """The texts themselves (a list, or a batch's column once its queries have run; None before)."""
    if isinstance(texts, _BatchView):
        return texts.batch.columns[texts.column] if texts.batch.answers else None
    return texts


def _repeats(texts: Any) -> list[int] | None:
    """How many cells write each of ``_cells(texts)``: a batch keeps each distinct text once (None for a list,
    which keeps its repeats)."""
    return texts.batch.repeats(texts.column) if isinstance(texts, _BatchView) else None


def _record_name(match: str) -> str | None:
    first = re.split(r"[/|;\t]", match.strip(" \n/|;"), maxsplit=1)[0]
    return field_name(first, listed=False) or record_caseless(first)


_SLOTS: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    (LABELLED_RUN, labelled_name), (GREETING_RUN, greeted_name), (CHAT_RUN, chat_speaker),
    (RECORD_RUN, _record_name), (FIELD_RUN, field_name), (PRECEDED_HAN, preceded_han), (SIGNOFF_RUN, signed_name),
    (CALLED_RUN, called_name), (TITLED_CASELESS, titled_name), (PRECEDED_CASELESS, preceded_caseless),
    (OBJECT_RUN, object_name), (SUBJECT_RUN, subject_name))


# A span must not touch a letter or digit, nor a separator next to a digit: ``2501 2000 0058 9857`` inside
# ``MK07 2501 2000 0058 9857 01`` is part of a longer number, not a card. The separators are those people
# type inside numbers; what the fence admits is matched but trimmed off again.
_FENCE, _SEPARATORS = "0-9A-Za-z", " .-"
_UNFENCED = frozenset((PiiType.EMAIL, PiiType.URL, PiiType.CRYPTO_ADDRESS, PiiType.STREET_ADDRESS))


@lru_cache(maxsize=256)
def fenced(pattern: str, *, fence: str = _FENCE, separators: str = _SEPARATORS) -> str:
    f, s = fence, re.escape(separators).replace("-", r"\-")
    lead = rf"(?:^|[^{f}{s}]|(?:^|[^0-9])[{s}])"
    trail = rf"(?:$|[^{f}{s}]|[{s}](?:$|[^0-9]))"
    return f"{lead}(?:{pattern}){trail}"


def _candidates(texts: Any, rec: Recognizer) -> set[str]:
    if rec.span_pattern is None:
        return set()
    if rec.pii_type in _UNFENCED:
        return set(_distinct_matches(texts, rec.span_pattern))
    fence = _FENCE + ":%_" if rec.pii_type is PiiType.IP_ADDRESS else _FENCE
    out = _fenced_matches(texts, rec.span_pattern, fenced(rec.span_pattern, fence=fence))
    if rec.pii_type is PiiType.IP_ADDRESS:
        # An IPv6 address ending in a dotted quad cannot be a word's tail (``std::cout``) nor a clock or a
        # ratio: it is taken even when glued to a preceding word (``text::ffff:192.0.2.1``), as long as no
        # hex digit, colon or dot before it could belong to it.
        out |= _fenced_matches(texts, IPV6_WITH_IPV4, rf"(?:^|[^0-9A-Fa-f:%_.])(?:{IPV6_WITH_IPV4})"
                               r"(?:$|[^0-9A-Za-z:%_.]|\.(?:$|[^0-9]))")
    if rec.pii_type is PiiType.CREDIT_CARD:
        # A card number written as one run of digits is a token of its own: a space beside it does not join
        # it to the next number the way it joins the groups of ``4012 8888 8888 1881`` (a list of cards).
        out |= _fenced_matches(texts, _COMPACT_CARD, rf"(?:^|[^0-9A-Za-z.-]){_COMPACT_CARD}\b")
    return out


_COMPACT_CARD = r"\d{13,19}"


def _fenced_matches(texts: Any, core: str, pattern: str) -> set[str]:
    inner = _compiled(core)
    out: set[str] = set()
    for match in _distinct_matches(texts, pattern, doubled=True):
        hit = inner.search(match)
        if hit:
            out.add(hit.group(0))
    return out


def _confirm(found: Claims, rec: Recognizer, candidates: Iterable[str], validator: Callable[[str], bool],
             evidence: Evidence = Evidence.SHAPE) -> None:
    """Validate each candidate not settled already; one that fails is retried without its trailing separated
    groups (``AL47 2121 ... 8741 ALL``: the pattern took one group too many)."""
    if not candidates:
        return
    for candidate in sorted(candidates):
        for value in _shrinking(_trimmed(candidate)):
            if found.settled(value, evidence) or _placeholder(value):
                break
            if validator(value):
                found.claim(value, rec.pii_type, evidence)
                break
            if value in found:  # typed by shape, and not this type here: no shorter value either
                break


def _trimmed(candidate: str) -> str:
    """The candidate without the sentence punctuation after it; ``2001:db8::`` keeps its ``::``."""
    value = candidate.strip().rstrip(".,;")
    return value if value.endswith("::") else value.rstrip(".,;:")


def _shrinking(value: str) -> Iterable[str]:
    """The candidate, then without its trailing space-separated groups down to the first one (an IBAN
    written without spaces before a capitalised word), then an address without a ``/prefix`` that is not
    a prefix length (``2001:db8::/9999``: the pattern took the address and what followed it)."""
    yield value
    parts = value.split(" ")
    for end in range(len(parts) - 1, 0, -1):
        yield " ".join(parts[:end])
    if value.count("/") == 1 and (":" in value or value.count(".") == 3):
        address, _, prefix = value.partition("/")
        if prefix:
            yield address


def _placeholder(value: str) -> bool:
    """``000000000``, ``1111111112``: one repeated digit before the check digit is a placeholder."""
    digits = "".join(filter(str.isdigit, value))  # ``filter``/``map``: the same test, without a Python loop
    return len(digits) >= 6 and len(set(digits[:-1])) == 1 and not any(map(str.isalpha, value))


@lru_cache(maxsize=256)
def _context_regex(words: tuple[str, ...]) -> str:
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"[\s_-]?") for w in sorted(words, key=len, reverse=True))
    # An ASCII word boundary: Unicode's keeps the regex engine off its DFA (three times slower here), and
    # a context word after an accented letter (``téléphone``) is still a context word.
    return rf"(?i:(?-u:\b)(?:{alternatives}))"


# Words that precede phone numbers and every other kind of number: what follows them must be a number
# libphonenumber's matcher finds in one of ``PHONE_REGIONS`` (``phone_after_number_word``).
WEAK_PHONE_CONTEXT = frozenset(("number", "contact", "nummer", "numéro", "numero", "número", "numer"))


def _after_context(texts: Any, rec: Recognizer, *, words: Sequence[str] = ()) -> set[str]:
    """Candidates of ``rec`` within 40 characters after one of its context words."""
    words = words or rec.context or rec.header
    if not words or rec.span_pattern is None:
        return set()
    pattern = rf"{_context_regex(tuple(words))}[^\n]{{0,40}}?(?:{rec.span_pattern})"
    inner = _compiled(rec.span_pattern)
    out: set[str] = set()
    for match in _distinct_matches(texts, pattern):
        hits = inner.findall(match)
        if hits:
            out.add(hits[-1])
    return out


def _whole_cells(texts: Any, pattern: str) -> set[str]:
    if isinstance(texts, list):
        compiled = _compiled(pattern)
        return {t for t in texts if compiled.search(t)}
    return set(texts.get(("cells", pattern)))


class _Batch:
    """The span queries of some columns, gathered on a first pass and then answered by one Polars query
    over all the columns stacked (a Polars call costs about a millisecond whatever it does, and compiling
    a pattern costs more than running it over a column; a span scan asks ~50 of them)."""

    def __init__(self, columns: Sequence[Any]) -> None:
        self.columns = [texts.drop_nulls().unique(maintain_order=True) for texts in columns]  # repeats add nothing
        self.whole = list(columns)  # ... but to ``repeats``
        self.answers: dict[tuple[str, str], list[list[str]]] = {}
        self.wanted: list[tuple[str, str]] = []
        self.ran = False

    def view(self, column: int) -> _BatchView:
        return _BatchView(self, column)

    def repeats(self, column: int) -> list[int]:
        """The cells of the column writing each of its distinct texts, in ``columns``' order (``learned_names``
        counts a template's opener in every cell)."""
        whole = self.whole[column].drop_nulls()
        counts = whole.value_counts(name="times")
        distinct = self.columns[column].rename(whole.name).to_frame()
        times: list[int] = distinct.join(counts, on=whole.name, how="left", maintain_order="left")["times"].to_list()
        return times

    def get(self, query: tuple[str, str], column: int) -> list[str]:
        if query in self.answers:
            return self.answers[query][column]
        if self.ran:  # asked only after the batch ran (a branch the first pass did not take): answered now, since
            return _answered_alone(query, self.columns[column])  # an empty answer would read as "no PII here"
        if query not in self.wanted:
            self.wanted.append(query)
        return []

    def run(self) -> None:
        self.ran = True
        if not self.wanted:
            return
        pl = polars()
        # one chunk: a multi-string search (``extract_many``) builds its automaton once per chunk
        frame = pl.concat([pl.DataFrame({"c": np.full(len(texts), k, dtype=np.int32), "t": texts.cast(pl.Utf8)
                                         .rename("t")}) for k, texts in enumerate(self.columns)], rechunk=True)
        t = pl.col("t")
        if any(kind == "doubled" for kind, _ in self.wanted):
            frame = frame.with_columns(t.str.replace_all(_DOUBLED.pattern, "${1}${1}").alias("d"))
        # Unicode ``\d`` (60-odd ranges) makes a pattern slow to compile, and Polars compiles these anew on
        # every call (it keeps the last ~32 per thread; an audit asks ~110). Where no cell holds a decimal
        # digit outside 0-9, ``[0-9]`` matches exactly what ``\d`` does.
        only_ascii = not frame.select(t.str.contains(OTHER_DIGIT).any()).item()
        exprs = [_query_expr(kind, query, only_ascii).alias(str(i)) for i, (kind, query) in enumerate(self.wanted)]
        row = select_pinned(frame, exprs, lane="spans").row(0)
        answers = {query: [m for m in found or [] if m] for query, found in zip(self.wanted, row, strict=True)}
        answers = {query: sorted({_undouble(m) for m in found}) if query[0] == "doubled" else found
                   for query, found in answers.items()}
        if len(self.columns) == 1:
            self.answers = {query: [found] for query, found in answers.items()}
            return
        # Which column each distinct match came from: the columns whose texts contain it (one Aho-Corasick
        # pass). A match carries the characters around it that its pattern looked at (the fence, the
        # context word, the boundary), so a column holding the same string holds the same match.
        strings = sorted({m for (kind, _), found in answers.items() if kind != "cells" for m in found})
        present: set[tuple[int, str]] = set()
        if strings:
            pairs = frame.select(pl.col("c"), t.str.extract_many(strings, overlapping=True).alias("m")).explode("m")
            present = set(pairs.drop_nulls().unique().iter_rows())
        cells = [set(texts.to_list()) for texts in self.columns]
        matched: list[set[str]] = [set() for _ in self.columns]  # each column's matches, looked up by string
        for k, m in present:
            matched[k].add(m)
        self.answers = {}
        for (kind, pattern), found in answers.items():
            if kind != "cells":
                per_column = [[m for m in found if m in matched[k]] for k in range(len(self.columns))]
            else:
                per_column = [[m for m in found if m in cells[k]] for k in range(len(self.columns))]
            self.answers[(kind, pattern)] = per_column


def _answered_alone(query: tuple[str, str], texts: Any) -> list[str]:
    """A batch query's answer for one column (distinct texts, a Polars Series), without the batch."""
    kind, pattern = query
    if kind == "cells":
        return [t for t in texts.filter(texts.str.contains(pattern)).to_list() if t]
    return _distinct_matches(texts, pattern, doubled=kind == "doubled")


@lru_cache(maxsize=1024)
def _query_expr(kind: str, query: str, only_ascii: bool) -> Any:
    """A batch query's Polars expression over the stacked texts ``t`` (and their doubled form ``d``): built once per
    process, as the patterns are few and fixed (an audit asks ~165, and building each costs ~10 us of Python)."""
    pl = polars()
    t = pl.col("t")
    pattern = ascii_digits(query) if only_ascii else query
    expr = (t.filter(t.str.contains(pattern)) if kind == "cells"
            else pl.col("d" if kind == "doubled" else "t").str.extract_all(pattern).explode())
    return expr.drop_nulls().unique().implode()


OTHER_DIGIT = r"[\d&&[^0-9]]"  # a decimal digit outside 0-9 (Arabic-Indic, fullwidth...), in Rust's syntax
_DIGIT_CLASS = re.compile(r"(?<!\\)((?:\\\\)*)\\d")  # ``\d`` not itself escaped (``\\d`` is a backslash, d)


@lru_cache(maxsize=1024)
def ascii_digits(pattern: str) -> str:
    r"""``pattern`` with each ``\d`` written ``[0-9]`` (a class inside a class is valid in Rust's syntax)."""
    return _DIGIT_CLASS.sub(r"\1[0-9]", pattern)


@dataclass(frozen=True)
class _BatchView:
    """One column of a ``_Batch``, as the span functions read it."""

    batch: _Batch
    column: int

    def get(self, query: tuple[str, str]) -> list[str]:
        return self.batch.get(query, self.column)


def find_spans(text: str, found: dict[str, PiiType]) -> list[Span]:
    """Non-overlapping spans of the confirmed strings in one text, leftmost first, longest at a position:
    exactly the strings ``replace_spans`` replaces in it (not a name inside a longer word)."""
    present = {v: t for v, t in found.items() if v in text}
    if not present:
        return []
    return _located_spans(text, present, located_patterns(polars().Series("t", [text]), present))


def located_patterns(texts: Any, found: dict[str, PiiType]) -> list[str]:
    """What the redaction searches the cells for, longest first: the confirmed strings and the longer words
    around a name among them (``algo`` around ``al``, ``Leeds`` around ``Lee``), which stand for themselves.
    At each place the first (longest) that matches is taken, so a confirmed string counts where it is replaced.
    The audit, ``find_spans``, ``text_mode.scan_texts`` and ``replace_spans`` all locate strings with this."""
    return sorted([*found, *_guards(texts, found)], key=len, reverse=True)


def _guards(texts: Any, found: dict[str, PiiType]) -> set[str]:
    """The words of ``texts`` that hold a name of ``found`` with more letters around it (``_enclosing_words``)."""
    fenced = [p for p, t in found.items() if t is PiiType.NAME and _WORDLIKE.search(p)]
    return _enclosing_words(texts, fenced) - found.keys()


def _located_spans(text: str, found: dict[str, PiiType], patterns: Sequence[str]) -> list[Span]:
    """The spans of ``found`` strings in ``text`` by a leftmost-first search for ``patterns`` (in Python's ``re``
    an alternation tries its branches in order at the leftmost place, as Aho-Corasick's leftmost-first does)."""
    present = [p for p in patterns if p in text]
    if not present:
        return []
    return located_spans(text, found, re.compile("|".join(re.escape(p) for p in present)))


def located_spans(text: str, found: dict[str, PiiType], alternation: re.Pattern[str]) -> list[Span]:
    """The spans of ``found`` strings among the matches of an alternation of ``located_patterns``."""
    return [Span(m.start(), m.end(), found[m.group(0)]) for m in alternation.finditer(text) if m.group(0) in found]


def located_spans_each(texts: Any, found: dict[str, PiiType], patterns: Sequence[str]) -> list[list[Span]]:
    """``located_spans`` of each cell of ``texts`` (a Polars Series of strings) with the alternation of
    ``patterns``, searched with only the patterns the cell contains (listed for all cells by one Aho-Corasick
    pass). A literal that a cell does not contain matches nowhere in it, so the spans are the same; Python's
    ``re`` then tries a few branches at each place instead of thousands (most of the text mode's time)."""
    rank = {p: i for i, p in enumerate(patterns)}
    searched = [p for p in patterns if p]  # ``""`` (in every cell) is never reported by the search
    contained = texts.str.extract_many(searched, overlapping=True).to_list() if searched else [[] for _ in texts]
    empty = [""] if "" in rank else []
    compiled: dict[tuple[str, ...], re.Pattern[str]] = {}
    out: list[list[Span]] = []
    for text, strings in zip(texts.to_list(), contained, strict=True):
        present = (*sorted(set(strings), key=rank.__getitem__), *empty)  # the alternation's order
        if not present:
            out.append([])
            continue
        alternation = compiled.get(present)
        if alternation is None:
            alternation = compiled[present] = re.compile("|".join(re.escape(p) for p in present))
        out.append(located_spans(text, found, alternation))
    return out


def mask_spans(text: str, spans: Sequence[Span]) -> str:
    """The text's shape (letters ``x``, digits ``#``) with each span shown as ``<type:shape>``: an
    unconfirmed identifier elsewhere in the text is masked too, never printed."""
    out, last = [], 0
    for span in spans:
        out.append(shape_mask(text[last:span.start], max_len=10**6))
        out.append(f"<{span.pii_type.value}:{shape_mask(text[span.start:span.end])}>")
        last = span.end
    out.append(shape_mask(text[last:], max_len=10**6))
    joined = "".join(out)
    return joined if len(joined) <= 160 else joined[:160] + "…"


def replace_spans(texts: Any, found: dict[str, PiiType], replace: Callable[[str, PiiType], str]) -> Any:
    """Replace every confirmed string in every cell by ``replace(value, type)`` (vectorised)."""
    if not found:
        return texts
    # A name inside a longer word is not that name (``al`` in ``algo``, ``Lee`` in ``Leeds``): the longer
    # words are replaced by themselves; at one position the search takes the first pattern, the longest.
    patterns = located_patterns(texts, found)
    return texts.str.replace_many(patterns, [replace(p, found[p]) if p in found else p for p in patterns],
                                  leftmost=True)


# A confirmed string starting or ending with a letter of a script that separates its words (Han and kana do not)
_SPACED_LETTER = r"[^\W\d_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"
_WORDLIKE = re.compile(rf"^{_SPACED_LETTER}|{_SPACED_LETTER}$")
_WORDLIKE_START, _WORDLIKE_END = re.compile(rf"^{_SPACED_LETTER}"), re.compile(rf"{_SPACED_LETTER}$")
_GUARD_CHUNK = 2000  # literals per alternation (Rust's regex has a size limit)


def _touches_letter(text: str, value: str) -> bool:
    """Whether ``value`` stands in ``text`` with a letter or digit beside an end of it that is a letter: only there
    can ``_enclosing_words`` find a longer word (a character Python's Unicode tables lack counts as a letter)."""
    before, after = _WORDLIKE_START.match(value) is not None, _WORDLIKE_END.search(value) is not None
    at = text.find(value)
    while at >= 0:
        end = at + len(value)
        if (before and at > 0 and _letter_like(text[at - 1])) or (
                after and end < len(text) and _letter_like(text[end])):
            return True
        at = text.find(value, at + 1)
    return False


def _letter_like(char: str) -> bool:
    """A character that continues a word: a letter, a mark or a decimal digit (``URL832`` is no name ``URL``)."""
    if char.isascii():
        return char.isalnum()
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Cn", "Nd")


def _enclosing_words(texts: Any, values: Sequence[str]) -> set[str]:
    """The strings of ``texts`` that are one of ``values`` with more letters or digits on a side where it ends in
    a letter (``algo`` around ``al``, ``URL832`` around ``URL``, a placeholder the name pass read as a name; not
    ``-גאבר`` after ``אביגיל פרידמן-``, whose hyphen ends it)."""
    out: set[str] = set()
    letters = r"[\p{L}\p{M}\p{Nd}]*"
    sides: dict[tuple[bool, bool], list[str]] = {}
    # longest first, as the redaction searches: at a place the longest name is the one a longer word holds (and the
    # chunks, so the words found, do not depend on the order of a set)
    for v in sorted(values, key=lambda v: (-len(v), v)):
        sides.setdefault((_WORDLIKE_START.match(v) is not None, _WORDLIKE_END.search(v) is not None), []).append(v)
    for (before, after), group in sides.items():
        for start in range(0, len(group), _GUARD_CHUNK):
            alternation = "|".join(re.escape(v) for v in group[start:start + _GUARD_CHUNK])
            pattern = f"{letters if before else ''}(?:{alternation}){letters if after else ''}"
            out.update(m for m in texts.str.extract_all(pattern).explode().drop_nulls().unique().to_list() if m)
    return out


def _distinct_matches(texts: Any, pattern: str, *, doubled: bool = False) -> list[str]:
    """Distinct matches of ``pattern`` in the cells: one Polars kernel for a column (a Series), Python's
    ``re`` for a handful of cells (a list; a Polars call costs about a millisecond whatever its size).
    With ``doubled`` the pattern runs over the cells with each list punctuation mark doubled (``_DOUBLED``):
    a fenced match takes the mark after it as its fence, and the next number of ``a; b`` needs one before it."""
    if isinstance(texts, list):
        compiled = _compiled(pattern)
        cells = [_DOUBLED.sub(r"\1\1", t) for t in texts] if doubled else texts
        found = {m.group(0) for t in cells for m in compiled.finditer(t) if m.group(0)}
        return sorted({_undouble(m) for m in found} if doubled else found)
    if isinstance(texts, _BatchView):
        return texts.get(("doubled" if doubled else "matches", pattern))
    pl = polars()
    source = texts.str.replace_all(_DOUBLED.pattern, "${1}${1}") if doubled else texts
    matches = source.str.extract_all(pattern).explode().drop_nulls()
    distinct: list[str] = [m for m in matches.unique().cast(pl.Utf8).to_list() if m]
    return sorted({_undouble(m) for m in distinct}) if doubled else distinct


_DOUBLED = re.compile(r"([;,!?\"'|])")  # list punctuation: never inside a fenced recognizer's match


def _undouble(match: str) -> str:
    # most matches hold no list punctuation at all: no pair to undo, and no template substitution to pay for
    return match if _DOUBLED.search(match) is None else _DOUBLED_PAIR.sub(r"\1", match)


_DOUBLED_PAIR = re.compile(r"([;,!?\"'|])\1")


SMALL = 64  # cells below which the span scan runs in Python rather than Polars


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    """A Polars (Rust) pattern for Python's ``re``: an ASCII word boundary is spelled ``(?a:\\b)`` there."""
    return re.compile(pattern.replace(r"(?-u:\b)", r"(?a:\b)"))
