"""Hash-and-sign throughput on a multi-GB model directory, next to its floors and OpenSSF model-signing.

    python benchmarks/bench_signing.py [--gb 2.0] [--big-gb 1.2] [--rounds 3] [--dir /tmp/mlsecure-bench]

Builds a directory of random files (one big file plus four equal smaller ones), then runs, interleaved
round by round (A B C ... A B C ...), each as a fresh process so start-up is counted the same way:

- ``sha256sum``      coreutils over every file (one core)
- ``sha256 floor``   in-memory hashlib SHA-256 on all cores (the compute floor, no I/O)
- ``blake3 floor``   b3sum-style: blake3 ``update_mmap`` with all threads, file by file
- ``mlsecure sha256 files``  ``mlsecure artifact sign --hash sha256`` (model_signing-compatible layout)
- ``mlsecure sha256 shards`` ``--layout shards`` (64 MiB shards: one huge file uses every core)
- ``mlsecure blake3``        ``--hash blake3``
- ``model_signing``  ``model_signing sign key`` (its default: SHA-256 per file), when installed
- ``mlsecure verify``        ``mlsecure artifact verify`` of the sha256 files signature

Prints the median wall time, GB/s (1 GB = 1e9 bytes), CPU seconds of the child process and the ratio
to ``model_signing``. The data is in the page cache (warm runs): this measures hashing, not the disk.
The directory is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHUNK = 64 << 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gb", type=float, default=2.0, help="total size (default 2.0 GB)")
    parser.add_argument("--big-gb", type=float, default=1.2, help="size of the big file (default 1.2 GB)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/mlsecure-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated directory")
    args = parser.parse_args()

    work = args.dir
    model = work / "model"
    try:
        total = make_model(model, int(args.gb * 1e9), int(args.big_gb * 1e9))
        keys = make_keys(work)
        methods = build_methods(model, work, keys)
        print(f"model: {model} ({total / 1e9:.2f} GB, {len(list(model.iterdir()))} files), "
              f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}", flush=True)
        for name, cmd in methods:  # warm-up: page cache, imports, and a signature for verify
            run(cmd)
            print(f"  warm-up {name} done", flush=True)
        walls: dict[str, list[float]] = {name: [] for name, _ in methods}
        cpus: dict[str, list[float]] = {name: [] for name, _ in methods}
        for r in range(args.rounds):
            for name, cmd in methods:
                wall, cpu = run(cmd)
                walls[name].append(wall)
                cpus[name].append(cpu)
            print(f"  round {r + 1}/{args.rounds} done", flush=True)
        report(walls, cpus, total, max(p.stat().st_size for p in model.iterdir()))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def make_model(model: Path, total: int, big: int) -> int:
    if model.exists() and sum(p.stat().st_size for p in model.iterdir()) == total:
        return total
    shutil.rmtree(model, ignore_errors=True)
    model.mkdir(parents=True)
    small = (total - big) // 4
    sizes = {"model-00001-of-00005.bin": big, **{f"model-0000{i}-of-00005.bin": small for i in range(2, 6)}}
    sizes["model-00005-of-00005.bin"] += total - big - 4 * small
    block = os.urandom(CHUNK)
    for i, (name, size) in enumerate(sizes.items()):
        with (model / name).open("wb") as fh:
            written = 0
            while written < size:
                n = min(CHUNK, size - written)
                fh.write(bytes([i]) + block[1:n] if written == 0 else block[:n])  # files differ from each other
                written += n
    (model / "config.json").write_text('{"model_type": "bench"}')
    return sum(p.stat().st_size for p in model.iterdir())


def make_keys(work: Path) -> dict[str, Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from mlsecure.artifacts.signing import generate_keypair

    pair = generate_keypair("p256")
    key, pub = work / "p256.pem", work / "p256.pub"
    key.write_bytes(pair.private_pem)
    pub.write_bytes(pair.public_pem)
    return {"key": key, "pub": pub}


def build_methods(model: Path, work: Path, keys: dict[str, Path]) -> list[tuple[str, list[str]]]:
    files = sorted(str(p) for p in model.iterdir())
    py = sys.executable
    mls = [py, "-m", "mlsecure", "artifact", "sign", str(model), "--key", str(keys["key"]), "--no-scan"]
    methods: list[tuple[str, list[str]]] = [
        ("start-up only (mlsecure --version)", [py, "-m", "mlsecure", "--version"]),
        ("sha256sum (coreutils, 1 core)", ["sha256sum", *files]),
        ("sha256 floor (hashlib, all cores, no I/O)", [py, "-c", FLOOR_SHA256, str(model)]),
        ("blake3 floor (b3sum-style, mmap)", [py, "-c", FLOOR_BLAKE3, *files]),
        ("mlsecure sign sha256 files", [*mls, "-o", str(work / "files.sig.json")]),
        ("mlsecure sign sha256 shards", [*mls, "--layout", "shards", "-o", str(work / "shards.sig.json")]),
        ("mlsecure sign blake3", [*mls, "--hash", "blake3", "-o", str(work / "b3.sig.json")]),
        ("mlsecure verify sha256 files", [py, "-m", "mlsecure", "artifact", "verify", str(model), "--signature",
                                          str(work / "files.sig.json"), "--pub", str(keys["pub"])]),
    ]
    big = max(files, key=lambda f: Path(f).stat().st_size)  # alone: SHA-256 per file cannot split it, shards can
    one = [py, "-m", "mlsecure", "artifact", "sign", big, "--key", str(keys["key"]), "--no-scan"]
    methods += [
        ("big file only: mlsecure sha256 files", [*one, "-o", str(work / "big-files.sig.json")]),
        ("big file only: mlsecure sha256 shards", [*one, "--layout", "shards", "-o", str(work / "big-sh.sig.json")]),
    ]
    ms = shutil.which("model_signing")
    if ms is not None:
        methods.append(("model_signing sign key (sha256)", [ms, "sign", "key", "--private_key", str(keys["key"]),
                                                            "--signature", str(work / "ms.sig"), str(model)]))
        methods.append(("big file only: model_signing sign key", [
            ms, "sign", "key", "--private_key", str(keys["key"]), "--signature", str(work / "ms-big.sig"), big]))
    else:
        print("model_signing is not installed: skipped (pip install -c constraints.txt model-signing)")
    return methods


FLOOR_SHA256 = """
import hashlib, os, sys, threading
from pathlib import Path
total = sum(p.stat().st_size for p in Path(sys.argv[1]).iterdir())
n = os.cpu_count() or 1
buf = bytes(64 << 20)  # SHA-256 speed does not depend on the bytes
per = total // n
def work():
    h, done = hashlib.sha256(), 0
    while done < per:
        k = min(len(buf), per - done); h.update(memoryview(buf)[:k]); done += k
threads = [threading.Thread(target=work) for _ in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
"""

FLOOR_BLAKE3 = """
import sys, blake3
for f in sys.argv[1:]:
    blake3.blake3(max_threads=blake3.blake3.AUTO).update_mmap(f).hexdigest()
"""


def run(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report(walls: dict[str, list[float]], cpus: dict[str, list[float]], total: int, big: int) -> None:
    print(f"\n{'method':<44} {'wall s':>7} {'GB/s':>6} {'CPU s':>6} {'GB/CPU-s':>9} {'wall vs ms':>10} "
          f"{'CPU vs ms':>9}")
    for name, times in walls.items():
        single = name.startswith("big file only")
        size = big if single else total
        ref_name = next((n for n in walls if n.startswith("big file only: model_signing" if single
                                                           else "model_signing")), None)
        wall, cpu = statistics.median(times), statistics.median(cpus[name])
        wall_ratio = cpu_ratio = "-"
        if ref_name is not None:
            wall_ratio = f"{statistics.median(walls[ref_name]) / wall:.2f}x"
            cpu_ratio = f"{statistics.median(cpus[ref_name]) / cpu:.2f}x"
        print(f"{name:<44} {wall:>7.3f} {size / 1e9 / wall:>6.2f} {cpu:>6.2f} {size / 1e9 / cpu:>9.2f} "
              f"{wall_ratio:>10} {cpu_ratio:>9}")
    print("(ms = model_signing on the same input; ratios > 1 mean faster / less CPU than model_signing)")
    print(f"(medians of {len(next(iter(walls.values())))} interleaved rounds; times include process start-up)")


if __name__ == "__main__":
    main()
