"""``export_suspicious``: write the flagged rows for human review; never touches the data file.

Columns: ``row`` (0-based index in file order), ``label``, ``detectors`` (the detectors that flagged
the row, ``;``-separated), ``score_<detector>`` for every detector that flagged something, then the
original columns of the table as they were read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mlsecure.errors import InputError
from mlsecure.poisoning.analysis import PoisoningScan


def export_suspicious(scan: PoisoningScan, destination: str | Path, *, labels: np.ndarray,
                      source: str | Path | None = None, features: np.ndarray | None = None,
                      feature_names: tuple[str, ...] = ()) -> int:
    """Write ``scan.suspicious`` rows to ``destination`` (CSV); return how many rows were written.

    The original columns come from the table at ``source`` (read with ``load_table``, so every
    column, numeric or not, round-trips) or, for array files, from ``features``.
    """
    import pandas as pd

    from mlsecure.data import load_table
    from mlsecure.data.tables import ARRAY_SUFFIXES

    destination = Path(destination)
    if source is not None and destination.resolve() == Path(source).resolve():
        raise InputError(f"--export-suspicious {destination} is the data file itself; choose another path")
    rows = np.flatnonzero(scan.suspicious)
    original: pd.DataFrame | None = None
    if source is not None and Path(source).suffix.lower() not in ARRAY_SUFFIXES:
        original = load_table(source)
        if len(original) != scan.n:
            raise InputError(f"{source}: {len(original)} rows on disk but {scan.n} were scanned")
    elif features is not None:
        flat = features.reshape(len(features), -1)
        names = list(feature_names) if len(feature_names) == flat.shape[1] else [f"x{i}" for i in range(flat.shape[1])]
        original = pd.DataFrame(flat, columns=names)
    active = [r for r in scan.runs if r.result.flagged.any()]
    head: dict[str, Any] = {
        "row": rows,
        "label": np.asarray(labels)[rows],
        "detectors": [";".join(scan.flagged_by(int(i))) for i in rows],
    }
    for run in active:
        head[f"score_{run.key}"] = np.round(run.scores[rows], 6)
    frame = pd.DataFrame(head)
    if original is not None:
        taken = original.iloc[rows].reset_index(drop=True)
        taken.columns = [f"{c}" if f"{c}" not in head else f"original_{c}" for c in taken.columns]
        frame = pd.concat([frame, taken], axis=1)
    destination.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(destination, index=False)
    return len(rows)
