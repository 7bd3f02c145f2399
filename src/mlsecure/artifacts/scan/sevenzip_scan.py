"""7z archives (py7zr): every member is scanned by its content, as zip and tar members are.

The headers' sizes are not trusted: each member is collected by a writer that counts the bytes as
they are decompressed and stops the extraction past the member and archive limits, so a solid
archive of zeros is decided without inflating it. Encrypted archives cannot be verified without
the password (medium, never "malformed").
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.archive_scan import IN_MEMORY_LIMIT, unsafe_name
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.findings import Severity


class SevenZipScanner(Scanner):
    name = "7z"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.SEVENZIP})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        try:
            import py7zr
        except ImportError:
            return [Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM,
                          '7z archive not verified: install py7zr (pip install "mlsecure[archives]")')]
        try:
            with blob.open() as handle, py7zr.SevenZipFile(handle, mode="r") as archive:
                if archive.needs_password():
                    return [Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM,
                                  "encrypted 7z archive: its members cannot be verified without the password")]
                return _scan_members(archive, session, blob.size)
        except _Limit as exc:
            return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM, f"7z archive not fully verified: {exc}")]
        except Exception as exc:  # py7zr raises many types (Bad7zFile, CrcError, LZMAError...) on hostile input
            if type(exc).__name__ == "PasswordRequired":  # encrypted headers
                return [Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM,
                              "encrypted 7z archive: its members cannot be verified without the password")]
            return [Issue(IssueKind.MALFORMED, Severity.MEDIUM,
                          f"unreadable 7z archive (not verified): {type(exc).__name__}: {exc}")]


class _Limit(Exception):
    pass


def _scan_members(archive: Any, session: Session, archive_size: int) -> list[Issue]:
    from py7zr.io import Py7zIO, WriterFactory

    limits = session.limits
    issues: list[Issue] = []
    wanted: list[str] = []
    declared: dict[str, int] = {}
    for info in archive.list():
        why = unsafe_name(info.filename)
        if why:
            issues.append(Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH, f"unsafe member name ({why})",
                                member=info.filename))
        if getattr(info, "is_symlink", False):
            issues.append(Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH, "member is a symbolic link",
                                member=info.filename))
        elif not info.is_directory:
            wanted.append(info.filename)
            declared[info.filename] = int(info.uncompressed or 0)
    expanded = sum(declared.values())
    if expanded > limits.bomb_min_bytes and expanded / max(archive_size, 1) > limits.max_ratio:
        return [*issues, Issue(IssueKind.ARCHIVE_BOMB, Severity.MEDIUM,
                               f"members not verified: {archive_size} bytes declare {expanded} decompressed bytes",
                               evidence={"size": expanded, "compressed": archive_size})]
    total = [0]
    member_cap = min(limits.max_member_bytes, IN_MEMORY_LIMIT)

    class Collector(Py7zIO):
        """Keeps a member's bytes, counting them as they are decompressed."""

        def __init__(self, name: str) -> None:
            self.name, self.parts, self.length = name, [bytearray()], 0
            self.cap = min(member_cap, declared.get(name, member_cap) + 1)  # headers are not trusted

        def write(self, s: bytes | bytearray) -> int:
            self.length += len(s)
            total[0] += len(s)
            if self.length > self.cap:
                raise _Limit(f"member {self.name!r} decompresses past {self.cap - 1} bytes")
            if total[0] > limits.max_total_bytes:
                raise _Limit(f"members decompress past {limits.max_total_bytes} bytes in total")
            self.parts[0] += s
            return len(s)

        def read(self, size: int | None = None) -> bytes:
            return bytes(self.parts[0])

        def seek(self, offset: int, whence: int = 0) -> int:
            return offset

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return self.length

    class Factory(WriterFactory):
        def __init__(self) -> None:
            self.made: dict[str, Collector] = {}

        def create(self, filename: str) -> Py7zIO:
            name = Path(filename).relative_to(scratch).as_posix() if Path(filename).is_absolute() else filename
            self.made[name] = Collector(name)
            return self.made[name]

    factory = Factory()
    with tempfile.TemporaryDirectory(prefix="mlsecure-7z-") as scratch:  # nothing is written there
        archive.extract(path=scratch, targets=wanted, factory=factory)
    for name in wanted:
        if session.out_of_budget:
            break
        collected = factory.made.get(name)
        data = bytes(collected.parts[0]) if collected is not None else b""
        issues.extend(i.inside(name) for i in session.scan_child(Blob(name=name, data=data)))
    return issues
