"""The prebuilt word bands (``word_bands``) answer as the full pyspellchecker lists do (issue 15, session 9): the
shipped file is an oracle-checked copy of a part of the installed lists, and the queries that use it give the same
answers as the code that read the lists."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from mlsecure.privacy.pii import word_bands
from mlsecure.privacy.pii.dict_names import CONTEXT_COUNT, STOPS, frequent, words
from mlsecure.privacy.pii.lower_names import _LONE_COUNT, _known_language
from mlsecure.privacy.pii.name_parts import COMMON, common_words

pytestmark = pytest.mark.slow  # reads the seven full lists (about 2 s)


@pytest.mark.parametrize("lang", STOPS)
def test_shipped_bands_are_the_installed_lists(lang: str) -> None:
    counts = words(lang)
    assert word_bands.common_band(lang, COMMON) == word_bands.top_words(counts, COMMON)
    assert word_bands.frequent_band(lang, CONTEXT_COUNT) == {w for w, c in counts.items() if c >= CONTEXT_COUNT}
    # the top words as the code computed them before the bands: sorted by (-count, word), the first COMMON
    assert common_words(lang) == frozenset(sorted(counts, key=lambda w: (-counts[w], w))[:COMMON])


def test_bounds_in_use_are_the_shipped_ones() -> None:
    """Each bound the name rules ask for is in the file: none of them reads a full list for it."""
    assert _LONE_COUNT == CONTEXT_COUNT
    for lang in STOPS:
        assert word_bands.common_band(lang, COMMON) is not None
        assert word_bands.frequent_band(lang, CONTEXT_COUNT) is not None
    assert word_bands.frequent_band("en", CONTEXT_COUNT + 1) is None  # another bound: the caller reads the list


def test_another_bound_falls_back_to_the_list() -> None:
    assert frequent("es", 5000) == {w for w, c in words("es").items() if c >= 5000}


def test_derive_rebuilds_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "bands.txt.gz"
    n = word_bands.derive(words, STOPS, common=COMMON, frequent=CONTEXT_COUNT, out=out)
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(word_bands.BANDS.read_bytes())
    assert n == sum(
        len(word_bands.common_band(lang, COMMON) or ()) + len(word_bands.frequent_band(lang, CONTEXT_COUNT) or ())
        for lang in STOPS
    )


@pytest.mark.parametrize(
    ("text", "known"),
    [
        ("follow up with monika about the invoice tomorrow", True),  # English: the frequent band alone covers it
        ("egy nagy kutya ment el a városba ma reggel", False),  # Hungarian: no list here covers it
        ("aardvark aardwolf abacus abaft abalone abandon", True),  # rare English words: only the full list knows them
    ],
)
def test_known_language_as_the_full_lists_say(text: str, known: bool) -> None:
    tokens = text.split()
    full = any(sum(w in words(lang) for w in tokens) >= 0.6 * len(tokens) for lang in STOPS)
    assert _known_language(tokens) is known is full


@pytest.mark.parametrize("lang", STOPS)
def test_common_rank_is_the_place_by_frequency(lang: str) -> None:
    counts = words(lang)
    ranks = word_bands.common_rank(lang, COMMON)
    assert sorted(ranks, key=ranks.__getitem__) == sorted(counts, key=lambda w: (-counts[w], w))[:COMMON]


def test_common_rank_of_another_bound_is_empty() -> None:
    assert word_bands.common_rank("en", COMMON + 1) == {}
    assert word_bands.common_rank("en", COMMON)["the"] == 1
