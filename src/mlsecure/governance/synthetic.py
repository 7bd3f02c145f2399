"""A synthetic tabular dataset with a sensitive attribute and a controlled, known disparity.

Used by the tests, the benchmark and the docs (no downloads). The ground truth is a logistic model on
four standard-normal features, the same for both groups; historical bias is then injected into the
*labels*: each positive label of the disadvantaged group ``"B"`` is flipped to 0 with probability
``label_bias``. A ``proxy`` feature correlated with the group lets a model learn that bias without
ever seeing the sensitive column ("fairness through unawareness" fails), which is the realistic case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlsecure.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

FEATURES: tuple[str, ...] = ("x1", "x2", "x3", "x4", "proxy")
WEIGHTS = np.array([1.5, -1.0, 0.8, 0.5])


def make_biased_table(n: int = 4000, *, label_bias: float = 0.4, share_b: float = 0.4,
                      proxy_strength: float = 1.5, seed: int = 0) -> pd.DataFrame:
    """Columns ``x1..x4``, ``proxy``, ``group`` ("A"/"B", not a model feature) and ``label`` (0/1).

    ``label_bias`` in [0, 1]: the share of group B's true positives relabelled 0 (0 means no bias).
    """
    import pandas as pd

    if n < 2:
        raise InputError(f"n must be at least 2, got {n}")
    if not 0.0 <= label_bias <= 1.0 or not 0.0 < share_b < 1.0:
        raise InputError(f"label_bias must be in [0, 1] and share_b in (0, 1); got {label_bias}, {share_b}")
    rng = np.random.default_rng(seed)
    is_b = rng.random(n) < share_b
    x = rng.standard_normal((n, 4))
    proxy = proxy_strength * is_b + rng.standard_normal(n)
    label = (rng.random(n) < 1.0 / (1.0 + np.exp(-(x @ WEIGHTS)))).astype(np.int64)
    flip = is_b & (label == 1) & (rng.random(n) < label_bias)
    label[flip] = 0
    frame = pd.DataFrame(x.astype(np.float32), columns=list(FEATURES[:4]))
    frame["proxy"] = proxy.astype(np.float32)
    frame["group"] = np.where(is_b, "B", "A")
    frame["label"] = label
    return frame
