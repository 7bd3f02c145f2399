"""k-anonymity, l-diversity and t-closeness over quasi-identifiers, and enforcing a target k.

* k-anonymity (Sweeney 2002): every combination of quasi-identifier values (an equivalence class)
  is shared by at least k rows; ``k`` is the size of the smallest class.
* distinct l-diversity (Machanavajjhala et al. 2007): every class holds at least l distinct values of
  the sensitive attribute; ``l`` is the smallest such count.
* t-closeness (Li, Li, Venkatasubramanian, ICDE 2007): the Earth Mover's Distance between a class's
  distribution of the sensitive attribute and the whole table's is at most t. For numbers, the ordered
  distance ``EMD = 1/(m-1) * sum_i |sum_{j<=i} (p_j - q_j)|`` over the m sorted distinct values; for
  categories, the equal-distance EMD, i.e. the total variation ``1/2 * sum_i |p_i - q_i|``.

``enforce_k`` searches the lattice of generalization levels (one level per quasi-identifier, from
``generalize``'s hierarchies) breadth-first by total height, suppressing the rows of classes still
smaller than k, and returns the lowest node whose suppression stays within ``max_suppression``
(Samarati 2001's minimal generalization with suppression); ties go to the node suppressing fewest rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.errors import InputError
from mlsecure.privacy.pii.frame import polars, to_strings
from mlsecure.privacy.pii.generalize import MAX_LEVEL, Hierarchy, generalize, hierarchy_for
from mlsecure.privacy.pii.types import PiiType


@dataclass(frozen=True)
class Anonymity:
    """Measured privacy of a table over ``quasi_identifiers``."""

    k: int
    classes: int
    rows: int
    quasi_identifiers: tuple[str, ...]
    rows_below: Mapping[int, int]  # target k -> rows in classes smaller than it (for 2, 5, 10)
    sensitive: str | None = None
    l_diversity: int | None = None
    t_closeness: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"k": self.k, "classes": self.classes, "rows": self.rows,
                "quasi_identifiers": list(self.quasi_identifiers),
                "rows_in_classes_below": {str(k): v for k, v in self.rows_below.items()},
                "sensitive": self.sensitive, "l_diversity": self.l_diversity, "t_closeness": self.t_closeness}


@dataclass(frozen=True)
class Enforcement:
    """The k-anonymous table, the levels chosen, and what was suppressed."""

    frame: Any  # Polars frame of strings, suppressed rows removed
    levels: Mapping[str, int]
    hierarchies: Mapping[str, Hierarchy]
    suppressed_rows: tuple[int, ...]  # row positions in the input
    nodes_evaluated: int
    result: Anonymity

    def to_dict(self) -> dict[str, Any]:
        return {"levels": dict(self.levels), "hierarchies": {k: v.value for k, v in self.hierarchies.items()},
                "suppressed": len(self.suppressed_rows), "suppressed_rows_first": list(self.suppressed_rows[:20]),
                "nodes_evaluated": self.nodes_evaluated, "after": self.result.to_dict()}


def measure(frame: Any, quasi_identifiers: Sequence[str], *, sensitive: str | None = None) -> Anonymity:
    """k, l and t of a pandas/Polars table over ``quasi_identifiers`` (and a ``sensitive`` column)."""
    pl = polars()
    strings = to_strings(frame)
    qis = _check_columns(strings, quasi_identifiers, sensitive)
    if strings.height == 0:
        raise InputError("cannot measure k-anonymity of an empty table")
    sizes = strings.group_by(qis).len().get_column("len").to_numpy()
    rows_below = {t: int(sizes[sizes < t].sum()) for t in (2, 5, 10)}
    l_div: int | None = None
    t_close: float | None = None
    if sensitive is not None:
        l_div = int(strings.group_by(qis).agg(pl.col(sensitive).n_unique()).get_column(sensitive).min())
        t_close = t_closeness(strings, qis, sensitive)
    return Anonymity(int(sizes.min()), len(sizes), strings.height, tuple(qis), rows_below, sensitive, l_div, t_close)


def t_closeness(frame: Any, quasi_identifiers: Sequence[str], sensitive: str) -> float:
    """The largest EMD between an equivalence class's distribution of ``sensitive`` and the table's."""
    pl = polars()
    values = frame.get_column(sensitive)
    numeric = values.cast(pl.Float64, strict=False)
    is_numeric = numeric.null_count() == values.null_count()
    keyed = frame.with_columns(pl.struct(list(quasi_identifiers)).hash().alias("__class"))
    class_ids = keyed.get_column("__class").rank("dense").cast(pl.Int64).to_numpy() - 1
    if is_numeric:
        uniq, value_ids = np.unique(numeric.fill_null(np.nan).to_numpy(), return_inverse=True)
    else:
        uniq, value_ids = np.unique(values.fill_null("").to_numpy().astype(str), return_inverse=True)
    counts = np.zeros((int(class_ids.max()) + 1, len(uniq)))
    np.add.at(counts, (class_ids, value_ids), 1.0)
    p = counts / counts.sum(axis=1, keepdims=True)
    q = counts.sum(axis=0) / counts.sum()
    return float(emd(p, q, ordered=bool(is_numeric)).max())


def emd(p: np.ndarray, q: np.ndarray, *, ordered: bool) -> np.ndarray:
    """EMD of each row of ``p`` (classes x m) to ``q`` (m,) per Li et al. 2007: ordered distance for
    numeric values, equal distance (total variation) for categories."""
    diff = p - q
    m = diff.shape[-1]
    if ordered:
        return np.asarray(np.abs(np.cumsum(diff, axis=-1)).sum(axis=-1) / max(m - 1, 1), dtype=float)
    return np.asarray(0.5 * np.abs(diff).sum(axis=-1), dtype=float)


def enforce_k(frame: Any, quasi_identifiers: Sequence[str], k: int, *, max_suppression: float = 0.05,
              types: Mapping[str, PiiType | None] | None = None, sensitive: str | None = None,
              max_nodes: int = 5000) -> Enforcement:
    """Generalize the quasi-identifiers (and suppress a few rows) until every class has at least ``k`` rows."""
    pl = polars()
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}")
    if not 0.0 <= max_suppression < 1.0:
        raise InputError(f"max_suppression must be in [0, 1), got {max_suppression}")
    strings = to_strings(frame)
    qis = _check_columns(strings, quasi_identifiers, sensitive)
    types = types or {}
    hier = {c: hierarchy_for(types.get(c), strings.get_column(c)) for c in qis}
    cache: dict[tuple[str, int], Any] = {}

    def level_values(col: str, level: int) -> Any:
        if (col, level) not in cache:
            cache[(col, level)] = generalize(strings.get_column(col), hier[col], level).alias(col)
        return cache[(col, level)]

    budget = int(max_suppression * strings.height)
    heights = [MAX_LEVEL[hier[c]] for c in qis]
    nodes = sorted(itertools.product(*(range(h + 1) for h in heights)), key=sum)
    evaluated = 0
    best: tuple[tuple[int, ...], np.ndarray] | None = None
    best_height = None
    for node in nodes[:max_nodes]:
        if best_height is not None and sum(node) > best_height:
            break
        evaluated += 1
        gen = pl.DataFrame([level_values(c, lvl) for c, lvl in zip(qis, node, strict=True)])
        sizes = gen.select(pl.len().over(qis).alias("n")).get_column("n").to_numpy()
        small = sizes < k
        if int(small.sum()) <= budget and (best is None or int(small.sum()) < int(best[1].sum())):
            best, best_height = (node, small), sum(node)
    if best is None:
        raise InputError(f"no generalization of {', '.join(qis)} reaches k={k} within {max_suppression:.0%} "
                         f"suppression after {evaluated} nodes; allow more suppression or fewer quasi-identifiers")
    node, small = best
    generalized = strings.with_columns([level_values(c, lvl) for c, lvl in zip(qis, node, strict=True)])
    kept = generalized.filter(pl.Series(~small))
    suppressed = tuple(int(i) for i in np.flatnonzero(small))
    after = measure(kept, qis, sensitive=sensitive)
    return Enforcement(kept, dict(zip(qis, node, strict=True)), hier, suppressed, evaluated, after)


def _check_columns(strings: Any, quasi_identifiers: Sequence[str], sensitive: str | None) -> list[str]:
    qis = list(quasi_identifiers)
    if not qis:
        raise InputError("name at least one quasi-identifier column")
    missing = [c for c in [*qis, *([sensitive] if sensitive else [])] if c not in strings.columns]
    if missing:
        raise InputError(f"no such column(s): {', '.join(missing)}; the table has {', '.join(strings.columns)}")
    return qis
