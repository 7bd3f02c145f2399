"""Throughput of ``mlsecure data encrypt|decrypt`` against peers and floors on one large file.

Contenders, run interleaved (A B C ... A B C ...) for ``--rounds`` rounds; medians reported:

- floor ``read``: ``cat FILE > /dev/null`` (page-cache read speed)
- floor ``copy+sync``: ``cat FILE > OUT && sync OUT`` (read + durable write: what any file-to-file tool pays)
- floor ``aes-gcm in memory``: one AES-256-GCM pass over the same bytes already in memory, 1 MiB at a time
  with ``cryptography``'s ``encrypt_into`` (no I/O at all)
- ``mlsecure encrypt_stream in memory``: the library's format code over the same in-memory bytes into a
  null writer (what the format costs on top of the raw AEAD: buffer copies, nonces, framing)
- ``mlsecure encrypt`` / ``mlsecure decrypt``: the CLI verbs in a fresh process (start-up included);
  they fsync their output before the rename
- ``openssl enc -aes-256-ctr`` encrypt / decrypt + ``sync OUT`` (no authentication: ``openssl enc``
  refuses AEAD ciphers, so this is the fastest thing the CLI offers)
- ``age`` (``pyrage``, X25519 recipient; ChaCha20-Poly1305 STREAM with 64 KiB chunks) + ``sync OUT``, when
  ``pyrage`` is importable (``--pyrage-path DIR`` adds a ``pip install --target DIR pyrage``)

Usage: ``python benchmarks/bench_encryption.py --size-gib 1 --rounds 5 [--dir /tmp] [--pyrage-path DIR]``
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SHIM = ("import argparse,sys; from mlsecure.cli import encrypt_cmd as m; p=argparse.ArgumentParser(); "
        "s=p.add_subparsers(dest='command'); m.register(s); sys.exit(m.run(p.parse_args(sys.argv[1:])))")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-gib", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the test files (default: a temp dir)")
    parser.add_argument("--segment-size", default="1MiB")
    parser.add_argument("--pyrage-path", default=None, help="a directory holding the pyrage package")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mlsecure-bench-", dir=args.dir))
    try:
        return _bench(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(work: Path, args: argparse.Namespace) -> int:
    size = int(args.size_gib * (1 << 30))
    plain, out = work / "plain.bin", work / "out.bin"
    print(f"# writing {size / 1e9:.2f} GB of random data to {plain}", file=sys.stderr)
    with plain.open("wb") as handle:
        for _ in range(size // (64 << 20)):
            handle.write(os.urandom(64 << 20))
        handle.write(os.urandom(size % (64 << 20)))
    key_file = work / "kek.key"
    py = sys.executable
    mls = [py, "-c", SHIM, "data"]
    subprocess.run([*mls, "keygen", str(key_file)], check=True, capture_output=True)
    sealed = work / "sealed.mlse"
    subprocess.run([*mls, "encrypt", str(plain), "-o", str(sealed), "--key-file", str(key_file),
                    "--segment-size", args.segment_size], check=True, capture_output=True)
    key_hex, iv_hex = os.urandom(32).hex(), os.urandom(16).hex()
    ctr = work / "sealed.ctr"
    openssl = shutil.which("openssl")
    q = shlex.quote

    contenders: dict[str, Callable[[], None]] = {
        "read (cat > /dev/null)": _shell(f"cat {q(str(plain))} > /dev/null"),
        "copy+sync (cat > out; sync)": _shell(f"cat {q(str(plain))} > {q(str(out))} && sync {q(str(out))}"),
        "aes-256-gcm in memory": _in_memory_gcm(plain),
        "mlsecure encrypt_stream in memory": _in_memory_stream(plain, args.segment_size),
        "mlsecure encrypt": _cmd([*mls, "encrypt", str(plain), "-o", str(out), "--force", "--key-file",
                                  str(key_file), "--segment-size", args.segment_size]),
        "mlsecure decrypt": _cmd([*mls, "decrypt", str(sealed), "-o", str(out), "--force", "--key-file",
                                  str(key_file)]),
    }
    if openssl:
        subprocess.run([openssl, "enc", "-aes-256-ctr", "-K", key_hex, "-iv", iv_hex, "-in", str(plain), "-out",
                        str(ctr)], check=True)
        base = f"{q(openssl)} enc -aes-256-ctr -K {key_hex} -iv {iv_hex}"
        contenders["openssl enc aes-256-ctr encrypt"] = _shell(
            f"{base} -in {q(str(plain))} -out {q(str(out))} && sync {q(str(out))}")
        contenders["openssl enc aes-256-ctr decrypt"] = _shell(
            f"{base} -d -in {q(str(ctr))} -out {q(str(out))} && sync {q(str(out))}")
    env = dict(os.environ)
    if args.pyrage_path:
        env["PYTHONPATH"] = args.pyrage_path + os.pathsep + env.get("PYTHONPATH", "")
    if subprocess.run([py, "-c", "import pyrage"], env=env, capture_output=True).returncode == 0:
        ident = work / "age.id"
        age_sealed = work / "sealed.age"
        setup = ("import pyrage,sys; i=pyrage.x25519.Identity.generate(); open(sys.argv[1],'w').write(str(i)); "
                 "pyrage.encrypt_file(sys.argv[2], sys.argv[3], [i.to_public()])")
        subprocess.run([py, "-c", setup, str(ident), str(plain), str(age_sealed)], env=env, check=True)
        enc = ("import pyrage,sys; i=pyrage.x25519.Identity.from_str(open(sys.argv[1]).read()); "
               "pyrage.encrypt_file(sys.argv[2], sys.argv[3], [i.to_public()])")
        dec = ("import pyrage,sys; i=pyrage.x25519.Identity.from_str(open(sys.argv[1]).read()); "
               "pyrage.decrypt_file(sys.argv[2], sys.argv[3], [i])")
        contenders["age (pyrage) encrypt"] = _cmd([py, "-c", enc, str(ident), str(plain), str(out)], env=env,
                                                  sync=out)
        contenders["age (pyrage) decrypt"] = _cmd([py, "-c", dec, str(ident), str(age_sealed), str(out)], env=env,
                                                  sync=out)

    times: dict[str, list[float]] = {name: [] for name in contenders}
    for round_no in range(args.rounds):
        for name, run in contenders.items():
            out.unlink(missing_ok=True)
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
        print(f"# round {round_no + 1}/{args.rounds} done", file=sys.stderr)

    floor = statistics.median(times["aes-256-gcm in memory"])
    copy = statistics.median(times["copy+sync (cat > out; sync)"])
    print(f"file: {size / 1e9:.2f} GB, segment {args.segment_size}, {args.rounds} rounds interleaved, "
          f"medians; {os.cpu_count()} CPUs; {sys.version.split()[0]}")
    print(f"{'contender':36} {'seconds':>8} {'GB/s':>7} {'x gcm-mem':>10} {'x copy':>7}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:36} {median:8.3f} {size / median / 1e9:7.2f} {median / floor:10.2f} {median / copy:7.2f}")
    return 0


def _shell(command: str) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(["bash", "-c", command], check=True)

    return run


def _cmd(argv: list[str], *, env: dict[str, str] | None = None, sync: Path | None = None) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(argv, check=True, env=env, capture_output=True)
        if sync is not None:
            subprocess.run(["sync", str(sync)], check=True)

    return run


def _in_memory_gcm(path: Path) -> Callable[[], None]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data = memoryview(bytearray(path.read_bytes()))
    aead = AESGCM(os.urandom(32))
    segment = 1 << 20
    out = memoryview(bytearray(segment + 16))

    def run() -> None:
        nonce = bytearray(12)
        for index, start in enumerate(range(0, len(data), segment)):
            chunk = data[start:start + segment]
            nonce[7:11] = index.to_bytes(4, "big")
            aead.encrypt_into(bytes(nonce), chunk, None, out[:len(chunk) + 16])

    return run


def _in_memory_stream(path: Path, segment_size: str) -> Callable[[], None]:
    import io

    from mlsecure.cli.encrypt_cmd import _size
    from mlsecure.encryption.keys import LocalKey
    from mlsecure.encryption.stream import encrypt_stream

    data = path.read_bytes()
    kek = LocalKey(os.urandom(32))

    class Null:
        def write(self, chunk: bytes | bytearray | memoryview, /) -> int:
            return len(chunk)

    def run() -> None:
        encrypt_stream(io.BytesIO(data), Null(), kek=kek, segment_size=_size(segment_size))

    return run


if __name__ == "__main__":
    sys.exit(main())
