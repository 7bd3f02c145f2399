"""Typed column precision and recall of ``audit_frame`` on the held-out tables, and a command line
that prints them per generator, seed and header mode:

    PYTHONPATH=src python tests/pii/heldout_score.py --rows 2000 --seeds 3 4
    PYTHONPATH=src python tests/pii/heldout_score.py --rows 300 --seeds 3 --per-locale
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure.privacy.pii import PiiType, audit_frame


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    wrong: dict[str, tuple[PiiType | None, PiiType | None]]  # column -> (label, predicted)


def score(frame: Any, labels: dict[str, PiiType | None]) -> Score:
    """Column-level scores: a PII column counts as found only with the right type; any type on a
    column labelled otherwise is a false positive."""
    predicted = audit_frame(frame).types()
    tp = sum(1 for c, t in labels.items() if t is not None and predicted[c] == t)
    fp = sum(1 for c, p in predicted.items() if p is not None and labels[c] != p)
    fn = sum(1 for c, t in labels.items() if t is not None and predicted[c] != t)
    wrong = {c: (t, predicted[c]) for c, t in labels.items() if predicted[c] != t}
    return Score(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, wrong)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    from heldout_mimesis import LOCALES as MIMESIS_LOCALES
    from heldout_mimesis import generate_table
    from heldout_world import LOCALES as WORLD_LOCALES
    from heldout_world import generate_world

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--only", choices=("world", "mimesis"))
    parser.add_argument("--per-locale", action="store_true", help="one table per locale instead of all mixed")
    args = parser.parse_args(argv)
    makers = {"world": (generate_world, WORLD_LOCALES), "mimesis": (generate_table, MIMESIS_LOCALES)}
    for label, (make, locales) in makers.items():
        if args.only and label != args.only:
            continue
        for seed in args.seeds:
            for group in ([(loc,) for loc in locales] if args.per_locale else [locales]):
                for neutral in (False, True):
                    table = make(args.rows, seed=seed, neutral_headers=neutral, locales=group)
                    result = score(table.frame, table.labels)
                    missed = {c: (t.value if t else None, p.value if p else None)
                              for c, (t, p) in result.wrong.items()}
                    where = group[0] if args.per_locale else "all locales"
                    print(f"{label} {where} seed={seed} {'neutral' if neutral else 'own'} headers: precision "
                          f"{result.precision:.3f} recall {result.recall:.3f} wrong={missed}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def with_headers(frame: Any, labels: dict[str, PiiType | None], neutral: bool) -> tuple[Any, dict[str, PiiType | None]]:
    """The table with its generator's own headers, or with neutral ones (``c00``, ``c01``...) so that only
    the values can say what a column holds."""
    if not neutral:
        return frame, dict(labels)
    names = {c: f"c{j:02d}" for j, c in enumerate(labels)}
    return frame.rename(names), {names[c]: t for c, t in labels.items()}


def run_locales(tag: str, generate: Any, locales: list[str], default_seed: int, argv: list[str] | None) -> int:
    """Score one table per (seed, locale, header mode) and print each table and the means per header mode.

    ``generate(locale, rows, seed=, neutral_headers=)`` returns ``(frame, labels)``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--seeds", type=int, nargs="+", default=[default_seed])
    parser.add_argument("--locales", nargs="+", default=locales)
    args = parser.parse_args(argv)
    recalls: dict[bool, list[float]] = {False: [], True: []}
    precisions: dict[bool, list[float]] = {False: [], True: []}
    for seed in args.seeds:
        for locale in args.locales:
            for neutral in (False, True):
                frame, labels = generate(locale, args.rows, seed=seed, neutral_headers=neutral)
                result = score(frame, labels)
                recalls[neutral].append(result.recall)
                precisions[neutral].append(result.precision)
                missed = {c: (t.value if t else None, p.value if p else None) for c, (t, p) in result.wrong.items()}
                print(f"{tag} {locale} seed={seed} {'neutral' if neutral else 'own'} headers: precision "
                      f"{result.precision:.3f} recall {result.recall:.3f} wrong={missed}", flush=True)
    for neutral in (False, True):
        r, p = recalls[neutral], precisions[neutral]
        print(f"{'neutral' if neutral else 'own'} headers: mean precision {sum(p) / len(p):.3f} recall "
              f"{sum(r) / len(r):.3f} over {len(r)} tables; recall >= 0.95 in {sum(x >= 0.95 for x in r)}")
    return 0


def run_survival(tag: str, survive: Callable[[str, int, int], tuple[Counter[Any], Counter[Any]]],
                 pairs: Callable[[Counter[Any]], list[tuple[str, Any, Any]]], locales: list[str],
                 default_rows: int, default_seed: int, argv: list[str] | None) -> int:
    """The free-text sets' loop: ``survive(locale, rows, seed)`` gives (planted, survived) counts; print them per
    (seed, locale) and in total. ``pairs(planted)`` names what to show: (label, planted key, survived key)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=default_rows)
    parser.add_argument("--seeds", type=int, nargs="+", default=[default_seed])
    parser.add_argument("--locales", nargs="+", default=locales)
    args = parser.parse_args(argv)
    total_put: Counter[Any] = Counter()
    total_kept: Counter[Any] = Counter()
    for seed in args.seeds:
        for locale in args.locales:
            put, kept = survive(locale, args.rows, seed)
            total_put.update(put)
            total_kept.update(kept)
            shown = ", ".join(f"{label} {kept[k]}/{put[p]}" for label, p, k in pairs(put))
            print(f"{tag} {locale} seed={seed}: survived {shown}", flush=True)
    shown = ", ".join(f"{label} {total_kept[k]}/{total_put[p]} = {total_kept[k] / max(1, total_put[p]):.4f}"
                      for label, p, k in pairs(total_put))
    print(f"all: survived {shown}")
    return 0
