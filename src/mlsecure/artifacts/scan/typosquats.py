"""Requirement names one typo away from a popular PyPI project (``reqeusts``, ``numpi``, ``scikitlearn``).

A model's ``requirements.txt`` is installed by an environment restore (MLflow, ``pip install -r``); a typosquat is
a package published under a name one slip from a popular one, and its ``setup.py`` runs at install. The check is
offline: a shipped list of the 15,000 most-downloaded projects (``data/top_pypi.txt``). A name on that list passes;
a name off it within one edit (insertion, deletion, substitution, or two adjacent letters swapped: ``1``/``l``,
a dropped or added separator) of one of the ``TARGETS`` most-downloaded is reported with the name it resembles.
Names are compared in PEP 503 form (case folded, runs of ``-_.`` as one ``-``: ``Scikit_Learn`` is
``scikit-learn``, the same project, not a squat). Names under ``MIN_LENGTH`` characters are not judged (one edit
from a 3-letter name is most 3-letter names). Both numbers were set before any measurement.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

TARGETS = 5_000  # the most-downloaded projects a squat is compared with (the list ships 15,000 known names)
MIN_LENGTH = 4
_SEPARATORS = re.compile(r"[-_.]+")


def normalise(name: str) -> str:
    """PEP 503: what PyPI and pip treat as the same project name."""
    return _SEPARATORS.sub("-", name).lower()


@functools.lru_cache(maxsize=65_536)  # a requirements file of 80,000 lines repeats names
def likely_intended(name: str) -> str | None:
    """The popular project ``name`` is one edit away from, or ``None`` (a known project, too short, or no neighbour)."""
    candidate = normalise(name.strip())
    known, index = _tables()
    if len(candidate) < MIN_LENGTH or candidate in known:
        return None
    best: tuple[int, str] | None = None
    for variant in _variants(candidate):
        for rank, target in index.get(variant, ()):
            if (best is None or rank < best[0]) and _one_edit(candidate, target):
                best = (rank, target)
    return best[1] if best else None


@functools.cache
def _tables() -> tuple[frozenset[str], dict[str, tuple[tuple[int, str], ...]]]:
    """(every shipped name, the deletion index of the ``TARGETS`` most-downloaded: variant -> (rank, name)...)."""
    text = resources.files("mlsecure.artifacts.scan").joinpath("data/top_pypi.txt").read_text(encoding="utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    index: dict[str, list[tuple[int, str]]] = {}
    for rank, target in enumerate(names[:TARGETS]):
        for variant in _variants(target):
            index.setdefault(variant, []).append((rank, target))
    return frozenset(names), {key: tuple(value) for key, value in index.items()}


def _variants(name: str) -> set[str]:
    """``name`` and every string one deletion from it: two names within one edit share one of these."""
    return {name, *(name[:i] + name[i + 1:] for i in range(len(name)))}


def _one_edit(a: str, b: str) -> bool:
    """Optimal-string-alignment distance exactly 1 (one insertion, deletion, substitution or adjacent swap)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))
