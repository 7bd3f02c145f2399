"""The longer words that hold a name (``spans._enclosing_words``) do not depend on the order of the confirmed strings
(issue 15, session 9): on main 8cd4498 they followed a set's order, so the redaction of the same file changed with
``PYTHONHASHSEED`` (peer corpus 2: 8,620 or 8,638 such words, and a different output file, for seeds 1 and 2)."""

from __future__ import annotations

import itertools

import polars as pl
import pytest

from mlsecure.privacy.pii.spans import _enclosing_words, replace_spans
from mlsecure.privacy.pii.types import PiiType

TEXT = "Eastern Europeans working in Berlin met Eas."
NAMES = ["Eas", "Eastern Europe", "Europe"]


@pytest.mark.parametrize("order", list(itertools.permutations(NAMES)))
def test_enclosing_words_whatever_the_order(order: tuple[str, ...]) -> None:
    # the longest name at a place is the one the longer word holds, as the redaction's longest-first search reads it
    assert _enclosing_words(pl.Series("t", [TEXT]), list(order)) - set(NAMES) == {"Eastern Europeans"}


@pytest.mark.parametrize("order", list(itertools.permutations(NAMES)))
def test_a_name_inside_a_longer_word_is_kept_whatever_the_order(order: tuple[str, ...]) -> None:
    found = dict.fromkeys(order, PiiType.NAME)
    out = replace_spans(pl.Series("t", [TEXT]), found, lambda value, kind: "[NAME]").to_list()
    assert out == ["Eastern Europeans working in Berlin met [NAME]."]
