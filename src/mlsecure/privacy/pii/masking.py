"""Masked examples for reports: the shape of a value, never its content."""

from __future__ import annotations

import re

_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def shape_mask(value: str, *, max_len: int = 32) -> str:
    """Letters become ``x``, digits ``#``, punctuation stays: ``john.doe@acme.com`` -> ``xxxx.xxx@xxxx.xxx``."""
    text = value if len(value) <= max_len else value[:max_len] + "…"
    return _DIGIT.sub("#", _LETTER.sub("x", text))


def masked_examples(values: list[str], *, limit: int = 3) -> tuple[str, ...]:
    """Up to ``limit`` distinct masked shapes from ``values``."""
    out: list[str] = []
    for value in values:
        shape = shape_mask(value)
        if shape not in out:
            out.append(shape)
        if len(out) >= limit:
            break
    return tuple(out)
