"""PII spans inside free text: vectorised candidate extraction, validation of distinct candidates only.

Each recognizer with a ``span_pattern`` is run over the whole column with one Polars
``str.extract_all`` kernel; the distinct candidates are validated in Python (checksums, parsers,
name lexicons); the confirmed strings are then located or replaced in every cell at once with an
Aho-Corasick kernel (``str.contains_any`` / ``str.replace_many``). Person names come from runs of
capitalised words checked against the given-name and surname lexicons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.masking import shape_mask
from mlsecure.privacy.pii.names import name_windows
from mlsecure.privacy.pii.recognizers import Recognizer, recognizers
from mlsecure.privacy.pii.types import PiiType

NAME_RUN = r"\b(?:(?:Mr|Mrs|Ms|Dr|Prof)\.? )?[A-Z][a-z']+(?:-[A-Z][a-z']+)?(?: [A-Z][a-z']+(?:-[A-Z][a-z']+)?)*\b"


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
    found = confirmed_strings(texts, pool=pool, region=region)
    non_null = texts.drop_nulls()
    n = len(non_null)
    if not found:
        return SpanScan(n, 0, {}, {})
    hits = non_null.str.contains_any(list(found))
    by_type: dict[str, int] = {}
    for pii_type in sorted(set(found.values()), key=lambda t: t.value):
        strings = [s for s, t in found.items() if t is pii_type]
        by_type[pii_type.value] = int(non_null.str.contains_any(strings).sum())
    examples = tuple(mask_spans(text, find_spans(text, found)) for text in non_null.filter(hits).head(3).to_list())
    return SpanScan(n, int(hits.sum()), by_type, found, examples)


def confirmed_strings(texts: Any, *, pool: Sequence[Recognizer] | None = None,
                      region: str = "US") -> dict[str, PiiType]:
    """Distinct substrings of ``texts`` that are confirmed PII, each with its type (first recognizer wins)."""
    from functools import partial

    from mlsecure.privacy.pii.validators import phone

    found: dict[str, PiiType] = {}
    for rec in pool if pool is not None else span_recognizers():
        if rec.span_pattern is None:
            continue
        validator = partial(phone, region=region) if rec.pii_type is PiiType.PHONE else rec.validator
        for candidate in _distinct_matches(texts, rec.span_pattern):
            if candidate not in found and validator(candidate):
                found[candidate] = rec.pii_type
    for run in _distinct_matches(texts, NAME_RUN):
        for name in name_windows(run):
            found.setdefault(name, PiiType.NAME)
    return found


def find_spans(text: str, found: dict[str, PiiType]) -> list[Span]:
    """Non-overlapping spans of the confirmed strings in one text, longest match first."""
    spans: list[Span] = []
    taken = [False] * len(text)
    for value in sorted(found, key=len, reverse=True):
        for match in re.finditer(re.escape(value), text):
            if not any(taken[match.start():match.end()]):
                spans.append(Span(match.start(), match.end(), found[value]))
                taken[match.start():match.end()] = [True] * (match.end() - match.start())
    return sorted(spans, key=lambda s: s.start)


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
    patterns = sorted(found, key=len, reverse=True)
    return texts.str.replace_many(patterns, [replace(p, found[p]) for p in patterns], leftmost=True)


def _distinct_matches(texts: Any, pattern: str) -> list[str]:
    pl = polars()
    matches = texts.str.extract_all(pattern).explode().drop_nulls()
    return [m for m in matches.unique().cast(pl.Utf8).to_list() if m]
