"""Shared check of the real-repository look-alike tests: a look-alike that must pass a default scan, and its twin in
the same place that must still fail by the named rule (sessions 9-11)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from mlsecure.findings import Severity
from mlsecure.secrets.scanner import SecretScanner


def failing(tmp_path: Path, name: str, text: str) -> list[str]:
    """Rule ids at medium or above when ``text`` is scanned as the file ``name``."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [f.rule_id for f in SecretScanner().scan_paths([path]).findings if f.severity >= Severity.MEDIUM]


def assert_look_alike_pair(tmp_path: Path, name: str, rule: str, look_alike: str, twin: str) -> None:
    """The twin must fail by the rule that covers its place, not by whatever else happens to match."""
    assert failing(tmp_path / "a", name, look_alike) == []
    assert rule in failing(tmp_path / "b", name, twin)


# no 0/O, 1/l/I: a drawn value reads as no word and no placeholder
DRAWN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def drawn(rng: random.Random, length: int) -> str:
    """A twin's value: ``length`` characters drawn from ``DRAWN_ALPHABET`` (the same draws as the tests made inline)."""
    return "".join(rng.choice(DRAWN_ALPHABET) for _ in range(length))


def notebook(source: str, outputs: list[dict[str, object]] | None = None) -> str:
    """An nbformat-4 notebook of one code cell with ``source`` and its saved ``outputs``."""
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": source, "outputs": outputs or []}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def stream(text: str) -> dict[str, object]:
    """A saved stdout output of a notebook cell."""
    return {"output_type": "stream", "name": "stdout", "text": text}
