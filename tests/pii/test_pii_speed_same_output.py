"""Session 7's speed paths give the output of the computations they replaced.

* the null / missing-marker filtering of all string columns in one stacked query (``classify._non_empty``)
  equals the two queries per column it replaced;
* the full-cell patterns evaluated in fixed blocks on long-lived threads (``regex_threads``), together or
  one after the other, equal one ``select`` on Polars' pool;
* ``gazetteer.fold``'s ASCII shortcut equals NFKD folding; the stdnum validators resolved once answer as
  ``stdnum``'s own ``is_valid``;
* whole audits of held-out tables (faker, 16-locale world; values nobody here wrote) and the span scan of
  Presidio's recognizer test strings give the same verdicts with the speed paths as with the plain ones.

The old code itself is compared with the new one, on 47 held-out tables and all of Presidio's strings,
by ``benchmarks/bench_pii_ab.py --same-output`` (see benchmarks/pii.md, session 7).
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import polars as pl
import pytest
from heldout import generate
from heldout_world import generate_world
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_corpus import load

from mlsecure.privacy.pii import classify, regex_threads
from mlsecure.privacy.pii.audit import audit_frame
from mlsecure.privacy.pii.classify import MISSING_MARKERS, _non_empty
from mlsecure.privacy.pii.gazetteer import fold
from mlsecure.privacy.pii.national_ids import compact
from mlsecure.privacy.pii.synth import generate_table
from mlsecure.privacy.pii.text_mode import scan_texts

T = TypeVar("T")


def _non_empty_per_column(columns: Sequence[tuple[str, Any]], sample_size: int) -> list[tuple[Any, float]]:
    """What ``classify_columns`` did per column before the stacked query."""
    out = []
    for _, values in columns:
        non_null = values.drop_nulls()
        non_null = non_null.filter(~non_null.is_in(MISSING_MARKERS))
        total = len(values)
        out.append((non_null.head(sample_size), 1.0 - len(non_null) / total if total else 1.0))
    return out


_CELL = st.one_of(st.none(), st.sampled_from(["", "NaN", "NULL", "n/a", "x", "Ana", "12"]), st.text(max_size=6))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(_CELL, max_size=25), min_size=1, max_size=6), st.integers(1, 30))
def test_stacked_non_empty_equals_per_column(cells: list[list[str | None]], sample_size: int) -> None:
    columns = [(f"c{k}", pl.Series(f"s{k}", values, dtype=pl.Utf8)) for k, values in enumerate(cells)]
    fast = _non_empty(columns, sample_size)
    plain = _non_empty_per_column(columns, sample_size)
    for (a, share_a), (b, share_b) in zip(fast, plain, strict=True):
        assert a.name == b.name and a.dtype == b.dtype and a.to_list() == b.to_list()
        assert share_a == share_b


def _exprs(n: int) -> list[pl.Expr]:
    v = pl.col("v")
    return [v.str.contains(rf"^[a-z]{{{k % 5}}}[0-9]").alias(f"r{k}") for k in range(n)] + [
        v.str.len_chars().alias("length")]


@pytest.mark.parametrize("pool_size", [1, 4], ids=["POLARS_MAX_THREADS=1", "several-threads"])
def test_pinned_blocks_equal_one_select(monkeypatch: pytest.MonkeyPatch, pool_size: int) -> None:
    monkeypatch.setattr(pl, "thread_pool_size", lambda: pool_size)
    frame = pl.DataFrame({"v": ["a1", "bc2", "zzzz9", "", None, "ab", "abcd7x", "é1"]})
    exprs = _exprs(3 * regex_threads.BLOCK + 2)
    pinned = regex_threads.select_pinned(frame, exprs, lane="test")
    assert pinned.equals(frame.select(exprs))
    assert pinned.columns == [e.meta.output_name() for e in exprs]


def test_blocks_keep_their_order_and_skip_none() -> None:
    out = regex_threads.run_blocks([lambda: 1, None, lambda: 3], lane="test-order")
    assert out == [1, None, 3]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_fold_ascii_shortcut_equals_nfkd(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text)
    assert fold(text) == "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


_STDNUM = {"de.idnr": "de_idnr", "fr.nir": "fr_nir", "es.nie": "es_nie", "it.codicefiscale": "it_codice_fiscale",
           "nl.bsn": "nl_bsn", "in_.aadhaar": "in_aadhaar", "in_.pan": "in_pan", "br.cpf": "br_cpf",
           "ca.sin": "ca_sin", "au.tfn": "au_tfn", "gb.nhs": "gb_nhs", "pl.pesel": "pl_pesel"}


@pytest.mark.parametrize("module", sorted(_STDNUM))
def test_validators_answer_as_stdnum(module: str) -> None:
    from mlsecure.privacy.pii import national_ids

    ours = getattr(national_ids, _STDNUM[module])
    is_valid: Callable[[str], bool] = importlib.import_module(f"stdnum.{module}").is_valid
    words = {w.strip(".,;:()") for case in load() for w in case.text.split()}
    words |= {case.text for case in load()}
    for word in sorted(words):
        try:
            expected = bool(is_valid(compact(word)))
        except Exception:  # stdnum's own exceptions: not valid, as the validator says
            expected = False
        assert ours(word) == expected, word


def _on_calling_thread(tasks: Sequence[Callable[[], T] | None], *, lane: str) -> list[T | None]:
    """``regex_threads.run_blocks`` without the threads: every block on the calling thread."""
    return [task() if task is not None else None for task in tasks]


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify, "_non_empty", _non_empty_per_column)
    monkeypatch.setattr(classify, "run_blocks", _on_calling_thread)


def _verdicts(frame: Any) -> list[dict[str, Any]]:
    result = audit_frame(frame)
    return [v.to_dict() | {"found": sorted((s, t.value) for s, t in (v.spans.found.items() if v.spans else ()))}
            for v in result.columns]


def test_generated_table_audit_same_with_and_without_speed_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = generate_table(120, seed=5, neutral_headers=True).frame
    fast = _verdicts(frame)
    _plain(monkeypatch)
    assert _verdicts(frame) == fast


@pytest.mark.slow
def test_faker_heldout_audit_same_with_and_without_speed_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = generate(150, seed=3).frame
    fast = _verdicts(frame)
    _plain(monkeypatch)
    assert _verdicts(frame) == fast


@pytest.mark.slow
def test_world_heldout_audit_same_with_and_without_speed_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = generate_world(300, seed=3, neutral_headers=True).frame
    fast = _verdicts(frame)
    _plain(monkeypatch)
    assert _verdicts(frame) == fast


def test_presidio_strings_spans_unchanged_by_fold_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    """The span scan of every Presidio test string, with ``fold``'s ASCII shortcut and without it."""
    texts = [case.text for case in load()]
    fast = [[(s.start, s.end, s.pii_type) for s in found] for found in scan_texts(texts)]

    def nfkd_fold(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()

    from mlsecure.privacy.pii import gazetteer

    for module in [gazetteer, *(m for m in _modules_using(gazetteer.fold))]:
        monkeypatch.setattr(module, "fold", nfkd_fold)
    assert [[(s.start, s.end, s.pii_type) for s in found] for found in scan_texts(texts)] == fast
    assert sum(map(len, fast)) > 300  # the strings do hold spans: the comparison is not of empty lists


def _modules_using(function: Any) -> list[Any]:
    import sys

    return [m for name, m in list(sys.modules.items())
            if name.startswith("mlsecure.") and getattr(m, "fold", None) is function]
