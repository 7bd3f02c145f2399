"""Read CSV/TSV/Parquet/JSONL/Arrow tables and NPY/NPZ arrays; every failure names the file and the cause.

Arrays are read with ``allow_pickle=False``: an ``.npy`` holding Python objects is refused, never
unpickled.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, repeat
from operator import is_not
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.data.source import COLUMNS_ENV, TABLE_SUFFIXES, PreparedTable, max_columns, prepared_table
from mlsecure.errors import DataFormatError, InputError, LimitExceededError, require
from mlsecure.io.inputs import check_input, input_os_error

if TYPE_CHECKING:
    import pandas as pd

ARRAY_SUFFIXES = {".npy", ".npz"}
__all__ = ["ARRAY_SUFFIXES", "TABLE_SUFFIXES", "LoadedTable", "load_array", "load_table", "read_json_object",
           "read_table"]


@dataclass(frozen=True)
class LoadedTable:
    """A table as read: ``frame``, what ``load_table`` returns, and ``json_values``, the JSON values of the
    JSONL fields no pandas column holds as read (nested objects/arrays, fields mixing types, integers beside
    floats), per field, one per row of ``frame`` in file order; empty for every other format.

    The frame's own columns stay what other readers expect (nested values as JSON text, floats as floats);
    anonymize writes ``json_values`` back (``privacy.pii.frame.to_polars``). They travel beside the frame, not
    inside it, so a copy of the frame cannot drop them unseen; ``checked_json_values`` refuses a frame whose
    rows or columns no longer match them (sorted, filtered, reindexed, a field renamed, dropped or changed).
    ``read_columns``: those fields' columns as the reader made them, to compare the frame's with."""

    frame: pd.DataFrame
    json_values: Mapping[str, list[Any]] = field(default_factory=dict)
    read_columns: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def checked_json_values(self) -> Mapping[str, list[Any]]:
        """``json_values``, after checking that row ``i`` of ``frame`` is still line ``i`` of the file (the
        index is the reader's ``0..n-1``, and each such field is a column equal to the one read: a frame sorted
        and renumbered is caught too, unless it only swapped rows whose cells of these fields are equal);
        ``InputError`` if not."""
        if not self.json_values:
            return self.json_values
        index, rows, columns = self.frame.index, len(self.frame), self.frame.columns
        in_order = (index.dtype.kind == "i" and index.is_monotonic_increasing and index.is_unique
                    and rows > 0 and index[0] == 0 and index[-1] == rows - 1)
        lost = [name for name in self.json_values if name not in columns]
        changed = [name for name, read in self.read_columns.items() if name in columns
                   and not self.frame[name].equals(read)]
        if not in_order or lost or changed or any(len(v) != rows for v in self.json_values.values()):
            if lost:
                what = f"field {lost[0]!r} is no longer a column"
            elif changed and in_order:
                what = f"field {changed[0]!r} is no longer the column read"
            else:
                what = "its rows are no longer the rows read"
            raise InputError(f"a JSONL table's frame no longer matches the JSON values read with it ({what}): pass "
                             "the frame as read, or rebuild the table with read_table")
        return self.json_values


def load_table(path: str | Path, *, sep: str | None = None) -> pd.DataFrame:
    """Load a table as a DataFrame of the file's own types (strings stay strings).

    The file is opened by ``data.source.prepared_table`` (special files refused, compression and
    encoding detected, duplicate column names refused); ragged rows, undecodable bytes and empty files
    raise ``DataFormatError`` naming the file and line. A JSONL field's values that no column holds as
    read (nested, mixed types) are in ``read_table(path).json_values``.
    """
    return read_table(path, sep=sep).frame


def read_table(path: str | Path, *, sep: str | None = None) -> LoadedTable:
    """``load_table``'s frame together with the JSON values of a JSONL file's nested and mixed fields."""
    pd = require("pandas", "data")
    with prepared_table(path, sep=sep) as table:
        loaded = _read(pd, table)
    frame = loaded.frame
    _check_width(table.source, frame.shape[1])
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise DataFormatError(f"{table.source}: the table has no rows or no columns")
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise DataFormatError(f"{table.source}: column name {duplicated[0]!r} appears more than once; "
                              "give every column a unique name")
    return loaded


def _check_width(source: Path, columns: int) -> None:
    limit = max_columns()
    if columns > limit:
        raise LimitExceededError(f"{source}: {columns} columns; at most {limit} are read (select the columns to "
                              f"check, or raise ${COLUMNS_ENV})")


def _read(pd: Any, table: PreparedTable) -> LoadedTable:
    try:
        if table.kind == "parquet":
            parquet = require("pyarrow.parquet", "data")
            _check_width(table.source, len(parquet.read_schema(table.path).names))
            return LoadedTable(pd.read_parquet(table.path))
        if table.kind == "arrow":
            feather = require("pyarrow.feather", "data")
            return LoadedTable(feather.read_table(str(table.path)).to_pandas())
        if table.kind == "jsonl":
            return _read_jsonl(pd, table.source, table.path)
        separator = table.separator or ","
        _check_rectangular(table.source, table.path, separator)
        # repeated header names were refused already, so pandas never renames a column here
        return LoadedTable(pd.read_csv(table.path, sep=separator, encoding="utf-8", low_memory=False))
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{table.source}: not UTF-8 text (byte {exc.start}); re-save the file as UTF-8") from None
    except (ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise DataFormatError(f"{table.source}: cannot read as {table.kind}: {str(exc).splitlines()[0]}") from None


INT64 = (-(1 << 63), (1 << 63) - 1)
UINT64 = (0, (1 << 64) - 1)


JSONL_CHUNK = 4096  # lines parsed before their fields are moved into the columns (bounds the dicts held)


class _Absent:
    """The type of ``ABSENT``, a field a line does not have: pandas reads it as NaN where a null is None (a
    field of nulls and absences is a float column, one of nulls only an object column), JSON as null."""


ABSENT = _Absent()
_ABSENT_AS_NULL, _ABSENT_AS_NAN = {ABSENT: None}, {ABSENT: float("nan")}
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # ``json.dumps`` with these, built once


def _read_jsonl(pd: Any, source: Path, path: Path) -> LoadedTable:
    """JSON Lines with each field in its JSON type: no type guessing ("02134" stays a string, an ISO date
    stays text), integers stay integers (nullable ``Int64``/``UInt64`` where a row lacks the field or holds
    null, never float, so 2**53 + 1 keeps its last digit), a nested object or array becomes its JSON text.
    Fields no column holds as read keep their JSON values in ``LoadedTable.json_values``. An integer no
    64-bit column can hold is an error naming the line and field, not a float.

    Lines are parsed a chunk at a time and their fields moved into one list per field, so the file is held
    once (as those lists), not as a list of dicts beside them; a field's JSON types come from one pass over
    its cells in C (``map``), and only nested fields are walked in Python (to write their JSON text)."""
    columns: dict[str, list[Any]] = {}  # fields in the order they first appear
    chunk: list[dict[str, Any]] = []
    rows = 0
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
            chunk.append(record)
            if len(chunk) == JSONL_CHUNK:
                rows = _into_columns(columns, chunk, rows)
    rows = _into_columns(columns, chunk, rows)
    if not rows:
        raise DataFormatError(f"{source}: the file is empty")
    data: dict[str, Any] = {}
    json_values: dict[str, list[Any]] = {}
    for name in list(columns):
        values = columns.pop(name)  # (the list goes as its column is made, unless kept as JSON values)
        data[name], kept = _jsonl_column(pd, source, path, name, values)
        if kept is not None:
            json_values[name] = kept
    frame = pd.DataFrame(data, copy=False) if data else pd.DataFrame([{}] * rows)  # (only ``{}`` lines)
    return LoadedTable(frame, json_values, {name: data[name] for name in json_values})


def _into_columns(columns: dict[str, list[Any]], chunk: list[dict[str, Any]], rows: int) -> int:
    """Move a chunk of parsed lines into the per-field lists, ``ABSENT`` where a line lacks the field (in
    every earlier row for a field first seen here); empties ``chunk`` and returns the rows now held."""
    for name in dict.fromkeys(chain.from_iterable(chunk)):
        if name not in columns:
            columns[name] = [ABSENT] * rows
    for name, column in columns.items():
        column.extend(map(dict.get, chunk, repeat(name), repeat(ABSENT)))
    rows += len(chunk)
    chunk.clear()
    return rows


def _jsonl_column(pd: Any, source: Path, path: Path, name: str, values: list[Any]) -> tuple[Any, list[Any] | None]:
    """A field's column, and its JSON values (null where absent) where the column does not hold them as read:
    a field of nested values or of more than one JSON type (1 and 2.5, 1 and "a"), which a column would write
    back otherwise (as JSON text, 2.0, "1"). Integers (and nulls) make a 64-bit integer column, nested values
    their JSON text; any other field is the column pandas makes of the values (absent ones NaN)."""
    types = set(map(type, values))
    absent = _Absent in types
    kinds = types - {_Absent, type(None)}
    if dict in kinds or list in kinds:
        encode = _COMPACT.encode
        text = pd.Series([encode(v) if isinstance(v, dict | list) else None if v is ABSENT else v for v in values],
                         dtype=object)
        return text, [None if v is ABSENT else v for v in values] if absent else values
    if kinds != {int}:
        column = pd.Series(list(map(_ABSENT_AS_NAN.get, values, values)) if absent else values)
        return column, (list(map(_ABSENT_AS_NULL.get, values, values)) if absent else values) if len(kinds) > 1 \
            else None
    if absent:
        values = list(map(_ABSENT_AS_NULL.get, values, values))
    nullable = len(types) > 1
    present = list(filter(partial(is_not, None), values)) if nullable else values
    low, high = min(present), max(present)
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
    return pd.Series(values, dtype=dtype), None


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


def load_array(path: str | Path) -> np.ndarray | dict[str, np.ndarray]:
    """Load an ``.npy`` array or the arrays of an ``.npz`` archive, never unpickling objects."""
    path = _existing_file(path)
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataFormatError(f"{path}: refused: the array holds Python objects (pickle): {exc}") from None
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: not a NumPy .npy/.npz file: {exc}") from None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            try:
                return {name: loaded[name] for name in loaded.files}
            except ValueError as exc:
                raise DataFormatError(f"{path}: refused: an array holds Python objects: {exc}") from None
    return np.asarray(loaded)


def read_json_object(path: str | Path, what: str, *, max_bytes: int = 64 * 1024 * 1024) -> dict[str, Any]:
    """Read a JSON file that must hold an object; every failure names the file and ``what`` it should be.

    Special files are refused before opening, the size is bounded, and NaN/Infinity (not JSON) and
    nesting too deep for the parser are errors, not crashes."""
    path = Path(path)
    info = check_input(path, what=what)
    if info.st_size > max_bytes:
        raise InputError(f"{path}: the {what} is {info.st_size} bytes; at most {max_bytes} expected")
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except OSError as exc:
        raise input_os_error(path, exc, what) from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: the {what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: the {what} is nested too deeply to be a genuine {what}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the {what} must be a JSON object")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _existing_file(path: str | Path) -> Path:
    path = Path(path)
    check_input(path)
    return path


def check_rectangular(source: Path, path: Path, delimiter: str) -> None:
    """Raise ``DataFormatError`` naming the first line whose field count differs from the header's."""
    _check_rectangular(source, path, delimiter)


def _check_rectangular(source: Path, path: Path, delimiter: str) -> None:
    """pandas silently pads short rows with NaN; a ragged file is an error here, with its line.

    Files without quote characters are checked in one vectorised pass over the bytes (delimiters per
    line); quoted files, whose fields may hold delimiters and newlines, go through the csv module.
    """
    raw = path.read_bytes()
    if not raw.strip():
        raise DataFormatError(f"{source}: the file is empty")
    if b'"' not in raw and len(delimiter) == 1:
        _check_rectangular_fast(source, raw, delimiter.encode())
        return
    with path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise DataFormatError(f"{source}: the file is empty")
        width = len(header)
        for row in reader:
            if row and len(row) != width:
                raise DataFormatError(
                    f"{source}: line {reader.line_num} has {len(row)} fields but the header has {width}"
                )


def _check_rectangular_fast(path: Path, raw: bytes, delimiter: bytes) -> None:
    buf = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(buf == ord("\n"))
    if len(newlines) == 0 or newlines[-1] != len(buf) - 1:
        newlines = np.append(newlines, len(buf))  # last line without a trailing newline
    delimiters = np.flatnonzero(buf == delimiter[0])
    starts = np.concatenate(([0], newlines[:-1] + 1))
    per_line = np.searchsorted(delimiters, newlines) - np.searchsorted(delimiters, starts)
    non_blank = (newlines - starts) > np.where(buf[np.maximum(newlines - 1, 0)] == ord("\r"), 1, 0)
    per_line = per_line[non_blank]
    line_numbers = np.flatnonzero(non_blank) + 1
    bad = np.flatnonzero(per_line != per_line[0])
    if len(bad):
        i = bad[0]
        raise DataFormatError(
            f"{path}: line {line_numbers[i]} has {per_line[i] + 1} fields but the header has {per_line[0] + 1}"
        )
