"""The single-process engine's table stream: a file or a folder of files, in bounded batches of strings.

Parquet (one file or a folder of part files, Hive ``key=value`` sub-folders included) is read through
``pyarrow.dataset`` one record batch at a time, so a table larger than memory is processed with about
``batch_rows`` rows (times one row group of read-ahead) resident. CSV/TSV files stream through
``privacy.pii.frame.iter_batches`` (the house reader: compression, encoding and separators detected);
JSONL and Arrow files are read whole, one file at a time.
Files of a folder are read in name order, so "the first N rows" means the same thing on every engine.
Every batch is a Polars frame of stripped strings (``frame.to_strings``), as every PII step expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlsecure.data.source import table_kind_from_name
from mlsecure.errors import DataFormatError, InputError, require
from mlsecure.io.inputs import check_input

STREAMED_KINDS = ("parquet", "csv", "tsv")  # JSONL and Arrow files are read whole, one file at a time
DEFAULT_BATCH_ROWS = 100_000


def table_files(path: str | Path) -> tuple[str, list[Path]]:
    """The kind and the sorted data files of a table given as one file or a folder of files of one kind.

    Hidden and underscore files (``_SUCCESS``, ``.crc``) are skipped, as Spark and Arrow skip them; sub-folders
    must be Hive ``key=value`` partitions; a folder holding no table files, or mixing kinds, is refused with one
    line."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p.relative_to(root)))
        nested = next((p for p in files if any("=" not in part for part in p.relative_to(root).parts[:-1])), None)
        if nested is not None:  # Spark reads only key=value sub-folders as partitions: refuse what it would not
            raise InputError(f"{nested.parent}: a sub-folder that is not a key=value partition; give the files' own "
                             "folder, or lay the table out as lake/key=value/part.parquet")
        kinds = {table_kind_from_name(p) for p in files}
        kinds.discard(None)
        if not kinds:
            raise InputError(f"{root}: the folder holds no table files (.parquet, .csv, .tsv, .jsonl)")
        if len(kinds) > 1:
            raise InputError(f"{root}: the folder mixes {', '.join(sorted(k for k in kinds if k))} files; "
                             "give a folder of one kind")
        kind = kinds.pop() or ""
        files = [p for p in files if table_kind_from_name(p) == kind]
    else:
        check_input(root, what="table")
        kind = table_kind_from_name(root) or "csv"
        files = [root]
    for f in files:
        check_input(f, what="table file")
    return kind, files


def iter_table(path: str | Path, *, batch_rows: int = DEFAULT_BATCH_ROWS, limit: int | None = None,
               raw: bool = False) -> Iterator[Any]:
    """Yield the table at ``path`` (file or folder) as Polars frames of strings of at most ``batch_rows`` rows,
    stopping after ``limit`` rows when given. ``raw``: ``(strings, as_read)`` pairs, ``as_read`` the same rows
    as read (cells unstripped, Parquet/JSONL/Arrow columns in their own types), for writing them back."""
    if batch_rows < 1:
        raise InputError(f"batch rows must be at least 1, got {batch_rows}")
    kind, files = table_files(path)
    left = limit
    batches = (_parquet_batches(path, files, batch_rows, raw) if kind == "parquet"
               else _text_batches(files, batch_rows, raw))
    for item in batches:
        batch, original = item if raw else (item, None)
        if left is not None:
            if left <= 0:
                return
            batch = batch.head(left)
            original = None if original is None else original.head(left)
            left -= batch.height
        if batch.height:
            yield batch if original is None else (batch, original)


def read_head(path: str | Path, n_rows: int) -> Any:
    """The first ``n_rows`` rows of a file or folder table, as one Polars frame of strings."""
    pl = require("polars", "data")
    frames = list(iter_table(path, batch_rows=min(max(n_rows, 1), DEFAULT_BATCH_ROWS), limit=n_rows))
    if not frames:
        raise DataFormatError(f"{path}: the table has no rows")
    return pl.concat(frames) if len(frames) > 1 else frames[0]


def _parquet_batches(path: str | Path, files: list[Path], batch_rows: int, raw: bool = False) -> Iterator[Any]:
    from mlsecure.privacy.pii.frame import to_strings

    ds = require("pyarrow.dataset", "data")
    pl = require("polars", "data")
    partitioning = "hive" if Path(path).is_dir() else None
    try:
        dataset = ds.dataset([str(f) for f in files], format="parquet", partitioning=partitioning,
                             partition_base_dir=str(path) if partitioning else None)
        scanner = dataset.scanner(batch_size=batch_rows, batch_readahead=1, fragment_readahead=1, use_threads=False,
                                  fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False))
        for batch in scanner.to_batches():
            if batch.num_rows:
                original = pl.from_arrow(batch)
                yield (to_strings(original), original) if raw else to_strings(original)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        if isinstance(exc, InputError):
            raise
        raise DataFormatError(f"{path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None


def _text_batches(files: list[Path], batch_rows: int, raw: bool = False) -> Iterator[Any]:
    from mlsecure.privacy.pii.frame import iter_batches

    header: list[str] | None = None
    for f in files:
        for item in iter_batches(f, batch_rows=batch_rows, raw=raw):
            batch = item[0] if raw else item
            if header is None:
                header = list(batch.columns)
            elif list(batch.columns) != header:
                raise DataFormatError(f"{f}: its columns differ from the first file's ({', '.join(header[:5])}...)")
            yield item


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "_")) and "=" not in part for part in relative.parts)
