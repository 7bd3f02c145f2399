"""How a detector is scored on a labelled corpus of texts: the rules both peer corpora share (``pii_peer_corpus``,
``../peers2/pii_peer_corpus2``), kept in one place so that their figures stay comparable.

A detector is two functions over a batch of texts: ``spans(texts)`` gives ``(start, end, our type)`` per text,
``redact(texts)`` the anonymized texts. Per labelled span that maps to one of our groups: found with a right type (a
predicted span of an accepted type overlaps it), found with any type, survived whole (its value still in the redacted
text with no letter or digit on either side) and survived in part (whole, or a 3+ character token of it that the
unlabelled rest of the text does not also hold). What else a corpus counts (negatives, spurious spans) its own
module adds per case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from mlsecure.privacy.pii.types import PiiType

Spans = Sequence[tuple[int, int, PiiType]]
Accepted = tuple[str, tuple[PiiType, ...]]  # a label's group and our types that count as its right type
_TOKEN = re.compile(r"[^\W_]{3,}")


class LabelledCase(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def half(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def spans(self) -> tuple[tuple[int, int, str], ...]: ...


class SpanTally(Protocol):
    positives: int
    right_type: int
    any_type: int
    survived: int
    part_survived: int


C = TypeVar("C", bound=LabelledCase)
R = TypeVar("R")


def score_batch(
    cases: Sequence[C],
    spans: Callable[[list[str]], list[Spans]],
    redact: Callable[[list[str]], list[str]],
    result: R,
    add_case: Callable[[R, C, Spans, str], None],
) -> R:
    """Score one batch: the detector sees all of ``cases`` at once (as one file of texts); ``add_case`` counts
    each case, its predicted spans and its redacted text into ``result``."""
    texts = [c.text for c in cases]
    found, redacted = spans(texts), redact(texts)
    for case, pred, out in zip(cases, found, redacted, strict=True):
        add_case(result, case, pred, out)
    return result


def by_source(cases: Sequence[C], score: Callable[[Sequence[C]], R]) -> dict[tuple[str, str], R]:
    """One batch per (source, half): each is scored as its own file of texts."""
    keys = sorted({(c.source, c.half) for c in cases})
    return {k: score([c for c in cases if (c.source, c.half) == k]) for k in keys}


def count_labelled(
    case: LabelledCase,
    pred: Spans,
    out: str,
    accepted: Callable[[str], Accepted | None],
    tally: Callable[[str], SpanTally],
) -> None:
    """Count each labelled span of ``case`` that ``accepted`` maps to a group into that group's tally."""
    outside = _outside_tokens(case)
    for start, end, entity in case.spans:
        label = accepted(entity)
        if label is None:
            continue
        group, types = label
        t = tally(group)
        t.positives += 1
        hits = [p for p in pred if overlaps((p[0], p[1]), (start, end))]
        t.right_type += any(p[2] in types for p in hits)
        t.any_type += bool(hits)
        value = case.text[start:end]
        whole = survives(value, out)
        t.survived += whole
        t.part_survived += whole or any(survives(w, out) for w in _TOKEN.findall(value) if w not in outside)


def survives(value: str, text: str) -> bool:
    """``value`` is still in ``text`` with no letter or digit on either side."""
    return re.search(rf"(?<![^\W_]){re.escape(value)}(?![^\W_])", text) is not None


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _outside_tokens(case: LabelledCase) -> set[str]:
    rest = list(case.text)
    for start, end, _ in case.spans:
        rest[start:end] = [" "] * (end - start)
    return set(_TOKEN.findall("".join(rest)))
