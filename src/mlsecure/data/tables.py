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
__all__ = ["ARRAY_SUFFIXES", "TABLE_SUFFIXES", "load_array", "load_table", "read_json_object"]


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
            # dtype=False: no type guessing, so a JSON string stays a string ("02134" keeps its zero, an
            # ISO date stays text) and a JSON number stays a number
            return pd.read_json(table.path, lines=True, encoding="utf-8", dtype=False)
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
