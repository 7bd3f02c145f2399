"""Do two trees of the PII code give the same outputs? Digests of every output on real text, to compare later.

A speed change must not change a single output. This runs the text mode (``text_mode.scan_texts``: spans and their
types, the audit of free text) and the redaction (``anonymize.transform_text``) over every text of the real-text
corpora, one batch per (source, half) as their benchmarks batch them (a string confirmed in one text is marked in
the whole batch, so the batch is part of the input): peers2 (``tests/pii/peers2``), peers3 and peers4, both halves,
with ``--mirrors`` also their mirror-only sources; mimesis notes (``tests/pii/heldout_notes_text.py``, 30 locales,
150 rows, seeds 1 and 2); and the generated table of ``bench_pii.py`` (``audit_frame`` of its 1,000-row sample with
every row examined, ``audit_file`` of the CSV, and the anonymized file of ``bench_pii._anonymize_pass``).

It writes one digest per text (and per batch) to ``--out``; with ``--compare BASE.json`` it prints, per corpus,
whether the digests match, the ids of the dev-half texts that differ, and for report halves only how many differ
(report halves are counted, never read one by one). Exit 0 when everything matches, 1 otherwise.

    PYTHONPATH=src python benchmarks/pii_equivalence.py --mirrors /work/.mirror --out /tmp/base.json
    PYTHONPATH=src python benchmarks/pii_equivalence.py --mirrors /work/.mirror --out /tmp/new.json \\
        --compare /tmp/base.json
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for folder in (
    "tests/pii",
    "tests/pii/peers",
    "tests/pii/peers2",
    "tests/pii/peers3",
    "tests/pii/peers4",
    "benchmarks",
):
    sys.path.insert(0, str(ROOT / folder))

Digests = dict[str, dict[str, str]]  # batch key -> text id -> digest
Batch = tuple[str, str, list[tuple[str, str]]]  # (batch key, half, [(text id, text)])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="write the digests here (JSON)")
    parser.add_argument("--compare", type=Path, help="digests of another tree to compare with")
    parser.add_argument("--mirrors", type=Path, help="also the mirror-only sources of peers2/3/4, read from here")
    parser.add_argument("--only", nargs="*", help="only these corpora (peers2 peers3 peers4 notes table)")
    args = parser.parse_args()
    if args.out.exists() and args.compare and args.out.resolve() == args.compare.resolve():
        parser.error("--out must not be the --compare file")
    corpora: dict[str, Callable[[], Iterator[Batch]]] = {
        "peers2": lambda: _peer_batches("pii_peer_corpus2", args.mirrors),
        "peers3": lambda: _peer_batches("pii_peer_corpus3", args.mirrors),
        "peers4": lambda: _peer_batches("pii_peer_corpus4", args.mirrors),
        "notes": _notes_batches,
    }
    result: dict[str, Digests] = {}
    halves: dict[str, str] = {}
    for name, batches in corpora.items():
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        result[name] = {}
        for key, half, texts in batches():
            result[name][key] = _text_digests(texts)
            halves[f"{name}:{key}"] = half
        count = sum(len(d) for d in result[name].values())
        print(f"{name}: {len(result[name])} batches, {count} texts, {time.perf_counter() - start:.0f} s", flush=True)
    if not args.only or "table" in args.only:
        start = time.perf_counter()
        result["table"] = _table_digests()
        print(f"table: {time.perf_counter() - start:.0f} s", flush=True)
    payload = {"digests": result, "halves": halves}
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(payload, sort_keys=True))
    tmp.replace(args.out)
    print("corpus digests: " + ", ".join(f"{n} {_corpus_digest(d)}" for n, d in result.items()))
    if args.compare:
        return _compare(json.loads(args.compare.read_text()), payload)
    return 0


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:16]


def _corpus_digest(batches: Digests) -> str:
    return _digest(sorted((k, sorted(v.items())) for k, v in batches.items()))


def _text_digests(texts: list[tuple[str, str]]) -> dict[str, str]:
    """Spans (start, end, type) and the redacted text of each text of one batch, digested."""
    from mlsecure.privacy.pii.anonymize import Method, transform_text
    from mlsecure.privacy.pii.frame import polars
    from mlsecure.privacy.pii.text_mode import scan_texts

    plain = [t for _, t in texts]
    spans = scan_texts(plain)
    redacted = transform_text(polars().Series("text", plain), Method.REDACT, key=None).to_list()
    return {
        tid: _digest(([(s.start, s.end, s.pii_type.value) for s in found], out))
        for (tid, _), found, out in zip(texts, spans, redacted, strict=True)
    }


def _peer_batches(module: str, mirrors: Path | None) -> Iterator[Batch]:
    """One batch per (source, half), as ``peer_scoring.by_source`` makes them."""
    loader = __import__(module)
    cases = list(loader.load())
    if mirrors:
        cases += loader.load_mirror_only(mirrors)[1]
    for source, half in sorted({(c.source, c.half) for c in cases}):
        batch = [c for c in cases if (c.source, c.half) == (source, half)]
        yield f"{source}/{half}", half, [(f"{source}/{half}/{c.doc}#{i}", c.text) for i, c in enumerate(batch)]


def _notes_batches() -> Iterator[Batch]:
    """The mimesis notes as ``heldout_notes_text`` anonymizes them: one column per locale and seed."""
    from heldout_notes_text import LOCALES, notes

    for locale in LOCALES:
        for seed in (1, 2):
            texts, _ = notes(locale, 150, seed=seed)
            key = f"{locale}/{seed}"
            yield key, "notes", [(f"{key}#{i}", t) for i, t in enumerate(texts)]


def _table_digests(rows: int = 20_000) -> dict[str, dict[str, str]]:
    """``bench_pii.py``'s table: every column's verdict (sample and file) and every row of the anonymized file."""
    from mlsecure.privacy.pii.anonymize import apply_plan, auto_plan
    from mlsecure.privacy.pii.audit import audit_file, audit_frame
    from mlsecure.privacy.pii.frame import iter_batches
    from mlsecure.privacy.pii.synth import generate_table

    table = generate_table(rows, seed=0, neutral_headers=True)
    sample = table.frame.sample(1000, seed=123).to_pandas()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        table.frame.write_csv(path)
        on_sample = audit_frame(sample, sample_size=len(sample), early_sample=len(sample))
        on_file = audit_file(path)
        plan = auto_plan(on_file, key_available=False)
        out_rows: dict[str, str] = {}
        offset = 0
        for batch in iter_batches(path):
            done, _ = apply_plan(batch, plan, audit=on_file, key=None)
            for i, row in enumerate(done.iter_rows()):
                out_rows[f"row{offset + i}"] = _digest(row)
            offset += batch.height
    return {
        "audit-sample": {v.column: _digest(_verdict(v)) for v in on_sample.columns},
        "audit-file": {v.column: _digest(_verdict(v)) for v in on_file.columns},
        "anonymized": out_rows,
    }


def _verdict(verdict: Any) -> object:
    """A column verdict, every field (spans and details included)."""
    return [(f.name, getattr(verdict, f.name)) for f in dataclasses.fields(verdict)]


def _compare(base: dict[str, Any], new: dict[str, Any]) -> int:
    """Per corpus: same or not; the dev-half ids that differ; for report halves only their count."""
    same = True
    for name in sorted(set(base["digests"]) | set(new["digests"])):
        old_batches, new_batches = base["digests"].get(name, {}), new["digests"].get(name, {})
        if set(old_batches) != set(new_batches):
            print(f"{name}: the batches differ ({len(old_batches)} -> {len(new_batches)}); compare like with like")
            same = False
            continue
        differ: dict[str, list[str]] = {}
        total = 0
        for key in sorted(old_batches):
            old, now = old_batches[key], new_batches[key]
            total += len(old)
            ids = sorted(t for t in set(old) | set(now) if old.get(t) != now.get(t))
            if ids:
                differ[key] = ids
        if not differ:
            print(f"{name}: identical ({total} texts / rows / columns)")
            continue
        same = False
        count = sum(len(v) for v in differ.values())
        print(f"{name}: {count} of {total} differ")
        for key, ids in differ.items():
            half = base["halves"].get(f"{name}:{key}", "")
            if half == "report":
                print(f"  {key}: {len(ids)} differ (report half: not listed)")
            else:
                print(f"  {key}: {len(ids)} differ: {' '.join(_short(ids))}")
    print("SAME OUTPUTS" if same else "OUTPUTS DIFFER")
    return 0 if same else 1


def _short(ids: Sequence[str], most: int = 20) -> list[str]:
    return [*ids[:most], f"... (+{len(ids) - most})"] if len(ids) > most else list(ids)


if __name__ == "__main__":
    raise SystemExit(main())
