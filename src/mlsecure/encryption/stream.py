"""Streaming authenticated encryption of files of any size in constant memory (format ``MLSENC`` v1).

Construction: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its
Nonce-Reuse Misuse-Resistance", CRYPTO 2015, ePrint 2015/189), as in Tink's streaming AEAD and age's
payload. The plaintext is cut into segments of ``segment_size`` bytes (the last one may be shorter,
and is empty only for an empty file); segment ``i`` is sealed with AES-256-GCM or ChaCha20-Poly1305 under
the nonce ``nonce_prefix(7) || i (u32, big-endian) || last (0x00 or 0x01)`` and the 19-byte fixed
header as associated data. So a reordered, duplicated, dropped or modified segment fails its tag; a file
cut at a segment boundary ends on a segment sealed as "not last"; bytes appended after the final segment
turn it into a "not last" one; both fail.

Keys: a fresh random 32-byte data key ``DK`` per file, wrapped by a ``KeyEncryptionKey`` (envelope in
the header). ``HKDF-SHA256(IKM=DK, salt="", info="mlsecure-enc v1", L=64)`` gives the payload key (first
32 bytes) and the header MAC key (last 32 bytes). The whole header (fixed part and envelope) is
authenticated by ``HMAC-SHA256(mac_key, header)``, checked before any segment is opened.

Byte layout (all integers big-endian)::

    offset  size  field
    0       6     magic "MLSENC"
    6       1     version = 1
    7       1     aead: 1 = AES-256-GCM, 2 = ChaCha20-Poly1305
    8       4     segment_size (plaintext bytes per segment, 16 .. 2**26)
    12      7     nonce_prefix (random)
    -- the 19 bytes above are the associated data of every segment --
    19      1     kek kind: 1 = raw KEK (AES-KW), 2 = scrypt passphrase (AES-KW), 3 = external KMS
    20      1     key id length K (0 .. 255)
    21      K     key id (UTF-8)
    21+K    2     params length P (0 .. 1024); scrypt: salt(16) || log2 N (u8) || r (u32) || p (u32)
    23+K    P     params
    23+K+P  2     wrapped data key length W (1 .. 1024)
    25+K+P  W     wrapped data key (AES-KW RFC 3394 of DK: 40 bytes for raw and scrypt kinds)
    25+K+P+W 32   header tag = HMAC-SHA256(mac_key, bytes 0 .. 25+K+P+W)
    then segments: ciphertext || 16-byte tag, each segment_size + 16 bytes except the last

Threat model: protects confidentiality and integrity of data at rest (stolen disks, leaked buckets,
tampered datasets, models and checkpoints); it does not protect against a host that holds the KEK.
``decrypt_file`` never releases unauthenticated plaintext under the final name: it writes a temporary
file beside the target, fsyncs it, and renames it only after the final segment verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import BinaryIO, Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mlsecure.encryption.keys import DATA_KEY_BYTES, Envelope, KekKind, KeyEncryptionKey, KeyId, KeyUnwrapError
from mlsecure.errors import InputError, OutputError
from mlsecure.private_files import describe_os_error

MAGIC: Final = b"MLSENC"
VERSION: Final = 1
TAG_BYTES: Final = 16
NONCE_PREFIX_BYTES: Final = 7
FIXED_HEADER_BYTES: Final = 19
HEADER_TAG_BYTES: Final = 32
DEFAULT_SEGMENT_SIZE: Final = 1 << 20
MIN_SEGMENT_SIZE: Final = 16
MAX_SEGMENT_SIZE: Final = 1 << 26
MAX_SEGMENTS: Final = 1 << 32
HKDF_INFO: Final = b"mlsecure-enc v1"
_MAX_PARAMS = 1024
_MAX_WRAPPED = 1024


class Algorithm(IntEnum):
    """The AEAD that seals the segments (the header's aead byte)."""

    AES_256_GCM = 1
    CHACHA20_POLY1305 = 2

    @property
    def label(self) -> str:
        return "aes-256-gcm" if self is Algorithm.AES_256_GCM else "chacha20-poly1305"

    @classmethod
    def parse(cls, text: str) -> Algorithm:
        names = {"aes-256-gcm": cls.AES_256_GCM, "chacha20-poly1305": cls.CHACHA20_POLY1305}
        try:
            return names[text.lower()]
        except KeyError:
            raise InputError(f"unknown algorithm {text!r}; expected one of: {', '.join(names)}") from None


class AuthenticationError(InputError):
    """A header or segment failed authentication: the file was modified, truncated or extended."""

    def __init__(self, message: str, *, name: str, segment: int | None) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.segment = segment


@dataclass(frozen=True)
class Header:
    """A parsed header; ``raw`` is its exact bytes (tag included)."""

    algorithm: Algorithm
    segment_size: int
    nonce_prefix: bytes
    envelope: Envelope
    raw: bytes

    @property
    def fixed(self) -> bytes:
        return self.raw[:FIXED_HEADER_BYTES]

    @property
    def key_id(self) -> KeyId:
        return self.envelope.key_id


@dataclass(frozen=True)
class StreamResult:
    """What one encryption or decryption did."""

    header: Header
    plaintext_bytes: int
    ciphertext_bytes: int
    segments: int


class _Reader(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


class _Writer(Protocol):
    def write(self, data: bytes | bytearray | memoryview, /) -> object: ...


def encrypt_stream(reader: _Reader, writer: _Writer, *, kek: KeyEncryptionKey,
                   algorithm: Algorithm = Algorithm.AES_256_GCM,
                   segment_size: int = DEFAULT_SEGMENT_SIZE) -> StreamResult:
    """Encrypt everything ``reader`` yields into ``writer`` (header, then segments)."""
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise InputError(f"segment size must be {MIN_SEGMENT_SIZE} .. {MAX_SEGMENT_SIZE} bytes, got {segment_size}")
    data_key = os.urandom(DATA_KEY_BYTES)
    nonce_prefix = os.urandom(NONCE_PREFIX_BYTES)
    fixed = MAGIC + struct.pack(">BBI", VERSION, algorithm, segment_size) + nonce_prefix
    payload_key, mac_key = derive_keys(data_key)
    header = _seal_header(fixed, kek.wrap(data_key), mac_key)
    writer.write(header.raw)
    aead = _aead(algorithm, payload_key)
    current, ahead = bytearray(segment_size), bytearray(segment_size)
    out = memoryview(bytearray(segment_size + TAG_BYTES))
    n = _read_full(reader, current)
    index = total = 0
    while True:
        n_ahead = _read_full(reader, ahead) if n == segment_size else 0
        last = n_ahead == 0
        if index >= MAX_SEGMENTS:
            raise InputError(f"input too large: more than {MAX_SEGMENTS} segments of {segment_size} bytes")
        aead.encrypt_into(segment_nonce(nonce_prefix, index, last=last), memoryview(current)[:n], fixed,
                          out[:n + TAG_BYTES])
        writer.write(out[:n + TAG_BYTES])
        total += n
        index += 1
        if last:
            break
        current, ahead, n = ahead, current, n_ahead
    return StreamResult(header, total, len(header.raw) + total + index * TAG_BYTES, index)


def decrypt_stream(reader: _Reader, writer: _Writer, *, kek: KeyEncryptionKey,
                   name: str = "<stream>") -> StreamResult:
    """Authenticate and decrypt ``reader`` into ``writer``.

    ``writer`` sees each segment's plaintext only after that segment's tag verified, but a later
    segment may still fail: only ``decrypt_file`` (temporary file, rename at the end) makes the whole
    output appear atomically. Raises ``AuthenticationError`` naming the segment at fault.
    """
    header = read_header(reader, name=name)
    payload_key = open_header(header, kek, name=name)
    aead = _aead(header.algorithm, payload_key)
    size = header.segment_size
    stride = size + TAG_BYTES
    current, ahead = bytearray(stride), bytearray(stride)
    out = memoryview(bytearray(size))
    n = _read_full(reader, current)
    index = total = 0
    while True:
        n_ahead = _read_full(reader, ahead) if n == stride else 0
        last = n_ahead == 0
        offset = len(header.raw) + index * stride
        if n < TAG_BYTES:
            raise AuthenticationError(f"file ends inside segment {index} (byte {offset + n}): truncated",
                                      name=name, segment=index)
        if index >= MAX_SEGMENTS:
            raise AuthenticationError("too many segments", name=name, segment=index)
        sealed = memoryview(current)[:n]
        try:
            aead.decrypt_into(segment_nonce(header.nonce_prefix, index, last=last), sealed, header.fixed,
                              out[:n - TAG_BYTES])
        except InvalidTag:
            raise _diagnose(aead, header, sealed, index, last=last, offset=offset, name=name) from None
        writer.write(out[:n - TAG_BYTES])
        total += n - TAG_BYTES
        index += 1
        if last:
            break
        current, ahead, n = ahead, current, n_ahead
    return StreamResult(header, total, len(header.raw) + total + index * TAG_BYTES, index)


def encrypt_file(source: Path, target: Path, *, kek: KeyEncryptionKey,
                 algorithm: Algorithm = Algorithm.AES_256_GCM, segment_size: int = DEFAULT_SEGMENT_SIZE,
                 overwrite: bool = False) -> StreamResult:
    """Encrypt ``source`` to ``target`` atomically (temporary file beside it, fsync, rename)."""
    _check_paths(source, target, overwrite=overwrite)
    with _open_input(source) as reader, _atomic_output(target) as writer:
        return encrypt_stream(reader, writer, kek=kek, algorithm=algorithm, segment_size=segment_size)


def decrypt_file(source: Path, target: Path, *, kek: KeyEncryptionKey, overwrite: bool = False) -> StreamResult:
    """Decrypt ``source`` to ``target``; ``target`` appears only if every segment verified."""
    _check_paths(source, target, overwrite=overwrite)
    with _open_input(source) as reader, _atomic_output(target) as writer:
        return decrypt_stream(reader, writer, kek=kek, name=str(source))


def verify_file(source: Path, *, kek: KeyEncryptionKey) -> StreamResult:
    """Authenticate every segment of ``source`` without writing plaintext anywhere."""
    with _open_input(source) as reader:
        return decrypt_stream(reader, _NullWriter(), kek=kek, name=str(source))


def rewrap_file(source: Path, *, old: KeyEncryptionKey, new: KeyEncryptionKey, target: Path | None = None,
                overwrite: bool = False) -> Header:
    """Re-wrap the data key of ``source`` under ``new`` (KEK rotation); the payload is copied untouched.

    Writes ``target`` (default: replaces ``source`` in place, atomically). The segments are not
    re-encrypted, so a leaked *data key* stays valid; rotate by re-encrypting when that is the fear.
    """
    out_path = source if target is None else target
    if target is not None:
        _check_paths(source, target, overwrite=overwrite)
    with _open_input(source) as reader:
        header = read_header(reader, name=str(source))
        data_key = _unwrap(header, old, name=str(source))
        _verify_header_tag(header, derive_keys(data_key)[1], name=str(source))
        new_header = _seal_header(header.fixed, new.wrap(data_key), derive_keys(data_key)[1])
        with _atomic_output(out_path) as writer:
            writer.write(new_header.raw)
            buffer = memoryview(bytearray(1 << 20))
            while n := reader.readinto(buffer):
                writer.write(buffer[:n])
    return new_header


def read_header(reader: _Reader, *, name: str = "<stream>") -> Header:
    """Parse (not authenticate) a header; ``InputError`` when it is not an ``MLSENC`` v1 header."""
    start = bytearray(FIXED_HEADER_BYTES + 2)
    got = _read_full(reader, start)
    if got < len(MAGIC) or start[:len(MAGIC)] != MAGIC:
        raise InputError(f"{name}: not an mlsecure encrypted file (no MLSENC magic)")
    if got < len(start):
        raise InputError(f"{name}: file ends inside the header: truncated")
    fixed = bytes(start)
    version, aead_id, segment_size = struct.unpack(">BBI", fixed[6:12])
    if version != VERSION:
        raise InputError(f"{name}: unsupported format version {version} (this mlsecure reads {VERSION})")
    try:
        algorithm = Algorithm(aead_id)
        kind = KekKind(fixed[19])
    except ValueError:
        raise AuthenticationError("header names an unknown algorithm or key kind (tampered?)", name=name,
                                  segment=None) from None
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise AuthenticationError(f"header segment size {segment_size} out of range (tampered?)", name=name,
                                  segment=None)
    key_id_len = fixed[20]
    key_id_bytes = _read_exact(reader, key_id_len, name, "header key id")
    params_len = struct.unpack(">H", _read_exact(reader, 2, name, "header"))[0]
    if params_len > _MAX_PARAMS:
        raise AuthenticationError(f"header params length {params_len} too large (tampered?)", name=name,
                                  segment=None)
    params = _read_exact(reader, params_len, name, "header params")
    wrapped_len = struct.unpack(">H", _read_exact(reader, 2, name, "header"))[0]
    if not 0 < wrapped_len <= _MAX_WRAPPED:
        raise AuthenticationError(f"header wrapped-key length {wrapped_len} invalid (tampered?)", name=name,
                                  segment=None)
    wrapped = _read_exact(reader, wrapped_len, name, "header wrapped key")
    tag = _read_exact(reader, HEADER_TAG_BYTES, name, "header tag")
    try:
        key_id = KeyId(key_id_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise AuthenticationError("header key id is not UTF-8 (tampered?)", name=name, segment=None) from None
    raw = (fixed + key_id_bytes + struct.pack(">H", params_len) + params + struct.pack(">H", wrapped_len)
           + wrapped + tag)
    return Header(algorithm, segment_size, fixed[12:19], Envelope(kind, key_id, params, wrapped), raw)


def read_file_header(path: Path) -> Header:
    with _open_input(path) as reader:
        return read_header(reader, name=str(path))


def open_header(header: Header, kek: KeyEncryptionKey, *, name: str = "<stream>") -> bytes:
    """Unwrap the data key, verify the header tag, and return the payload key."""
    data_key = _unwrap(header, kek, name=name)
    payload_key, mac_key = derive_keys(data_key)
    _verify_header_tag(header, mac_key, name=name)
    return payload_key


def derive_keys(data_key: bytes) -> tuple[bytes, bytes]:
    """(payload key, header MAC key) = HKDF-SHA256(IKM=DK, salt=None, info=HKDF_INFO, L=64) split 32/32."""
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=HKDF_INFO).derive(data_key)
    return okm[:32], okm[32:]


def segment_nonce(prefix: bytes, index: int, *, last: bool) -> bytes:
    """``prefix(7) || index (u32 BE) || last flag (1 byte)``: 12 bytes."""
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def _seal_header(fixed: bytes, envelope: Envelope, mac_key: bytes) -> Header:
    key_id = envelope.key_id.encode("utf-8")
    if len(key_id) > 255 or len(envelope.params) > _MAX_PARAMS or not 0 < len(envelope.wrapped) <= _MAX_WRAPPED:
        raise InputError("key id, params or wrapped key too long for the header")
    body = (fixed + bytes([envelope.kind, len(key_id)]) + key_id + struct.pack(">H", len(envelope.params))
            + envelope.params + struct.pack(">H", len(envelope.wrapped)) + envelope.wrapped)
    raw = body + hmac.new(mac_key, body, hashlib.sha256).digest()
    algorithm, segment_size = Algorithm(fixed[7]), struct.unpack(">I", fixed[8:12])[0]
    return Header(algorithm, segment_size, fixed[12:19], envelope, raw)


def _unwrap(header: Header, kek: KeyEncryptionKey, *, name: str) -> bytes:
    try:
        return kek.unwrap(header.envelope)
    except KeyUnwrapError as exc:
        raise KeyUnwrapError(f"{name}: {exc}") from None


def _verify_header_tag(header: Header, mac_key: bytes, *, name: str) -> None:
    body, tag = header.raw[:-HEADER_TAG_BYTES], header.raw[-HEADER_TAG_BYTES:]
    if not hmac.compare_digest(hmac.new(mac_key, body, hashlib.sha256).digest(), tag):
        raise AuthenticationError("header fails authentication (modified after encryption)", name=name,
                                  segment=None)


def _diagnose(aead: AESGCM | ChaCha20Poly1305, header: Header, sealed: memoryview, index: int, *, last: bool,
              offset: int, name: str) -> AuthenticationError:
    """Name what went wrong: the classic STREAM attacks give a valid segment with the other flag."""
    try:
        aead.decrypt(segment_nonce(header.nonce_prefix, index, last=not last), bytes(sealed), header.fixed)
    except InvalidTag:
        return AuthenticationError(
            f"segment {index} (byte offset {offset}) fails authentication: the file was modified "
            "(corrupted, reordered or duplicated segments)", name=name, segment=index)
    if last:
        return AuthenticationError(f"file truncated: segment {index} is valid but not the final segment "
                                   f"(the stream ends at byte {offset + len(sealed)})", name=name, segment=index)
    return AuthenticationError(f"data appended after the final segment {index} (byte {offset + len(sealed)})",
                               name=name, segment=index)


def _aead(algorithm: Algorithm, key: bytes) -> AESGCM | ChaCha20Poly1305:
    match algorithm:
        case Algorithm.AES_256_GCM:
            return AESGCM(key)
        case Algorithm.CHACHA20_POLY1305:
            return ChaCha20Poly1305(key)


def _read_full(reader: _Reader, buffer: bytearray) -> int:
    """Fill ``buffer`` from ``reader`` (short reads from pipes included); the count read (< len at EOF)."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(buffer):
        n = reader.readinto(view[filled:])
        if not n:
            break
        filled += n
    return filled


def _read_exact(reader: _Reader, size: int, name: str, what: str) -> bytes:
    buffer = bytearray(size)
    if _read_full(reader, buffer) != size:
        raise InputError(f"{name}: file ends inside the {what}: not an mlsecure encrypted file, or truncated")
    return bytes(buffer)


class _NullWriter:
    def write(self, data: bytes | bytearray | memoryview, /) -> int:
        return len(data)


def _check_paths(source: Path, target: Path, *, overwrite: bool) -> None:
    if not source.is_file():
        raise InputError(f"{source}: no such file" if not source.exists() else f"{source}: not a regular file")
    _refuse_special_output(target)
    if target.exists():
        if target.resolve() == source.resolve() or _same_file(source, target):
            raise InputError(f"{target}: output would overwrite the input (the same file or a link to it)")
        if not overwrite:
            raise InputError(f"{target}: already exists (use --force to replace it)")
        if target.is_dir():
            raise InputError(f"{target}: is a directory")


_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)  # POSIX; Windows has no FIFOs to block on


def _refuse_special_output(target: Path) -> None:
    """An existing output must be a regular file: --force never renames over a device, FIFO or socket."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise InputError(f"{target}: not a regular file; an output is never written over a device, FIFO or socket")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


@contextlib.contextmanager
def _open_input(path: Path) -> Iterator[_Reader]:
    """``path`` opened for reading, refused at once unless it is a regular file (a FIFO never blocks us)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {describe_os_error(exc)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{path}: not a regular file (FIFOs, devices and directories are refused)")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


@contextlib.contextmanager
def _atomic_output(target: Path) -> Iterator[BinaryIO]:
    """A temporary file (mode 0600) beside ``target``; fsync + rename on success, removed on failure."""
    _refuse_special_output(target)
    directory = target.parent if str(target.parent) else Path()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise OutputError(f"{target}: cannot create the output: {describe_os_error(exc)}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:  # buffered: BufferedWriter retries short writes
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(target)
    except OSError as exc:  # ENOSPC, EIO, a read-only remount: nothing is left under the target's name
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{target}: not written: {describe_os_error(exc)}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename durable; some filesystems refuse a dir fsync
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
