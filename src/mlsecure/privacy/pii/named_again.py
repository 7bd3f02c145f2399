"""A person named in full in one text of a column and by surname alone in another: ``Bill Shorten`` in one post,
``Shorten says`` in the next; ``Shane Warne`` in one report, ``Warne took four`` in another.

A column of posts, comments or news items talks about the same people across its cells, and names them in full
only now and then. ``name_parts.spread`` takes a part of a full name only where the same text also holds the full
name, and ``speaking_surnames`` only after a verb of speech; this reads the column as one thread. The last word
of a confirmed full name of two or three words is a name wherever it stands alone in the column when:

- the full name opens with a listed given name (``Shane``, ``Bill``: not ``Royal Sussex``, ``Long Island Mac``),
  and its last word is one ``name_parts.parts`` lets stand alone (no title, no everyday word, no closed-class or
  organisation word), no town or country (``Melbourne`` of ``Melbourne McDonalds``);
- some text of the column uses it alone, with no capitalised word beside it, and it stands alone at least as
  often as inside another run of capitalised words (``Ford`` of ``Gerald Ford`` beside ``Ford Motor``, ``Ford
  Fiesta``: a brand first), and at most ``FAR`` times as often as texts name the person in full (``Python`` of
  ``Monty Python`` in a column about programming languages).

Only in a column of English (``mid_names.english_names``): the guard on everyday words is English's. Measured on the
dev halves of the peer corpora (``benchmarks/pii.md`` 0z13).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.name_parts import is_place, parts

# a column that uses the word alone more than this many times as often as it names the person in full is about
# something else (``Python`` of ``Monty Python`` in a column about programming)
FAR = 3
_MAX_WORDS = 3  # ``Jada Pinkett Smith``; longer runs are more often a title or an organisation's name
# the word just before and just after, one space away (``Gerald Ford``, ``Ford Motor``): a mark between breaks the run
_BEFORE = re.compile(r"([^\W\d_][\w'’-]*) $")
_AFTER = re.compile(r" ([^\W\d_][\w'’-]*)")
_REACH = 64  # how far back the word before is looked for: a long cell is not scanned from its start each time


def surnames(names: Iterable[str], langs: tuple[str, ...]) -> dict[str, set[str]]:
    """The last words of ``names`` (confirmed names) that may stand for the person in another text, each with the
    full names it ends."""
    out: dict[str, set[str]] = {}
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= _MAX_WORDS or not lexicon().is_given(words[0]) or is_place(words[0]):
            continue
        last = words[-1]
        if last in parts(name, langs) and not is_place(last):
            out.setdefault(last, set()).add(name)
    return out


def named_again(texts: Any, names: Iterable[str], langs: tuple[str, ...]) -> set[str]:
    """The surnames of ``names`` that ``texts`` (a list of strings or a Polars Series: one column) use alone at least
    once, no less often than inside another capitalised run, and at most ``FAR`` times as often as texts name the
    person in full (see the module docstring)."""
    ends = surnames(names, langs)
    if not ends:
        return set()
    alone: dict[str, int] = {}
    in_run: dict[str, int] = {}
    named: dict[str, int] = {}  # texts that name the person in full
    for text, hits in _texts_with(texts, sorted(ends, key=len, reverse=True)):
        for word in set(hits):
            named[word] = named.get(word, 0) + any(full in text for full in ends[word])
            for start, end in _occurrences(text, word, ends[word]):
                before = _BEFORE.search(text, max(0, start - _REACH), start)
                after = _AFTER.match(text, end)
                run = any(m is not None and m.group(1)[:1].isupper() for m in (before, after))
                (in_run if run else alone)[word] = (in_run if run else alone).get(word, 0) + 1
    return {w for w, n in alone.items() if max(1, in_run.get(w, 0)) <= n <= FAR * named.get(w, 0)}


def _occurrences(text: str, word: str, fulls: set[str]) -> list[tuple[int, int]]:
    """Where ``word`` stands in ``text`` as a whole word, outside the full names it ends."""
    covered = [(m.start(), m.end()) for full in fulls for m in re.finditer(re.escape(full), text)]
    found = re.finditer(rf"(?<![\w@#]){re.escape(word)}(?!\w)", text)
    return [m.span() for m in found if not any(s <= m.start() < e for s, e in covered)]


def _texts_with(texts: Any, words: list[str]) -> list[tuple[str, list[str]]]:
    """The texts that hold one of ``words``, each with those it holds (over a Series: one Aho-Corasick pass, so
    Python reads only the texts that hold a candidate)."""
    if isinstance(texts, list):
        return [(t, hits) for t in texts if (hits := [w for w in words if w in t])]
    found = texts.str.extract_many(words, overlapping=True)
    keep = found.list.len() > 0
    return list(zip(texts.filter(keep).to_list(), found.filter(keep).to_list(), strict=True))
