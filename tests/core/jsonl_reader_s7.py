"""The JSON Lines reader as it was at c56238d (session 7), kept as the reference the current reader
(``mlsecure.data.tables``) must agree with, frame for frame and value for value, and as the "old" side of
the speed A/B in ``benchmarks/bench_jsonl_read.py``. Not used by the library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlsecure.errors import DataFormatError

INT64 = (-(1 << 63), (1 << 63) - 1)
UINT64 = (0, (1 << 64) - 1)


def read_jsonl_s7(pd: Any, source: Path, path: Path) -> tuple[Any, dict[str, list[Any]]]:
    """JSON Lines with each field in its JSON type: no type guessing ("02134" stays a string, an ISO date
    stays text), integers stay integers (nullable ``Int64``/``UInt64`` where a row lacks the field or holds
    null, never float, so 2**53 + 1 keeps its last digit), a nested object or array becomes its JSON text.
    Returns the frame and the JSON values of the fields no column holds as read (session 7 kept these in
    ``frame.attrs``). An integer no 64-bit column can hold is an error naming the line and field, not a float."""
    records: list[dict[str, Any]] = []
    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError(f"{source}: line {number} is not valid JSON: {exc.msg} (column {exc.colno})"
                                      ) from None
            except RecursionError:
                raise DataFormatError(f"{source}: line {number} is nested too deeply to read") from None
            if not isinstance(record, dict):
                raise DataFormatError(f"{source}: line {number} is a JSON {type(record).__name__}, not an object; "
                                      "JSON Lines tables hold one object per line")
            records.append(record)
    if not records:
        raise DataFormatError(f"{source}: the file is empty")
    frame = pd.DataFrame(records)  # fields in the order they first appear; absent ones null
    as_read: dict[str, list[Any]] = {}
    for name in frame.columns:
        if frame[name].dtype.kind in "fO":  # where pandas may have made floats of integers, or kept dicts
            values = [r.get(name) for r in records]
            fixed = _jsonl_column(pd, source, path, name, values)
            if fixed is not None:
                frame[name] = fixed
            if _not_one_type(values):
                as_read[str(name)] = values
    return frame, as_read


def _not_one_type(values: list[Any]) -> bool:
    """Whether a field holds nested values or more than one JSON type (1 and 2.5, 1 and "a"): a pandas
    column would write such a field back differently (JSON text, 2.0, "1")."""
    kinds = {type(v) for v in values if v is not None}
    return len(kinds) > 1 or bool(kinds & {dict, list})


def _jsonl_column(pd: Any, source: Path, path: Path, name: str, values: list[Any]) -> Any:
    """A field of JSON integers (and nulls) as a 64-bit integer Series, one with nested values with those
    as JSON text; None where pandas' own column is already right (floats, strings, mixed scalars)."""
    present = [v for v in values if v is not None]
    if any(isinstance(v, dict | list) for v in present):
        return pd.Series([json.dumps(v, ensure_ascii=False, separators=(",", ":")) if isinstance(v, dict | list)
                          else v for v in values], dtype=object)
    if not present or not all(type(v) is int for v in present):
        return None
    low, high = min(present), max(present)
    nullable = len(present) < len(values)
    if INT64[0] <= low and high <= INT64[1]:
        dtype = "Int64" if nullable else "int64"
    elif UINT64[0] <= low and high <= UINT64[1]:
        dtype = "UInt64" if nullable else "uint64"
    else:
        if high > UINT64[1]:
            bad = next(v for v in present if v > UINT64[1])
        elif low < INT64[0]:
            bad = next(v for v in present if v < INT64[0])
        else:  # negative values and values above the int64 range in one field
            bad = next(v for v in present if v > INT64[1])
        raise DataFormatError(f"{source}: line {_line_of(path, values.index(bad))}, field {name!r}: the integer "
                              f"{bad} does not fit a 64-bit column together with the field's other values "
                              f"(range {low}..{high}); write such identifiers as JSON strings")
    return pd.Series(values, dtype=dtype)


def _line_of(path: Path, row: int) -> int:
    """The 1-based line number of the ``row``-th non-blank line (only read again to name an error)."""
    with path.open("r", encoding="utf-8") as handle:
        seen = -1
        for number, line in enumerate(handle, start=1):
            if line.strip():
                seen += 1
                if seen == row:
                    return number
    return row + 1
