"""Read CSV/TSV/Parquet/JSONL tables and NPY/NPZ arrays; every failure names the file and the cause.

Arrays are read with ``allow_pickle=False``: an ``.npy`` holding Python objects is refused, never
unpickled.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import DataFormatError, InputError, require

if TYPE_CHECKING:
    import pandas as pd

TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
                  ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
ARRAY_SUFFIXES = {".npy", ".npz"}


def load_table(path: str | Path, *, sep: str | None = None) -> pd.DataFrame:
    """Load a table as a DataFrame of the file's own types (strings stay strings).

    The format comes from the suffix; CSV vs TSV is sniffed when the suffix says neither. Ragged rows,
    undecodable bytes and empty files raise ``DataFormatError`` naming the file and line.
    """
    pd = require("pandas", "data")
    path = _existing_file(path)
    kind = TABLE_SUFFIXES.get(path.suffix.lower(), "csv")
    try:
        if kind == "parquet":
            require("pyarrow", "data")
            frame = pd.read_parquet(path)
        elif kind == "jsonl":
            frame = pd.read_json(path, lines=True)
        else:
            delimiter = sep or ("\t" if kind == "tsv" else _sniff_delimiter(path))
            _check_rectangular(path, delimiter)
            frame = pd.read_csv(path, sep=delimiter, encoding="utf-8", low_memory=False)
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: not UTF-8 text (byte {exc.start}); re-save the file as UTF-8") from None
    except (ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise DataFormatError(f"{path}: cannot read as {kind}: {str(exc).splitlines()[0]}") from None
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise DataFormatError(f"{path}: the table has no rows or no columns")
    return frame


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


def read_json_object(path: str | Path, what: str) -> dict[str, Any]:
    """Read a JSON file that must hold an object; every failure names the file and ``what`` it should be."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: the {what} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the {what} must be a JSON object")
    return data


def _existing_file(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    return path


def _sniff_delimiter(path: Path) -> str:
    with path.open("r", encoding="utf-8", newline="") as handle:
        sample = handle.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _check_rectangular(path: Path, delimiter: str) -> None:
    """pandas silently pads short rows with NaN; a ragged file is an error here, with its line.

    Files without quote characters are checked in one vectorised pass over the bytes (delimiters per
    line); quoted files, whose fields may hold delimiters and newlines, go through the csv module.
    """
    raw = path.read_bytes()
    if not raw.strip():
        raise DataFormatError(f"{path}: the file is empty")
    if b'"' not in raw and len(delimiter) == 1:
        _check_rectangular_fast(path, raw, delimiter.encode())
        return
    with path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise DataFormatError(f"{path}: the file is empty")
        width = len(header)
        for row in reader:
            if row and len(row) != width:
                raise DataFormatError(
                    f"{path}: line {reader.line_num} has {len(row)} fields but the header has {width}"
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
