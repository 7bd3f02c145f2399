"""Write Polars frames of strings to CSV/TSV/Parquet/JSONL, batch after batch (bounded memory)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from mlsecure.privacy.pii.frame import file_kind


def default_output(path: Path) -> Path:
    """``data.csv`` -> ``data.anonymized.csv`` next to the input."""
    return path.with_name(f"{path.stem}.anonymized{path.suffix or '.csv'}")


class TableWriter:
    """Context manager: ``write(frame)`` appends a batch in the format given by the file's suffix."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = file_kind(path)
        self._handle: Any = None
        self._parquet: Any = None
        self._first = True

    def __enter__(self) -> TableWriter:
        if self.kind != "parquet":
            self._handle = self.path.open("w", encoding="utf-8", newline="")
        return self

    def write(self, frame: Any) -> None:
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(str(self.path), table.schema)
            self._parquet.write_table(table)
        elif self.kind == "jsonl":
            self._handle.write(frame.write_ndjson())
        else:
            sep = "\t" if self.kind == "tsv" else ","
            self._handle.write(frame.write_csv(separator=sep, include_header=self._first))
        self._first = False

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()
