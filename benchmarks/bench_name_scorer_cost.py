"""CPU time of the learned name score inside ``audit_frame`` on ``bench_pii.py``'s sample (issue 15, session 13).

Why: the score must stay cheap next to the rest of the audit; ``bench_pii.py`` times the whole audit only. This
wraps ``spans.learned_names`` with a process-CPU clock and audits the same 1,000-row sample of the generated table
``--repeats`` times; it prints the medians of the audit and of the score. Compare two source trees by running it
alternately under each (A B A B), e.g. ``PYTHONPATH=<tree>/src python benchmarks/bench_name_scorer_cost.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from typing import Any

from mlsecure.privacy.pii import spans
from mlsecure.privacy.pii.audit import audit_frame
from mlsecure.privacy.pii.synth import generate_table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sample = generate_table(args.rows, seed=0, neutral_headers=True).frame.sample(args.sample, seed=123).to_pandas()
    inner = spans.learned_names
    spent: list[float] = []

    def timed(*a: Any, **k: Any) -> set[str]:
        t0 = time.process_time()
        try:
            return inner(*a, **k)
        finally:
            spent.append(time.process_time() - t0)

    spans.learned_names = timed  # type: ignore[assignment]
    audit_frame(sample, sample_size=len(sample), early_sample=len(sample))  # warm: weights, word lists
    audits: list[float] = []
    scores: list[float] = []
    for _ in range(args.repeats):
        spent.clear()
        t0 = time.process_time()
        audit_frame(sample, sample_size=len(sample), early_sample=len(sample))
        audits.append(time.process_time() - t0)
        scores.append(sum(spent))
    print(
        f"audit_frame median {statistics.median(audits) * 1000:.1f} ms CPU; learned score median "
        f"{statistics.median(scores) * 1000:.1f} ms CPU ({len(spent)} calls a run; {args.repeats} runs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
