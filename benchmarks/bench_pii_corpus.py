"""PII detectors on data nobody here wrote: Presidio's own recognizer test strings, and a faker table.

1. Presidio's corpus (``tests/pii/data/presidio_corpus.json``, MIT, regenerated from
   presidio-analyzer/tests by ``tests/pii/make_presidio_corpus.py``): every string scanned as text, per
   Presidio entity: right type on positives, anything reported on negatives. Presidio itself runs in its
   own venv (``--presidio-python /work/peers/presidio/bin/python``) with its predefined recognizers and
   ``NoOpNlpEngine`` (regex-only: no spaCy model can be downloaded here), over the same strings; the same
   scoring counts any Presidio result as "reported".
2. The faker table (``tests/pii/heldout.py``, 8 locales): typed column precision/recall and free-text
   survival after ``anonymize``.
3. The world table (``tests/pii/heldout_world.py``, 16 locales incl. ja_JP, pt_BR, pl_PL, national ids of
   9 countries, header words our keyword lists do not hold, look-alike negatives): the same measures.

Speed: process CPU seconds for the whole corpus, each tool in its own process, strings/s.
Run: ``python benchmarks/bench_pii_corpus.py [--presidio-python PATH] [--rows 2000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pii"))

from heldout import generate  # noqa: E402
from heldout_world import generate_world  # noqa: E402
from presidio_corpus import ENTITY_TYPE, load, score, total  # noqa: E402

from mlsecure.privacy.pii import anonymize_frame, audit_frame  # noqa: E402
from mlsecure.privacy.pii.text_mode import scan_text, scan_texts  # noqa: E402
from mlsecure.privacy.pii.types import PiiType  # noqa: E402

# Presidio's entities mapped to our types (its own entity names on the labels side, so a Presidio result
# of the file's entity counts as the right type).
PRESIDIO_RUNNER = r"""
import json, sys, time, logging
logging.disable(logging.WARNING)
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NoOpNlpEngine
texts = json.load(sys.stdin)
engine = AnalyzerEngine(nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
                        supported_languages=["en"])
engine.analyze(text="warm up 192.168.0.1", language="en")
start = time.process_time()
out = [sorted({r.entity_type for r in engine.analyze(text=t, language="en")}) for t in texts]
json.dump({"seconds": time.process_time() - start, "entities": out}, sys.stdout)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presidio-python", help="a python with presidio-analyzer installed")
    parser.add_argument("--rows", type=int, default=2000, help="rows of the faker tables")
    parser.add_argument("--world-seeds", type=int, nargs="*", default=[0, 3, 4],
                        help="seeds of the 16-locale world table (0 was looked at while fixing; 3 and 4 were not)")
    args = parser.parse_args()
    cases = load()

    scan_text("Maria asked to warm up 192.168.0.1")  # loads the name lists (once per process, ~1 s)
    start = time.process_time()
    found = {c.text: {s.pii_type for s in scan_text(c.text)} for c in cases}
    ours_seconds = time.process_time() - start
    ours = score(cases, lambda t: found[t])
    texts = [c.text for c in cases]
    start = time.process_time()
    batch = scan_texts(texts)
    batch_seconds = time.process_time() - start
    batch_found = {t: {s.pii_type for s in spans} for t, spans in zip(texts, batch, strict=True)}
    ours_batch = score(cases, lambda t: batch_found[t])
    theirs = None
    if args.presidio_python:
        texts = [c.text for c in cases]
        run = subprocess.run([args.presidio_python, "-c", PRESIDIO_RUNNER], input=json.dumps(texts), text=True,
                             capture_output=True, check=True)
        result = json.loads(run.stdout)
        entities = dict(zip(texts, result["entities"], strict=True))
        theirs_seconds = float(result["seconds"])
        by_type = dict(ENTITY_TYPE)

        def presidio_detect(text: str) -> set[PiiType]:
            return {by_type.get(e, PiiType.FREE_TEXT) for e in entities[text]}

        theirs = score(cases, presidio_detect)

    print(f"== Presidio's recognizer test strings: {len(cases)} strings, 25 entity files ==")
    head = f"{'entity':<20}{'mlsecure right type':>22}{'neg. flagged':>14}"
    if theirs:
        head += f"{'presidio right type':>22}{'neg. flagged':>14}"
    print(head)
    for entity in sorted(ours):
        o = ours[entity]
        line = f"{entity:<20}{f'{o.right_type}/{o.positives}':>22}{f'{o.negatives_flagged}/{o.negatives}':>14}"
        if theirs:
            t = theirs[entity]
            line += f"{f'{t.right_type}/{t.positives}':>22}{f'{t.negatives_flagged}/{t.negatives}':>14}"
        print(line)
    for label, core in (("six core files (issue 15)", True), ("all 25 files", False)):
        o = total(ours, core_only=core, cases=cases)
        line = (f"{label:<28} mlsecure {o.right_type}/{o.positives} = {o.recall:.3f} right type, "
                f"{o.negatives_flagged}/{o.negatives} = {o.fp_rate:.3f} negatives flagged")
        if theirs:
            t = total(theirs, core_only=core, cases=cases)
            line += (f" | presidio {t.right_type}/{t.positives} = {t.recall:.3f}, "
                     f"{t.negatives_flagged}/{t.negatives} = {t.fp_rate:.3f}")
        print(line)
    b = total(ours_batch)
    print(f"mlsecure, all strings as one column (scan_texts): {b.right_type}/{b.positives} right type, "
          f"{b.negatives_flagged}/{b.negatives} negatives flagged")
    print(f"speed: mlsecure one string at a time {len(cases) / ours_seconds:,.0f} strings/s "
          f"({ours_seconds:.2f} s CPU), "
          f"as one column {len(cases) / batch_seconds:,.0f} strings/s ({batch_seconds:.2f} s CPU)", end="")
    if theirs:
        print(f"; presidio {len(cases) / theirs_seconds:,.0f} strings/s ({theirs_seconds:.2f} s CPU)")
    else:
        print()

    _stdnum_corpus()

    import polars as pl

    from mlsecure.privacy.pii.classify import classify_column

    right, entities = [], sorted({c.entity for c in cases})
    for entity in entities:
        positives = [c.text for c in cases if c.entity == entity and c.positive]
        verdict = classify_column("value", pl.Series("value", positives))
        if verdict.pii_type is ENTITY_TYPE[entity]:
            right.append(entity)
    print(f"each file's positives as one column (bare values mixed with short sentences), header 'value': "
          f"{len(right)}/{len(entities)} columns typed right; wrong: {sorted(set(entities) - set(right))}")

    table = generate(args.rows, seed=0)
    start = time.process_time()
    audit = audit_frame(table.frame)
    audit_seconds = time.process_time() - start
    predicted = audit.types()
    tp = sum(1 for c, t in table.labels.items() if t is not None and predicted[c] == t)
    fp = sum(1 for c, p in predicted.items() if p is not None and table.labels[c] != p)
    fn = sum(1 for c, t in table.labels.items() if t is not None and predicted[c] != t)
    print(f"\n== faker table, 8 locales, {args.rows} rows, {len(table.labels)} columns ==")
    print(f"typed column precision {tp / (tp + fp):.3f}, recall {tp / (tp + fn):.3f} "
          f"(audit {audit_seconds:.2f} s CPU); wrong: "
          f"{ {c: (str(t), str(predicted[c])) for c, t in table.labels.items() if predicted[c] != t} or 'none'}")
    neutral = table.frame.rename({c: f"field_{i}" for i, c in enumerate(table.frame.columns)})
    npred = audit_frame(neutral).types()
    nlabels = {f"field_{i}": table.labels[c] for i, c in enumerate(table.frame.columns)}
    ntp = sum(1 for c, t in nlabels.items() if t is not None and npred[c] == t)
    nfp = sum(1 for c, p in npred.items() if p is not None and nlabels[c] != p)
    nfn = sum(1 for c, t in nlabels.items() if t is not None and npred[c] != t)
    missed = [table.frame.columns[int(c[6:])] for c, t in nlabels.items() if t and npred[c] != t]
    print(f"same table, headers renamed field_N: precision {ntp / max(ntp + nfp, 1):.3f}, recall "
          f"{ntp / (ntp + nfn):.3f}; missed: {missed}")
    notes = anonymize_frame(table.frame, audit=audit).frame.get_column("notes").to_list()
    survived: dict[str, list[int]] = {}
    for text, plants in zip(notes, table.planted, strict=True):
        for value, pii_type in plants:
            tally = survived.setdefault(pii_type.value, [0, 0])
            tally[0] += value in text
            tally[1] += 1
    print("free text after anonymize, planted values surviving: "
          + ", ".join(f"{t} {s}/{n} = {s / n:.3f}" for t, (s, n) in sorted(survived.items())))
    for seed in args.world_seeds:
        _world(args.rows, seed)


def _stdnum_corpus() -> None:
    """python-stdnum's documented valid and invalid numbers (``tests/pii/data/stdnum_corpus.json``) after their
    context word in a sentence: valid ones found with the right type, invalid ones reported as it."""
    from test_stdnum_corpus import CORPUS, NOT_SEARCHED, OURS

    found = valid = flagged = invalid = 0
    for module, (_, pii_type, word) in OURS.items():
        for number in CORPUS[module]["valid"]:
            if (module, number) in NOT_SEARCHED:
                continue
            text = f"Her {word} is {number}, she said."
            valid += 1
            found += any(s.pii_type is pii_type and number.replace(" ", "") in text[s.start:s.end].replace(" ", "")
                         for s in scan_text(text))
        for number in CORPUS[module]["invalid"]:
            text = f"Her {word} is {number}, she said."
            invalid += 1
            flagged += any(s.pii_type is pii_type for s in scan_text(text))
    print(f"python-stdnum's documented numbers, {len(OURS)} formats, after their context word: valid found "
          f"{found}/{valid}, invalid reported as their type {flagged}/{invalid} (incl. numbers valid as another "
          f"id of the same type)")


def _world(rows: int, seed: int) -> None:
    """The second held-out table (``tests/pii/heldout_world.py``): 16 faker locales, 9 countries' ids."""
    for neutral in (False, True):
        world = generate_world(rows, seed=seed, neutral_headers=neutral)
        start = time.process_time()
        audit = audit_frame(world.frame)
        seconds = time.process_time() - start
        predicted = audit.types()
        tp = sum(1 for c, t in world.labels.items() if t is not None and predicted[c] == t)
        fp = sum(1 for c, p in predicted.items() if p is not None and world.labels[c] != p)
        fn = sum(1 for c, t in world.labels.items() if t is not None and predicted[c] != t)
        wrong = {c: (str(t), str(predicted[c])) for c, t in world.labels.items() if predicted[c] != t}
        print(f"\n== world table, 16 locales, seed {seed}, {rows} rows, {len(world.labels)} columns, "
              f"{'headers c00..c24' if neutral else 'unseen header words'} ==")
        print(f"typed column precision {tp / max(tp + fp, 1):.3f}, recall {tp / (tp + fn):.3f} "
              f"(audit {seconds:.2f} s CPU); wrong: {wrong or 'none'}")
    notes = anonymize_frame(world.frame, audit=audit).frame.get_column("notes").to_list()
    survived: dict[str, list[int]] = {}
    for text, plants in zip(notes, world.planted, strict=True):
        for value, pii_type in plants:
            tally = survived.setdefault(pii_type.value, [0, 0])
            tally[0] += value in text
            tally[1] += 1
    print("free text after anonymize, planted values surviving: "
          + ", ".join(f"{t} {s}/{n} = {s / n:.3f}" for t, (s, n) in sorted(survived.items())))


if __name__ == "__main__":
    main()
