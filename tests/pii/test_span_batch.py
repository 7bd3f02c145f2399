"""The span batch answers every query it is asked, also one first asked after it ran (a later branch)."""

from __future__ import annotations

import polars as pl

from mlsecure.privacy.pii import spans

TEXTS = ["Call 555-0101 today", "no digits here", "Ref 42; then 7, done", "Call 555-0101 today"]


def _batch() -> spans._Batch:
    batch = spans._Batch([pl.Series("t", TEXTS)])
    batch.view(0).get(("matches", r"Call"))  # the first pass asks one query
    batch.run()
    return batch


def test_a_query_the_first_pass_did_not_ask_is_answered_not_empty() -> None:
    batch = _batch()
    late = batch.view(0).get(("matches", r"[0-9]+"))
    assert sorted(late) == sorted(spans._distinct_matches(pl.Series("t", TEXTS), r"[0-9]+"))
    assert sorted(late) == ["0101", "42", "555", "7"]


def test_late_cells_and_doubled_queries_match_the_column_alone() -> None:
    batch = _batch()
    assert sorted(batch.view(0).get(("cells", r"Call"))) == ["Call 555-0101 today"]
    doubled = batch.view(0).get(("doubled", r"[0-9]+[;,]"))
    assert doubled == spans._distinct_matches(pl.Series("t", TEXTS), r"[0-9]+[;,]", doubled=True)
    assert doubled == ["42;", "7,"]


def test_asked_queries_keep_their_batch_answers() -> None:
    batch = _batch()
    assert batch.view(0).get(("matches", r"Call")) == ["Call"]
