"""A deterministic PII table for the engine equality tests, with things only a full pass can see.

Known answers by construction: ``email`` is null in every 10th row and malformed in every 25th non-null
row; ``age`` exceeds 89 only after row 1500 (a 500-row head never shows it); ``late_iban`` is null for the
first 1200 rows, then valid German IBANs (ISO 13616 mod-97 check digits computed here); ``ticket`` is
random 9-digit numbers (a decoy: check digits pass by chance); ``amount`` and ``visits`` are typed
Parquet columns (float, nullable int) so both engines' Arrow-to-text conversions are exercised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

FIRST = ("Maria", "James", "Aiko", "Olu", "Pierre", "Sofia", "Liam", "Chen", "Fatima", "Noah", "Ingrid", "Ravi")
LAST = ("Garcia", "Smith", "Tanaka", "Adeyemi", "Dubois", "Rossi", "Murphy", "Wang", "Haddad", "Berg", "Patel")


def german_iban(account: int) -> str:
    bban = f"37040044{account:010d}"
    digits = "".join(str(int(c, 36)) for c in bban + "DE00")
    return f"DE{98 - int(digits) % 97:02d}{bban}"


def make_table(n: int = 3000, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    first = [FIRST[int(i)] for i in rng.integers(0, len(FIRST), n)]
    last = [LAST[int(i)] for i in rng.integers(0, len(LAST), n)]
    email: list[str | None] = []
    for i in range(n):
        if i % 10 == 0:
            email.append(None)
        elif i % 25 == 1:
            email.append(f"{first[i].lower()} at example dot com")
        else:
            email.append(f"{first[i].lower()}.{last[i].lower()}{i}@example.com")
    ages = [str(int(a)) for a in rng.integers(20, 80, n)]
    for i in range(1500, n, 100):
        ages[i] = "95"
    return pl.DataFrame({
        "name": [f"{f} {la}" for f, la in zip(first, last, strict=True)],
        "email": email,
        "ssn": [f"{100 + i % 600:03d}-{10 + i % 89:02d}-{1000 + i % 9000:04d}" for i in range(n)],
        "age": ages,
        "late_iban": [None if i < 1200 else german_iban(i) for i in range(n)],
        "ticket": [str(int(t)) for t in rng.integers(10**8, 10**9, n)],
        "amount": [None if i % 7 == 0 else round(float(x), 2) for i, x in enumerate(rng.normal(50, 20, n))],
        "visits": [None if i % 11 == 0 else int(v) for i, v in enumerate(rng.integers(0, 40, n))],
        "notes": [f"Call {first[i]} {last[i]} on 212-555-{1000 + i % 9000:04d} about the refill" if i % 3 == 0
                  else "no change" for i in range(n)],
    })


def write_parquet(table: pl.DataFrame, path: Path, *, row_group_rows: int = 250) -> Path:
    pq.write_table(table.to_arrow(), path, row_group_size=row_group_rows)
    return path


def write_parquet_folder(table: pl.DataFrame, folder: Path, *, files: int = 3, row_group_rows: int = 250) -> Path:
    """The table cut into ``files`` part files named in row order (``part-0000.parquet``...)."""
    folder.mkdir()
    bounds = np.linspace(0, table.height, files + 1).astype(int)
    for k in range(files):
        part = table.slice(int(bounds[k]), int(bounds[k + 1] - bounds[k]))
        pq.write_table(part.to_arrow(), folder / f"part-{k:04d}.parquet", row_group_size=row_group_rows)
    return folder


def audit_dict(audit: Any) -> dict[str, Any]:
    """An ``AuditResult`` as data, without its wall-clock time and source path."""
    out: dict[str, Any] = audit.to_dict()
    out.pop("seconds")
    out.pop("source")
    return out


def arrow_bytes(table: pl.DataFrame) -> int:
    return int(pa.Table.from_batches(table.to_arrow().to_batches()).nbytes)
