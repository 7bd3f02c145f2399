"""The commonest and the frequent words of each language ``dict_names`` reads, prebuilt from pyspellchecker's lists.

Why: the name rules ask of a word whether it is among a language's ``COMMON`` commonest words or counted at least
``FREQUENT`` times, and of every language here at once (a lower-case ``monika`` is raised only if it is an everyday
word of none of them). Answering that from pyspellchecker means parsing all seven of its lists, 1.6 million words
(about 1.3 s of CPU, and more on a busy machine, in every process that meets a lower-case or all-capitals text).
The two bands hold ~120,000 words in one small file (``data/word_bands.txt.gz``), read once. ``derive`` rebuilds it
from the installed lists; a test checks it against them, so the answers are the same as reading the lists.
The commonest band is written most frequent first, so ``common_rank`` also tells how common a word is (``more`` is
96th in English, ``mark`` 1,649th): ``not_names.word_before_name`` weighs that against a name's rank.
"""

from __future__ import annotations

import gzip
import heapq
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

BANDS = Path(__file__).parent / "data" / "word_bands.txt.gz"
# header line of a band: a tab, the band's name and bound, a tab, the language (no word holds a tab)
_HEADER = "\t{kind} {bound}\t{lang}"


def common_band(lang: str, common: int) -> frozenset[str] | None:
    """The ``common`` most frequent words of ``lang`` (ties at the last count taken in alphabetical order), or
    None where the file holds no such band (another bound): the caller then reads the full list."""
    return _bands().get(("common", common, lang))


def frequent_band(lang: str, count: int) -> frozenset[str] | None:
    """The words of ``lang`` counted at least ``count`` times, or None where the file holds no such band."""
    return _bands().get(("frequent", count, lang))


@cache
def common_rank(lang: str, common: int) -> dict[str, int]:
    """Each word of the ``common`` band of ``lang`` with its place by frequency (1: the most frequent); empty where
    the file holds no such band."""
    return {w: k for k, w in enumerate(_blocks().get(("common", common, lang), ()), 1)}


@cache
def _bands() -> dict[tuple[str, int, str], frozenset[str]]:
    return {key: frozenset(body) for key, body in _blocks().items()}


@cache
def _blocks() -> dict[tuple[str, int, str], tuple[str, ...]]:
    """The file's bands, each as written (the commonest band most frequent first)."""
    if not BANDS.is_file():
        return {}
    out: dict[tuple[str, int, str], tuple[str, ...]] = {}
    for block in gzip.decompress(BANDS.read_bytes()).decode("utf-8").split("\n\t")[1:]:
        header, _, body = block.partition("\n")
        band, lang = header.split("\t")
        kind, bound = band.split(" ")
        out[(kind, int(bound), lang)] = tuple(body.split("\n")) if body else ()
    return out


def top_words(counts: dict[str, int], common: int) -> frozenset[str]:
    """The ``common`` most frequent words of ``counts``: the same set as sorting by (-count, word) and taking
    ``common``, without sorting 300,000 words."""
    if len(counts) <= common:
        return frozenset(counts)
    floor = heapq.nlargest(common, counts.values())[-1]
    above = [w for w, c in counts.items() if c > floor]
    return frozenset(above + sorted(w for w, c in counts.items() if c == floor)[: common - len(above)])


def by_frequency(band: Iterable[str], counts: dict[str, int]) -> list[str]:
    """``band`` most frequent first, ties alphabetically: the order ``common_rank`` reads."""
    return sorted(band, key=lambda w: (-counts[w], w))


def derive(
    words: Callable[[str], dict[str, int]], langs: Iterable[str], *, common: int, frequent: int, out: Path = BANDS
) -> int:
    """Rebuild ``out`` from the full lists (``dict_names.words``): the developer's step after a new pyspellchecker.
    Returns the number of words written."""
    lines: list[str] = []
    for lang in langs:
        counts = words(lang)
        if any("\t" in w or "\n" in w for w in counts):
            raise ValueError(f"a word of the {lang} list holds a tab or a line break: the file cannot hold it")
        for kind, bound, band in (
            ("common", common, top_words(counts, common)),
            ("frequent", frequent, frozenset(w for w, c in counts.items() if c >= frequent)),
        ):
            lines.append(_HEADER.format(kind=kind, bound=bound, lang=lang))
            # the commonest most frequent first (``common_rank``); the frequent band alphabetically (it packs smaller)
            lines.extend(by_frequency(band, counts) if kind == "common" else sorted(band))
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write(("\n" + "\n".join(lines)).encode("utf-8"))
    return sum(not line.startswith("\t") for line in lines)
