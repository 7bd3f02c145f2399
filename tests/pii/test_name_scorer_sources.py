"""``benchmarks/name_scorer_sources.py``: LitBank's brat lines become tagged sentences, and a sentence a measured
corpus holds is dropped before training (known answers on small hand-made inputs; the mirrors are not needed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from name_scorer_sources import LONG, SHORT, _filtered, _shingles, _tagged_lines, _words


def test_litbank_lines_tag_proper_person_spans_only() -> None:
    text = "Sir Walter Elliot met Anne .\nThe printer came ."
    persons = [(0, 17), (22, 26)]  # "Sir Walter Elliot", "Anne"; "The printer" (a nominal mention) is not given
    lines = list(_tagged_lines(text, persons))
    assert lines == [
        [("Sir", "B-PER"), ("Walter", "I-PER"), ("Elliot", "I-PER"), ("met", "O"), ("Anne", "B-PER"), (".", "O")],
        [("The", "O"), ("printer", "O"), ("came", "O"), (".", "O")],
    ]


def test_two_adjacent_person_spans_stay_two() -> None:
    assert [t for _, t in next(_tagged_lines("Anne Mary", [(0, 4), (5, 9)]))] == ["B-PER", "B-PER"]


def _measured(*texts: str) -> tuple[set[int], set[int]]:
    long: set[int] = set()
    short: set[int] = set()
    for text in texts:
        long.update(_shingles(_words(text), LONG))
        short.update(_shingles(_words(text), SHORT))
    return long, short


def test_sentences_in_a_measured_corpus_are_dropped() -> None:
    measured = _measured(
        "Before that, one two three four five six seven eight nine ten eleven, and more. Ann saw Bob at home."
    )
    ten = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    leaked_long = [(w, "O") for w in ["zero", *ten]]  # its last 10 words are in the measured text
    leaked_short = [("ann", "B-PER"), ("saw", "O"), ("bob", "B-PER"), ("at", "O"), ("home", "O")]
    fresh = [("Mary", "B-PER"), ("walked", "O"), ("to", "O"), ("the", "O"), ("old", "O"), ("mill", "O"), (".", "O")]
    tiny = [("Yes", "O"), (".", "O")]
    loaded = _filtered("t", [("d1", [leaked_long, fresh]), ("d2", [leaked_short, tiny])], measured, " ")
    assert (loaded.sentences, loaded.dropped, loaded.short_kept) == (4, 2, 1)
    assert [(d.doc, d.text, d.persons) for d in loaded.docs] == [
        ("d1", "Mary walked to the old mill.", ((0, 4),)),
        ("d2", "Yes.", ()),
    ]


def test_a_short_sentence_sharing_only_some_shingles_is_kept() -> None:
    measured = _measured("one two three four five")
    sent = [(w, "O") for w in ["one", "two", "three", "four", "five", "six"]]  # its second 5-gram is new
    assert _filtered("t", [("d", [sent])], measured, " ").dropped == 0
