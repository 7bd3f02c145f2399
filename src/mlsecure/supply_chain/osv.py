"""Offline vulnerability matching against a local OSV database export (https://ossf.github.io/osv-schema/).

The export is a directory of OSV JSON files (searched recursively) or a zip of them, such as
``https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip``. Only records whose bytes mention
a package being audited are parsed, so a full PyPI export (tens of thousands of records) is cheap
when only a few hundred packages are asked about.

Matching follows the OSV schema: an ``affected`` entry for ecosystem ``PyPI`` and the package's
canonical name matches a version listed in ``versions`` or inside an ``ECOSYSTEM``/``SEMVER`` range
(events sorted by version; ``introduced`` opens, ``fixed`` closes, ``last_affected`` closes after).
Withdrawn records are skipped; records that alias each other (PYSEC/GHSA/CVE) are reported once.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from mlsecure import strict_json
from mlsecure.errors import InputError
from mlsecure.findings import Severity
from mlsecure.supply_chain.cvss import cvss3_base_score, severity_of_score

INFO_NAME = "mlsecure-osv-db.json"
"""The build record ``mlsecure deps db build`` writes beside the records (not an OSV record)."""
MAX_RECORD_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Vulnerability:
    """One advisory affecting one installed or pinned version."""

    id: str
    package: str
    version: str
    aliases: tuple[str, ...]
    summary: str
    fix_versions: tuple[str, ...]
    severity: Severity
    score: float | None = None
    url: str | None = None


class OsvDatabase:
    """An OSV export on disk, indexed lazily for the packages asked about.

    Fail closed: a database with no records, or a record that names an audited package but cannot be
    read, is an ``InputError`` (an unreadable advisory must not read as "no advisory")."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"{self.path}: no OSV database here (a directory of OSV JSON files or a zip; "
                             "build one with `mlsecure deps db build`)")
        if self.path.is_file() and not zipfile.is_zipfile(self.path):
            raise InputError(f"{self.path}: not a zip file; give the export directory or its all.zip")
        if not self.path.is_file() and not self.path.is_dir():
            raise InputError(f"{self.path}: the OSV database must be a directory or a zip file")
        self.records_read = 0
        self.records_seen = 0
        self.info = self._read_info()

    def query(self, packages: Iterable[tuple[str, str]]) -> list[Vulnerability]:
        """Advisories for ``(name, version)`` pairs, one per advisory and package version."""
        wanted: dict[str, set[str]] = {}
        for name, version in packages:
            wanted.setdefault(canonicalize_name(name), set()).add(version)
        needles = _needles(wanted)
        found: list[Vulnerability] = []
        for name, raw in self._raw_records():
            self.records_seen += 1
            lowered = raw.lower()
            if not any(n in lowered for n in needles):
                continue
            record = strict_json.loads(raw, what=f"{self.path}: OSV record {name}", max_bytes=MAX_RECORD_BYTES)
            self.records_read += 1
            if isinstance(record, Mapping) and not record.get("withdrawn"):
                found.extend(match_record(record, wanted))
        if self.records_seen == 0:
            raise InputError(f"{self.path}: the OSV database holds no records; nothing could be checked "
                             "(rebuild it with `mlsecure deps db build`)")
        return _dedupe(found)

    def notes(self) -> list[str]:
        """What the user should know about this database (its age, when ``deps db build`` made it)."""
        if self.info is None:
            return [f"offline OSV database {self.path}: {self.records_seen} records (no build record)"]
        built = str(self.info.get("built", "?"))
        age = ""
        try:
            days = (datetime.now(UTC) - datetime.fromisoformat(built)).days
            age = f", {days} days old" if days > 0 else ""
        except ValueError:
            pass
        return [f"offline OSV database {self.path}: {self.info.get('records', '?')} records, built {built}{age}"]

    def _read_info(self) -> dict[str, Any] | None:
        raw: bytes | None = None
        if self.path.is_dir():
            meta = self.path / INFO_NAME
            raw = meta.read_bytes() if meta.is_file() else None
        else:
            with zipfile.ZipFile(self.path) as archive:
                if INFO_NAME in archive.namelist():
                    raw = archive.read(INFO_NAME)
        if raw is None:
            return None
        info = strict_json.loads(raw, what=f"{self.path}: {INFO_NAME}", max_bytes=MAX_RECORD_BYTES)
        return info if isinstance(info, dict) else None

    def _raw_records(self) -> Iterator[tuple[str, bytes]]:
        if self.path.is_dir():
            for file in sorted(self.path.rglob("*.json")):
                if file.name != INFO_NAME:
                    yield file.name, file.read_bytes()
            return
        with zipfile.ZipFile(self.path) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".json") and not info.is_dir() and info.filename != INFO_NAME:
                    if info.file_size > MAX_RECORD_BYTES:
                        raise InputError(f"{self.path}: OSV record {info.filename} is {info.file_size} bytes; "
                                         f"at most {MAX_RECORD_BYTES}")
                    yield info.filename, archive.read(info)


def match_record(record: Mapping[str, Any], wanted: Mapping[str, set[str]]) -> list[Vulnerability]:
    """The ``(package, version)`` pairs of ``wanted`` that ``record`` affects."""
    out: list[Vulnerability] = []
    for affected in record.get("affected") or ():
        if not isinstance(affected, Mapping):
            continue
        package = affected.get("package") or {}
        if package.get("ecosystem") != "PyPI" or not isinstance(package.get("name"), str):
            continue
        name = canonicalize_name(package["name"])
        out.extend(_vulnerability(record, affected, name, version)
                   for version in sorted(wanted.get(name, ())) if is_affected(version, affected))
    return out


def is_affected(version: str, affected: Mapping[str, Any]) -> bool:
    """Whether ``version`` is listed in, or inside a range of, one OSV ``affected`` entry."""
    listed = affected.get("versions") or ()
    if version in listed:
        return True
    parsed = _version(version)
    if parsed is None:
        return False
    if any(_version(str(v)) == parsed for v in listed):  # "1.0" and "1.0.0" are the same release
        return True
    for rng in affected.get("ranges") or ():
        if not isinstance(rng, Mapping) or rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        if _in_range(parsed, rng.get("events") or ()):
            return True
    return False


def _in_range(version: Version, events: Iterable[Any]) -> bool:
    ordered: list[tuple[Version, int, str]] = []
    for event in events:
        if not isinstance(event, Mapping) or not event:
            continue
        kind, value = next(iter(event.items()))
        if kind == "introduced" and value == "0":
            ordered.append((Version("0"), 0, kind))
            continue
        parsed = _version(str(value)) if kind in ("introduced", "fixed", "last_affected", "limit") else None
        if parsed is not None:
            ordered.append((parsed, 0 if kind == "introduced" else 1, kind))
    affected = False
    for point, _, kind in sorted(ordered):
        if kind == "introduced" and version >= point:
            affected = True
        elif (kind in ("fixed", "limit") and version >= point) or (kind == "last_affected" and version > point):
            affected = False
    return affected


def _vulnerability(record: Mapping[str, Any], affected: Mapping[str, Any], name: str, version: str) -> Vulnerability:
    parsed = _version(version)
    fixes: list[str] = []
    for rng in affected.get("ranges") or ():
        for event in rng.get("events") or () if isinstance(rng, Mapping) else ():
            fixed = event.get("fixed") if isinstance(event, Mapping) else None
            fixed_version = _version(str(fixed)) if fixed else None
            if fixed_version is not None and (parsed is None or fixed_version > parsed):
                fixes.append(str(fixed))
    severity, score = _severity(record, affected)
    refs = [r.get("url") for r in record.get("references") or () if isinstance(r, Mapping)]
    return Vulnerability(
        id=str(record.get("id", "?")), package=name, version=version,
        aliases=tuple(str(a) for a in record.get("aliases") or ()),
        summary=str(record.get("summary") or record.get("details") or "")[:300],
        fix_versions=tuple(sorted(set(fixes), key=lambda v: _version(v) or Version("0"))),
        severity=severity, score=score, url=next((u for u in refs if isinstance(u, str)), None),
    )


def _severity(record: Mapping[str, Any], affected: Mapping[str, Any]) -> tuple[Severity, float | None]:
    for entry in list(affected.get("severity") or ()) + list(record.get("severity") or ()):
        if isinstance(entry, Mapping) and str(entry.get("type", "")).startswith("CVSS_V3"):
            score = cvss3_base_score(str(entry.get("score", "")))
            if score is not None:
                return severity_of_score(score), score
    label = str((record.get("database_specific") or {}).get("severity", "")).upper()
    mapping = {"LOW": Severity.LOW, "MODERATE": Severity.MEDIUM, "MEDIUM": Severity.MEDIUM,
               "HIGH": Severity.HIGH, "CRITICAL": Severity.CRITICAL}
    return mapping.get(label, Severity.HIGH), None  # unknown severity: treat a known vulnerability as high


def _dedupe(vulns: list[Vulnerability]) -> list[Vulnerability]:
    seen: dict[tuple[str, str], list[set[str]]] = {}
    out: list[Vulnerability] = []
    for vuln in sorted(vulns, key=lambda v: (v.package, v.version, not v.id.startswith("PYSEC"), v.id)):
        names = {vuln.id, *vuln.aliases}
        groups = seen.setdefault((vuln.package, vuln.version), [])
        if any(names & group for group in groups):
            continue
        groups.append(names)
        out.append(vuln)
    return out


def _needles(wanted: Mapping[str, set[str]]) -> list[bytes]:
    out: set[bytes] = set()
    for name in wanted:
        for sep in ("-", "_", "."):
            out.add(name.replace("-", sep).encode())
    return sorted(out)


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None
