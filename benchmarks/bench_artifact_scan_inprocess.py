"""In-process artifact-scan throughput: ``scan_file`` CPU time on a torch checkpoint, a raw pickle of
arrays, a 128 MB legacy Keras ``.h5`` (weights around its config) and the generated
corpus, for comparing two checkouts of the scanner like for like.

    PYTHONPATH=/path/to/checkout-A/src python benchmarks/bench_artifact_scan_inprocess.py --data /tmp/b
    PYTHONPATH=/path/to/checkout-B/src python benchmarks/bench_artifact_scan_inprocess.py --data /tmp/b

The files are written once under ``--data`` (reused when present), so both runs read the same bytes.
Tensor data is never read by the scanner, so the file sizes hardly move the figures.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
from pathlib import Path


def build(folder: Path) -> None:
    import numpy as np
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    per = 64 * 1024**2 // 4
    if not (folder / "ckpt.pt").exists():
        torch.save({f"l{i}": torch.ones(per) for i in range(8)}, folder / "ckpt.pt")
    if not (folder / "raw.pkl").exists():
        with (folder / "raw.pkl").open("wb") as handle:
            pickle.dump({f"a{i}": np.ones(per, dtype=np.float32) for i in range(4)}, handle, protocol=4)
    if not (folder / "weights.h5").exists():  # a legacy Keras .h5: 256 MB of weight bytes around its config
        import json

        config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"module": "keras.layers", "class_name": "Dense", "config": {"units": 64}} for _ in range(200)]}}
        noise = np.random.default_rng(0).standard_normal(16 * 1024**2).astype(np.float32).tobytes()
        with (folder / "weights.h5").open("wb") as handle:
            handle.write(b"\x89HDF\r\n\x1a\n" + noise + json.dumps(config).encode() + b"\x00" + noise)
    if not (folder / "corpus").exists():
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "artifacts_scan"))
        from scan_corpus import build_corpus

        build_corpus(folder / "corpus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    build(args.data)
    from mlsecure.artifacts.scan import scan_file

    for target in ("ckpt.pt", "raw.pkl", "weights.h5", "corpus"):
        root = args.data / target
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        times = []
        for _ in range(args.repeats):
            start = time.process_time()
            for path in paths:
                scan_file(path)
            times.append(time.process_time() - start)
        print(f"{target}: {len(paths)} files, median scan_file CPU {statistics.median(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
