"""Secret scanning: mlsecure vs detect-secrets (Yelp) vs the floor (one read pass over every file).

A labelled corpus (``mlsecure.secrets.corpus.build_corpus``) of N files: 5 % hold one planted secret
(18 formats in turn), 10 % one decoy (documentation placeholders, the AWS example key, a GitHub token
with a wrong checksum, tokenizer special tokens, hash pins, UUIDs, ...), the rest ML filler code /
configs / prose. Scoring is per file: a secret file counts as found when the tool reports anything in
it; a decoy or clean file with any report is a false positive. Timing: process CPU seconds, single
process, interleaved runs A B C A B C, medians.

    python benchmarks/bench_secrets.py --files 10000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from mlsecure.secrets import SecretScanner
from mlsecure.secrets.corpus import Planted, build_corpus
from mlsecure.secrets.walk import iter_files


def run_mlsecure(root: Path) -> set[str]:
    result = SecretScanner().scan_paths([root])
    return {str(Path(f.path).relative_to(root)) for f in result.findings}


def run_detect_secrets(root: Path) -> set[str]:
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection()
    with default_settings():
        for path in iter_files([root]):
            collection.scan_file(str(path))
    return {str(Path(name).relative_to(root)) for name, found in collection.data.items() if found}


def run_floor(root: Path) -> set[str]:
    total = 0
    for path in iter_files([root]):
        total += len(path.read_bytes())
    del total
    return set()


def score(flagged: set[str], truth: list[Planted]) -> dict[str, float | int]:
    secrets = [p for p in truth if p.rule_id is not None]
    others = [p for p in truth if p.rule_id is None]
    found = sum(p.path in flagged for p in secrets)
    false_pos = sum(p.path in flagged for p in others)
    decoy_fp = sum(p.path in flagged for p in others if p.label != "clean")
    return {"secrets": len(secrets), "found": found, "recall": found / len(secrets),
            "false_positive_files": false_pos, "of_which_decoys": decoy_fp,
            "precision": found / max(found + false_pos, 1)}


def per_type(flagged: set[str], truth: list[Planted]) -> dict[str, str]:
    total, hit = Counter[str](), Counter[str]()
    for p in truth:
        total[p.label] += 1
        hit[p.label] += p.path in flagged
    return {label: f"{hit[label]}/{total[label]}" for label in sorted(total)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", nargs="*", type=Path, default=None,
                        help="real code with no live secrets (default: some installed packages, held out "
                        "from tuning); every finding there counts as a false positive")
    args = parser.parse_args()
    tools: dict[str, Callable[[Path], set[str]]] = {"floor (read all)": run_floor, "mlsecure": run_mlsecure}
    try:
        from importlib.metadata import version

        import detect_secrets  # noqa: F401  (only to know it is there)

        tools["detect-secrets " + version("detect-secrets")] = run_detect_secrets
    except ImportError:
        print("detect-secrets not installed: pip install -c constraints.txt detect-secrets", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        truth = build_corpus(root, n_files=args.files, seed=args.seed)
        size = sum(p.stat().st_size for p in iter_files([root]))
        print(f"corpus: {args.files} files, {size / 1e6:.1f} MB, "
              f"{sum(p.rule_id is not None for p in truth)} secrets, "
              f"{sum(p.rule_id is None and p.label != 'clean' for p in truth)} decoys")
        cpu: dict[str, list[float]] = {name: [] for name in tools}
        flagged: dict[str, set[str]] = {}
        for _ in range(args.repeats):
            for name, tool in tools.items():  # interleaved: A B C A B C
                start = time.process_time()
                flagged[name] = tool(root)
                cpu[name].append(time.process_time() - start)
        floor = statistics.median(cpu["floor (read all)"])
        print(f"\n{'tool':<24}{'recall':>8}{'found':>10}{'FP files':>10}{'(decoys)':>10}{'precision':>11}"
              f"{'CPU s':>8}{'files/s':>10}{'x floor':>9}")
        for name in tools:
            t = statistics.median(cpu[name])
            rate = args.files / t
            if name.startswith("floor"):
                print(f"{name:<24}{'':>8}{'':>10}{'':>10}{'':>10}{'':>11}{t:>8.2f}{rate:>10.0f}{1.0:>9.1f}")
                continue
            s = score(flagged[name], truth)
            ratio = f"{s['found']}/{s['secrets']}"
            print(f"{name:<24}{s['recall']:>8.3f}{ratio:>10}"
                  f"{s['false_positive_files']:>10}{s['of_which_decoys']:>10}{s['precision']:>11.3f}"
                  f"{t:>8.2f}{rate:>10.0f}{t / floor:>9.1f}")
        print("\nper planted type / decoy label (files flagged / files):")
        names = [n for n in tools if not n.startswith("floor")]
        print(f"{'label':<22}" + "".join(f"{n[:16]:>18}" for n in names))
        tables = {n: per_type(flagged[n], truth) for n in names}
        for label in tables[names[0]]:
            print(f"{label:<22}" + "".join(f"{tables[n][label]:>18}" for n in names))
        real_code(tools, args.real if args.real is not None else default_real_dirs())
    entropy_recall()
    return 0


def entropy_recall(draws: int = 5000) -> None:
    """Share of random strings the entropy detector (SEC-018) flags: its miss rate by length."""
    import base64
    import random
    import string

    from mlsecure.secrets.detectors.generic import HighEntropyString

    detector, alphabet = HighEntropyString(), string.ascii_letters + string.digits
    rng = random.Random(0)
    def draw(kind: str) -> str:
        if kind == "hex x32":
            return rng.randbytes(16).hex()
        if kind == "base64 of 32 bytes":
            return base64.b64encode(rng.randbytes(32)).decode()
        return "".join(rng.choice(alphabet) for _ in range(int(kind.split("x")[1])))

    print(f"\nSEC-018 entropy detector, share of {draws} random strings flagged:")
    for name in ("base62 x20", "base62 x24", "base62 x32", "base62 x40", "hex x32", "base64 of 32 bytes"):
        share = sum(detector.score(draw(name)) is not None for _ in range(draws)) / draws
        print(f"    {name:<20}{share:.4f}")


# never scanned while the detectors were tuned (the tuning set was sklearn, numpy, cryptography, pip,
# pandas/io, redis, cyclonedx, ... 41 packages; see benchmarks/secrets.md)
HELD_OUT = ("polars", "google", "idna", "safetensors", "pygments", "markdown_it", "dateutil", "tzdata")


def default_real_dirs() -> list[Path]:
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    return [site / name for name in HELD_OUT if (site / name).is_dir()]


def real_code(tools: dict[str, Callable[[Path], set[str]]], roots: list[Path]) -> None:
    """Findings on installed libraries (no live credentials there): all false positives."""
    if not roots:
        return
    n_files = sum(1 for _ in iter_files(roots))
    print(f"\nreal code: {n_files} files in {', '.join(r.name for r in roots)}")
    print(f"{'tool':<24}{'files flagged':>15}{'CPU s':>8}{'files/s':>10}")
    for name, tool in tools.items():
        if name.startswith("floor"):
            continue
        start = time.process_time()
        flagged = set().union(*(tool(root) for root in roots))
        t = time.process_time() - start
        print(f"{name:<24}{len(flagged):>15}{t:>8.2f}{n_files / t:>10.0f}")
        for path in sorted(flagged)[:8]:
            print(f"    {path}")


if __name__ == "__main__":
    sys.exit(main())
