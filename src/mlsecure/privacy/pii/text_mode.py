"""PII in running text, span by span: one string (``scan_text``) or a column of long texts.

The same recognizers as the column classifier, through the span machinery of ``spans``: candidates by
pattern, check digits and parsers on each distinct candidate, context words for weak checks, and names
from the name lexicons with sentence context. Spans carry types and offsets; reports show masked text only.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.recognizers import Recognizer
from mlsecure.privacy.pii.spans import (
    Span,
    confirmed_strings,
    find_spans,
    located_patterns,
    located_spans_each,
    mask_spans,
)


def scan_text(text: str, *, region: str = "US", pool: Sequence[Recognizer] | None = None) -> tuple[Span, ...]:
    """The PII spans in one text, non-overlapping, in order."""
    found = confirmed_strings(polars().Series("text", [text]), region=region, pool=pool, redacting=False)
    return tuple(find_spans(text, found))


def masked(text: str, *, region: str = "US") -> str:
    """``text`` reduced to its shape with each PII span marked by type: safe to print."""
    return mask_spans(text, scan_text(text, region=region))


def scan_texts(texts: Sequence[str], *, region: str = "US",
               pool: Sequence[Recognizer] | None = None) -> list[tuple[Span, ...]]:
    """The PII spans of many texts at once: candidates are found and validated once for the whole batch
    (one Polars kernel per pattern), then located in each text with one alternation of the confirmed
    strings it contains (``spans.located_spans_each``). A string confirmed in one text (after a context word,
    say) is marked wherever the redaction would replace it (a name not inside a longer word:
    ``spans.located_patterns``)."""
    column = polars().Series("text", list(texts))
    found = confirmed_strings(column, region=region, pool=pool, redacting=False)
    if not found:
        return [() for _ in texts]
    return [tuple(spans) for spans in located_spans_each(column, found, located_patterns(column, found))]
