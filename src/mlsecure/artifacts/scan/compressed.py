"""A compressed file that is not a compressed pickle: the decompressed stream, scanned as a file of its own.

``joblib.load`` and ``pandas.read_pickle`` read a compressed pickle (scanned as such in ``pickle_scan``); other
loaders undo the compression first and hand the stream to another parser: ``fsspec.open(path, compression="infer")``
(behind ``np.load(fsspec.open("x.npy.gz", compression="infer").open(), allow_pickle=True)``, Hugging Face
``datasets``, ``pandas``' readers), ``gzip.open`` then ``np.load``. Until session 8 such a file was "compressed data
that is not a pickle" (safe) whatever it held: a gzip-wrapped object ``.npy`` unpickled its payload under such a
loader. The stream is decompressed under the archive limits (member size, bomb ratio) and scanned like an archive
member; the compressions are those ``fsspec`` infers and this scanner reads (gzip, bz2, xz/lzma, zstd, and lz4 since
session 9: ``fsspec`` infers ``.lz4`` when the ``lz4`` package is installed; Snappy framing, which ``fsspec`` reads when
the caller names ``compression="snappy"``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO

from mlsecure.artifacts.formats import compression_of
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Session
from mlsecure.findings import Severity

STREAM_COMPRESSIONS = frozenset({"gzip", "bz2", "xz", "lzma", "zstd", "lz4", "snappy"})
_SUFFIXES = (".gz", ".gzip", ".bz2", ".xz", ".lzma", ".zst", ".zstd", ".lz4", ".snappy", ".sz")
IN_MEMORY_LIMIT = 256 * 1024**2  # larger streams are spooled to a temporary file
_CHUNK = 1 << 20


def decompressed_issues(blob: Blob, session: Session) -> list[Issue]:
    """Issues of the decompressed stream (each seen inside ``<gzip-decompressed>``); ``[]`` for other compressions."""
    from mlsecure.artifacts.scan.pickle_scan import _decompression_errors, decompressed

    compression = compression_of(blob.head(32))
    if compression not in STREAM_COMPRESSIONS:
        return []
    where = f"<{compression}-decompressed>"
    limits = session.limits
    spool: IO[bytes] | None = None
    memory = bytearray()
    total, broken = 0, None
    try:
        with blob.open() as raw:
            stream, _end = decompressed(raw, compression, blob.size)
            with stream:
                while True:
                    try:
                        chunk = stream.read(_CHUNK)
                    except _decompression_errors() as exc:  # truncated or corrupt: the loader reads up to here
                        broken = f"{type(exc).__name__}: {exc}"
                        break
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limits.max_member_bytes or (
                            total > limits.bomb_min_bytes and total > limits.max_ratio * max(blob.size, 1)):
                        return [Issue(IssueKind.ARCHIVE_BOMB, Severity.MEDIUM, f"{compression} stream decompresses to "
                                      f"over {total} bytes from {blob.size} (limit or bomb ratio): not verified",
                                      member=where, evidence={"compression": compression, "read": total})]
                    if spool is None and len(memory) + len(chunk) > IN_MEMORY_LIMIT:
                        spool = tempfile.NamedTemporaryFile(prefix="mlsecure-scan-", delete=False)  # noqa: SIM115
                        spool.write(memory)
                        memory = bytearray()
                    if spool is not None:
                        spool.write(chunk)
                    else:
                        memory.extend(chunk)
        if spool is not None:
            spool.close()
        child = _child(blob.name, memory, spool)
        found = session.scan_child(child)
        if _text(child.head(4096)):
            found = [_as_application_text(i) for i in found]
    finally:
        if spool is not None:
            spool.close()
            Path(spool.name).unlink(missing_ok=True)
    issues = [i.inside(where) for i in found]
    if broken is not None and total:
        issues.append(Issue(IssueKind.MALFORMED, Severity.LOW, f"{compression} stream breaks after {total} bytes "
                            f"({broken}): the bytes before it were scanned", member=where))
    elif broken is not None:  # nothing came out: what the file holds was never seen, so it is not "safe"
        issues.append(Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"{compression} stream cannot be decompressed "
                            f"({broken}): its content was not verified", member=where))
    return issues


def _text(head: bytes) -> bool:
    from mlsecure.artifacts.formats import is_text, wide_text_encoding

    return is_text(head) or wide_text_encoding(head) is not None


def _as_application_text(issue: Issue) -> Issue:
    """Compressed text reaches no config loader on its own (``OmegaConf.load``, ``fileConfig``, pip do not decompress):
    only application code reads it. A dangerous name (high, critical) keeps its severity; a medium "not verified"
    (a resolver the application may register, an unknown class) is low here (a gzipped botocore ``service-2.json``
    whose documentation quotes ``${transfer:UserName}`` is data)."""
    if issue.severity is not Severity.MEDIUM:
        return issue
    return Issue(issue.kind, Severity.LOW, f"compressed text, read only by application code: {issue.title}",
                 issue.member, issue.offset, issue.evidence)


def _child(name: str, memory: bytearray, spool: IO[bytes] | None) -> Blob:
    """The stream as a blob named without its compression suffix (``x.npy.gz`` is read as ``x.npy``)."""
    base = name
    for suffix in _SUFFIXES:
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
            break
    if spool is None:
        return Blob(name=base, data=bytes(memory))
    return Blob(name=base, path=Path(spool.name))
