"""Old vs new PII audit code in one process: same verdicts, and the CPU time of each, interleaved.

Two source trees of mlsecure (e.g. ``git archive 127c336 src | tar -x -C /tmp/pii-base``) are imported
side by side (each keeps its own modules; they are swapped in ``sys.modules`` before every call), then
``audit_frame`` runs on the 1,000-row sample of ``bench_pii.py`` (every row examined) alternately with
the old and the new code. On a machine shared with other jobs the absolute times move with the load;
their ratio, measured in alternation, does not. The verdicts (every field, spans included) must be equal.

Run: ``python benchmarks/bench_pii_ab.py /tmp/pii-base/src src --repeats 15``.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_src")
    parser.add_argument("new_src")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the generated table the sample is drawn from")
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    old, new = _load(args.old_src), _load(args.new_src)
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


if __name__ == "__main__":
    main()
