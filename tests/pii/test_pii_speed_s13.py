"""Session 13's speed rewrites answer as the code they replaced (issue 15, s13-pii-speed).

* ``spans._span_scan`` searches each distinct text once and counts the cells from it; the old per-cell loop is kept
  here as the oracle and both must give the same ``SpanScan`` (counts per type, cells with PII, the masked examples
  in cell order) on columns full of repeated cells, names inside longer words and overlapping strings;
* ``spans._query_expr``: a batch query's expression built once and reused over any frame answers as one built anew;
* ``spans._undouble`` skips the substitution when a match holds no list punctuation;
* ``validators``: the per-candidate patterns compiled once split and strip as ``re``'s module functions did.

The whole outputs are compared by ``benchmarks/pii_equivalence.py`` on the real-text corpora (``benchmarks/pii.md``
0z16).
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii import validators
from mlsecure.privacy.pii.spans import (
    _DOUBLED,
    _DOUBLED_PAIR,
    _WORDLIKE,
    SpanScan,
    _guards,
    _located_spans,
    _query_expr,
    _span_scan,
    _touches_letter,
    _undouble,
    mask_spans,
)
from mlsecure.privacy.pii.types import PiiType


def _span_scan_before(texts: Any, found: dict[str, PiiType]) -> SpanScan:
    """The session-12 ``_span_scan``: every cell searched, repeats included (the oracle)."""
    non_null = texts.drop_nulls()
    n = len(non_null)
    if not found:
        return SpanScan(n, 0, {}, {})
    contained = non_null.str.extract_many(list(found), overlapping=True).to_list()
    texts_list = non_null.to_list()
    fenced = {p for p, t in found.items() if t is PiiType.NAME and _WORDLIKE.search(p)}
    empty = "" in found
    kinds: list[set[PiiType]] = []
    again: list[int] = []
    touching: list[int] = []
    for i, strings in enumerate(contained):
        types = {found[s] for s in strings}
        kinds.append(types)
        if (
            fenced
            and not fenced.isdisjoint(strings)
            and any(s in fenced and _touches_letter(texts_list[i], s) for s in strings)
        ):
            touching.append(i)
            again.append(i)
        elif empty or len(types) > 1:
            again.append(i)
    guards: set[str] = set()
    if touching:
        guards = _guards(non_null.gather(touching), {s: found[s] for i in touching for s in contained[i]})
    if again:
        present = {s: found[s] for i in again for s in ["", *contained[i]] if s in found}
        replaced = non_null.gather(again).str.extract_many(
            sorted([*present, *guards], key=len, reverse=True), leftmost=True
        )
        for i, strings in zip(again, replaced.to_list(), strict=True):
            kinds[i] = {found[s] for s in strings if s in found}
    patterns = sorted([*found, *guards], key=len, reverse=True)
    by_cells: dict[PiiType, int] = {}
    hit_cells = 0
    examples: list[str] = []
    for text, types in zip(texts_list, kinds, strict=True):
        if not types:
            continue
        hit_cells += 1
        for pii_type in types:
            by_cells[pii_type] = by_cells.get(pii_type, 0) + 1
        if len(examples) < 3:
            examples.append(mask_spans(text, _located_spans(text, found, patterns)))
    by_type = {t.value: by_cells.get(t, 0) for t in sorted(set(found.values()), key=lambda t: t.value)}
    return SpanScan(n, hit_cells, by_type, found, tuple(examples))


# a few texts drawn again and again: names alone, inside longer words (``Annabel``), beside digits, overlapping (ASCII:
# Polars 2.1's overlapping search for ``""`` panics inside a non-ASCII character, in the old code as in the new)
_POOL = ["Ana", "Annabel", "Ana Lee", "x Ana", "Lee2", "Leeds", "a@b.io", "call 555", "", "no pii", "Ana,Lee", "_Ana"]
_FOUND = st.dictionaries(
    st.sampled_from(["Ana", "Lee", "Ana Lee", "a@b.io", "555", "na", "e", ""]),
    st.sampled_from([PiiType.NAME, PiiType.EMAIL, PiiType.PHONE]),
    max_size=5,
)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_POOL), st.none()), min_size=1, max_size=40), _FOUND)
def test_span_scan_over_distinct_texts_equals_the_per_cell_loop(
    cells: list[str | None], found: dict[str, PiiType]
) -> None:
    series = pl.Series("t", cells, dtype=pl.Utf8)
    assert _span_scan(series, found) == _span_scan_before(series, found)


def test_span_scan_of_a_repeated_column_counts_every_cell() -> None:
    series = pl.Series("t", ["Call Ana Lee today", "Annabel says hi", "Call Ana Lee today", "nothing"] * 25)
    found = {"Ana Lee": PiiType.NAME, "Ana": PiiType.NAME}
    scan = _span_scan(series, found)
    assert (scan.n, scan.cells_with_pii, scan.by_type) == (100, 50, {"name": 50})  # ``Annabel`` holds no name
    assert scan.examples == ("xxxx <name:xxx xxx> xxxxx",) * 3  # the first three cells with a span, repeats too
    assert scan == _span_scan_before(series, found)


_CELLS = st.lists(st.text(alphabet="ab,;!|'\"? 12-", max_size=14), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    _CELLS, st.sampled_from(["matches", "doubled", "cells"]), st.sampled_from([r"a+", r"\d[\d -]*\d", r"b\b", r"^a"])
)
def test_a_query_expression_built_once_answers_as_one_built_anew(texts: list[str], kind: str, query: str) -> None:
    frame = pl.DataFrame({"t": texts}).with_columns(
        pl.col("t").str.replace_all(_DOUBLED.pattern, "${1}${1}").alias("d")
    )
    t = pl.col("t")
    fresh = (
        t.filter(t.str.contains(query))
        if kind == "cells"
        else pl.col("d" if kind == "doubled" else "t").str.extract_all(query).explode()
    )
    expected = frame.select(fresh.drop_nulls().unique().implode().alias("x")).row(0)[0]
    cached = _query_expr(kind, query, False)
    for _ in range(2):  # the same object over the frame twice: no state kept from one use to the next
        assert sorted(frame.select(cached.alias("x")).row(0)[0]) == sorted(expected)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab ,;!?|'\"1", max_size=16))
def test_undouble_equals_the_substitution(match: str) -> None:
    assert _undouble(match) == _DOUBLED_PAIR.sub(r"\1", match)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123 xet.#()+-/", max_size=20))
def test_compiled_phone_patterns_equal_the_module_functions(text: str) -> None:
    assert validators._without_extension(text) == re.sub(r" ?(?:x|ext\.?|#) ?\d{1,6}$", "", text)
    assert validators._NON_DIGITS.split(text) == re.split(r"[^0-9]+", text)
    assert (validators._INTERNATIONAL.match(text) is None) == (re.match(r"(?:\+|00) ?\(?[1-9]", text) is None)
    assert validators._HOST_END.split(text, maxsplit=1) == re.split(r"[/:?#]", text, maxsplit=1)
