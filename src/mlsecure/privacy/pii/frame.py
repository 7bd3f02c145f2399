"""Tables as Polars frames of strings: from pandas/Polars objects and from files, in batches.

Every cell is read as text (a ZIP code keeps its leading zero, a phone number is not turned into a
float), stripped, with empty cells as null. CSV/TSV files are scanned lazily so a sample or a batch
never needs the whole file in memory; Parquet, Arrow and JSONL go through ``mlsecure.data.tables.read_table``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlsecure.data.source import TABLE_SUFFIXES, prepared_table
from mlsecure.data.tables import LoadedTable, check_rectangular, read_table
from mlsecure.errors import DataFormatError, InputError, require


def polars() -> Any:
    return require("polars", "data")


def to_strings(frame: Any) -> Any:
    """A pandas or Polars DataFrame as a Polars DataFrame of stripped strings (empty -> null)."""
    pl = polars()
    if isinstance(frame, pl.DataFrame):
        out = frame
    elif hasattr(frame, "to_numpy") and hasattr(frame, "columns") and hasattr(frame, "astype"):
        if _all_arrow_strings(frame):  # pandas 3's default ``str`` columns: one Arrow hand-over for the frame
            out = pl.from_pandas(frame)
        else:
            out = pl.DataFrame({str(c): _pandas_strings(str(c), frame[c]) for c in frame.columns})
    else:
        raise InputError(f"expected a pandas or Polars DataFrame, got {type(frame).__name__}")
    out = json_objects_as_text(out)
    return out.select(pl.all().cast(pl.Utf8).str.strip_chars().replace("", None))


def _all_arrow_strings(frame: Any) -> bool:
    """Every column pyarrow-backed text under a distinct string name: ``pl.from_pandas`` then makes the
    same columns ``_pandas_strings`` makes one by one, in one call."""
    names = list(frame.columns)
    return (len(names) > 0 and all(isinstance(c, str) for c in names) and len(set(names)) == len(names)
            and all(getattr(d, "name", None) in ("str", "string") and getattr(d, "storage", None) == "pyarrow"
                    for d in frame.dtypes))


def _pandas_strings(name: str, column: Any) -> Any:
    """One pandas column as a Polars string Series: a pyarrow-backed string column (pandas 3's default
    ``str``) is handed over as its Arrow array, without a copy through Python objects; any other dtype is
    converted to pandas' ``string`` first (numbers as pandas writes them, missing values as null)."""
    pl = polars()
    dtype = column.dtype
    if getattr(dtype, "name", None) in ("str", "string") and getattr(dtype, "storage", None) == "pyarrow":
        import pyarrow as pa

        return pl.Series(name, pl.from_arrow(pa.array(column)), dtype=pl.Utf8)
    try:
        return pl.Series(name, column.astype("string").to_numpy(na_value=None), dtype=pl.Utf8)
    except pl.exceptions.ComputeError:  # Polars takes an object array whose first cell is missing as Object
        import pyarrow as pa

        return pl.Series(name, pl.from_arrow(pa.array(column.astype("string"))), dtype=pl.Utf8)


def to_polars(frame: Any) -> Any:
    """A pandas or Polars DataFrame, or a ``data.tables.LoadedTable``, as a Polars DataFrame of the same values
    and types, so anonymize can write unchanged columns back as they were read. A JSONL field no flat column
    holds as read (nested objects, a field mixing types: ``LoadedTable.json_values``) becomes a Polars
    ``Object`` column of its JSON values, which the JSONL writer writes back as they were (a table whose frame
    no longer matches them is refused, ``InputError``); any other pandas column Polars cannot hold as one
    flat type becomes its unstripped text."""
    pl = polars()
    json_values: Any = {}
    if isinstance(frame, LoadedTable):
        frame, json_values = frame.frame, frame.checked_json_values()
    if isinstance(frame, pl.DataFrame):
        return frame
    if not (hasattr(frame, "columns") and hasattr(frame, "astype")):
        raise InputError(f"expected a pandas or Polars DataFrame, got {type(frame).__name__}")
    columns = []
    for c in frame.columns:
        if str(c) in json_values:  # a JSONL field of nested or mixed values: its JSON values, as Python objects
            columns.append(pl.Series(str(c), _marked(json_values[str(c)]), dtype=pl.Object))
            continue
        try:
            series = pl.from_pandas(frame[c]).alias(str(c))
        except (TypeError, ValueError, pl.exceptions.PolarsError):
            series = None
        if series is None or series.dtype.is_nested() or series.dtype == pl.Object:
            series = _pandas_strings(str(c), frame[c])
        columns.append(series)
    return pl.DataFrame(columns)


class NumberInt(int):
    """An integer of a JSONL field holding only numbers (1 beside 2.5): written to JSONL as the integer, and
    with its field as a float column to Parquet/CSV, which cannot hold 1 beside 2.5 otherwise."""


class NumberFloat(float):
    """A float of a JSONL field holding only numbers (see ``NumberInt``)."""


def _marked(values: list[Any]) -> list[Any]:
    """A field's JSON values, its numbers marked as those of a numbers-only field where it is one (so every
    batch of the field is written with one type, whichever of its values the batch holds)."""
    if all(v is None or type(v) in (int, float) for v in values):
        return [None if v is None else NumberInt(v) if type(v) is int else NumberFloat(v) for v in values]
    return values


def json_text(value: Any) -> str:
    """A JSON value as text: a string as itself, anything else as compact JSON (``{"a":1}``, ``2.5``)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_objects_as_text(frame: Any) -> Any:
    """A Polars frame with its ``Object`` columns (JSON values, see ``to_polars``) as their text."""
    pl = polars()
    objects = [c for c, t in frame.schema.items() if t == pl.Object]
    if not objects:
        return frame
    return frame.with_columns([pl.Series(c, [None if v is None else json_text(v) for v in frame.get_column(c)
                                             .to_list()], dtype=pl.Utf8) for c in objects])


def text_as_read(frame: Any) -> Any:
    """``to_strings`` without the stripping: each cell's text as read (empty strings kept), what anonymize
    writes back for the cells of a transformed column it did not change."""
    pl = polars()
    if isinstance(frame, pl.DataFrame):
        return frame.select(pl.all().cast(pl.Utf8))
    return pl.DataFrame({str(c): _pandas_strings(str(c), frame[c]) for c in frame.columns})


def file_kind(path: Path) -> str:
    """The output format a path's name asks for (``out.csv.gz`` is refused by the writer, not guessed)."""
    return TABLE_SUFFIXES.get(path.suffix.lower(), "csv")


RAGGED_SEARCH_BYTES = 1 << 30  # a ragged file up to this size is read again to name its bad line
SAMPLE_CELLS = 5_000_000  # a sample of a wide table is cut to this many cells (>= 1000 rows kept)


def read_head(path: str | Path, n_rows: int) -> Any:
    """The first ``n_rows`` rows of a table file as strings; for a wide CSV/TSV at most ``SAMPLE_CELLS``
    cells (but never fewer than 1000 rows), so sampling 10,000 rows of 5,000 columns stays bounded."""
    return next(iter_batches(path, batch_rows=n_rows, limit=n_rows, max_cells=SAMPLE_CELLS))


def iter_batches(path: str | Path, *, batch_rows: int = 100_000, limit: int | None = None,
                 max_cells: int | None = None, raw: bool = False) -> Iterator[Any]:
    """Yield the table in batches of string columns; CSV/TSV are streamed, never loaded whole.

    The file goes through ``mlsecure.data.source.prepared_table`` like every other table input
    (special files refused, compression and encoding detected, repeated column names refused).
    ``raw``: yield ``(strings, as_read)`` pairs, ``strings`` the batch yielded without it and ``as_read``
    the same rows as read (CSV/TSV cells unstripped, other formats in their own types, ``to_polars``)."""
    pl = polars()
    with prepared_table(path) as table:
        if table.kind not in ("csv", "tsv"):
            loaded = read_table(path)
            frame = to_strings(loaded.frame)
            original = to_polars(loaded) if raw else None
            if limit is not None:
                frame = frame.head(limit)
            for start in range(0, frame.height, batch_rows):
                part = frame.slice(start, batch_rows)
                yield part if original is None else (part, original.slice(start, batch_rows))
            return
        lazy = pl.scan_csv(table.path, separator=table.separator or ",", infer_schema=False, raise_if_empty=True)
        if limit is not None and max_cells is not None and table.header:
            limit = min(limit, max(1000, max_cells // len(table.header)))
            batch_rows = min(batch_rows, limit)
        if limit is not None:
            lazy = lazy.head(limit)
        yielded = False
        try:
            for batch in lazy.collect_batches(chunk_size=batch_rows):
                yielded = True
                yield (to_strings(batch), batch) if raw else to_strings(batch)
        except pl.exceptions.ComputeError as exc:
            message = str(exc).splitlines()[0]
            if "fields" in message and table.path.stat().st_size <= RAGGED_SEARCH_BYTES:
                # The search is a courtesy: if it cannot read the file, Polars' own message below still says why.
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    check_rectangular(Path(table.source), table.path, table.separator or ",")  # names the line
            raise DataFormatError(f"{table.source}: cannot read as {table.kind}: {message}") from None
        except pl.exceptions.NoDataError:
            raise DataFormatError(f"{table.source}: the file is empty") from None
        if not yielded:
            with table.path.open("rb") as handle:
                lines = sum(1 for line, _ in zip(handle, range(3), strict=False) if line.strip())
            hint = " (the lines after the header were not parsed: is a quote left open?)" if lines > 1 else ""
            raise DataFormatError(f"{table.source}: the table has no rows{hint}")
