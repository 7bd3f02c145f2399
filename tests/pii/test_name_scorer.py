"""``name_scorer``: the feature hashing, the shipped weights, the training's reproducibility and the hook."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from mlsecure.privacy.pii import spans
from mlsecure.privacy.pii.name_scorer import (
    BUCKETS,
    feature_ids,
    is_candidate,
    learned_names,
    scorer,
    shape,
    stable_hash,
    token_table,
)
from mlsecure.privacy.pii.spans import confirmed_strings
from mlsecure.privacy.pii.types import PiiType

pl = pytest.importorskip("polars")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


def test_stable_hash_known_answers() -> None:
    assert stable_hash("abc") == zlib.crc32(b"abc") % BUCKETS == 16834
    assert stable_hash("self.w=smith") == 76165
    assert stable_hash("é") == zlib.crc32("é".encode()) % BUCKETS


def test_shape_and_candidates() -> None:
    assert [shape(w) for w in ("Smith", "McDonald", "O'Neil", "USA", "x")] == ["Xx", "XxXx", "X'Xx", "X", "x"]
    assert is_candidate("Smith") and is_candidate("Kowalczyk")
    assert not is_candidate("the") and not is_candidate("will")  # listed surnames, but everyday words
    assert is_candidate("kowalski") and not is_candidate("obama")  # listed names only; no common word


def test_token_table_neighbours_and_sentence_start() -> None:
    table = token_table(['Yesterday Mr Smith said: "Jones', "one"])
    rows = table.select("word", "p1", "n1", "start", "quoted").rows()
    assert rows[2] == ("Smith", "Mr", "said", False, False)
    assert rows[4] == ("Jones", "said", "", True, True)  # after a colon, in quotes
    assert rows[5] == ("one", "", "", True, False)  # the next cell starts afresh


def test_shipped_weights_score_a_fixed_sentence() -> None:
    model = scorer()
    assert model.weights.shape == (BUCKETS,) and model.weights.dtype == np.float32
    table = token_table(["I met Kowalczyk at the station on Monday"])
    table = table.filter(pl.col("word").is_in(["Kowalczyk", "Monday"]))
    probs = model.probabilities(feature_ids(table, ("en",)))
    assert probs.round(3).tolist() == pytest.approx(EXPECTED_PROBS, abs=0.002)
    assert 0.45 < model.threshold < 0.7 and model.bias == pytest.approx(-0.4992, abs=1e-4)


EXPECTED_PROBS = [0.454, 0.018]  # the name near 0.5, the weekday near 0


def test_training_is_reproducible_on_a_tiny_corpus() -> None:
    from train_name_scorer import Doc, design, fit

    docs = [
        Doc("tiny", str(i), text, tuple(persons))
        for i, (text, persons) in enumerate(
            [
                ("Yesterday Kowalski said the plan was fine", [(10, 18)]),
                ("The Board said the plan was fine", []),
                ("Then Novak said the budget was late", [(5, 10)]),
                ("The Council said the budget was late", []),
            ]
            * 3
        )
    ]
    x, y, _ = design(docs)
    first, second = fit(x, y), fit(x, y)
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    assert y.sum() == 6 and y.size == 24  # 2 names and 6 capitalised words (incl. ``The``) x 3
    probs = 1 / (1 + np.exp(-(np.asarray(x @ first[0].astype(np.float64)).ravel() + first[1])))
    assert probs[y == 1].min() > probs[y == 0].max()


def test_no_score_in_a_column_of_no_known_language() -> None:
    assert learned_names(["Virtanen sanoi että kaikki on hyvin"], (), set()) == set()


HOOK_TEXTS = [
    "I had lunch with Oyelaran today and we talked about the weather and the news of the week",
    "The Committee will meet again on Monday to discuss the proposal for the new school",
    "lol Obama is on tv again with the same old story about the economy",
    "Just saw Drake at the airport and he was so nice to all the fans",
]


def test_hook_redacts_a_name_the_rules_miss_and_keeps_a_word(monkeypatch: pytest.MonkeyPatch) -> None:
    rules_only = confirmed_strings(pl.Series("t", HOOK_TEXTS))  # the hook is off by default (section 0z11)
    monkeypatch.setattr(spans, "LEARNED_NAMES", True)
    with_model = confirmed_strings(pl.Series("t", HOOK_TEXTS))
    assert "Obama" not in rules_only and rules_only.get("Drake") is PiiType.NAME
    assert with_model.get("Obama") is PiiType.NAME  # a public figure no frame holds
    assert not {"Monday", "Committee", "The"} & set(with_model)
