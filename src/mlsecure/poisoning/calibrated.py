"""Calibrated poisoning scan: decisions from null distributions estimated on the scanned data.

Why: thresholds tuned on one family of attacks (digits) flagged a fifth of a clean shapes dataset.
Here no threshold is fitted to any dataset: each decision is a tail probability under a null built
from the data being scanned, and "no poison found" is the outcome whenever the evidence is weak.

Statistic (per space: a model's activations and/or the input features, each reduced to its top
``dims`` principal axes). For class ``c``, the rows are whitened by the pooled within-class covariance
of the OTHER classes (leave-one-class-out, SCAn's idea of a shared within-class variation, Tang et
al. 2021, arXiv:1908.00686): natural variation shrinks, a direction no clean class varies along (a
trigger, rows relabelled from other classes) stands out. Along each of the class's top ``axes``
whitened principal axes, Otsu's cut splits the projections in two and ``d'`` measures the split (gap
between the group means over the pooled within-group standard deviation); ``T_c`` is the largest.
A Gaussian class gives ``d' ~ 2.7``; a class holding a separate sub-population gives more.

Null, two estimates from the data, the more conservative wins:
* the other classes: ``T`` of the ``L - 1`` other classes, as a normal sample; the prediction-interval
  statistic ``(T_c - mean) / (sd sqrt(1 + 1/(L-1)))`` is Student-t with ``L - 2`` degrees of freedom;
* a parametric bootstrap: ``T`` of ``boot`` Gaussian samples with class ``c``'s own size and
  covariance (the one-population null), normal approximation.
The class p-value is the larger of the two; every (class, space) test enters one Benjamini-Hochberg
procedure at ``alpha`` (below). The null's 99th percentile is reported beside ``T_c``.

Rows (side selection): in an abnormal class, the split along the winning axis is modelled as two
Gaussians; the MINORITY component is the poison (a backdoor or flip needs fewer rows than the class
holds, so this fails when poison is most of its class). Each row's local false-discovery rate is its
posterior of belonging to the majority; rows are flagged in increasing lfdr while the running mean
stays ``<= fdr``, so the flagged set's expected false share is ``<= fdr`` and the expected number of
false flags (the sum of their lfdr) is reported.

The ``neighbours`` space (``poisoning.neighbours``, the default) tests one-way label traffic between
classes instead of a split (p-value: the most conservative of three nulls, one of them the class
geometry, calibrated by a parametric bootstrap), plus on tables and embeddings a few-feature test of
the out-voted rows (beta-binomial null), and takes its rows
from a Fisher/EM expansion of the out-voted rows. Every test of every class enters the same BH.

Fusion: a class is abnormal if any of its tests is rejected by Benjamini-Hochberg over all classes x
spaces; its rows come from the rejected test whose flagged rows cover most of the class's evidence
(the rows out-voted in the rejected tests' views; ``row_source``), ties to the smaller p-value
(default spaces and this rule chosen on the suite's design seeds, see docs/poisoning.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mlsecure.errors import InputError
from mlsecure.poisoning.detectors.interface import class_rows
from mlsecure.poisoning.linalg import top_eigenvectors
from mlsecure.poisoning.normalised import is_image, normalised_tests
from mlsecure.poisoning.threshold import otsu

Space = Literal["activations", "features", "neighbours", "normalised"]
# chosen on the design seeds (docs/poisoning.md); "normalised" applies to images only
DEFAULT_SPACES: tuple[Space, ...] = ("neighbours", "normalised")


@dataclass(frozen=True)
class ClassTest:
    """One class in one space: the split statistic, its nulls and the split it found."""

    label: object
    space: Space
    size: int
    statistic: float  # T_c: the largest Otsu d' over the top whitened axes
    null_others: tuple[float, float]  # mean and sd of T over the other classes
    null_boot: tuple[float, float]  # mean and sd of T over Gaussian samples like the class
    null_q99: float  # 99th percentile of the more conservative null (normal / Student-t)
    p_value: float  # the larger of the two one-sided p-values, before correction
    minority_posterior: np.ndarray  # per row of the class: posterior of the minority component
    test: str = "split"  # which statistic: split, traffic (neighbours), few-feature (neighbours)
    separation: float = 0.0  # d' of the two-population split its posterior comes from
    seeds: np.ndarray | None = None  # per row of the class: the test's own evidence rows (out-voted), if any


@dataclass(frozen=True)
class ClassFinding:
    """A class whose split is beyond its null: the flagged rows and how strong the evidence is."""

    label: object
    space: Space
    size: int
    rows: tuple[int, ...]  # flagged rows, 0-based
    statistic: float
    null_q99: float
    p_value: float  # Benjamini-Hochberg adjusted over classes and spaces
    expected_false: float  # sum of the flagged rows' local false-discovery rates
    test: str = "split"  # the test that found the class (ClassTest.test)


@dataclass(frozen=True)
class CalibratedScan:
    tests: tuple[ClassTest, ...]
    findings: tuple[ClassFinding, ...]
    flagged: np.ndarray  # (n,) boolean
    alpha: float
    fdr: float

    @property
    def poison_found(self) -> bool:
        return bool(self.findings)

    @property
    def expected_false(self) -> float:
        return float(sum(f.expected_false for f in self.findings))


def calibrated_scan(features: np.ndarray, labels: np.ndarray, *, representations: np.ndarray | None = None,
                    spaces: Sequence[Space] | None = None, alpha: float = 0.01, fdr: float = 0.05,
                    dims: int = 20, axes: int = 3, boot: int = 30, seed: int = 0,
                    few_feature: bool = True, class_scaled: bool = True) -> CalibratedScan:
    """Scan ``features`` ``(n, ...)`` with ``labels`` ``(n,)`` (see the module docstring).

    ``few_feature`` (default on) adds the few-feature test of the neighbours on tables and embeddings:
    it finds the 3% tabular triggers the traffic test misses. Its null is beta-binomial with the other
    classes' dispersion (a binomial null flagged 4.9% of a clean held-out table, tabular-40 seed 3).

    ``class_scaled`` (default on, session 6) lets the geometry null keep a class wherever it holds its
    floor in its own spread and size (``class_scale``): a clean class more diffuse or smaller than its
    neighbours is otherwise one-way by nature and flagged (off: the session-5 null).

    ``representations`` (optional, ``(n, d)``) are a model's activations on the same rows; ``spaces``
    picks which of the given spaces are tested (default: all).
    """
    if not (0.0 < alpha < 1.0 and 0.0 < fdr < 1.0):
        raise InputError(f"alpha and fdr must be in (0, 1), got {alpha} and {fdr}")
    x = np.asarray(features).reshape(len(features), -1)
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != len(x):
        raise InputError(f"{len(x)} rows of features but labels of shape {y.shape}")
    available: dict[Space, np.ndarray] = {"features": x, "neighbours": x}
    if is_image(features):  # images only: neighbour traffic after brightness/contrast normalisation
        available["normalised"] = x
    if representations is not None:
        reps = np.asarray(representations).reshape(len(representations), -1)
        if len(reps) != len(x):
            raise InputError(f"{len(reps)} rows of activations but {len(x)} rows of features")
        available["activations"] = reps
    chosen = tuple(spaces) if spaces is not None else tuple(sp for sp in DEFAULT_SPACES if sp in available)
    missing = [sp for sp in chosen if sp not in available]
    if missing or not chosen:
        raise InputError(f"spaces {missing or chosen} not available; given: {', '.join(available)}")
    for sp in chosen:
        if not np.isfinite(available[sp]).all():
            raise InputError(f"the {sp} hold NaN or infinite values; clean or impute them before the scan")
    values, codes = np.unique(y, return_inverse=True)
    groups = class_rows(codes)
    if len(groups) < 3:
        raise InputError("the calibrated scan needs at least three classes (the null is the other classes)")
    rng = np.random.default_rng(seed)
    tests = [t for sp in chosen if sp not in ("neighbours", "normalised")
             for t in class_tests(available[sp], groups, values, sp, dims=dims, axes=axes, boot=boot, rng=rng)]
    if "neighbours" in chosen:
        tests.extend(neighbour_tests(np.asarray(features), codes, groups, values, few_feature=few_feature,
                                     class_scaled=class_scaled))
    if "normalised" in chosen:
        tests.extend(normalised_tests(np.asarray(features), codes, groups, values))
    rows_of = {(v.item() if hasattr(v, "item") else v): rows for v, rows in zip(values, groups, strict=True)}
    findings = _findings(tests, rows_of, alpha, fdr)
    flagged = np.zeros(len(y), dtype=bool)
    for f in findings:
        flagged[list(f.rows)] = True
    return CalibratedScan(tuple(tests), findings, flagged, alpha, fdr)


def class_tests(x: np.ndarray, groups: Sequence[np.ndarray], values: np.ndarray, space: Space, *,
                dims: int, axes: int, boot: int, rng: np.random.Generator) -> list[ClassTest]:
    """One ``ClassTest`` per class of ``x`` ``(n, d)``; classes under 20 rows are skipped."""
    from scipy.stats import norm
    from scipy.stats import t as student

    reduced = _global_pca(x, dims)
    k = reduced.shape[1]
    covs = [np.cov(reduced[rows].T).reshape(k, k) * (len(rows) - 1) if len(rows) > 1 else np.zeros((k, k))
            for rows in groups]
    total = sum(len(rows) - 1 for rows in groups)
    found: list[tuple[int, float, float, np.ndarray, np.ndarray]] = []
    stats = np.full(len(groups), np.nan)
    for c, rows in enumerate(groups):
        if len(rows) < 20:
            continue
        s_eps = (sum(covs) - covs[c]) / max(total - (len(rows) - 1), 1)
        s_eps = s_eps + 1e-3 * float(np.trace(s_eps)) / k * np.eye(k)
        w, v = np.linalg.eigh(s_eps)
        z = (reduced[rows] - reduced[rows].mean(axis=0)) @ (v / np.sqrt(np.clip(w, 1e-12, None)))
        stat, proj = split_statistic(z, axes)
        cov = np.cov(z.T).reshape(k, k)
        chol = np.linalg.cholesky(cov + 1e-9 * float(np.trace(cov)) * np.eye(k))
        sims = [split_statistic(rng.standard_normal((len(rows), k)) @ chol.T, axes)[0] for _ in range(boot)]
        stats[c] = stat
        found.append((c, stat, float(np.mean(sims)), np.asarray(sims), proj))
    out = []
    for c, stat, _, sim_arr, proj in found:
        others = stats[np.isfinite(stats) & (np.arange(len(stats)) != c)]
        b_mean, b_sd = float(np.mean(sim_arr)), max(float(np.std(sim_arr, ddof=1)), 1e-6)
        p_boot = float(norm.sf((stat - b_mean) / b_sd))
        q_boot = b_mean + float(norm.ppf(0.99)) * b_sd
        if len(others) >= 2:
            o_mean, o_sd = float(np.mean(others)), max(float(np.std(others, ddof=1)), 1e-6)
            scale = o_sd * np.sqrt(1.0 + 1.0 / len(others))
            p_others = float(student.sf((stat - o_mean) / scale, df=len(others) - 1))
            q_others = o_mean + float(student.ppf(0.99, df=len(others) - 1)) * scale
        else:  # one other class: it cannot say how much T varies between clean classes
            o_mean, o_sd, p_others, q_others = float("nan"), float("nan"), 1.0, float("inf")
        label = values[c].item() if hasattr(values[c], "item") else values[c]
        out.append(ClassTest(label, space, len(groups[c]), stat, (o_mean, o_sd), (b_mean, b_sd),
                             max(q_boot, q_others), max(p_boot, p_others), minority_posterior(proj),
                             separation=stat))
    return out


def split_statistic(z: np.ndarray, axes: int) -> tuple[float, np.ndarray]:
    """``(T, projection)``: the largest Otsu ``d'`` over the top ``axes`` principal axes of ``z``
    ``(m, k)``, and the projection on the axis that gave it."""
    cov = np.cov(z.T).reshape(z.shape[1], z.shape[1])
    _, vectors = np.linalg.eigh(cov)
    best, best_proj = 0.0, z[:, -1] if z.shape[1] else np.zeros(len(z))
    for j in range(1, min(axes, z.shape[1]) + 1):
        proj = z @ vectors[:, -j]
        d = otsu_dprime(proj)
        if d > best:
            best, best_proj = d, proj
    return best, best_proj


def otsu_dprime(values: np.ndarray) -> float:
    """Gap between the means of Otsu's two groups over their pooled within-group standard deviation."""
    cut, _ = otsu(values)
    upper = values > cut
    if upper.all() or not upper.any():
        return 0.0
    within = (values[upper].var() * upper.sum() + values[~upper].var() * (~upper).sum()) / len(values)
    return float(abs(values[upper].mean() - values[~upper].mean()) / np.sqrt(max(within, 1e-12)))


def minority_posterior(proj: np.ndarray) -> np.ndarray:
    """Posterior of the smaller Otsu group under a two-Gaussian model of the projection (EM-refined)."""
    from scipy.stats import norm

    cut, _ = otsu(proj)
    upper = proj > cut
    if upper.all() or not upper.any():
        return np.zeros(len(proj))
    small = upper if upper.mean() <= 0.5 else ~upper
    resp = small.astype(np.float64)
    for _ in range(20):
        w = float(np.clip(resp.mean(), 1e-6, 1 - 1e-6))
        m1 = float(np.average(proj, weights=resp + 1e-12))
        m0 = float(np.average(proj, weights=1.0 - resp + 1e-12))
        s1 = np.sqrt(max(float(np.average((proj - m1) ** 2, weights=resp + 1e-12)), 1e-12))
        s0 = np.sqrt(max(float(np.average((proj - m0) ** 2, weights=1.0 - resp + 1e-12)), 1e-12))
        a = w * norm.pdf(proj, m1, s1)
        b = (1.0 - w) * norm.pdf(proj, m0, s0)
        resp = a / np.maximum(a + b, 1e-300)
    return resp


def neighbour_tests(x: np.ndarray, codes: np.ndarray, groups: Sequence[np.ndarray],
                    values: np.ndarray, *, few_feature: bool = False, class_scaled: bool = True) -> list[ClassTest]:
    """``ClassTest``s per class from the directional neighbour traffic (``poisoning.neighbours``);
    ``x`` keeps its sample shape (images are compared by Fourier magnitude). The traffic test's
    p-value is the largest of three nulls (symmetry, overdispersed symmetry, the geometry null of
    redrawn labels); on trimmed views a second test per class counts out-voted rows whose difference
    from their neighbours sits in a few features. Row posteriors come from ``neighbours.expand``
    (seeds: the out-voted rows)."""
    from scipy.stats import norm

    from mlsecure.poisoning.class_scale import class_scale
    from mlsecure.poisoning.neighbours import (
        MIN_PAIRS,
        content_view,
        expand,
        few_feature_p,
        geometry_null,
        graph_votes,
        neighbour_graph,
        traffic,
        traffic_p_values,
    )

    view, trim = content_view(x)
    flat = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    nearest, excess = neighbour_graph(view, wide=50, trim=trim)
    votes, _ = graph_votes(nearest, codes, len(groups), 10)
    t = traffic(votes, codes, len(groups))
    scale = class_scale(view, codes, len(groups)) if class_scaled else None
    geo_mean, geo_sd = geometry_null(nearest, codes, len(groups), rng=np.random.default_rng(0), scale=scale)
    few = few_feature and trim > 0
    sparse = few_feature_p(excess, votes, codes, len(groups)) if few else [(0.0, float("inf"), 1.0)] * len(groups)
    out = []
    # the geometry null covers natural one-way classes, so a one- or two-pair overdispersion is dropped
    for c, (stat, q99, p) in enumerate(traffic_p_values(t, [len(g) for g in groups], min_pairs=MIN_PAIRS)):
        rows = groups[c]
        if np.isfinite(q99):  # the geometry null: natural one-way classes and dependent votes
            z_geo = float((t.out[c] - t.inflow[c] - geo_mean[c]) / geo_sd[c])
            if float(norm.sf(z_geo)) > p:
                stat, p = z_geo, float(norm.sf(z_geo))
        posterior, sep = np.zeros(len(rows)), 0.0
        if min(p, sparse[c][2]) < 0.5:  # the view where the seeded sub-population stands out most
            seeds = votes[rows] != c
            posterior, sep = max((expand(v[rows], seeds) for v in {id(flat): flat, id(view): view}.values()),
                                 key=lambda pair: pair[1])
        label = values[c].item() if hasattr(values[c], "item") else values[c]
        out.append(ClassTest(label, "neighbours", len(rows), stat, (float(t.out[c]), float(t.inflow[c])),
                             (float(geo_mean[c]), float(geo_sd[c])), q99, p, posterior, test="traffic",
                             separation=sep, seeds=votes[rows] != c))
        if few:
            count, q_count, p_few = sparse[c]
            few_posterior, few_sep, few_seeds = posterior, sep, votes[rows] != c
            if p_few < 0.5:  # its own evidence seeds its rows: the out-voted rows beyond the reference cut
                ref = excess[(votes != codes) & (codes != c)]
                cut = float(np.quantile(ref, 0.99, method="higher")) if len(ref) else float("inf")
                few_seeds = (votes[rows] != c) & (excess[rows] > cut)
                if few_seeds.sum() < 3:
                    few_seeds = votes[rows] != c
                else:
                    few_posterior, few_sep = max(
                        (expand(v[rows], few_seeds) for v in {id(flat): flat, id(view): view}.values()),
                        key=lambda pair: pair[1])
            out.append(ClassTest(label, "neighbours", len(rows), count, (float(t.out[c]), float("nan")),
                                 (float("nan"), float("nan")), q_count, p_few, few_posterior, test="few-feature",
                                 separation=few_sep, seeds=few_seeds))
    return out


def row_source(tests: Sequence[ClassTest], rejected: Sequence[int], fdr: float = 0.05) -> int:
    """Which of a class's rejected tests (indices into ``tests``) gives its rows: the one whose flagged
    rows cover the largest share of the class's evidence, the union of the rejected tests' own seeds
    (rows out-voted in their views; ``evidence_coverage``); ties go to the smaller p-value. Where a
    space's few-feature test is rejected, it stands for that space and its traffic test does not compete.

    Why not the smallest p: the p-value says how sure a test is that the class holds poison, not how
    well its split delimits the poison. A blend is out-voted in the Fourier view too (small p), but
    only part of it (shared brightness makes blended rows each other's neighbours), and that expansion
    recalls fewer rows than the normalised view's: the rows it leaves out are still out-voted in the
    normalised view, i.e. evidence its split does not explain. Why not the mixture's own separation
    (``d'``): it saturates on clean splits and cannot see rows a split misses altogether (design seed 2
    of shapes-16x16x3, 5% patch: d' 10.2 vs 10.4, recall 1.00 vs 0.82)."""
    # within one space, a rejected few-feature test refines the traffic test's evidence (its seeds are
    # the out-voted rows whose difference sits in a few features; the traffic seeds add natural boundary
    # rows, on which a table's expansion can settle): it alone stands for that space
    refined = {tests[i].space for i in rejected if tests[i].test == "few-feature"}
    rejected = [i for i in rejected if not (tests[i].test == "traffic" and tests[i].space in refined)]
    evidence: np.ndarray | None = None
    for i in rejected:
        own = tests[i].seeds
        if own is not None:
            evidence = own.copy() if evidence is None else evidence | own
    if evidence is None or not evidence.any():
        return min(rejected, key=lambda i: tests[i].p_value)
    return max(rejected, key=lambda i: (evidence_coverage(flag_rows(tests[i].minority_posterior, fdr), evidence),
                                        -tests[i].p_value))


def evidence_coverage(flagged: np.ndarray, evidence: np.ndarray) -> float:
    """Share of the ``evidence`` rows (boolean, per row of a class) that ``flagged`` (row positions or a
    boolean mask) puts on the poisoned side; 0 without evidence."""
    mask = np.zeros(len(evidence), dtype=bool)
    mask[flagged] = True
    total = int(evidence.sum())
    return float((mask & evidence).sum() / total) if total else 0.0


def flag_rows(posterior: np.ndarray, fdr: float) -> np.ndarray:
    """Positions (into the class) of the rows flagged from a posterior: in increasing local
    false-discovery rate ``1 - posterior`` while the running mean stays ``<= fdr``."""
    lfdr = 1.0 - posterior
    order_rows = np.argsort(lfdr, kind="stable")
    if len(order_rows) == 0:
        return order_rows
    mean_lfdr = np.cumsum(lfdr[order_rows]) / np.arange(1, len(order_rows) + 1)
    keep: np.ndarray = order_rows[: int(np.sum(mean_lfdr <= fdr))] if mean_lfdr[0] <= fdr else order_rows[:0]
    return keep


def _findings(tests: Sequence[ClassTest], rows_of: dict[object, np.ndarray], alpha: float,
              fdr: float) -> tuple[ClassFinding, ...]:
    """Benjamini-Hochberg at ``alpha`` over every (class, space) test; a class with a rejected test is
    abnormal and its rows come from the rejected test chosen by ``row_source``."""
    order = sorted(range(len(tests)), key=lambda i: tests[i].p_value)
    m = len(tests)
    adjusted = np.ones(m)
    running = 1.0
    for rank in range(m, 0, -1):  # step-up: adjusted p = min over larger ranks of p * m / rank
        i = order[rank - 1]
        running = min(running, tests[i].p_value * m / rank)
        adjusted[i] = running
    rejected: dict[object, list[int]] = {}
    for i in order:
        if adjusted[i] < alpha:
            rejected.setdefault(tests[i].label, []).append(i)
    out = []
    for label, found in rejected.items():
        i = row_source(tests, found, fdr)
        t = tests[i]
        rows = rows_of[label]
        lfdr = 1.0 - t.minority_posterior
        keep = flag_rows(t.minority_posterior, fdr)
        out.append(ClassFinding(t.label, t.space, t.size, tuple(int(r) for r in np.sort(rows[keep])),
                                t.statistic, t.null_q99, float(adjusted[i]), float(lfdr[keep].sum()), t.test))
    return tuple(out)


def _global_pca(x: np.ndarray, dims: int) -> np.ndarray:
    """The rows on the top ``dims`` principal axes of all rows (float64); constant axes dropped.

    The axes come from the ``d x d`` covariance (``eigh``), far cheaper than an SVD of the rows."""
    xf = np.asarray(x, dtype=np.float64)
    centred = xf - xf.mean(axis=0)
    values, vectors = top_eigenvectors(centred.T @ centred / max(len(xf) - 1, 1), min(dims, xf.shape[1]))
    keep = values > 1e-9 * max(float(values[0]) if len(values) else 0.0, 1e-300)
    if not keep.any():
        raise InputError("every feature is constant: nothing to scan")
    out: np.ndarray = centred @ vectors[:, keep]
    return out
