"""Where a confirmed string counts: the audit (``scan_spans``), ``find_spans`` and ``text_mode.scan_texts``
locate strings exactly where the redaction (``replace_spans``) replaces them, so a one-word name confirmed in
one cell is not reported inside longer words of the others (``Pre`` of ``Prejudice``; found measuring the real
text of ``tests/pii/peers2``, benchmarks/pii.md 0m and 0o)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii import text_mode
from mlsecure.privacy.pii.spans import Span, _span_scan, find_spans, replace_spans, scan_spans
from mlsecure.privacy.pii.types import PiiType

NAME, EMAIL, SSN = PiiType.NAME, PiiType.EMAIL, PiiType.SSN


def _marked(value: str, kind: PiiType) -> str:
    return f"<{kind.value}>"


def _apply(text: str, spans: list[Span] | tuple[Span, ...]) -> str:
    """``text`` with each span replaced as ``_marked`` does: what the redaction gives if the spans are right."""
    out, last = [], 0
    for span in spans:
        out += [text[last:span.start], _marked(text[span.start:span.end], span.pii_type)]
        last = span.end
    return "".join([*out, text[last:]])


def test_the_reproduction_counts_only_the_real_name() -> None:
    texts = pl.Series("t", ["Pride and Prejudice is on.", "Catty or Garage or so? Pre drinks in my house:)"])
    scan = scan_spans(texts)
    assert scan.found.get("Pre") is NAME  # confirmed in the second cell (spuriously, but that is another matter)
    assert (scan.cells_with_pii, scan.by_type) == (1, {"name": 1})
    assert scan.examples == ("xxxxx xx xxxxxx xx xx? <name:xxx> xxxxxx xx xx xxxxx:)",)


def test_a_name_inside_a_longer_word_is_not_counted_a_real_one_is() -> None:
    found = {"Lee": NAME, "Liv": NAME}
    cells = pl.Series(["Lee lives in Leeds.", "Liverpool won.", "Ask Liv, or Lee-Ann."])
    assert find_spans("Lee lives in Leeds.", found) == [Span(0, 3, NAME)]
    assert find_spans("Liverpool won.", found) == []
    assert find_spans("Ask Liv, or Lee-Ann.", found) == [Span(4, 7, NAME), Span(12, 15, NAME)]  # a hyphen ends a word
    scan = _span_scan(cells, found)
    assert (scan.cells_with_pii, scan.by_type) == (2, {"name": 2})


def test_a_name_run_into_digits_is_not_that_name() -> None:
    """``URL832`` (the tweets' own placeholder for a link) holds no name ``URL``; a digit continues a word as a letter
    does (found measuring Tweebank, benchmarks/pii.md 0z3), while a name beside punctuation still counts."""
    found = {"URL": NAME, "Sarah": NAME}
    cells = pl.Series(["my bff URL832 is here", "Sarah called about URL77", "7Sarah and Sarah2 and (URL)"])
    assert find_spans("my bff URL832 is here", found) == []
    assert find_spans("7Sarah and Sarah2 and (URL)", found) == [Span(23, 26, NAME)]
    assert replace_spans(cells, found, _marked).to_list() == [
        "my bff URL832 is here", "<name> called about URL77", "7Sarah and Sarah2 and (<name>)"]


def test_values_inside_other_characters_still_count() -> None:
    """Only names with a letter at their edge are fenced: e-mails and ids next to letters or punctuation,
    and names of scripts written without spaces (Han, kana) count wherever they stand, as they are replaced."""
    found = {"ana@x.org": EMAIL, "123-45-6789": SSN, "鈴木": NAME}
    text = "mail:ana@x.org;ref123-45-6789x 私は鈴木です"
    assert find_spans(text, found) == [Span(5, 14, EMAIL), Span(18, 29, SSN), Span(33, 35, NAME)]
    assert replace_spans(pl.Series([text]), found, _marked).to_list() == [_apply(text, find_spans(text, found))]


def test_scan_texts_skips_a_name_inside_a_longer_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_mode, "confirmed_strings", lambda *a, **k: {"Tha": NAME})
    assert text_mode.scan_texts(["That is Tha.", "Thanks"]) == [(Span(8, 11, NAME),), ()]


# Texts built from confirmed strings and words that hold them (or not), joined with or without a separator:
# names inside words on either side, names holding names, an e-mail holding a name, a Han name in Han text.
_TOKENS = ["Pre", "Prejudice", "Lee", "Leeds", "Ann", "Lee-Ann", "Ana Lee", "al", "algo", "ana@x.org", "ana",
           "鈴木", "鈴木翼", "123-45-6789", "x", "é", "drinks", "Tha", "That", "URL", "URL832", "7"]
_CONFIRMABLE = {"Pre": NAME, "Lee": NAME, "Ann": NAME, "Ana Lee": NAME, "al": NAME, "ana": NAME, "鈴木": NAME,
                "ana@x.org": EMAIL, "123-45-6789": SSN, "Tha": NAME, "Leeds": NAME, "URL": NAME}
_texts = st.lists(st.lists(st.tuples(st.sampled_from(_TOKENS), st.sampled_from(["", " ", ", ", "-", ".", "\n"])),
                           max_size=6).map(lambda parts: "".join(t + s for t, s in parts)), min_size=1, max_size=6)
_found = st.sets(st.sampled_from(sorted(_CONFIRMABLE)), min_size=1).map(lambda vs: {v: _CONFIRMABLE[v] for v in vs})


def _changed_by_type(cells: Any, found: dict[str, PiiType]) -> dict[str, set[int]]:
    """Per type, the indices of the cells in which the redaction replaces a string of that type."""
    out = replace_spans(cells, found, _marked).to_list()
    return {t.value: {i for i, cell in enumerate(out) if f"<{t.value}>" in cell} for t in set(found.values())}


@settings(max_examples=120, deadline=None)
@given(_texts, _found)
def test_counted_cells_are_the_cells_the_redaction_changes(texts: list[str], found: dict[str, PiiType]) -> None:
    cells = pl.Series(texts, dtype=pl.Utf8)
    changed = _changed_by_type(cells, found)
    scan = _span_scan(cells, found)
    assert scan.by_type == {t: len(c) for t, c in changed.items()}
    assert scan.cells_with_pii == len(set().union(*changed.values()))
    # cell by cell: the set of cells the audit counts for names is the set whose names the redaction replaces
    counted = {i for i, text in enumerate(texts) if _span_scan(pl.Series([text]), found).by_type.get("name")}
    assert counted == {i for i, text in enumerate(texts) if "name" in _changed_by_type(pl.Series([text]), found)
                       and _changed_by_type(pl.Series([text]), found)["name"]}


@settings(max_examples=120, deadline=None)
@given(_texts, _found)
def test_spans_are_exactly_what_the_redaction_replaces(texts: list[str], found: dict[str, PiiType]) -> None:
    for text in texts:
        assert _apply(text, find_spans(text, found)) == replace_spans(pl.Series([text]), found, _marked).item()
    column = replace_spans(pl.Series(texts, dtype=pl.Utf8), found, _marked).to_list()
    real = text_mode.confirmed_strings
    try:
        text_mode.confirmed_strings = lambda *a, **k: found  # type: ignore[assignment]
        located = text_mode.scan_texts(texts)
    finally:
        text_mode.confirmed_strings = real
    assert [_apply(t, spans) for t, spans in zip(texts, located, strict=True)] == column
