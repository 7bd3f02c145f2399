"""Issue 14: a fault-injection table for the signing, encryption, audit and dependency commands.

Each row builds one hostile or broken input (or a failing operating system: ENOSPC, a read-only
folder), runs the real command in process, and states the outcome: the exit code, a piece of the one
stderr line, and that no traceback and no partial output is left. Rows that once blocked forever
(FIFOs) or burned minutes of CPU (key-derivation costs) also carry a time limit.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import signal
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlsecure.cli.main import main

PASSPHRASE_ENV = "MLSECURE_TEST_PASSPHRASE"
HMAC_ENV = "MLSECURE_TEST_HMAC"


@dataclass(frozen=True)
class Case:
    """One row: ``build(tmp, monkeypatch)`` returns the argv; the outcome follows."""

    name: str
    build: Callable[[Path, pytest.MonkeyPatch], list[str]]
    code: int
    message: str
    seconds: float = 10.0
    absent: str | None = None  # a file (relative to tmp) that must not exist afterwards


# --- input builders -------------------------------------------------------------------------------------------


def _model(tmp: Path) -> Path:
    model = tmp / "model"
    model.mkdir(exist_ok=True)
    (model / "weights.bin").write_bytes(os.urandom(4096))
    (model / "config.json").write_text('{"layers": 2}', encoding="utf-8")
    return model


def _keypair(tmp: Path) -> tuple[Path, Path]:
    key = tmp / "signing.key"
    if not key.exists():
        assert main(["artifact", "keygen", "--out", str(key)]) == 0
    return key, Path(f"{key}.pub")


def _signed(tmp: Path) -> tuple[Path, Path, Path]:
    model = _model(tmp)
    key, pub = _keypair(tmp)
    sig = tmp / "model.sig.json"
    assert main(["artifact", "sign", str(model), "--key", str(key), "--no-scan", "-o", str(sig)]) == 0
    return model, sig, pub


def _fifo(tmp: Path) -> Path:
    fifo = tmp / "pipe"
    os.mkfifo(fifo)
    return fifo


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    size = (n.bit_length() + 7) // 8
    length = bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")
    return bytes([tag]) + length + body


def _oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for value in parts[2:]:
        chunk = [value & 0x7F]
        while value > 0x7F:
            value >>= 7
            chunk.append(0x80 | (value & 0x7F))
        out.extend(reversed(chunk))
    return _der(0x06, bytes(out))


def _int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _encrypted_key_pem(kdf: bytes) -> bytes:
    """An RFC 5958 EncryptedPrivateKeyInfo with PBES2 (RFC 8018), ``kdf`` and AES-256-CBC, as PEM."""
    scheme = _der(0x30, _oid("2.16.840.1.101.3.4.1.42") + _der(0x04, bytes(16)))
    algorithm = _der(0x30, _oid("1.2.840.113549.1.5.13") + _der(0x30, kdf + scheme))
    der = _der(0x30, algorithm + _der(0x04, os.urandom(48)))
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + b"\n".join(lines) + b"\n-----END ENCRYPTED PRIVATE KEY-----\n"


def _hostile_scrypt_key(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """scrypt N = 2**20, r = 8 (1 GiB, allowed) but p = 64: 64 full derivations before a wrong passphrase."""
    kdf = _der(0x30, _oid("1.3.6.1.4.1.11591.4.11") + _der(0x30, _der(0x04, bytes(16)) + _int(1 << 20) + _int(8)
                                                            + _int(64) + _int(32)))
    key = tmp / "hostile.pem"
    key.write_bytes(_encrypted_key_pem(kdf))
    monkeypatch.setenv(PASSPHRASE_ENV, "guess")
    return ["artifact", "sign", str(_model(tmp)), "--key", str(key), "--passphrase-env", PASSPHRASE_ENV, "--no-scan"]


def _hostile_pbkdf2_key(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    prf = _der(0x30, _oid("1.2.840.113549.2.9") + b"\x05\x00")
    kdf = _der(0x30, _oid("1.2.840.113549.1.5.12") + _der(0x30, _der(0x04, bytes(16)) + _int(2**31 - 1) + prf))
    key = tmp / "hostile.pem"
    key.write_bytes(_encrypted_key_pem(kdf))
    monkeypatch.setenv(PASSPHRASE_ENV, "guess")
    return ["artifact", "sign", str(_model(tmp)), "--key", str(key), "--passphrase-env", PASSPHRASE_ENV, "--no-scan"]


def _hostile_scrypt_header(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A passphrase-encrypted file whose header asks for scrypt N = 2**20, r = 8, p = 64."""
    from mlsecure.encryption.stream import read_file_header

    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    plain = tmp / "data.csv"
    plain.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["data", "encrypt", str(plain), "--passphrase-env", PASSPHRASE_ENV, "--scrypt-log2-n", "10"]) == 0
    enc = tmp / "data.csv.mlse"
    params = read_file_header(enc).envelope.params
    raw = enc.read_bytes()
    assert raw.count(params) == 1
    enc.write_bytes(raw.replace(params, params[:16] + struct.pack(">BII", 20, 8, 64)))
    return ["data", "decrypt", str(enc), "-o", str(tmp / "out.csv"), "--passphrase-env", PASSPHRASE_ENV]


def _deep_signature(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    model, sig, pub = _signed(tmp)
    sig.write_text('{"mediaType": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    return ["artifact", "verify", str(model), "--signature", str(sig), "--pub", str(pub)]


def _duplicate_key_signature(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    model, sig, pub = _signed(tmp)
    sig.write_text('{"mediaType": "x", ' + sig.read_text(encoding="utf-8").lstrip()[1:], encoding="utf-8")
    return ["artifact", "verify", str(model), "--signature", str(sig), "--pub", str(pub)]


def _nan_hmac_manifest(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv(HMAC_ENV, "k" * 32)
    model = _model(tmp)
    sig = tmp / "model.hmac.json"
    assert main(["artifact", "sign", str(model), "--hmac-key-env", HMAC_ENV, "-o", str(sig)]) == 0
    doc = json.loads(sig.read_text(encoding="utf-8"))
    doc["metadata"] = {"accuracy": float("nan")}
    sig.write_text(json.dumps(doc), encoding="utf-8")  # Python writes the NaN literal
    return ["artifact", "verify", str(model), "--signature", str(sig), "--hmac-key-env", HMAC_ENV]


def _fifo_signature(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    _, pub = _keypair(tmp)
    return ["artifact", "verify", str(_model(tmp)), "--signature", str(_fifo(tmp)), "--pub", str(pub)]


def _fifo_data_verify(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("MLSECURE_DATA_KEY", "ab" * 32)
    return ["data", "verify", str(_fifo(tmp))]


def _fifo_data_inspect(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["data", "inspect", str(_fifo(tmp))]


def _enospc_sign(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    model = _model(tmp)
    key, _ = _keypair(tmp)
    real_write = os.write

    def full_disk(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 1000:  # the signature (a few KiB); the tiny keygen writes went through before
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    return ["artifact", "sign", str(model), "--key", str(key), "--no-scan", "-o", str(tmp / "model.sig.json")]


def _read_only_folder_sign(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    model = _model(tmp)
    key, _ = _keypair(tmp)
    out = tmp / "ro"
    out.mkdir()
    real_open = os.open

    def read_only(path: str | os.PathLike[str], flags: int, *args: int, **kw: int) -> int:
        if str(path).startswith(str(out)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", read_only)
    return ["artifact", "sign", str(model), "--key", str(key), "--no-scan", "-o", str(out / "model.sig.json")]


def _symlink_loop_sign(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    key, _ = _keypair(tmp)
    loop = tmp / "loop"
    loop.symlink_to(tmp / "loop2")
    (tmp / "loop2").symlink_to(loop)
    return ["artifact", "sign", str(loop), "--key", str(key), "--no-scan", "-o", str(tmp / "loop.sig.json")]


def _symlink_loop_key(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    loop = tmp / "key-loop"
    loop.symlink_to(loop)
    return ["artifact", "sign", str(_model(tmp)), "--key", str(loop), "--no-scan"]


def _enospc_encrypt(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    plain = tmp / "data.bin"
    plain.write_bytes(os.urandom(100_000))
    monkeypatch.setenv("MLSECURE_DATA_KEY", "ab" * 32)

    def full_disk(fd: int) -> None:  # the kernel reports a full disk at fsync on some file systems (NFS, ...)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    return ["data", "encrypt", str(plain), "-o", str(tmp / "data.bin.mlse")]


def _directory_as_input(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("MLSECURE_DATA_KEY", "ab" * 32)
    (tmp / "folder").mkdir()
    return ["data", "encrypt", str(tmp / "folder"), "-o", str(tmp / "folder.mlse")]


def _garbage_checkpoint(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from mlsecure.audit import AuditEvent, open_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "cd" * 32)
    db = tmp / "audit.db"
    with open_store(db) as store:
        store.append(AuditEvent(event_type="auth", actor="a", action="login", resource="r", outcome="allowed"))
    (tmp / "bad.checkpoint").write_bytes(os.urandom(300))
    return ["audit", "verify", str(db), "--checkpoint", str(tmp / "bad.checkpoint")]


def _enospc_audit_export(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    argv = _garbage_checkpoint(tmp, monkeypatch)

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    return ["audit", "export", argv[2], "-o", str(tmp / "audit.jsonl")]


def _existing_export(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    argv = _garbage_checkpoint(tmp, monkeypatch)
    (tmp / "audit.jsonl").write_text("keep me\n", encoding="utf-8")
    return ["audit", "export", argv[2], "-o", str(tmp / "audit.jsonl")]


def _signature_over_a_model_file(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    model = _model(tmp)
    key, _ = _keypair(tmp)
    os.link(model / "weights.bin", tmp / "alias.bin")  # a hard link to a file of the model
    return ["artifact", "sign", str(model), "--key", str(key), "--no-scan", "-o", str(tmp / "alias.bin"), "--force"]


def _export_over_the_log(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    argv = _garbage_checkpoint(tmp, monkeypatch)
    return ["audit", "export", argv[2], "-o", argv[2], "--force"]


def _encrypt_over_a_fifo(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """As root, ``-o /dev/null --force`` once renamed a regular file over the device node; a FIFO stands in."""
    monkeypatch.setenv("MLSECURE_DATA_KEY", "ab" * 32)
    (tmp / "plain.bin").write_bytes(b"x" * 100)
    return ["data", "encrypt", str(tmp / "plain.bin"), "-o", str(_fifo(tmp)), "--force"]


def _sign_over_a_fifo(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    key, _ = _keypair(tmp)
    return ["artifact", "sign", str(_model(tmp)), "--key", str(key), "--no-scan", "-o", str(_fifo(tmp)), "--force"]


def _deps_without_route(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    pytest.importorskip("pip_audit")
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    req = tmp / "r.txt"
    req.write_text("pillow==8.0.0\n", encoding="utf-8")
    return ["deps", "audit", "-r", str(req)]


CASES = [
    Case("scrypt p=64 in a passphrase-wrapped PKCS#8 key", _hostile_scrypt_key, 2, "refused before deriving", 3),
    Case("PBKDF2 2**31 iterations in a PKCS#8 key", _hostile_pbkdf2_key, 2, "PBKDF2 with 2147483647 iterations", 3),
    Case("scrypt p=64 in an encrypted file header", _hostile_scrypt_header, 2, "refused before deriving", 5,
         absent="out.csv"),
    Case("signature nested 100,000 deep", _deep_signature, 2, "nested too deeply"),
    Case("signature with a duplicated key", _duplicate_key_signature, 2, "duplicate key 'mediaType'"),
    Case("NaN in an HMAC manifest", _nan_hmac_manifest, 2, "NaN is not a JSON number"),
    Case("FIFO as artifact verify --signature", _fifo_signature, 2, "not a FIFO (named pipe)", 3),
    Case("FIFO given to data verify", _fifo_data_verify, 2, "not a regular file", 3),
    Case("FIFO given to data inspect", _fifo_data_inspect, 2, "not a regular file", 3),
    Case("artifact sign on a full disk", _enospc_sign, 2, "no space left on device", absent="model.sig.json"),
    Case("artifact sign into a read-only folder", _read_only_folder_sign, 2, "Read-only file system",
         absent="ro/model.sig.json"),
    Case("artifact sign of a symlink loop", _symlink_loop_sign, 2, "loop", absent="loop.sig.json"),
    Case("artifact sign with a key path that loops", _symlink_loop_key, 2, "symlink loop"),
    Case("data encrypt on a full disk", _enospc_encrypt, 2, "no space left on device", absent="data.bin.mlse"),
    Case("data encrypt of a directory", _directory_as_input, 2, "not a regular file", absent="folder.mlse"),
    Case("audit verify with a binary checkpoint", _garbage_checkpoint, 1, "not UTF-8 text"),
    Case("audit export on a full disk", _enospc_audit_export, 2, "no space left on device", absent="audit.jsonl"),
    Case("audit export over an existing file", _existing_export, 2, "exists; pass --force"),
    Case("artifact sign -o a hard link to a model file, --force", _signature_over_a_model_file, 2,
         "of the model being signed"),
    Case("audit export -o the log itself, --force", _export_over_the_log, 2, "is the audit log"),
    Case("data encrypt -o a FIFO, --force", _encrypt_over_a_fifo, 2, "not a regular file", 3),
    Case("artifact sign -o a FIFO, --force", _sign_over_a_fifo, 2, "FIFO (named pipe); an output is only", 3),
    Case("deps audit with no route to PyPI", _deps_without_route, 2, "--offline-db", 30),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_table(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    argv = case.build(tmp_path, monkeypatch)
    capsys.readouterr()

    def too_slow(signum: int, frame: object) -> None:
        raise TimeoutError(f"{case.name}: still running after {case.seconds} s (blocked or deriving)")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(int(case.seconds) + 1)
    started = time.monotonic()
    try:
        code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    output = captured.err + captured.out
    assert code == case.code, output
    assert case.message in output, output
    assert "Traceback" not in output
    assert elapsed < case.seconds
    if case.code == 2:
        errors = [line for line in captured.err.splitlines() if line.startswith("mlsecure: error:")]
        assert len(errors) == 1, captured.err
    if case.absent is not None:
        assert not (tmp_path / case.absent).exists()
        leftovers = [p.name for p in (tmp_path / case.absent).parent.iterdir() if p.name.endswith((".tmp", ".part"))]
        assert leftovers == []
