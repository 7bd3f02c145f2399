"""The type of each confirmed string in a text, decided by the strength of the evidence rather than pass order.

A number can fit two formats: ``98532-1900`` is phone-shaped and a ZIP+4, ``2800101400050`` passes the payment-card
check and is a Romanian CNP. Its shape alone cannot say which; where it stands can (``WA 98532-1900``,
``CNP 2800101400050``). So a type confirmed by context (a label or keyword before the value, its slot in an
address) replaces one confirmed only by the value's shape, whichever pass of ``spans._confirmed`` ran first;
between claims of equal evidence the first stays, as before.
"""

from __future__ import annotations

from enum import IntEnum

from mlsecure.privacy.pii.types import PiiType


class Evidence(IntEnum):
    """How a string's type was confirmed, weakest first."""

    SHAPE = 0  # the value's own form: its pattern, check digit or parse
    CONTEXT = 1  # where it stands: after a context word or label, in an address frame


class Claims(dict[str, PiiType]):
    """Confirmed strings and their types: a plain dict to its readers, written through ``claim``.

    ``setdefault`` keeps its dict meaning, a claim by shape: it never replaces a type, and a later claim by
    context replaces it (the passes that read names only call ``setdefault``)."""

    def __init__(self) -> None:
        super().__init__()
        self._by_context: set[str] = set()

    def claim(self, value: str, pii_type: PiiType, evidence: Evidence = Evidence.SHAPE) -> None:
        """Record ``value`` as ``pii_type`` unless it already holds a type of equal or stronger evidence."""
        if self.settled(value, evidence):
            return
        self[value] = pii_type
        if evidence is Evidence.CONTEXT:
            self._by_context.add(value)

    def settled(self, value: str, evidence: Evidence) -> bool:
        """Whether a claim of ``value`` with ``evidence`` would change nothing (no need to validate it)."""
        return value in self and self.evidence(value) >= evidence

    def evidence(self, value: str) -> Evidence:
        """The evidence behind the type of a recorded value."""
        return Evidence.CONTEXT if value in self._by_context else Evidence.SHAPE
