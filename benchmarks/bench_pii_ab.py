"""Old vs new PII audit code in one process: same verdicts, and the CPU time of each, interleaved.

Two source trees of mlsecure (e.g. ``git archive 127c336 src | tar -x -C /tmp/pii-base``) are imported
side by side (each keeps its own modules; they are swapped in ``sys.modules`` before every call), then
``audit_frame`` runs on the 1,000-row sample of ``bench_pii.py`` (every row examined) alternately with
the old and the new code. On a machine shared with other jobs the absolute times move with the load;
their ratio, measured in alternation, does not. The verdicts (every field, spans included) must be equal.

Run: ``python benchmarks/bench_pii_ab.py /tmp/pii-base/src src --repeats 15``.

``--same-output`` first checks that both trees give the same output, field for field, on a fixed set of
held-out inputs nobody here wrote the values of (``tests/pii``: the faker table, the 16-locale world
table, the mimesis table with its own and with neutral headers, the per-locale faker and mimesis tables,
each audited in memory with the default two-pass sampling and from a CSV file) and on every string of
Presidio's recognizer tests (``scan_texts``, spans and their types); it prints each difference and exits
1 when there is one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

_OURS = ("mlsecure",)


def _own(name: str) -> bool:
    return name in _OURS or name.startswith("mlsecure.")


def _load(src: str) -> tuple[dict[str, ModuleType], Any, Any]:
    for name in [n for n in sys.modules if _own(n)]:
        del sys.modules[name]
    sys.path.insert(0, str(Path(src).resolve()))
    try:
        import mlsecure.privacy.pii.audit as audit
        import mlsecure.privacy.pii.synth as synth
        import mlsecure.privacy.pii.text_mode  # noqa: F401 - kept with this tree's modules for --same-output
    finally:
        sys.path.pop(0)
    return {n: m for n, m in sys.modules.items() if _own(n)}, audit, synth


def _use(modules: dict[str, ModuleType]) -> None:
    for name in [n for n in sys.modules if _own(n)]:
        del sys.modules[name]
    sys.modules.update(modules)


def _verdicts(result: Any) -> list[dict[str, Any]]:
    out = []
    for v in result.columns:
        d = v.to_dict()
        d["found"] = sorted((s, t.value) for s, t in (v.spans.found.items() if v.spans else ()))
        out.append(d)
    return out


def _heldout_inputs(rows: int) -> list[tuple[str, Any]]:
    """(name, Polars frame) of the held-out tables, fixed seeds (3, the report seed of ``tests/pii``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "pii"))
    import heldout
    import heldout_locales
    import heldout_mimesis
    import heldout_mimesis_locales
    import heldout_world

    tables = [("faker", heldout.generate(rows, seed=3).frame),
              ("world", heldout_world.generate_world(rows, seed=3).frame),
              ("world-neutral", heldout_world.generate_world(rows, seed=3, neutral_headers=True).frame),
              ("mimesis", heldout_mimesis.generate_table(rows, seed=3).frame),
              ("mimesis-neutral", heldout_mimesis.generate_table(rows, seed=3, neutral_headers=True).frame)]
    tables.extend((f"{tag}-{locale}", module.generate(locale, rows, seed=3, neutral_headers=True)[0])
                  for module, tag in ((heldout_locales, "faker"), (heldout_mimesis_locales, "mimesis"))
                  for locale in module.LOCALES)
    return tables


def _same_output(old: tuple[dict[str, ModuleType], Any, Any], new: tuple[dict[str, ModuleType], Any, Any],
                 rows: int) -> bool:
    import tempfile

    _use(new[0])
    tables = _heldout_inputs(rows)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "pii"))
    from presidio_corpus import load

    texts = [case.text for case in load()]
    differences = 0
    compared = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in tables:
            path = Path(tmp) / f"{name}.csv"
            frame.write_csv(path)
            outputs = []
            for code in (old, new):
                _use(code[0])
                in_memory = _verdicts(code[1].audit_frame(frame))
                from_file = _verdicts(code[1].audit_file(path))
                outputs.append((in_memory, from_file))
            for how, a, b in (("in memory", outputs[0][0], outputs[1][0]), ("file", outputs[0][1], outputs[1][1])):
                compared += len(a)
                for x, y in zip(a, b, strict=True):
                    if x != y:
                        differences += 1
                        print(f"DIFFERENT {name} ({how}) column {x['column']}: old {x} new {y}")
    spans = []
    for code in (old, new):
        _use(code[0])
        text_mode = sys.modules["mlsecure.privacy.pii.text_mode"]
        spans.append([[(s.start, s.end, s.pii_type.value) for s in found]
                      for found in text_mode.scan_texts(texts)])
    text_differences = sum(a != b for a, b in zip(spans[0], spans[1], strict=True))
    print(f"same output: {len(tables)} held-out tables x 2 (in memory, CSV file), {compared} column verdicts: "
          f"{differences} different; Presidio's {len(texts)} test strings: {text_differences} with different "
          f"spans ({sum(len(s) for s in spans[1])} spans)")
    return differences == 0 and text_differences == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_src")
    parser.add_argument("new_src")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the generated table the sample is drawn from")
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--same-output", action="store_true", help="compare the outputs on the held-out inputs")
    parser.add_argument("--heldout-rows", type=int, default=400, help="rows of each held-out table")
    parser.add_argument("--peer-texts", action="store_true",
                        help="time the peer corpus's free texts (spans + redaction per batch) instead of the table")
    parser.add_argument("--notes", type=int, default=0,
                        help="time the redaction of this many generated notes (one text column) instead of the table")
    args = parser.parse_args()
    old, new = _load(args.old_src), _load(args.new_src)
    if args.peer_texts or args.notes:
        _texts(old, new, args.repeats, notes=args.notes)
        return
    if args.same_output and not _same_output(old, new, args.heldout_rows):
        raise SystemExit(1)
    _use(new[0])
    frame = new[2].generate_table(args.rows, seed=0, neutral_headers=True).frame
    sample = frame.sample(args.sample, seed=123).to_pandas()  # the sample bench_pii.py gives both tools

    def run(code: tuple[dict[str, ModuleType], Any, Any]) -> tuple[float, Any]:
        _use(code[0])
        start = time.process_time()
        result = code[1].audit_frame(sample, sample_size=len(sample), early_sample=len(sample))
        return time.process_time() - start, result

    same = _verdicts(run(old)[1]) == _verdicts(run(new)[1])
    times: dict[str, list[float]] = {"old": [], "new": []}
    for _ in range(args.repeats):
        times["old"].append(run(old)[0])
        times["new"].append(run(new)[0])
    med_old, med_new = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"verdicts identical (all fields, spans included): {same}")
    print(f"old {med_old:.3f} s, new {med_new:.3f} s (medians of {args.repeats}, process CPU, alternating): "
          f"new/old = {med_new / med_old:.3f}")
    print("old:", " ".join(f"{t:.3f}" for t in times["old"]))
    print("new:", " ".join(f"{t:.3f}" for t in times["new"]))


def _texts(old: tuple[dict[str, ModuleType], Any, Any], new: tuple[dict[str, ModuleType], Any, Any],
           repeats: int, *, notes: int) -> None:
    """Free text, old and new code alternating: ``tests/pii/peers``' 1,977 texts, one batch per (source, half) as
    ``bench_pii_peers.py`` scores them (``scan_texts`` and a redaction of each), or with ``notes`` that many
    mimesis notes of ten locales (``tests/pii/heldout_notes_text.py``, seed 40) redacted as one column."""
    _use(new[0])
    here = Path(__file__).resolve().parent.parent / "tests" / "pii"
    sys.path[:0] = [str(here), str(here / "peers")]
    batches: dict[tuple[str, str], list[str]] = {}
    if notes:
        from heldout_notes_text import notes as make_notes

        locales = ("en", "de", "fr", "es", "it", "nl", "pl", "ru", "tr", "ja")
        batches[("notes", "")] = [t for loc in locales for t in make_notes(loc, notes // len(locales), seed=40)[0]]
    else:
        from pii_peer_corpus import load

        for case in load():
            batches.setdefault((case.source, case.half), []).append(case.text)

    def run(code: tuple[dict[str, ModuleType], Any, Any]) -> float:
        _use(code[0])
        text_mode = sys.modules["mlsecure.privacy.pii.text_mode"]
        anonymize = sys.modules["mlsecure.privacy.pii.anonymize"]
        polars = sys.modules["mlsecure.privacy.pii.frame"].polars()
        start = time.process_time()
        for texts in batches.values():
            if not notes:
                text_mode.scan_texts(texts)
            anonymize.transform_text(polars.Series("text", texts), anonymize.Method.REDACT, key=None)
        return time.process_time() - start

    run(old), run(new)  # lists and patterns loaded in both
    times: dict[str, list[float]] = {"old": [], "new": []}
    for _ in range(repeats):
        times["old"].append(run(old))
        times["new"].append(run(new))
    med_old, med_new = statistics.median(times["old"]), statistics.median(times["new"])
    count = sum(map(len, batches.values()))
    what = f"{count} notes, redaction" if notes else f"peer texts ({count}), spans + redaction"
    print(f"{what}: old {med_old:.3f} s, new {med_new:.3f} s (medians of {repeats}, process CPU, alternating): "
          f"new/old = {med_new / med_old:.3f}")


if __name__ == "__main__":
    main()
