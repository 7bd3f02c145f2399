"""Ceiling on per-value validator work in ``audit_frame`` (issue 15, benchmarks/pii.md 0z26).

Audits the bench sample with the real ``classify._validate`` and with a free oracle that replays
recorded results, alternating, and reports median CPU time. Every audit must give the reference
verdicts, so the saving is what making all validators free could ever buy, with identical output.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from mlsecure.privacy.pii import audit, classify, synth

PAIRS = 9
WARMUP_PAIRS = 2


def main() -> None:
    frame = synth.generate_table(20000, seed=0, neutral_headers=True).frame
    sample = frame.sample(1000, seed=123).to_pandas()
    real = classify._validate
    recorded: list[Any] = []

    def recording(idx: Any, values: list[str], freq: Any, validator: Any) -> Any:
        result = real(idx, values, freq, validator)
        recorded.append(result)
        return result

    classify._validate = recording
    reference = audit.audit_frame(sample, sample_size=1000, early_sample=1000).columns
    print(f"_validate calls per audit: {len(recorded)}")

    def replay() -> Callable[..., Any]:
        results: Iterator[Any] = iter(list(recorded))
        return lambda *_args: next(results)

    def timed(oracle: bool) -> float:
        classify._validate = replay() if oracle else real
        start = time.process_time()
        columns = audit.audit_frame(sample, sample_size=1000, early_sample=1000).columns
        elapsed = time.process_time() - start
        if repr(columns) != repr(reference):
            sys.exit("the oracle changed the audit's verdicts; the figure would be meaningless")
        return elapsed

    for _ in range(WARMUP_PAIRS):
        timed(False)
        timed(True)
    real_times, oracle_times = [], []
    for _ in range(PAIRS):
        real_times.append(timed(False))
        oracle_times.append(timed(True))
    real_ms = statistics.median(real_times) * 1000
    oracle_ms = statistics.median(oracle_times) * 1000
    saving = 100 * (real_ms - oracle_ms) / real_ms
    print(f"audit_frame CPU median: real {real_ms:.0f} ms, free oracle {oracle_ms:.0f} ms, saving {saving:.1f}%")


if __name__ == "__main__":
    main()
