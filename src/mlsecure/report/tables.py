"""Shared helper for renderers: metrics that are lists of flat records (one per column, attack, class)
are shown as tables rather than as raw JSON."""

from __future__ import annotations

from typing import Any


def as_records(value: Any, *, max_columns: int = 8) -> tuple[list[str], list[list[Any]]] | None:
    """``(header, rows)`` when ``value`` is a non-empty list of dicts of scalars, else ``None``."""
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        return None
    header: list[str] = []
    for record in value:
        for key, item in record.items():
            if key not in header and not isinstance(item, (dict, list)):
                header.append(key)
    header = header[:max_columns]
    if not header:
        return None
    return header, [[record.get(key) for key in header] for record in value]


def cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
