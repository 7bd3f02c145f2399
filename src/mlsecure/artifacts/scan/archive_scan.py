"""Zip and tar archives, recursively: every member is scanned by its own content's format.

Checks the container itself too: names that escape the extraction folder (``../``, absolute
paths), symlinks and hard links, and decompression bombs (ratio and size). A member that is not
read because of a limit is reported, never skipped silently.
"""

from __future__ import annotations

import bz2
import contextlib
import io
import lzma
import posixpath
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, ClassVar, Literal

from mlsecure.artifacts.formats import ArtifactFormat, compression_of, is_tar_header
from mlsecure.artifacts.scan.compressed import STREAM_COMPRESSIONS, decompressed_issues
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.zipread import (
    SUPPORTED_METHODS,
    Range,
    ZipEntry,
    ZipFormatError,
    data_offset,
    method_name,
    open_member,
    read_directory,
    read_member,
)
from mlsecure.findings import Severity

IN_MEMORY_LIMIT = 256 * 1024**2  # larger tar members are spooled to a temporary file
AES_METHOD = 99  # WinZip AES encryption
SMALL_MEMBER = 1 << 20  # stored members up to this size are read at once instead of streamed


class ArchiveScanner(Scanner):
    name = "archive"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.ZIP, ArtifactFormat.NPZ,
                                                              ArtifactFormat.TAR})

    def scan(self, blob: Blob, session: Session) -> Iterator[Issue]:
        head = blob.head(512)
        compression = compression_of(head)
        if compression in STREAM_COMPRESSIONS and compression not in _TAR_COMPRESSIONS and not is_tar_header(head):
            # a tar in a compression tarfile cannot open here (zstd: Python 3.14's ``r:zst``; lz4, Snappy: fsspec):
            # the decompressed stream is scanned as a file of its own (it was "unreadable zip archive", medium)
            return iter(decompressed_issues(blob, session))
        if head.startswith(b"PK") or not _looks_tar(blob):
            return scan_zip(blob, session)
        return scan_tar(blob, session)


def _looks_tar(blob: Blob) -> bool:
    try:
        with blob.open() as handle:
            return tarfile.is_tarfile(handle)
    except (OSError, tarfile.TarError):
        return False


def unsafe_name(name: str) -> str | None:
    """Why extracting ``name`` would write outside the target folder, or None."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "path traversal (..)"
    return None


def scan_zip(blob: Blob, session: Session, *, skip: Callable[[ZipEntry], bool] | None = None) -> Iterator[Issue]:
    """Scan every member of a zip archive and the bytes around it (``skip`` leaves out raw-data members).

    ``skip`` is one loader's view (torch's storages); it is not applied when the loaders read different central
    directories: ``pandas.read_pickle`` unpickles the only member of the one Python's zipfile reads, which may be
    a storage name in torch's. Issues are yielded member by member, so a failure in a later member keeps the
    earlier ones."""
    limits = session.limits
    try:
        with blob.open() as handle:
            directory = read_directory(handle, blob.size)
    except (ZipFormatError, OSError, ValueError) as exc:
        yield Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"unreadable zip archive (not verified): {exc}")
        return
    yield from (Issue(IssueKind.ZIP_TAMPERING, Severity.MEDIUM, a) for a in directory.anomalies)
    yield from scan_outside(blob, session, directory.start, directory.end)
    total = 0
    for entry in directory.entries:
        if session.out_of_budget:
            break
        if entry.is_dir and not (entry.size or entry.compressed_size):
            # a name ending in "/" with bytes is still read: ``np.load`` of an ``.npz`` lists it as a key and
            # unpickles it, ``pandas.read_pickle`` of a one-member zip opens it (session 12: both ran; skipped, "safe")
            continue
        why = unsafe_name(entry.name)
        if why:
            yield Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH, f"unsafe member name ({why})",
                        member=entry.name, evidence={"name": entry.name})
        if entry.is_symlink:  # and its bytes are still scanned: zipfile and miniz read them whatever the mode says
            yield Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH, "member is a symbolic link", member=entry.name)
        if skip is not None and directory.views == 1 and skip(entry):
            continue
        ratio = entry.size / max(entry.compressed_size, 1)
        total += entry.size
        if entry.size > limits.max_member_bytes or total > limits.max_total_bytes or (
                ratio > limits.max_ratio and entry.size > limits.bomb_min_bytes):
            yield Issue(IssueKind.ARCHIVE_BOMB, Severity.MEDIUM,
                        f"member not verified: decompresses to {entry.size} bytes (ratio {ratio:.0f}:1)",
                        member=entry.name,
                        evidence={"size": entry.size, "compressed": entry.compressed_size, "ratio": round(ratio, 1)})
            continue
        yield from (i.inside(entry.name) for i in scan_zip_member(blob, entry, session))


def scan_outside(blob: Blob, session: Session, start: int, end: int) -> list[Issue]:
    """Bytes before and after an archive: ``pickle.load`` and legacy ``torch.load`` run a pickle put
    in front of a zip, so those ranges are scanned like any file."""
    issues: list[Issue] = []
    for begin, stop, where in ((0, start, "before"), (end, blob.size, "after")):
        if stop <= begin:
            continue
        name = f"<bytes {begin}-{stop} {where} the archive>"
        child = _range_blob(blob, begin, stop - begin, name)
        issues.extend(i.inside(name) for i in session.scan_child(child))
    return issues


def _range_blob(blob: Blob, start: int, length: int, name: str) -> Blob:
    if blob.data is not None:
        return Blob(name=name, data=blob.data[start : start + length])
    if length <= 1 << 20:
        with blob.open() as handle:
            handle.seek(start)
            return Blob(name=name, data=handle.read(length))

    def opener() -> IO[bytes]:
        return io.BufferedReader(Range(blob.open(), start, length, owns=True), 1 << 16)

    return Blob(name=name, opener=opener, length=length)


def scan_zip_member(blob: Blob, entry: ZipEntry, session: Session) -> list[Issue]:
    """Scan one member: streamed when stored in a file or large, otherwise read (CRC checked) into memory."""
    issues: list[Issue] = []
    encrypted = bool(entry.flags & 0x1) or entry.method == AES_METHOD
    if encrypted:  # PyTorch ignores the flag and reads the bytes as they are: those are scanned below
        issues.append(Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM,
                            "encrypted member: what a loader with the password reads cannot be verified",
                            evidence={"flags": entry.flags, "method": method_name(entry.method)}))
    try:
        if (entry.method == 0 and blob.data is None and entry.size > SMALL_MEMBER) or entry.size > IN_MEMORY_LIMIT:
            with blob.open() as handle:
                _stream, anomalies = open_member(handle, entry)

            def opener() -> IO[bytes]:
                return open_member(blob.open(), entry, owns=True)[0]

            child = Blob(name=entry.name, opener=opener, length=entry.size)
        else:
            with blob.open() as handle:
                data, anomalies = read_member(handle, entry, session.limits.max_member_bytes)
            child = Blob(name=entry.name, data=data)
    except (ZipFormatError, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        if encrypted:
            return issues
        method = method_name(entry.method)
        if entry.method not in SUPPORTED_METHODS:  # no loader we know reads it either: cannot verify
            return [Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM, f"member compressed with {method}: not verified")]
        broken = Issue(IssueKind.MALFORMED, Severity.HIGH, f"member cannot be read ({method}): {exc}")
        # np.load / zipfile unpickle while they inflate: what comes out before the break has already run
        prefix = _prefix_before_error(blob, entry)
        if not prefix:
            return [broken]
        name = f"{entry.name} (the {len(prefix)} bytes before the break)"
        return [broken, *(i.inside(name) for i in session.scan_child(Blob(name=entry.name, data=prefix)))]
    issues.extend(Issue(IssueKind.ZIP_TAMPERING, Severity.MEDIUM, a, evidence={"member": entry.name})
                  for a in anomalies)
    issues.extend(session.scan_child(child))
    return issues


def _prefix_before_error(blob: Blob, entry: ZipEntry) -> bytes:
    """The most a loader can inflate from a member before its data breaks (corrupt or truncated), up to
    ``IN_MEMORY_LIMIT``. A zlib object that raises is dead and returns nothing of the piece it was given (zipfile
    feeds 4 kB pieces), so the failing piece is replayed in smaller pieces from a copy taken before it, down to
    single bytes. bzip2 yields whole blocks only, so its completed blocks are what any reader gets."""
    if entry.method not in (8, 12):
        return b""  # stored members do not break; zip LZMA (rare) is not salvaged
    out: list[bytes] = []
    limit = min(entry.size + 1, IN_MEMORY_LIMIT)  # a loader reads no more than the declared size
    with blob.open() as handle:
        start, _ = data_offset(handle, entry)
        handle.seek(start)
        if entry.method == 12:
            bz = bz2.BZ2Decompressor()
            with contextlib.suppress(OSError, EOFError, ValueError):
                while sum(map(len, out)) < limit and (piece := handle.read(1 << 16)):
                    out.append(bz.decompress(piece))
        else:
            inflate = zlib.decompressobj(-15)
            remaining = entry.compressed_size
            while remaining > 0 and sum(map(len, out)) < limit:
                piece = handle.read(min(1 << 16, remaining))
                if not piece:
                    break
                remaining -= len(piece)
                if not _inflate_into(inflate, piece, out, 1 << 16):
                    break
    return b"".join(out)[:limit]


def _inflate_into(inflate: zlib._Decompress, piece: bytes, out: list[bytes], step: int) -> bool:
    """Inflate ``piece`` in ``step``-byte parts into ``out``; False at the break, after salvaging its prefix."""
    for at in range(0, len(piece), step):
        part = piece[at : at + step]
        saved = inflate.copy()
        try:
            out.append(inflate.decompress(part))
        except zlib.error:
            if step > 1:
                _inflate_into(saved, part, out, max(step // 64, 1))
            return False
    return True


TarMode = Literal["r:", "r:*", "r:gz", "r:bz2", "r:xz"]
_TAR_COMPRESSIONS: dict[str, TarMode] = {"gzip": "r:gz", "bz2": "r:bz2", "xz": "r:xz", "lzma": "r:xz"}  # by magic


def scan_tar(blob: Blob, session: Session) -> Iterator[Issue]:
    """Scan every member of a tar archive, yielding issues member by member, once per way a loader reads it.

    ``tarfile.open(mode="r:*")`` (pandas, the scanner before session 13) tries the compressions before the plain
    format, ``torch.load``'s legacy loader opens ``mode="r:"``: a plain tar whose first header is also a gzip header
    (its fields hide in the gzip ``FEXTRA`` bytes) is one archive to torch and another, the gzip's content, to
    ``r:*``. Session 13: such a file ran under ``torch.load`` and was scanned "safe" through its gzip reading."""
    head = blob.head(512)
    compressed = _TAR_COMPRESSIONS.get(compression_of(head) or "")
    plain = is_tar_header(head)
    if plain and compressed:
        yield from _scan_tar_reading(blob, session, "r:")
        yield from (i.inside(f"<the file read by tarfile.open(mode={compressed!r})>")
                    for i in _scan_tar_reading(blob, session, compressed))
        return
    yield from _scan_tar_reading(blob, session, "r:" if plain else "r:*")


def _scan_tar_reading(blob: Blob, session: Session, mode: TarMode) -> Iterator[Issue]:
    """Scan the members ``tarfile.open(mode=mode)`` lists."""
    from mlsecure.artifacts.scan.torch_scan import LEGACY_RECORD_MEMBERS, scan_legacy_tar_member

    limits = session.limits
    try:
        with blob.open() as handle, tarfile.open(fileobj=handle, mode=mode) as tar:
            members = []
            for member in tar:  # read lazily: a header claiming a million members is not trusted
                members.append(member)
                if len(members) > limits.max_members:
                    yield Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                                f"tar archive lists more than {limits.max_members} members: not verified")
                    break
            record_targets = _link_targets(members, LEGACY_RECORD_MEMBERS)
            total = 0
            for member in members:
                if session.out_of_budget:
                    break
                why = unsafe_name(member.name)
                if why:
                    yield Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH, f"unsafe member name ({why})",
                                member=member.name)
                if member.issym() or member.islnk():
                    target = member.linkname
                    escapes = unsafe_name(target) is not None
                    yield Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH if escapes else Severity.MEDIUM,
                                f"member is a {'symbolic' if member.issym() else 'hard'} link to {target!r}",
                                member=member.name, evidence={"target": target})
                    continue
                if member.isdir() or member.ischr() or member.isblk() or member.isfifo():
                    continue
                # a regular file, or a type tarfile does not know (``Z``): extractfile() and extract() treat those as
                # regular files, and torch's legacy loader unpickled one (checked); isfile() is False for them
                total += member.size
                if member.size > limits.max_member_bytes or total > limits.max_total_bytes:
                    yield Issue(IssueKind.ARCHIVE_BOMB, Severity.MEDIUM,
                                f"member not verified: {member.size} bytes exceeds the limit",
                                member=member.name, evidence={"size": member.size})
                    continue
                source = tar.extractfile(member)
                if source is None:
                    continue
                with source:
                    child = _materialise(member.name, source, member.size)
                    try:
                        alias = record_targets.get(posixpath.normpath(member.name))
                        if member.name in LEGACY_RECORD_MEMBERS:
                            found = scan_legacy_tar_member(member.name, child, session)
                        elif alias is not None:  # read as records through a link
                            found = [*scan_legacy_tar_member(alias, child, session), *session.scan_child(child)]
                        else:
                            found = session.scan_child(child)
                    finally:
                        if child.path is not None:
                            child.path.unlink(missing_ok=True)
                yield from (i.inside(member.name) for i in found)
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        yield Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"unreadable tar archive (not verified): {exc}")


def _link_targets(members: list[tarfile.TarInfo], names: frozenset[str]) -> dict[str, str]:
    """The members a loader reads when it extracts a link named in ``names``: {normalised target name: link name}.

    ``tarfile`` writes a hard link's target member's bytes under the link's name (``extract`` and ``extractfile``
    both), so a ``storages`` hard link to ``x`` makes torch's legacy loader read ``x`` as records (session 13: the
    link was "medium", ``x`` was scanned as a plain pickle stream). Targets are matched as ``tarfile`` matches them
    (``os.path.normpath``; a symlink's relative to its folder), through chains of links."""
    by_name = {posixpath.normpath(m.name): m for m in members}
    targets: dict[str, str] = {}
    for link in members:
        if link.name not in names:
            continue
        member: tarfile.TarInfo | None = link
        for _ in range(len(members)):  # a chain visits each member at most once; a loop ends here
            if member is None or not (member.islnk() or member.issym()):
                break
            base = posixpath.dirname(member.name) if member.issym() else ""
            target = posixpath.normpath(posixpath.join(base, member.linkname))
            targets.setdefault(target, link.name)
            member = by_name.get(target)
    return targets


def _materialise(name: str, source: IO[bytes], size: int) -> Blob:
    if size <= IN_MEMORY_LIMIT:
        return Blob(name=name, data=source.read())
    with tempfile.NamedTemporaryFile(prefix="mlsecure-scan-", delete=False) as spool:
        shutil.copyfileobj(source, spool, 1 << 20)
    return Blob(name=name, path=Path(spool.name))
