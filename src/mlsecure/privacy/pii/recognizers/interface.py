"""A recognizer is data: a full-cell pattern, an optional free-text pattern, a validator and header
keywords. The column classifier and the span detector interpret them; nothing here runs on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlsecure.errors import MLSecureError
from mlsecure.privacy.pii.types import PiiType
from mlsecure.privacy.pii.validators import Validator, always


class RecognizerError(MLSecureError):
    """A recognizer definition is invalid (bad pattern, duplicate name)."""


@dataclass(frozen=True)
class Recognizer:
    """How to recognize one PII format.

    ``pattern`` is a full-cell regular expression (Rust/Polars syntax, anchored with ``^...$``) matched
    against stripped cell values; ``validator`` confirms each match (checksums, parsers). ``checksum``
    marks validators strong enough that a column of pattern matches *failing* them is evidence against
    the type (16-digit numbers failing Luhn are not cards). ``header`` lists column-name keywords;
    ``needs_header`` makes the recognizer apply only when the column name contains one (bare 9-digit
    numbers are only ABA routing numbers when the header says so). ``span_pattern`` (unanchored) finds
    the same thing inside free text. ``context`` lists words that, within a few words before a span
    in free text, say what it is; with ``span_needs_context`` a span is only reported after one of
    them (or when it is the whole cell): a check digit that one random number in ten passes is
    not evidence enough inside running text (Presidio's context words play the same role).
    """

    name: str
    pii_type: PiiType
    pattern: str
    validator: Validator = always
    header: tuple[str, ...] = ()
    needs_header: bool = False
    checksum: bool = False
    span_pattern: str | None = None
    min_share: float = 0.6  # share of valid cells needed without a header keyword
    negative_header: tuple[str, ...] = field(default=())
    context: tuple[str, ...] = ()
    span_needs_context: bool = False
    # With ``span_needs_context``: the check a whole cell must pass to be reported without a context word,
    # where the format's own rules narrow it further than its check digit (``validators.npi_issued``).
    alone_validator: Validator | None = None
