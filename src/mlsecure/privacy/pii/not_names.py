"""Capitalised words that the name passes took for people and that are not: the vetoes of issue 15's precision work.

The name lists (``name_data``) hold millions of given names and surnames of every country, and so hold most
everyday words of every language (``Loan`` is a Vietnamese given name, ``Date`` and ``Day`` are surnames,
``Agreement`` is listed). A pass that reads a capitalised word as a name because it is listed then takes a
contract's defined terms (``Loan Agreement``, ``Payment Date``, ``Business Day``) and a post's Title Case
(``Watch Live``, ``Christmas Eve``) away from every cell of the column. Session 10 attributed the spurious name
spans of the dev halves of ``tests/pii/peers2`` to their passes (``benchmarks/pii_attribution.py``); these are
the vetoes for the largest families, each of them evidence in the column's own language:

- an English contraction is no name (``I'm``, ``Let's``, ``Don't``);
- an everyday word of the column's language that the same column writes after a determiner is a role noun or a
  defined term (``the Loan``, ``this Agreement``, ``each Payment Date``): a person's name takes no determiner. It
  is no name alone, it opens no pair unless the pair is a listed given name and a listed surname (``Loan
  Agreement``, ``Payment Date``), and a name may start after it (``the Chair`` ... ``Chair Janet Yellen``);
- a lone everyday word that no list holds is no name (``Police said``).

Measured on the dev halves: a veto on everyday pairs without the determiner evidence also took ``Joe Hockey``,
``Jim Courier`` and ``Barbara Boxer`` (a surname that is an everyday word and no list holds), so it is not made.
"""

from __future__ import annotations

from collections.abc import Collection

from mlsecure.privacy.pii.name_data import fold, lexicon
from mlsecure.privacy.pii.name_parts import is_common_word, is_listed_name
from mlsecure.privacy.pii.names import GIVEN_RANK, is_contraction

# The determiners before a defined term (``social_names.DETERMINERS`` less the possessives, ``that`` and ``said``),
# and those of them that a contract uses and a headline seldom does
TERM_DETERMINERS = frozenset(("the", "a", "an", "this", "these", "those", "each", "every", "any", "such"))
_CONTRACT_DETERMINERS = TERM_DETERMINERS - {"the", "a", "an"}


def defined_terms(determined: list[str], langs: tuple[str, ...]) -> frozenset[str]:
    """The everyday words of ``langs`` that the column writes after a determiner (``determined``: the distinct
    matches of ``social_names.DETERMINED``) the way a contract writes its defined terms: after two different ones
    or after a demonstrative or quantifier (``the Loan``, ``such Loan``; ``this Agreement``; ``each Payment``). A
    person's name takes no article or demonstrative, but a title or a nickname may take one (``the Duke``, ``an
    Oscar``, ``the Boy``), and news writes ``said Wang``, ``that Wang would``, posts ``my Angel``: those are left out.
    """
    seen: dict[str, set[str]] = {}
    for match in determined:
        determiner, word = match.split(" ", 1)[0].lower(), match.rsplit(" ", 1)[-1]
        if determiner in TERM_DETERMINERS:
            seen.setdefault(word, set()).add(determiner)
    return frozenset(
        w for w, dets in seen.items() if (len(dets) >= 2 or dets & _CONTRACT_DETERMINERS) and is_common_word(w, langs)
    )


def everyday_pair(words: list[str], langs: tuple[str, ...], terms: Collection[str]) -> bool:
    """Two words opening with a ``defined_terms`` word that is no listed given name (``Payment Date``), or that is
    one before an everyday word no list holds as a surname (``Loan Agreement``); not ``Grace Park`` nor ``Oscar
    Pistorius`` where the column writes ``the Grace period`` and ``the Oscar``."""
    if len(words) != 2:
        return False
    first, last = (w.rstrip(".,") for w in words)
    if first not in terms:
        return False
    names = lexicon()
    everyday_last = is_common_word(last, langs) and not names.is_surname(fold(last))
    return not names.is_given(fold(first), max_rank=GIVEN_RANK) or everyday_last


def everyday_word(word: str, langs: tuple[str, ...], terms: Collection[str]) -> bool:
    """A lone ``defined_terms`` word (``the Loan``), or an everyday word of ``langs`` that no list holds
    (``Police said``)."""
    bare = word.rstrip(".,")
    return bare in terms or (is_common_word(bare, langs) and not is_listed_name(bare))


def not_a_name(name: str, langs: tuple[str, ...], terms: Collection[str]) -> bool:
    """Whether a name of ``names.name_windows`` is one of the families above."""
    words = name.split()
    if any(is_contraction(w) for w in words):
        return True
    if len(words) == 1:
        return everyday_word(words[0], langs, terms)
    return everyday_pair(words, langs, terms)
