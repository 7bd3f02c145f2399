"""Build or refresh the offline vulnerability database that ``deps audit --offline-db`` reads.

Sources are OSV exports (https://ossf.github.io/osv-schema/): the zip OSV publishes per ecosystem
(``https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip``), a directory of OSV JSON files
(a checkout of ``pypa/advisory-database`` converted to JSON, or ``osv.dev`` downloads), or single
``.json`` records. Every record is read strictly (size, depth, duplicate keys) and checked against the
parts of the schema matching relies on: ``id``, ``modified`` (RFC 3339) and ``affected`` entries with a
``package``; records without a PyPI package are left out. When two sources carry the same ``id`` the
one with the newest ``modified`` wins, so a refresh (``update=True``) is the old database plus the new
export. The result is a zip in OSV's own layout (``<id>.json`` per record) plus a build record
(``mlsecure-osv-db.json``: when, from what, how many), written atomically: an interrupted build leaves
the previous database in place.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlsecure import strict_json
from mlsecure.errors import InputError
from mlsecure.private_files import describe_os_error, write_file_atomic
from mlsecure.supply_chain.osv import INFO_NAME, MAX_RECORD_BYTES

FORMAT = "mlsecure-osv-db/1"
ECOSYSTEM = "PyPI"


@dataclass(frozen=True)
class BuildResult:
    """What went into the database."""

    output: Path
    records: int
    added: int
    replaced: int
    kept: int
    other_ecosystems: int
    newest_modified: str


def build_database(sources: Sequence[str | Path], output: str | Path, *, update: bool = False,
                   overwrite: bool = False, now: datetime | None = None) -> BuildResult:
    """Read every OSV record of ``sources`` and write the PyPI ones to the zip ``output``.

    ``update``: start from the records already in ``output`` (a refresh). ``overwrite``: replace an
    existing ``output`` without merging. Without either, an existing ``output`` is refused."""
    out = Path(output)
    if not sources:
        raise InputError("give at least one OSV source (--from): all.zip, a directory or .json records")
    if out.exists() and not (update or overwrite):
        raise InputError(f"{out}: exists; pass --update to refresh it or --force to replace it")
    records: dict[str, dict[str, Any]] = {}
    kept = 0
    if update and out.exists():
        for name, raw in _zip_records(out):
            record = _validated(raw, f"{out}: {name}")
            records[record["id"]] = record
        kept = len(records)
    added = replaced = other = 0
    manifest: list[dict[str, Any]] = []
    for source in sources:
        count = 0
        for name, raw in _source_records(Path(source)):
            record = _validated(raw, f"{source}: {name}")
            if not _is_pypi(record):
                other += 1
                continue
            count += 1
            old = records.get(record["id"])
            if old is None:
                added += 1
            elif _modified(record) >= _modified(old):
                replaced += 1
            else:
                continue
            records[record["id"]] = record
        manifest.append({"source": str(source), "sha256": _digest(Path(source)), "pypi_records": count})
    if not records:
        raise InputError(f"no {ECOSYSTEM} OSV records in {', '.join(map(str, sources))}; nothing to build")
    newest = max(str(r["modified"]) for r in records.values())
    info = {"format": FORMAT, "ecosystem": ECOSYSTEM, "records": len(records), "newest_modified": newest,
            "built": (now or datetime.now(UTC)).isoformat(timespec="seconds"), "sources": manifest}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record_id in sorted(records):
            archive.writestr(f"{record_id}.json", strict_json.canonical_json(records[record_id]))
        archive.writestr(INFO_NAME, strict_json.canonical_json(info))
    write_file_atomic(out, buffer.getvalue(), what="the OSV database", overwrite=True)
    return BuildResult(out, len(records), added, replaced, kept, other, newest)


def _validated(raw: bytes, where: str) -> dict[str, Any]:
    record = strict_json.loads(raw, what=where, max_bytes=MAX_RECORD_BYTES)
    if not isinstance(record, dict):
        raise InputError(f"{where}: an OSV record must be a JSON object")
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id or "/" in record_id or record_id.startswith("."):
        raise InputError(f"{where}: an OSV record needs an 'id' string (e.g. PYSEC-2021-35)")
    modified = record.get("modified")
    if not isinstance(modified, str):
        raise InputError(f"{where}: OSV record {record_id} has no 'modified' time (RFC 3339)")
    try:
        datetime.fromisoformat(modified.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{where}: OSV record {record_id}: 'modified' {modified!r:.40} is not RFC 3339") from None
    affected = record.get("affected", [])
    if not isinstance(affected, list) or not all(isinstance(a, Mapping) for a in affected):
        raise InputError(f"{where}: OSV record {record_id}: 'affected' must be a list of objects")
    for entry in affected:
        package = entry.get("package")
        if package is not None and not (isinstance(package, Mapping) and isinstance(package.get("name"), str)
                                        and isinstance(package.get("ecosystem"), str)):
            raise InputError(f"{where}: OSV record {record_id}: 'affected[].package' needs name and ecosystem")
        for rng in entry.get("ranges") or ():
            if not isinstance(rng, Mapping) or not isinstance(rng.get("events"), list):
                raise InputError(f"{where}: OSV record {record_id}: each range needs a list of 'events'")
    return record


def _is_pypi(record: Mapping[str, Any]) -> bool:
    return any(isinstance(a.get("package"), Mapping) and a["package"].get("ecosystem") == ECOSYSTEM
               for a in record.get("affected") or ())


def _modified(record: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(record["modified"]).replace("Z", "+00:00"))


def _source_records(source: Path) -> Iterator[tuple[str, bytes]]:
    if source.is_dir():
        files = sorted(p for p in source.rglob("*.json") if p.name != INFO_NAME)
        if not files:
            raise InputError(f"{source}: no .json OSV records in this directory")
        for file in files:
            yield str(file.relative_to(source)), _read(file)
    elif source.is_file() and zipfile.is_zipfile(source):
        yield from _zip_records(source)
    elif source.is_file() and source.suffix == ".json":
        yield source.name, _read(source)
    elif not source.exists():
        raise InputError(f"{source}: no such OSV source")
    else:
        raise InputError(f"{source}: not an OSV source (expected a zip, a directory or a .json record)")


def _zip_records(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(".json") or info.filename == INFO_NAME:
                    continue
                if info.file_size > MAX_RECORD_BYTES:
                    raise InputError(f"{path}: {info.filename} is {info.file_size} bytes; an OSV record is "
                                     f"at most {MAX_RECORD_BYTES}")
                yield info.filename, archive.read(info)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: cannot read the zip: {exc}") from None


def _read(path: Path) -> bytes:
    from mlsecure.private_files import read_regular_file

    return read_regular_file(path, what="an OSV record", max_bytes=MAX_RECORD_BYTES)


def _digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    h = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {describe_os_error(exc)}") from None
    return h.hexdigest()
