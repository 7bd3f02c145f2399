"""Scale-out benchmark: the local engine against Ray with 1 and 2 workers (``mlsecure.engines``).

Workloads, each as ``engine.map`` over independent, seeded tasks:

- membership-audit reference models: ``train_references`` with a scikit-learn random forest
  (``n_estimators`` trees, one core per model) on the scikit-learn digits pool; reported as models
  per minute. Every engine must return identical probabilities (checked here too);
- registry scan: ``artifact scan`` of a generated folder tree (benign pickles, numpy arrays, and
  pickles that call ``os.system``, written by this script), one task per file; files per second.
- robustness evaluation in shards (``--robustness``): a 64-64-10 torch MLP trained here on digits,
  ``--samples`` test rows, FGSM/PGD/APGD-CE/FMN, one task per (attack, epsilon, chunk of
  ``--shard-size`` rows); samples per second, in process versus Ray with 1 and 2 workers;
- Flower simulation (``--flower``): ``simulate`` (in process) versus ``simulate_in_flower`` (Flower's
  simulation runtime, Ray backend, 1 and 2 ClientApp actors): Krum, ``--clients`` clients, 2 of them
  sign-flipping, ``--rounds`` rounds; rounds per second, and the final model compared with the
  in-process one;
- Spark (``--spark-rows N``): the PII audit over all rows and anonymize of a folder of Parquet files, in
  one process (streamed) and on Spark ``local[1]`` and ``local[2]``; rows per second, and whether the
  results equal the single-process engine's.

The machine's 1-minute load average is printed beside every figure (other jobs share the cores);
``--repeat N`` times each run N times and keeps the fastest.

    python benchmarks/bench_scale.py                     # 16 models, 400 files
    python benchmarks/bench_scale.py --models 8 --files 200 --json out.json
    python benchmarks/bench_scale.py --robustness --flower --models 0 --files 0   # only the two added workloads
    python benchmarks/bench_scale.py --only-spark --spark-rows 40000   # Spark vs one process
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np


def _tree(root: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    for i in range(n):
        sub = root / f"team-{i % 7}" / f"model-{i % 23}"
        sub.mkdir(parents=True, exist_ok=True)
        kind = i % 4
        if kind == 0:
            (sub / f"{i}.pkl").write_bytes(pickle.dumps({"w": rng.normal(size=256).tolist()}, protocol=4))
        elif kind == 1:
            np.save(sub / f"{i}.npy", rng.normal(size=(64, 64)))
        elif kind == 2:
            (sub / f"{i}.pkl").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
        else:
            (sub / f"{i}.json").write_text(json.dumps({"layers": i}))
    return root


REPEAT = 1  # --repeat: each timed run is repeated and the fastest kept (the cores are shared)
T = TypeVar("T")


def _best(run: Callable[[], T]) -> tuple[T, float]:
    """``run()``'s result and its fastest wall time over ``REPEAT`` runs."""
    best, out = float("inf"), None
    for _ in range(REPEAT):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    assert out is not None
    return out, best


def _engine(name: str, workers: int) -> Any:
    from mlsecure.engines import get_engine

    return get_engine(name, workers=workers)


def bench_references(n_models: int, trees: int) -> list[dict[str, Any]]:
    from sklearn.ensemble import RandomForestClassifier

    from mlsecure.data import load_builtin
    from mlsecure.models import as_model
    from mlsecure.privacy.inference.reference import train_references

    d = load_builtin("digits")
    assert d.y is not None
    x, y = d.x[:1200].astype(np.float32), d.y[:1200]
    model = as_model(RandomForestClassifier(n_estimators=trees, random_state=0, n_jobs=1).fit(x[:600], y[:600]))
    rows, baseline = [], None
    for name, workers in (("local", 1), ("ray", 1), ("ray", 2)):
        engine = _engine(name, workers)
        try:
            if name == "ray":  # warm the workers (imports) outside the timed run
                train_references(model, x[:100], y[:100], y[:100], n_models=workers * 2, seed=1, engine=engine)
            refs, seconds = _best(lambda e=engine: train_references(model, x, y, y, n_models=n_models, seed=0,
                                                                    engine=e))
        finally:
            engine.close()
        if baseline is None:
            baseline = refs.probs
        identical = bool(np.array_equal(baseline, refs.probs))
        rows.append({"workload": "reference models", "engine": name, "workers": workers, "tasks": n_models,
                     "seconds": round(seconds, 2), "per_minute": round(60 * n_models / seconds, 1),
                     "identical_to_local": identical, "load_1min": round(os.getloadavg()[0], 1)})
    return rows


def bench_scan(n_files: int) -> list[dict[str, Any]]:
    from mlsecure.engines.artifacts import scan_paths_on

    rows, baseline = [], None
    with tempfile.TemporaryDirectory() as tmp:
        root = _tree(Path(tmp), n_files)
        for name, workers in (("local", 1), ("ray", 1), ("ray", 2)):
            engine = _engine(name, workers)
            try:
                if name == "ray":
                    scan_paths_on(engine, [next(root.rglob("*.npy"))])
                results, seconds = _best(lambda e=engine: scan_paths_on(e, [root]))
            finally:
                engine.close()
            key = [(r.path, r.verdict, r.issues) for r in results]
            baseline = baseline or key
            rows.append({"workload": "registry scan", "engine": name, "workers": workers, "tasks": len(results),
                         "seconds": round(seconds, 2), "per_second": round(len(results) / seconds, 1),
                         "identical_to_local": key == baseline, "load_1min": round(os.getloadavg()[0], 1)})
    return rows


# --- Spark: the PII audit over all rows and anonymize, single process vs Spark local[1] / local[2] ---------

SPARK_KEY = bytes(range(32))  # a fixed benchmark key: pseudonyms must match across engines


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and every process under it (the JVM and Spark's Python
    workers): the cost of a run whatever else shares the cores."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return total


def _pii_lake(root: Path, rows: int, files: int) -> Path:
    """``files`` Parquet files of ``generate_table`` rows (distinct seeds, so values are not repeated)."""
    import pyarrow.parquet as pq

    from mlsecure.privacy.pii.synth import generate_table

    root.mkdir()
    per_file = rows // files
    for k in range(files):
        frame = generate_table(per_file, seed=100 + k).frame
        pq.write_table(frame.to_arrow(), root / f"part-{k:04d}.parquet", row_group_size=2500)
    return root


def bench_spark(n_rows: int, files: int, sample_rows: int) -> list[dict[str, Any]]:
    """rows/s of ``privacy audit --all-rows`` and of anonymize: one process (streamed) vs Spark local[1], local[2].

    Each run starts from the same folder; the head classification (``sample_rows`` rows, on the driver) is
    timed separately and included in the audit's time. Spark sessions start, and their Python workers are
    warmed on a 200-row table, outside the timed runs."""
    import polars as pl

    from mlsecure.engines.tables.audit import audit_all_rows, classify_sample
    from mlsecure.engines.tables.spark import spark_anonymize, spark_audit, spark_session
    from mlsecure.engines.tables.stream import iter_table, read_head
    from mlsecure.privacy.pii.anonymize import apply_plan, auto_plan
    from mlsecure.privacy.pii.keys import SecretKey
    from mlsecure.privacy.pii.writer import TableWriter

    key = SecretKey(SPARK_KEY)
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        lake = _pii_lake(Path(tmp) / "lake", n_rows, files)
        warm = _pii_lake(Path(tmp) / "warm", 200, 1)
        start = time.perf_counter()
        sample = classify_sample(read_head(lake, sample_rows), source=str(lake))
        classify_s = time.perf_counter() - start
        plan = auto_plan(sample, key_available=True)
        baseline: dict[str, Any] = {}
        for engine, workers in (("local", 1), ("spark", 1), ("spark", 2)):
            spark = None
            if engine == "spark":
                spark = spark_session(f"local[{workers}]", app_name="mlsecure-bench")
                spark_audit(warm, spark=spark, sample_rows=100)
            target = Path(tmp) / f"anon-{engine}-{workers}"
            c0 = _cpu_seconds()
            t0 = time.perf_counter()
            if spark is None:
                audit = audit_all_rows(lake, sample_rows=sample_rows, batch_rows=10_000)
            else:
                audit = spark_audit(lake, spark=spark, sample_rows=sample_rows)
            t1, c1 = time.perf_counter(), _cpu_seconds()
            if spark is None:
                target.mkdir()
                with TableWriter(target / "part-0.parquet", inputs=[]) as writer:
                    for batch in iter_table(lake, batch_rows=10_000):
                        writer.write(apply_plan(batch, plan, audit=sample, key=key)[0])
            else:
                spark_anonymize(lake, target, plan, sample, spark=spark, key=key)
            t2, c2 = time.perf_counter(), _cpu_seconds()
            if spark is not None:
                spark.stop()
            result = audit.to_dict()
            result.pop("seconds")
            result.pop("source")
            written = pl.read_parquet(sorted(target.glob("part-*.parquet")))
            written = written.sort(written.columns)
            baseline = baseline or {"audit": result, "anon": written}
            free_text = [v.column for v in sample.columns if v.kind == "free_text"]
            structured = [c for c in written.columns if c not in free_text]
            ref = baseline["anon"]
            mine, theirs = written.sort(structured), ref.sort(structured)
            differ = sum(int(mine.get_column(c).ne_missing(theirs.get_column(c)).sum())
                         for c in free_text if c in written.columns)
            load = round(os.getloadavg()[0], 1)
            out.append({"workload": "pii audit (all rows)", "engine": engine, "workers": workers, "tasks": n_rows,
                        "seconds": round(t1 - t0, 2), "per_second": round(n_rows / (t1 - t0), 1),
                        "cpu_seconds": round(c1 - c0, 2), "per_cpu_second": round(n_rows / (c1 - c0), 1),
                        "classify_head_seconds": round(classify_s, 2),
                        "identical_to_local": result == baseline["audit"], "load_1min": load})
            out.append({"workload": "pii anonymize", "engine": engine, "workers": workers, "tasks": n_rows,
                        "seconds": round(t2 - t1, 2), "per_second": round(n_rows / (t2 - t1), 1),
                        "cpu_seconds": round(c2 - c1, 2), "per_cpu_second": round(n_rows / (c2 - c1), 1),
                        "identical_to_local": written.select(structured).sort(structured).equals(
                            ref.select(structured).sort(structured)),
                        "free_text_cells_differ": differ, "load_1min": load})
    return out
def _digits_mlp() -> tuple[Any, np.ndarray, np.ndarray]:
    import torch

    from mlsecure.data import load_builtin
    from mlsecure.models import as_model

    d = load_builtin("digits")
    assert d.y is not None
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    x, y = torch.from_numpy(d.x[:1200].astype(np.float32)), torch.from_numpy(d.y[:1200])
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return as_model(net.eval(), input_shape=(64,), clip_values=(0.0, 1.0)), d.x[1200:], d.y[1200:]


def bench_robustness(n_samples: int, shard_size: int) -> list[dict[str, Any]]:
    from mlsecure.robustness.evaluate import evaluate_robustness

    model, x, y = _digits_mlp()
    x, y = x[:n_samples], y[:n_samples]
    attacks = ("fgsm", "pgd", "apgd-ce", "fmn")
    rows, baseline = [], None
    for name, workers in (("in-process", 1), ("ray", 1), ("ray", 2)):
        engine = None if name == "in-process" else _engine(name, workers)
        try:
            if engine is not None:  # warm the workers (torch import) outside the timed run
                evaluate_robustness(model, x[:8], y[:8], epsilons=[0.05], attacks=("fgsm",), validity=False,
                                    chunk_size=4, engine=engine)
            ev, seconds = _best(lambda e=engine: evaluate_robustness(
                model, x, y, epsilons=[0.05], attacks=attacks, validity=False, chunk_size=shard_size, seed=0,
                engine=e))
        finally:
            if engine is not None:
                engine.close()
        key = (ev.robust_accuracy, ev.worst_case, ev.fooled_rows, ev.curve)
        baseline = baseline or key
        rows.append({"workload": "robustness shards", "engine": name, "workers": workers, "tasks": n_samples,
                     "seconds": round(seconds, 2), "per_second": round(n_samples / seconds, 1), "unit": "samples/s",
                     "identical_to_local": key == baseline, "load_1min": round(os.getloadavg()[0], 1)})
    return rows


def bench_flower(n_clients: int, rounds: int) -> list[dict[str, Any]]:
    import ray

    from mlsecure.federated.flower_simulation import simulate_in_flower
    from mlsecure.federated.simulation import SimulationConfig, simulate

    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    cfg = SimulationConfig(n_clients=n_clients, n_byzantine=2, rounds=rounds, local_epochs=1, client_streams=True)
    result, seconds = _best(lambda: simulate(aggregators=["krum"], attack="sign-flip", config=cfg))
    local = result.run("krum")
    seconds /= 2  # simulate also runs the clean FedAvg reference: half of it is Krum's run
    rows = [{"workload": "flower simulation", "engine": "in-process", "workers": 1, "tasks": rounds,
             "seconds": round(seconds, 2), "per_second": round(rounds / seconds, 2), "unit": "rounds/s",
             "identical_to_local": True, "load_1min": round(os.getloadavg()[0], 1)}]
    for workers in (1, 2):
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
        try:
            runs = [simulate_in_flower(aggregator="krum", attack="sign-flip", config=cfg, workers=workers)
                    for _ in range(REPEAT)]
        finally:
            ray.shutdown()
        res = min(runs, key=lambda r: r.seconds)
        assert local.weights is not None
        rows.append({"workload": "flower simulation", "engine": "flower+ray", "workers": workers, "tasks": rounds,
                     "seconds": round(res.seconds, 2), "per_second": round(res.rounds_per_second, 2),
                     "unit": "rounds/s", "identical_to_local": bool(np.array_equal(res.weights, local.weights)),
                     "load_1min": round(os.getloadavg()[0], 1)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=16)
    ap.add_argument("--trees", type=int, default=40)
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--spark-rows", type=int, default=0, help="rows for the Spark PII benchmark (0: skip it)")
    ap.add_argument("--spark-files", type=int, default=4, help="Parquet files the Spark benchmark's table is cut into")
    ap.add_argument("--spark-sample-rows", type=int, default=2000, help="head rows the audit classifies")
    ap.add_argument("--only-spark", action="store_true", help="run only the Spark PII benchmark")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--robustness", action="store_true", help="add the robustness-shards workload")
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--shard-size", type=int, default=50)
    ap.add_argument("--flower", action="store_true", help="add the Flower-simulation workload")
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=1, help="time each run this many times, keep the fastest")
    args = ap.parse_args()
    global REPEAT  # a benchmark-wide setting
    REPEAT = args.repeat
    rows: list[dict[str, Any]] = []
    if not args.only_spark:
        rows += bench_references(args.models, args.trees) if args.models else []
        rows += bench_scan(args.files) if args.files else []
        rows += bench_robustness(args.samples, args.shard_size) if args.robustness else []
        rows += bench_flower(args.clients, args.rounds) if args.flower else []
    if args.spark_rows:
        rows += bench_spark(args.spark_rows, args.spark_files, args.spark_sample_rows)
    for r in rows:
        rate = (f"{r['per_minute']:>7} models/min" if "per_minute" in r
                else f"{r['per_second']:>7} rows/s" if r["workload"].startswith("pii")
                else f"{r['per_second']:>7} {r.get('unit', 'files/s')}")
        cpu = f"  {r['per_cpu_second']:>7} rows/CPU-s" if "per_cpu_second" in r else ""
        print(f"{r['workload']:<17} {r['engine']:<5} x{r['workers']}  {r['tasks']:>4} tasks  {r['seconds']:>7} s  "
              f"{rate}{cpu}  identical={r['identical_to_local']}  load={r['load_1min']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
