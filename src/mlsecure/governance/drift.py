"""Train/serve skew statistics (OWASP ML08): is the serving data still what the model was trained on?

Pure functions over arrays (the table comparison built on them is ``drift_tables``); no I/O, no
printing. Shapes: ``reference`` is ``(n, d)``, ``current`` is ``(m, d)``, columns aligned.

- Per-feature, numeric: two-sample Kolmogorov-Smirnov ``D = sup_x |F_ref(x) - F_cur(x)|`` with the
  asymptotic two-sided p-value ``kstwo.sf(D, round(n m / (n + m)))`` (scipy's ``method="asymp"``);
  Wasserstein-1 ``W = integral |F_ref - F_cur| dx`` divided by the reference's robust scale
  ``IQR / 1.349`` (so ``W`` reads in standard deviations of a normal feature); PSI on reference deciles.
  One ``np.sort`` per matrix, then one merge and two ``searchsorted`` per column: ``O((n + m) log(n + m))``.
- Per-feature, categorical (or numeric with few distinct values): Pearson chi-square on the ``2 x k``
  table after pooling categories whose expected count is below 5; PSI over the categories.
- Multiple testing: Benjamini-Hochberg (1995) adjusted p-values across every test of a family.
- Multivariate: MMD^2 (Gretton et al. 2012, arXiv:0805.2368), unbiased estimator, RBF kernel with the
  median heuristic, permutation p-value computed for all permutations in one matrix product; and a
  classifier two-sample test (C2ST, Lopez-Paz & Oquab 2017, arXiv:1610.06545): a gradient-boosted
  classifier trained on one half tells reference from current, its held-out AUC is tested against 0.5
  with the exact Mann-Whitney U null.
- Model-side: black-box shift estimation (BBSE, Lipton et al. 2018, arXiv:1802.03916) of the current
  label distribution from the reference confusion matrix and the current predicted-class rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    pass

PSI_EPS = 1e-4  # floor on a bin's proportion so an empty bin gives a large, finite PSI
MIN_EXPECTED = 5.0  # chi-square: categories with a smaller expected count are pooled


@dataclass(frozen=True)
class NumericTests:
    """Per-column results of ``numeric_drift``; each array has shape ``(d,)``."""

    ks_statistic: np.ndarray
    ks_pvalue: np.ndarray
    wasserstein: np.ndarray  # raw W1, in the feature's units
    wasserstein_scaled: np.ndarray  # W1 / (IQR / 1.349) of the reference (std, then 1, when that is 0)
    psi: np.ndarray
    n_reference: np.ndarray  # non-missing values per column
    n_current: np.ndarray


@dataclass(frozen=True)
class CategoricalTest:
    chi2: float
    pvalue: float
    dof: int
    psi: float
    pooled: int  # categories merged into the "rare" bucket


@dataclass(frozen=True)
class PermutationTest:
    statistic: float
    pvalue: float
    null: np.ndarray  # the statistic under each permutation, shape (n_perm,)
    bandwidth: float
    n_reference: int
    n_current: int


@dataclass(frozen=True)
class ClassifierTest:
    auc: float
    pvalue: float
    n_train: int
    n_test: int
    feature_importance: np.ndarray  # (d,) drop in AUC when a column is permuted, largest = most telling


def numeric_drift(reference: np.ndarray, current: np.ndarray, *, bins: int = 10) -> NumericTests:
    """KS, scaled Wasserstein-1 and PSI for every column of ``(n, d)`` vs ``(m, d)`` float arrays.

    Missing values (NaN) are dropped column by column (their rates are compared by ``missingness``).
    A column with fewer than one value on either side gets ``nan`` statistics and p-value 1.
    """
    ref = np.sort(np.asarray(reference, dtype=np.float64), axis=0)  # NaN sorts last
    cur = np.sort(np.asarray(current, dtype=np.float64), axis=0)
    d = ref.shape[1]
    n_ref = (~np.isnan(ref)).sum(axis=0)
    n_cur = (~np.isnan(cur)).sum(axis=0)
    out = {k: np.full(d, np.nan) for k in ("D", "W", "Ws", "psi")}
    pvalue = np.ones(d)
    for j in range(d):
        a, b = ref[: n_ref[j], j], cur[: n_cur[j], j]
        if len(a) == 0 or len(b) == 0:
            continue
        pooled = np.sort(np.concatenate([a, b]), kind="stable")  # merges two sorted runs in linear time
        gap = np.abs(np.searchsorted(a, pooled, side="right") / len(a)
                     - np.searchsorted(b, pooled, side="right") / len(b))
        out["D"][j] = gap.max()
        out["W"][j] = float(np.dot(gap[:-1], np.diff(pooled)))
        out["Ws"][j] = out["W"][j] / robust_scale(a)
        out["psi"][j] = _psi_sorted(a, b, bins)
        en = round(len(a) * len(b) / (len(a) + len(b)))
        pvalue[j] = float(np.clip(stats.kstwo.sf(out["D"][j], en), 0.0, 1.0))
    return NumericTests(out["D"], pvalue, out["W"], out["Ws"], out["psi"], n_ref, n_cur)


def robust_scale(sorted_values: np.ndarray) -> float:
    """``IQR / 1.349`` (the standard deviation of a normal), else the std, else 1 (a constant column)."""
    q1, q3 = np.quantile(sorted_values, [0.25, 0.75])
    for scale in ((q3 - q1) / 1.349, float(np.std(sorted_values))):
        if scale > 0 and np.isfinite(scale):
            return float(scale)
    return 1.0


def psi(reference_counts: np.ndarray, current_counts: np.ndarray, *, eps: float = PSI_EPS) -> float:
    """Population stability index ``sum_k (c_k - r_k) ln(c_k / r_k)`` over bin proportions.

    Proportions are floored at ``eps``. Usual reading: < 0.1 stable, 0.1-0.25 moderate shift,
    > 0.25 major shift.
    """
    r = np.maximum(np.asarray(reference_counts, float) / max(float(np.sum(reference_counts)), 1.0), eps)
    c = np.maximum(np.asarray(current_counts, float) / max(float(np.sum(current_counts)), 1.0), eps)
    return float(np.sum((c - r) * np.log(c / r)))


def _psi_sorted(a: np.ndarray, b: np.ndarray, bins: int) -> float:
    """PSI of sorted ``b`` against sorted ``a`` on ``a``'s quantile bins (ties collapse bins)."""
    edges = np.unique(np.quantile(a, np.linspace(0, 1, bins + 1)[1:-1]))
    ra = np.diff(np.concatenate([[0], np.searchsorted(a, edges, side="right"), [len(a)]]))
    rb = np.diff(np.concatenate([[0], np.searchsorted(b, edges, side="right"), [len(b)]]))
    return psi(ra, rb)


def categorical_drift(reference: np.ndarray, current: np.ndarray) -> CategoricalTest:
    """Chi-square homogeneity test of two samples of category labels (missing values excluded).

    Categories whose expected count (under "same distribution") is below 5 in either row are merged into
    one bucket; when that bucket itself stays below 5 it is merged into the smallest other category.
    Equals ``scipy.stats.chi2_contingency(table, correction=False)`` on the pooled table.
    """
    values, inverse = np.unique(np.concatenate([reference, current]), return_inverse=True)
    n = len(reference)
    table = np.vstack([np.bincount(inverse[:n], minlength=len(values)),
                       np.bincount(inverse[n:], minlength=len(values))]).astype(float)
    pooled_table, pooled = pool_rare(table)
    score = psi(table[0], table[1])
    if pooled_table.shape[1] < 2 or table[0].sum() == 0 or table[1].sum() == 0:
        return CategoricalTest(0.0, 1.0, 0, score, pooled)
    chi2, dof, p = chi_square(pooled_table)
    return CategoricalTest(chi2, p, dof, score, pooled)


def pool_rare(table: np.ndarray, *, min_expected: float = MIN_EXPECTED) -> tuple[np.ndarray, int]:
    """Merge the columns of a ``2 x k`` count table whose expected count is below ``min_expected``."""
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / max(total, 1.0)
    rare = (expected < min_expected).any(axis=0)
    if rare.sum() == 0:
        return table, 0
    keep = table[:, ~rare]
    bucket = table[:, rare].sum(axis=1, keepdims=True)
    merged = np.hstack([keep, bucket])
    bucket_expected = np.outer(merged.sum(axis=1), merged[:, -1:].sum(axis=0)) / max(total, 1.0)
    if keep.shape[1] >= 1 and (bucket_expected < min_expected).any():
        smallest = int(np.argmin(keep.sum(axis=0)))
        keep = keep.copy()
        keep[:, smallest] += bucket[:, 0]
        merged = keep
    return merged, int(rare.sum())


def chi_square(table: np.ndarray) -> tuple[float, int, float]:
    """Pearson chi-square (no continuity correction) of a ``r x k`` table: ``(statistic, dof, p)``."""
    table = table[:, table.sum(axis=0) > 0]
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return chi2, dof, float(stats.chi2.sf(chi2, dof)) if dof > 0 else 1.0


def benjamini_hochberg(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values ``q_(i) = min_{j >= i} p_(j) m / j``, capped at 1.

    Rejecting ``q <= alpha`` controls the false discovery rate at ``alpha`` for independent (or
    positively dependent) tests. Equals ``scipy.stats.false_discovery_control(p, method="bh")``.
    """
    p = np.asarray(pvalues, dtype=float)
    if p.size == 0:
        return p.copy()
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(q, 1.0)
    return out


def two_proportion_test(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value for equal proportions ``k1/n1`` vs ``k2/n2`` (pooled z test = 2x2 chi-square)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    z = (k1 / n1 - k2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * stats.norm.sf(abs(z)))


def mmd2_unbiased(kernel: np.ndarray, is_reference: np.ndarray) -> np.ndarray:
    """Unbiased MMD^2 for one or many labelings of a pooled kernel matrix.

    ``kernel`` is ``(N, N)``; ``is_reference`` is ``(N,)`` or ``(P, N)`` booleans (``n`` true, ``m``
    false). ``MMD^2_u = sum_{i!=j} k(x_i,x_j)/(n(n-1)) + sum_{i!=j} k(y_i,y_j)/(m(m-1))
    - 2 sum_{i,j} k(x_i,y_j)/(n m)`` (Gretton et al. 2012, eq. 3). Returns shape ``()`` or ``(P,)``.
    """
    a = np.atleast_2d(is_reference).astype(kernel.dtype)
    b = 1.0 - a
    n, m = a[0].sum(), b[0].sum()
    ka = a @ kernel  # (P, N): one matrix product for all labelings
    diag = np.diag(kernel)
    sxx = np.einsum("pi,pi->p", ka, a) - a @ diag
    sxy = np.einsum("pi,pi->p", ka, b)
    syy = kernel.sum() - 2 * sxy - np.einsum("pi,pi->p", ka, a) - b @ diag
    out: np.ndarray = sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2 * sxy / (n * m)
    return out.reshape(()) if np.ndim(is_reference) == 1 else out


def rbf_kernel(z: np.ndarray, *, bandwidth: float | None = None) -> tuple[np.ndarray, float]:
    """``k(u, v) = exp(-|u - v|^2 / (2 sigma^2))`` on the rows of ``z``; ``sigma`` defaults to the median
    pairwise distance (the median heuristic). Returns the ``(N, N)`` kernel and ``sigma``."""
    sq = np.sum(z * z, axis=1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (z @ z.T), 0.0)
    if bandwidth is None:
        upper = dist2[np.triu_indices(len(z), k=1)]
        bandwidth = float(np.sqrt(np.median(upper))) if upper.size else 1.0
        bandwidth = bandwidth if bandwidth > 0 else 1.0
    return np.exp(-dist2 / (2.0 * bandwidth**2)), bandwidth


def mmd_test(reference: np.ndarray, current: np.ndarray, *, n_perm: int = 200, max_samples: int = 1000,
             seed: int = 0) -> PermutationTest:
    """MMD^2 permutation test on standardised features (reference mean/std), at most ``max_samples`` rows
    a side. The p-value is ``(1 + #{null >= observed}) / (1 + n_perm)``."""
    rng = np.random.default_rng(seed)
    x, y = _subsample(reference, max_samples, rng), _subsample(current, max_samples, rng)
    z = standardise(x, np.vstack([x, y]))
    kernel, sigma = rbf_kernel(z)
    labels = np.r_[np.ones(len(x), bool), np.zeros(len(y), bool)]
    observed = float(mmd2_unbiased(kernel, labels))
    perms = np.stack([rng.permutation(labels) for _ in range(n_perm)])
    null = mmd2_unbiased(kernel, perms)
    pvalue = (1.0 + float(np.sum(null >= observed))) / (1.0 + n_perm)
    return PermutationTest(observed, pvalue, null, sigma, len(x), len(y))


def classifier_test(reference: np.ndarray, current: np.ndarray, *, max_samples: int = 5000,
                    seed: int = 0) -> ClassifierTest:
    """C2ST: a histogram gradient-boosted classifier learns reference (0) vs current (1) on a balanced half.

    On the other half its AUC is ``U / (n0 n1)``; under "same distribution" the held-out scores are
    exchangeable, so the one-sided Mann-Whitney p-value is valid. Columns' importance is the drop in
    held-out AUC when that column is permuted.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    k = min(len(reference), len(current), max_samples)
    x, y = _subsample(reference, k, rng), _subsample(current, k, rng)
    data = np.vstack([x, y])
    labels = np.r_[np.zeros(k), np.ones(k)]
    order = rng.permutation(2 * k)
    train, test = order[: k], order[k:]
    clf = HistGradientBoostingClassifier(max_iter=50, early_stopping=False, random_state=seed)
    clf.fit(data[train], labels[train])
    scores = clf.predict_proba(data[test])[:, 1]
    if len(np.unique(labels[test])) < 2:
        return ClassifierTest(0.5, 1.0, len(train), len(test), np.zeros(data.shape[1]))
    auc = float(roc_auc_score(labels[test], scores))
    pos, neg = scores[labels[test] == 1], scores[labels[test] == 0]
    pvalue = float(stats.mannwhitneyu(pos, neg, alternative="greater").pvalue)
    importance = np.zeros(data.shape[1])
    held = data[test]
    for j in range(data.shape[1]):
        shuffled = held.copy()
        shuffled[:, j] = rng.permutation(shuffled[:, j])
        importance[j] = auc - float(roc_auc_score(labels[test], clf.predict_proba(shuffled)[:, 1]))
    return ClassifierTest(auc, pvalue, len(train), len(test), importance)


def bbse(confusion: np.ndarray, current_pred_rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Black-box shift estimation (Lipton et al. 2018, arXiv:1802.03916, eq. 4 and section 4).

    ``confusion[i, j] = P_ref(yhat = i, y = j)`` (``(k, k)``, sums to 1); ``current_pred_rates[i] =
    P_cur(yhat = i)``. Solves ``C w = mu`` for the importance weights ``w_j = q(y=j) / p(y=j)`` (least
    squares, clipped at 0) and returns ``(w, q)`` with ``q = w * p(y)`` renormalised.
    """
    w, *_ = np.linalg.lstsq(confusion, current_pred_rates, rcond=None)
    w = np.maximum(w, 0.0)
    q = w * confusion.sum(axis=0)
    total = q.sum()
    return w, (q / total if total > 0 else q)


def wilson_interval(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n``."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def difference_interval(k1: int, n1: int, k2: int, n2: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (1998, method 10) for ``k2/n2 - k1/n1``."""
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p1, p2 = k1 / max(n1, 1), k2 / max(n2, 1)
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    diff = p2 - p1
    low = diff - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = diff + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return float(low), float(high)


def standardise(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``(values - mean_ref) / std_ref`` column-wise (constant columns divided by 1), NaN set to 0."""
    mean = np.nanmean(reference, axis=0)
    std = np.nanstd(reference, axis=0)
    std = np.where(std > 0, std, 1.0)
    out: np.ndarray = np.nan_to_num((values - mean) / std)
    return out


def _subsample(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x if len(x) <= k else x[rng.choice(len(x), size=k, replace=False)]
