"""Typosquat detection: known answers, real incidents, and no false alarms on real package names."""

from __future__ import annotations

from importlib.metadata import distributions

import pytest

from mlsecure.supply_chain.typosquat import POPULAR, check_name, osa_distance, skeleton


@pytest.mark.parametrize(("name", "target", "kind"), [
    # names of packages actually removed from PyPI as malicious (PyPI/Snyk/ReversingLabs reports)
    ("colourama", "colorama", "edit-distance"),
    ("jeIlyfish", "jellyfish", "confusable"),  # capital I for l (2019)
    ("urlib3", "urllib3", "edit-distance"),
    ("reqeusts", "requests", "edit-distance"),
    ("djanga", "django", "edit-distance"),
    # ML package look-alikes
    ("numpi", "numpy", "edit-distance"),
    ("tourch", "torch", "edit-distance"),
    ("tensorfiow", "tensorflow", "confusable"),
    ("tensorflovv", "tensorflow", "confusable"),
    ("scikitlearn", "scikit-learn", "confusable"),
    ("scikit_learn2", "scikit-learn", "edit-distance"),
    ("transfomres", "transformers", "edit-distance"),  # two edits on a long name
    ("pand4s", "pandas", "edit-distance"),
    ("0nnx", "onnx", "confusable"),  # short names only through look-alikes
    ("matplotlob", "matplotlib", "edit-distance"),
])
def test_known_typosquats(name: str, target: str, kind: str) -> None:
    hit = check_name(name)
    assert hit is not None and (hit.target, hit.kind) == (target, kind)


@pytest.mark.parametrize("name", ["torch", "Torch", "scikit_learn", "numpy", "scapy", "torchx", "boto", "jax",
                                  "onnx", "sklearn", "pytorch", "tensorboardX", "numba", "flax", "keras"])
def test_real_names_pass(name: str) -> None:
    assert check_name(name) is None


def test_no_false_alarm_on_this_environment() -> None:
    names = {d.metadata["Name"] for d in distributions()}
    assert len(names) > 50
    assert [h for h in map(check_name, sorted(names)) if h] == []


def test_popular_names_do_not_collide() -> None:
    folded = [skeleton(n) for n in POPULAR]
    assert len(folded) == len(set(folded))


@pytest.mark.parametrize(("a", "b", "d"), [("kitten", "sitting", 3), ("ab", "ba", 1), ("ca", "abc", 3),
                                           ("torch", "torch", 0), ("", "abc", 3), ("numpy", "nupmy", 1)])
def test_osa_distance(a: str, b: str, d: int) -> None:
    """Optimal string alignment: 'ca' -> 'abc' is 3 (true Damerau-Levenshtein would say 2)."""
    assert osa_distance(a, b) == d
