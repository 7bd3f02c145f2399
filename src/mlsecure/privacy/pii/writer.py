"""Write Polars frames of strings to CSV/TSV/Parquet/JSONL, batch after batch (bounded memory).

Through ``mlsecure.io.outputs.atomic_output``: never into one of the inputs (also not through a hard or
symbolic link), never over an existing file unless ``force``, and atomically: a run killed half-way
leaves no file at the output path, only a ``.NAME.*.partial`` temporary file that says what it is.
Output is UTF-8 whatever the input's encoding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

from mlsecure.data.source import table_kind_from_name
from mlsecure.errors import OutputError
from mlsecure.io.inputs import COMPRESSED_SUFFIXES
from mlsecure.io.outputs import atomic_output, check_output


def default_output(path: Path) -> Path:
    """``data.csv`` -> ``data.anonymized.csv`` next to the input (``data.csv.gz`` -> ``data.anonymized.csv``)."""
    name = path.name
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        name = name[: -len(path.suffix)]
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return path.with_name(f"{name}.anonymized.csv")
    return path.with_name(f"{stem}.anonymized.{suffix}")


def output_kind(path: Path) -> str:
    """The format an output name asks for; compressed names are refused (outputs are written plain)."""
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        raise OutputError(f"{path}: compressed output is not written; name it .csv, .tsv, .jsonl or .parquet")
    kind = table_kind_from_name(path) or "csv"
    if kind == "arrow":
        raise OutputError(f"{path}: Arrow output is not written; name it .csv, .tsv, .jsonl or .parquet")
    return kind


class TableWriter:
    """Context manager: ``write(frame)`` appends a batch in the format given by the file's suffix; the file
    appears at ``path`` only when the block ends without an exception."""

    def __init__(self, path: Path, *, inputs: Iterable[Path | None] = (), force: bool = False) -> None:
        self.path = path
        self.kind = output_kind(path)
        self._inputs = list(inputs)
        self._force = force
        check_output(path, inputs=self._inputs, force=force, what="output table")
        self._stack = ExitStack()
        self._handle: Any = None
        self._parquet: Any = None
        self._first = True

    def __enter__(self) -> TableWriter:
        self._handle = self._stack.enter_context(atomic_output(
            self.path, inputs=self._inputs, force=self._force, binary=self.kind == "parquet",
            what="output table"))
        return self

    def write(self, frame: Any) -> None:
        if self.kind == "jsonl" and _json_columns(frame):
            self._handle.write(_ndjson_with_values(_text_writable(frame)))
            self._first = False
            return
        frame = _flat(frame)
        if self.kind != "parquet":
            frame = _text_writable(frame)
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._parquet is not None and table.schema != self._parquet.schema:
                table = table.cast(self._parquet.schema)  # e.g. a column of nulls only in this batch
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._handle, table.schema)
            self._parquet.write_table(table)
        elif self.kind == "jsonl":
            self._handle.write(frame.write_ndjson())
        else:
            sep = "\t" if self.kind == "tsv" else ","
            self._handle.write(frame.write_csv(separator=sep, include_header=self._first))
        self._first = False

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._parquet is not None and exc_type is None:
            self._parquet.close()
        self._stack.__exit__(exc_type, exc, tb)


def _json_columns(frame: Any) -> list[str]:
    """The ``Object`` columns: a JSONL field's JSON values as read (``frame.to_polars``)."""
    import polars as pl

    return [c for c, t in frame.schema.items() if t == pl.Object]


def _ndjson_with_values(frame: Any) -> str:
    """JSON Lines where each ``Object`` cell is written as its JSON value (an object stays an object, 1 stays
    1 beside "a" and beside 2.5) and every other column as Polars writes it, in the frame's column order."""
    objects = _json_columns(frame)
    flat = frame.drop(objects)
    values = {c: frame.get_column(c).to_list() for c in objects}
    # split on "\n" only: strings hold U+2028 or U+0085 raw, which str.splitlines would split on
    lines = flat.write_ndjson().split("\n")[:frame.height] if flat.width else ["{}"] * frame.height
    out = []
    for i, line in enumerate(lines):
        parsed = json.loads(line)
        row = {c: values[c][i] if c in values else parsed.get(c) for c in frame.columns}
        out.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(out)


def _flat(frame: Any) -> Any:
    """``Object`` columns for CSV/Parquet, which have no mixed or nested cells: a numbers-only field (1 beside
    2.5) as floats, any other as text (strings as they are, nested values and other scalars as JSON text)."""
    import polars as pl

    from mlsecure.privacy.pii.frame import NumberFloat, NumberInt, json_text

    objects = _json_columns(frame)
    if not objects:
        return frame
    columns = []
    for c in objects:
        cells = frame.get_column(c).to_list()
        present = [v for v in cells if v is not None]
        if present and all(isinstance(v, NumberInt | NumberFloat) for v in present):
            columns.append(pl.Series(c, [None if v is None else float(v) for v in cells], dtype=pl.Float64))
        else:  # (a numbers-only field's batch of nulls only: null strings, cast to the file's type below)
            columns.append(pl.Series(c, [None if v is None else json_text(v) for v in cells], dtype=pl.Utf8))
    return frame.with_columns(columns)


def _text_writable(frame: Any) -> Any:
    """Binary columns (kept as read from Parquet) as their text: CSV cannot hold bytes and Polars' JSON
    writer panics on them; the bytes must be UTF-8, as when every cell was written as text."""
    import polars as pl

    binary = [c for c, t in frame.schema.items() if t == pl.Binary]
    return frame.with_columns([pl.col(c).cast(pl.Utf8) for c in binary]) if binary else frame
