"""Read CSV/TSV/Parquet/JSONL/Arrow tables and NPY/NPZ arrays; every failure names the file and the cause.

Arrays are read with ``allow_pickle=False``: an ``.npy`` holding Python objects is refused, never
unpickled.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.data.source import COLUMNS_ENV, TABLE_SUFFIXES, PreparedTable, max_columns, prepared_table
from mlsecure.errors import DataFormatError, InputError, LimitExceededError, require
from mlsecure.io.inputs import check_input, input_os_error

if TYPE_CHECKING:
    import pandas as pd

ARRAY_SUFFIXES = {".npy", ".npz"}
__all__ = ["ARRAY_SUFFIXES", "JSON_VALUES", "TABLE_SUFFIXES", "JsonValues", "load_array", "load_table",
           "read_json_object"]
JSON_VALUES = "mlsecure.json_values"  # key in a JSONL frame's ``attrs``: see ``JsonValues``


class JsonValues:
    """The JSON values of the JSONL fields no pandas column holds as read (nested objects/arrays, fields
    mixing types, integers beside floats), per field in row order, for ``frame.attrs[JSON_VALUES]``.

    The frame's own columns stay what other readers expect (nested values as JSON text, floats as floats);
    anonymize writes these values back. ``index`` is the frame's index object: a frame derived from it
    (sorted, filtered, sliced) has another, so its rows are never matched to these values. Shared, not
    copied, when pandas copies ``attrs``."""

    def __init__(self, columns: dict[str, list[Any]], index: Any) -> None:
        self.columns = columns
        self.index = index

    def __deepcopy__(self, memo: dict[int, Any]) -> JsonValues:
        return self

    def for_frame(self, frame: Any) -> dict[str, list[Any]]:
        """The values that belong to ``frame``'s rows: all of them for the frame read, none for another."""
        return self.columns if frame.index is self.index else {}


def load_table(path: str | Path, *, sep: str | None = None) -> pd.DataFrame:
    """Load a table as a DataFrame of the file's own types (strings stay strings).

    The file is opened by ``data.source.prepared_table`` (special files refused, compression and
    encoding detected, duplicate column names refused); ragged rows, undecodable bytes and empty files
    raise ``DataFormatError`` naming the file and line.
    """
    pd = require("pandas", "data")
    with prepared_table(path, sep=sep) as table:
        frame = _read(pd, table)
    _check_width(table.source, frame.shape[1])
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise DataFormatError(f"{table.source}: the table has no rows or no columns")
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise DataFormatError(f"{table.source}: column name {duplicated[0]!r} appears more than once; "
                              "give every column a unique name")
    return frame


def _check_width(source: Path, columns: int) -> None:
    limit = max_columns()
    if columns > limit:
        raise LimitExceededError(f"{source}: {columns} columns; at most {limit} are read (select the columns to "
                              f"check, or raise ${COLUMNS_ENV})")


def _read(pd: Any, table: PreparedTable) -> pd.DataFrame:
    try:
        if table.kind == "parquet":
            parquet = require("pyarrow.parquet", "data")
            _check_width(table.source, len(parquet.read_schema(table.path).names))
            return pd.read_parquet(table.path)
        if table.kind == "arrow":
            feather = require("pyarrow.feather", "data")
            return feather.read_table(str(table.path)).to_pandas()
        if table.kind == "jsonl":
            return _read_jsonl(pd, table.source, table.path)
        separator = table.separator or ","
        _check_rectangular(table.source, table.path, separator)
        # repeated header names were refused already, so pandas never renames a column here
        return pd.read_csv(table.path, sep=separator, encoding="utf-8", low_memory=False)
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{table.source}: not UTF-8 text (byte {exc.start}); re-save the file as UTF-8") from None
    except (ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise DataFormatError(f"{table.source}: cannot read as {table.kind}: {str(exc).splitlines()[0]}") from None


INT64 = (-(1 << 63), (1 << 63) - 1)
UINT64 = (0, (1 << 64) - 1)


def _read_jsonl(pd: Any, source: Path, path: Path) -> pd.DataFrame:
    """JSON Lines with each field in its JSON type: no type guessing ("02134" stays a string, an ISO date
    stays text), integers stay integers (nullable ``Int64``/``UInt64`` where a row lacks the field or holds
    null, never float, so 2**53 + 1 keeps its last digit), a nested object or array becomes its JSON text.
    Fields no column holds as read keep their JSON values in ``frame.attrs[JSON_VALUES]``. An integer no
    64-bit column can hold is an error naming the line and field, not a float."""
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
    if as_read:
        frame.attrs[JSON_VALUES] = JsonValues(as_read, frame.index)
    return frame


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
