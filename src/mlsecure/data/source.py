"""Turn any table file into one the readers can parse directly: plain UTF-8 text or a binary table.

Every table reader (``load_table`` for pandas, ``privacy.pii.frame.iter_batches`` for Polars) goes
through ``prepared_table(path)``: the file is opened by ``mlsecure.io.inputs`` (special files refused,
compression found by magic bytes, size bounded), text is decoded from its detected encoding, and the
format (Parquet/Arrow by magic bytes; CSV, TSV or JSONL by name, else sniffed) and separator are decided
on the *decompressed, decoded* text. A plain UTF-8 file is read in place; anything else is transcoded
once to a private temporary UTF-8 file that disappears with the context. The header is checked before
any parsing: duplicate column names are an error naming them (pandas would rename them silently, and
a table's meaning must not change unseen) and more than ``max_columns()`` columns (5,000 unless
``$MLSECURE_MAX_COLUMNS`` says otherwise) is refused up front, in bounded time and memory.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from mlsecure.errors import DataFormatError, LimitExceededError
from mlsecure.io.inputs import COMPRESSED_SUFFIXES, ByteStream, detect_encoding, iter_text, open_input, read_some

TABLE_SUFFIXES: Final = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
                         ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".arrow": "arrow",
                         ".feather": "arrow", ".ipc": "arrow"}
BINARY_MAGIC: Final = ((b"PAR1", "parquet"), (b"ARROW1", "arrow"), (b"FEA1", "arrow"))
SEPARATORS: Final = (",", "\t", ";", "|")
MAX_COLUMNS: Final = 5_000  # a 20,000-column table made the model-free checks take > 5 min and 9.5 GB
COLUMNS_ENV: Final = "MLSECURE_MAX_COLUMNS"
MAX_HEADER_CHARS: Final = 16 * 1024 * 1024
SNIFF_CHARS: Final = 256 * 1024  # the text the separator is guessed from
SNIFF_RECORDS: Final = 50


@dataclass(frozen=True)
class PreparedTable:
    """A file a reader can open as it is: ``path`` is UTF-8 text (csv/tsv/jsonl) or binary (parquet/arrow)."""

    path: Path
    kind: str  # csv | tsv | jsonl | parquet | arrow
    source: Path  # the file the user named
    separator: str | None  # csv/tsv only
    header: tuple[str, ...] | None  # csv/tsv only
    compression: str | None
    encoding: str


def table_kind_from_name(path: Path) -> str | None:
    """The kind a file's name claims (``data.csv.gz`` -> csv), or None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes = suffixes[:-1]
    return TABLE_SUFFIXES.get(suffixes[-1]) if suffixes else None


@contextmanager
def prepared_table(path: str | Path, *, sep: str | None = None) -> Iterator[PreparedTable]:
    """The table at ``path`` ready to parse (see the module docstring); temporary files are removed."""
    path = Path(path)
    with open_input(path, what="table") as (stream, compression):
        head = read_some(stream, 64 * 1024)
        if not head.strip():
            raise DataFormatError(f"{path}: the file is empty")
        binary = next((kind for magic, kind in BINARY_MAGIC if head.startswith(magic)), None)
        if binary is not None:
            if compression is None:
                yield PreparedTable(path, binary, path, None, None, None, "binary")
                return
            with _spooled(path, head, stream, binary) as copy:
                yield PreparedTable(copy, binary, path, None, None, compression, "binary")
            return
        codec, bom = detect_encoding(head)
        named = table_kind_from_name(path)
        if named in ("parquet", "arrow"):
            raise DataFormatError(f"{path}: named .{named} but is not a {named} file (no {named} magic bytes)")
        text_stream = _Rewound(head, stream)
        in_place = compression is None and codec == "utf-8" and bom == 0
        tmp_dir = None if in_place else tempfile.mkdtemp(prefix="mlsecure-")
        try:
            target = path if in_place else Path(tmp_dir or "") / "table.txt"
            first = _transcode(path, text_stream, compression, None if in_place else target)
            kind = named or ("jsonl" if first.lstrip().startswith(("{", "[")) else "csv")
            separator, header = None, None
            if kind in ("csv", "tsv"):
                separator = sep or ("\t" if kind == "tsv" else sniff_separator(first))
                header = check_header(path, first, separator)
            yield PreparedTable(target, kind, path, separator, header, compression, codec)
        finally:
            if tmp_dir is not None:
                shutil.rmtree(tmp_dir, ignore_errors=True)


def sniff_separator(text: str) -> str:
    """The separator that splits the first records of decoded text into the same number of fields, the
    most of them, quotes respected. A separator that splits the header but gives the next records another
    field count is a worse guess than one that splits every record alike (``a;b,c`` rows with ``,`` rows).
    Falls back to the one that splits the header into the most fields, and ``,`` when none splits it."""
    complete = text[: text.rfind("\n") + 1] if "\n" in text else text  # whole records only
    sample = complete[:SNIFF_CHARS]

    def field_counts(separator: str) -> list[int]:
        try:
            return [len(row) for row in itertools.islice(csv.reader(io.StringIO(sample), delimiter=separator),
                                                         SNIFF_RECORDS) if row]
        except csv.Error:
            return []

    counts = {s: field_counts(s) for s in SEPARATORS}
    consistent = [s for s in SEPARATORS if len(counts[s]) > 1 and counts[s][0] > 1 and len(set(counts[s])) == 1]
    if consistent:
        return max(consistent, key=lambda s: counts[s][0])
    header = {s: (counts[s] or [0])[0] for s in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: header[s])
    return best if header[best] > 1 else ","


def check_header(path: Path, text: str, separator: str) -> tuple[str, ...]:
    """The header's names; too many columns or a repeated name is refused, before any parsing."""
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=separator), [])
    except csv.Error as exc:
        raise DataFormatError(f"{path}: cannot parse the header line: {exc}") from None
    names = [name.strip() for name in header]
    repeated = [(name, n) for name, n in Counter(names).items() if n > 1]
    if repeated:
        name, n = repeated[0]
        more = f" (and {len(repeated) - 1} other repeated names)" if len(repeated) > 1 else ""
        positions = [i + 1 for i, c in enumerate(names) if c == name][:5]
        raise DataFormatError(f"{path}: column name {name!r} appears {n} times (columns "
                              f"{', '.join(map(str, positions))}{', ...' if n > 5 else ''}){more}; "
                              "give every column a unique name")
    limit = max_columns()
    if len(header) > limit:
        raise LimitExceededError(f"{path}: {len(header)} columns; at most {limit} are read (select the columns "
                              f"to check, or raise ${COLUMNS_ENV})")
    return tuple(names)


def max_columns() -> int:
    """``MLSECURE_MAX_COLUMNS`` if set, else ``MAX_COLUMNS``: wider tables are refused before parsing."""
    configured = os.environ.get(COLUMNS_ENV)
    if not configured:
        return MAX_COLUMNS
    try:
        return max(int(configured), 1)
    except ValueError:
        raise LimitExceededError(f"${COLUMNS_ENV} must be a whole number, got {configured!r}") from None


def _transcode(path: Path, stream: ByteStream, compression: str | None, target: Path | None) -> str:
    """Decode the whole stream (validating it), writing UTF-8 to ``target`` when given; returns the
    first text (up to the end of the header line, at most ``MAX_HEADER_CHARS``) for sniffing."""
    first: list[str] = []
    first_len = 0
    out = None if target is None else target.open("w", encoding="utf-8", newline="")
    try:
        for text in iter_text(path, stream, compression):
            if out is not None:
                out.write(text)
            if first_len < MAX_HEADER_CHARS and "\n" not in "".join(first[-1:]):
                first.append(text)
                first_len += len(text)
    finally:
        if out is not None:
            out.close()
    return "".join(first)[:MAX_HEADER_CHARS]


@contextmanager
def _spooled(path: Path, head: bytes, stream: ByteStream, kind: str) -> Iterator[Path]:
    tmp_dir = tempfile.mkdtemp(prefix="mlsecure-")
    try:
        target = Path(tmp_dir) / f"table.{kind}"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            while data := read_some(stream, 1 << 20):
                out.write(data)
        yield target
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


class _Rewound(io.RawIOBase):
    """``head`` (already read) followed by the rest of ``stream``."""

    def __init__(self, head: bytes, stream: ByteStream) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = read_some(self._stream, len(buffer))
        buffer[: len(data)] = data
        return len(data)
