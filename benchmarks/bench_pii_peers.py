"""PII in free text, measured on peers' public labelled test cases (not on our own templates).

The corpus (``tests/pii/peers/data/peer_corpora.json``, regenerated from the peers' repositories by
``tests/pii/peers/extract_peers.py``): microsoft/presidio-research's synthetic evaluation set, microsoft/presidio's
NER recognizer and e2e tests, LeapBeyond/scrubadub's before/after tests and its labelled example document,
philterd/phileas's filter tests. Labels are the peers' expectations (``pii_peer_corpus.ENTITY`` maps them to ours).
Each (source, half) is one batch of texts, as one file; the halves were fixed by a hash of the source file
(and template id) before anything was measured.

mlsecure: spans from ``text_mode.scan_texts``, survival after ``transform_text(..., Method.REDACT)`` (what
``mlsecure privacy anonymize`` does to a free-text column). Presidio (``--presidio-python``, its own venv):
``AnalyzerEngine`` with its predefined recognizers and ``NoOpNlpEngine`` - no spaCy model is installed and
none can be downloaded here, so Presidio runs pattern-only (no PERSON/LOCATION/DATE_TIME from NER); its
redaction replaces each merged span by ``<ENTITY>``, like its default anonymizer.

    PYTHONPATH=src python benchmarks/bench_pii_peers.py [--presidio-python /work/peers/presidio/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pii" / "peers"))

from pii_peer_corpus import (  # noqa: E402
    ENTITY,
    GROUPS,
    Result,
    Spans,
    Tally,
    load,
    mlsecure_redact,
    mlsecure_spans,
    score_by_source,
    sources,
)

from mlsecure.privacy.pii.types import PiiType  # noqa: E402

PRESIDIO_RUNNER = r"""
import json, sys, logging
logging.disable(logging.WARNING)
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NoOpNlpEngine
texts = json.load(sys.stdin)
engine = AnalyzerEngine(nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
                        supported_languages=["en"])
out = [[(r.start, r.end, r.entity_type) for r in engine.analyze(text=t, language="en")] for t in texts]
json.dump(out, sys.stdout)
"""


def presidio_detector(python: str, texts: list[str]) -> dict[str, list[tuple[int, int, str]]]:
    """Presidio's raw results for every distinct text, run once in its own interpreter."""
    distinct = sorted(set(texts))
    run = subprocess.run([python, "-c", PRESIDIO_RUNNER], input=json.dumps(distinct), capture_output=True,
                         text=True, check=True)
    return {t: [(s, e, ent) for s, e, ent in r] for t, r in zip(distinct, json.loads(run.stdout), strict=True)}


def _our_type(entity: str) -> PiiType:
    label = ENTITY.get(entity)
    return label.accepted[0] if label else PiiType.FREE_TEXT  # a type no label accepts: counts as "any type"


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for s, e, ent in sorted(spans, key=lambda x: (x[0], -x[1])):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e, out[-1][2])
            continue
        out.append((s, e, ent))
    return out


def presidio_functions(raw: dict[str, list[tuple[int, int, str]]]) -> tuple[object, object]:
    def spans(texts: list[str]) -> list[Spans]:
        return [[(s, e, _our_type(ent)) for s, e, ent in raw[t]] for t in texts]

    def redact(texts: list[str]) -> list[str]:
        out = []
        for t in texts:
            for s, e, ent in reversed(_merged(raw[t])):
                t = t[:s] + f"<{ent}>" + t[e:]
            out.append(t)
        return out

    return spans, redact


CLI_EXITS: list[int] = []


def cli_redact(texts: list[str]) -> list[str]:
    """The same texts through ``mlsecure privacy anonymize --text-columns text`` on a JSONL file. Exit 1 is the
    CLI failing closed because its re-audit of the output still sees PII: the output is written all the same."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
        run = subprocess.run([sys.executable, "-m", "mlsecure", "privacy", "anonymize", "--input", str(src),
                              "--output", str(dst), "--text-columns", "text"], capture_output=True, text=True)
        if run.returncode not in (0, 1) or not dst.exists():
            raise RuntimeError(f"mlsecure privacy anonymize exited {run.returncode}: {run.stderr[-500:]}")
        CLI_EXITS.append(run.returncode)
        return [json.loads(line)["text"] for line in dst.read_text().splitlines()]


def compact(tools: dict[str, dict[tuple[str, str], Result]]) -> None:
    """One row per (source, type): spans and right-type recall per half, survival, and Presidio beside us."""
    names = list(tools)
    print("\n| source | type | spans dev / report | " + " | ".join(
        f"{n} right type dev / report | {n} survived dev / report" for n in names) + " |")
    print("|---|---|---|" + "---|---|" * len(names))
    keys = sorted({(src, g) for res in tools.values() for (src, _), r in res.items() for g in r.by_group})
    for src, group in keys:
        cells = []
        first = tools[names[0]]
        spans = [first.get((src, h), Result()).by_group.get(group) for h in ("dev", "report")]
        if group == "negative":
            counts = " / ".join(str(t.negatives) if t else "-" for t in spans)
        else:
            counts = " / ".join(str(t.positives) if t else "-" for t in spans)
        for n in names:
            ts = [tools[n].get((src, h), Result()).by_group.get(group) for h in ("dev", "report")]
            if group == "negative":
                cells.append(" / ".join(f"{t.flag_rate():.2f}" if t else "-" for t in ts) + " flagged | ")
                continue
            cells.append(" / ".join(f"{t.recall():.2f}" if t and t.positives else "-" for t in ts) + " | " +
                         " / ".join(f"{t.survival():.2f}" if t and t.positives else "-" for t in ts))
        print(f"| {src} | {group} | {counts} | " + " | ".join(cells) + " |")


def pooled(tools: dict[str, dict[tuple[str, str], Result]]) -> None:
    """All sources together, per type and half: right-type recall and whole-value survival."""
    names = list(tools)
    print("\n| type | spans dev / report | " + " | ".join(
        f"{n} right type dev / report | {n} survived whole / in part, dev; report" for n in names) + " |")
    print("|---|---|" + "---|---|" * len(names))
    for group in GROUPS:
        totals = {n: [sum_tally(tools[n], h, group) for h in ("dev", "report")] for n in names}
        first = totals[names[0]]
        if not any(t.positives for t in first):
            continue
        cells = [" / ".join(f"{t.recall():.3f}" for t in totals[n]) + " | " +
                 "; ".join(f"{t.survival():.3f} / {t.part_survived / t.positives if t.positives else 0:.3f}"
                           for t in totals[n]) for n in names]
        print(f"| {group} | {first[0].positives} / {first[1].positives} | " + " | ".join(cells) + " |")
    for n in names:
        for h in ("dev", "report"):
            neg = [t for (_, hh), r in tools[n].items() if hh == h for t in r.by_group.values()]
            spurious = sum(r.spurious for (_, hh), r in tools[n].items() if hh == h)
            predicted = sum(r.predicted for (_, hh), r in tools[n].items() if hh == h)
            flagged = fmt(sum(t.negatives_flagged for t in neg), sum(t.negatives for t in neg))
            print(f"{n} {h}: negatives flagged {flagged}, spurious spans on fully labelled texts "
                  f"{fmt(spurious, predicted)}")


def sum_tally(results: dict[tuple[str, str], Result], half: str, group: str) -> Tally:
    out = Tally()
    for (_, h), r in results.items():
        t = r.by_group.get(group)
        if h == half and t:
            for name in vars(out):
                setattr(out, name, getattr(out, name) + getattr(t, name))
    return out


def rows(results: dict[tuple[str, str], Result], half: str) -> dict[str, Result]:
    return {src: r for (src, h), r in results.items() if h == half}


def fmt(num: int, den: int) -> str:
    return f"{num}/{den} = {num / den:.3f}" if den else "-"


def report(tool: str, results: dict[tuple[str, str], Result]) -> None:
    for half in ("dev", "report"):
        print(f"\n## {tool}, {half} half")
        print("| source | type | spans | right type | any type | survived whole | survived in part "
              "| negatives flagged |")
        print("|---|---|---|---|---|---|---|---|")
        for src, res in rows(results, half).items():
            for group in (*GROUPS, "negative"):
                t = res.by_group.get(group)
                if t is None:
                    continue
                print(f"| {src} | {group} | {t.positives} | {fmt(t.right_type, t.positives)} | "
                      f"{fmt(t.any_type, t.positives)} | {fmt(t.survived, t.positives)} | "
                      f"{fmt(t.part_survived, t.positives)} | {fmt(t.negatives_flagged, t.negatives)} |")
            if res.predicted:
                print(f"| {src} | spurious spans (fully labelled texts) | | | | | | "
                      f"{fmt(res.spurious, res.predicted)} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presidio-python", help="a python with presidio-analyzer installed")
    parser.add_argument("--json", type=Path, help="also write the tallies here")
    parser.add_argument("--cli", action="store_true",
                        help="also redact through the CLI (JSONL, --text-columns) and report its survival")
    args = parser.parse_args()
    cases = load()
    for name, info in sources().items():
        print(f"{name}: {info['repo']}@{str(info['commit'])[:12]} ({info['license']}), {info['cases']} cases")
    start = time.process_time()
    ours = score_by_source(cases, mlsecure_spans, mlsecure_redact)
    print(f"mlsecure: {time.process_time() - start:.2f} s CPU for {len(cases)} texts (spans + redaction)")
    report("mlsecure", ours)
    out = {"mlsecure": ours}
    if args.cli:
        via_cli = score_by_source(cases, mlsecure_spans, cli_redact)
        report("mlsecure through `mlsecure privacy anonymize --text-columns text` (JSONL)", via_cli)
        print(f"CLI exit codes per batch: {CLI_EXITS} (1: its own re-audit still saw PII in the output)")
        out["mlsecure-cli"] = via_cli
    if args.presidio_python:
        raw = presidio_detector(args.presidio_python, [c.text for c in cases])
        spans, redact = presidio_functions(raw)
        theirs = score_by_source(cases, spans, redact)  # type: ignore[arg-type]
        report("Presidio (pattern recognizers only, no NER model)", theirs)
        out["presidio"] = theirs
    compact(out)
    pooled(out)
    if args.json:
        args.json.write_text(json.dumps({tool: {f"{s}/{h}": {g: vars(t) for g, t in r.by_group.items()}
                                                | {"_spurious": [r.spurious, r.predicted]}
                                                for (s, h), r in res.items()} for tool, res in out.items()},
                                        indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
