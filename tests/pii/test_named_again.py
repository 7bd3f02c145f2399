"""A person named in full in one text of a column and by surname in another (``named_again``). The shapes come from
the dev halves of the peer corpora (``Bill Shorten`` in one post, ``Shorten`` in the next), rewritten; each
refusal is a look-alike the same column holds (a brand beside its model name, a firm's run of capitals, a town)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.named_again import FAR, named_again, surnames

EN = ("en",)


def redact(*texts: str) -> list[str]:
    return list(transform_text(pl.Series("text", list(texts)), Method.REDACT, key=None).to_list())


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Bill Shorten"], {"Shorten": {"Bill Shorten"}}),
        (["Jada Pinkett Smith", "Willow Smith"], {"Smith": {"Jada Pinkett Smith", "Willow Smith"}}),
        (["Manchester United"], {}),  # no given name first: a club's, a firm's words
        (["Dow Jones"], {}),
        (["Tony Melbourne"], {}),  # a town is no surname to take from every text
        (["Shane Keith Warne Junior"], {}),  # four words: a title or a firm more often than a person
        (["Shorten"], {}),  # one word: no full name to begin with
    ],
)
def test_surnames_of_confirmed_names(names: list[str], expected: dict[str, set[str]]) -> None:
    assert surnames(names, EN) == expected


def test_a_surname_alone_in_another_text_is_taken() -> None:
    texts = ["Bill Shorten visits the school today", "cannot believe what Shorten said about the budget"]
    assert named_again(texts, ["Bill Shorten"], EN) == {"Shorten"}


def test_a_surname_seen_only_beside_the_full_name_is_not_taken() -> None:
    assert named_again(["Bill Shorten visits the school today"], ["Bill Shorten"], EN) == set()


def test_a_brand_more_often_in_a_capitalised_run_than_alone_is_not_taken() -> None:
    texts = ["Gerald Ford was president", "the Ford Motor plant closed", "my Ford Fiesta broke down", "a Ford came by"]
    assert named_again(texts, ["Gerald Ford"], EN) == set()  # alone once, in a run twice
    assert named_again(texts[:2] + texts[3:], ["Gerald Ford"], EN) == {"Ford"}  # alone once, in a run once


def test_a_word_the_column_uses_alone_far_more_often_than_the_full_name_is_not_taken() -> None:
    # ``tests/pii/heldout_prose.py``: ``Monty Python`` once, ``Python`` alone in every other text about languages
    texts = ["we watched Monty Python last night", *(f"code {i} is written in Python today" for i in range(FAR + 1))]
    assert named_again(texts, ["Monty Python"], EN) == set()
    assert named_again(texts[: FAR + 1], ["Monty Python"], EN) == {"Python"}  # FAR texts alone for one full name


def test_a_mark_between_two_capitalised_words_breaks_the_run() -> None:
    texts = ["Shane Warne took four", "Australia win. Warne again", "England, Warne and the rain"]
    assert named_again(texts, ["Shane Warne"], EN) == {"Warne"}


def test_polars_and_python_paths_agree() -> None:
    texts = ["Bill Shorten visits the school today", "nobody cares", "what Shorten said", "the Ford Motor plant"]
    names = ["Bill Shorten", "Gerald Ford"]
    assert named_again(pl.Series("text", texts), names, EN) == named_again(texts, names, EN) == {"Shorten"}


def test_end_to_end_the_surname_leaves_every_text_of_the_column() -> None:
    out = redact(
        "Bill Shorten visits the school in the morning with his team",
        "cannot believe Shorten is back on the telly",  # the code before this module left it
        "the weather is lovely and the game is on at eight",
    )
    assert "Shorten" not in out[0] and "Shorten" not in out[1]
    assert out[2] == "the weather is lovely and the game is on at eight"


def test_only_in_a_column_of_english() -> None:
    # the same shape in Dutch: the English guard of ``mid_names.english_names`` keeps the surname's other texts
    texts = [
        "Gisteren heeft Bill Shorten de school bezocht en het was een mooie dag voor de kinderen",
        "ik kan niet geloven dat Shorten weer op de televisie is en dat is het",
        "het weer is mooi en de wedstrijd is om acht uur en we zijn er klaar voor",
    ]
    assert "Shorten" in redact(*texts)[1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Bill Shorten said", "Shorten", "Ford Motor", "a Ford", "Gerald Ford", "x"]),
        min_size=1,
        max_size=6,
    ).map(lambda parts: [" ".join(parts)])
)
def test_only_surnames_the_texts_hold_alone(texts: list[str]) -> None:
    names = ["Bill Shorten", "Gerald Ford"]
    found = named_again(texts, names, EN)
    assert found <= set(surnames(names, EN))
    assert all(word in texts[0] for word in found)
