"""Tables as Polars frames of strings: from pandas/Polars objects and from files, in batches.

Every cell is read as text (a ZIP code keeps its leading zero, a phone number is not turned into a
float), stripped, with empty cells as null. CSV/TSV files are scanned lazily so a sample or a batch
never needs the whole file in memory; Parquet and JSONL go through ``mlsecure.data.load_table``.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlsecure.data.tables import TABLE_SUFFIXES, load_table
from mlsecure.errors import DataFormatError, InputError, require


def polars() -> Any:
    return require("polars", "data")


def to_strings(frame: Any) -> Any:
    """A pandas or Polars DataFrame as a Polars DataFrame of stripped strings (empty -> null)."""
    pl = polars()
    if isinstance(frame, pl.DataFrame):
        out = frame
    elif hasattr(frame, "to_numpy") and hasattr(frame, "columns") and hasattr(frame, "astype"):
        data = {str(c): frame[c].astype("string") for c in frame.columns}
        out = pl.DataFrame({c: pl.Series(c, s.to_numpy(na_value=None), dtype=pl.Utf8) for c, s in data.items()})
    else:
        raise InputError(f"expected a pandas or Polars DataFrame, got {type(frame).__name__}")
    exprs = [pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None).alias(c) for c in out.columns]
    return out.select(exprs)


def file_kind(path: Path) -> str:
    return TABLE_SUFFIXES.get(path.suffix.lower(), "csv")


def read_head(path: str | Path, n_rows: int) -> Any:
    """The first ``n_rows`` rows of a table file as strings."""
    return next(iter_batches(path, batch_rows=n_rows, limit=n_rows))


def iter_batches(path: str | Path, *, batch_rows: int = 100_000, limit: int | None = None) -> Iterator[Any]:
    """Yield the table in batches of string columns; CSV/TSV are streamed, never loaded whole."""
    pl = polars()
    path = _checked(path)
    kind = file_kind(path)
    if kind in ("parquet", "jsonl"):
        frame = to_strings(load_table(path))
        if limit is not None:
            frame = frame.head(limit)
        for start in range(0, frame.height, batch_rows):
            yield frame.slice(start, batch_rows)
        return
    separator = "\t" if kind == "tsv" else _sniff(path)
    lazy = pl.scan_csv(path, separator=separator, infer_schema=False, raise_if_empty=True)
    if limit is not None:
        lazy = lazy.head(limit)
    yielded = False
    try:
        for batch in lazy.collect_batches(chunk_size=batch_rows):
            yielded = True
            yield to_strings(batch)
    except pl.exceptions.ComputeError as exc:
        message = str(exc).splitlines()[0]
        if "utf" in message.lower():
            raise DataFormatError(f"{path}: not UTF-8 text (first bad byte at offset {_bad_utf8_offset(path)}); "
                                  "re-save the file as UTF-8") from None
        raise DataFormatError(f"{path}: cannot read as {kind}: {message}") from None
    except pl.exceptions.NoDataError:
        raise DataFormatError(f"{path}: the file is empty") from None
    if not yielded:
        raise DataFormatError(f"{path}: the table has no rows")


def _checked(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
    if path.stat().st_size == 0:
        raise DataFormatError(f"{path}: the file is empty")
    return path


def _sniff(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    first = head.split(b"\n", 1)[0]
    counts = {sep: first.count(sep.encode()) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _bad_utf8_offset(path: Path) -> int:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(chunk)
    return offset
