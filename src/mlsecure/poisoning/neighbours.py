"""Directional label traffic between classes, from trimmed nearest neighbours in the input features.

Why: rows injected into a target class with another class's content (dirty-label backdoors, label
flips) sit among that other class's rows. Their neighbours vote for the other class, while the other
class's own rows keep their majority (the injected rows are a minority of the region). Natural class
overlap is two-way: rows of ``a`` that look like ``b`` come with rows of ``b`` that look like ``a``.
Poison makes the traffic one-way, OUT of the target class.

Per row, the vote of its ``k`` nearest neighbours (self excluded); the distance is a *trimmed*
squared distance: the largest ``trim`` share of per-feature squared differences is dropped, so a
trigger confined to a few features (a patch, two tabular columns) does not decide who the neighbours
are (candidates from the plain Euclidean nearest, re-ranked by the trimmed distance). The trim drops
the same number of differences for every pair, so two triggered rows (no trigger difference between
them) lose their largest content differences instead: on narrow tables they still prefer each other.
For class ``c``: ``out`` = rows labelled ``c`` whose majority is another class, ``in`` = rows of other
classes whose majority is ``c``. Three nulls, the most conservative wins (so adding one can only
remove flags):
* symmetry: ``out ~ Binomial(out + in, 1/2)`` (one-sided);
* overdispersed symmetry: ``z = (out - in) / sqrt(phi (out + in))``, normal, where ``phi`` is how much
  more asymmetric than binomial the OTHER classes' pairwise traffic is (``overdispersion``), since
  some datasets are asymmetric by nature (a compact class next to a diffuse one); where ``phi`` rests
  on fewer than ``MIN_PAIRS`` exchanging pairs and the geometry null is there, it is left out (a
  one-pair ``phi`` hid a 3% patch: one natural pair 6 vs 0 gave ``phi`` 6);
* geometry (``geometry_null``): labels redrawn from each row's 50-neighbour label shares, with a
  class dropped where it is under 15% of the neighbourhood or has under 2 rows of its own bulk among
  the row's 10 neighbours, and the votes recounted on the same graph: a class that is one-way by its
  own geometry (a two-blob or diffuse class at a boundary) is one-way in the null too, and the
  dependence between neighbouring votes is in its spread; injected rows (a thin population inside
  another class, away from the target's bulk) are not redrawn, so their traffic stays evidence. The
  shares are a plug-in (estimated from the labels they explain), so a parametric bootstrap of the
  procedure adds the plug-in's bias and spread to the null.
A second test per class on trimmed views (``few_feature_p``): the out-voted rows whose difference
from their neighbours sits in a few features (``log`` untrimmed / trimmed distance) beyond the 99th
percentile of the other classes' out-voted rows; a trigger on a few columns gives many. The count
is beta-binomial with the between-class dispersion of the other classes (``exceedance_dispersion``).
Images (``(n, C, H, W)``) are compared by the magnitude of their 2-D Fourier transform per channel,
which does not change when the object moves (generated shapes sit anywhere in the frame; raw-pixel
neighbours agree with the label on 73-77% of clean rows there, Fourier magnitudes on 99.4-99.7%), with
no trimming (a trigger is not sparse in frequency).

Rows (``expand``): the out-voted rows of a class are seeds, not the answer: poisoned rows that share
a trigger are each other's neighbours, so only part of them is out-voted, and natural boundary rows
are out-voted too. The direction that separates the seeds from the rest of the class (regularised
Fisher discriminant on the class's top principal axes, iterated from the rows it assigns) is where
the trigger lives; a two-Gaussian mixture along it gives each row's posterior of belonging to the
seeds' component (the poison count is the mixture's, not a quantile). Both the raw features and the
compared view are tried, with 5, 10, 20 and 50 axes; the most separated mixture wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.poisoning.class_scale import ClassScale, own_scale_eligible


@dataclass(frozen=True)
class Traffic:
    """Per class ``c`` (codes ``0..L-1``): rows of ``c`` voted elsewhere (``out``), rows voted into ``c``
    (``inflow``), and the whole label-by-vote count matrix."""

    out: np.ndarray  # (L,)
    inflow: np.ndarray  # (L,)
    confusion: np.ndarray  # (L, L): rows labelled a voted b


def neighbour_votes(x: np.ndarray, codes: np.ndarray, *, k: int = 10, trim: float = 0.15, work: float = 1.5e8,
                    block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(vote, own)``: the majority class code among each row's ``k`` trimmed-nearest neighbours (see
    the module docs) and the share of them that carry the row's own label."""
    nearest, _ = neighbour_graph(x, k=k, trim=trim, work=work, block=block)
    return graph_votes(nearest, codes, int(codes.max()) + 1, k)


def neighbour_graph(x: np.ndarray, *, k: int = 10, wide: int = 0, trim: float = 0.15, work: float = 1.5e8,
                    block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(nearest, excess)``: each row's ``max(k, wide)`` trimmed-nearest neighbours (self excluded),
    nearest first, and its few-feature excess ``log(untrimmed / trimmed)`` summed squared distance to
    its ``k`` nearest (0 without trimming): how much of the row's difference from its neighbours sits
    in a few features (a trigger on a few columns makes it large).

    The trimmed distance is computed to as many Euclidean-nearest candidates as ``work`` (element
    operations) allows, all rows on small tables: rows sharing a trigger are each other's Euclidean
    neighbours, so a short candidate list would hold only them. Untrimmed, Euclidean is exact."""
    xf = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    n, d = xf.shape
    k = min(k, n - 1)
    width = min(max(k, wide), n - 1)
    cand = width if trim <= 0.0 else int(np.clip(work / (n * d), max(width, 100), n - 1))
    keep = max(1, d - int(np.ceil(trim * d)))
    sq = np.einsum("ij,ij->i", xf, xf)
    nearest_all = np.empty((n, width), dtype=np.int64)
    excess = np.zeros(n)
    block = max(1, min(block, int(16e6 // (cand * d))))  # at most ~64 MB of differences at a time
    for start in range(0, n, block):
        xb = xf[start:start + block]
        dist = sq[start:start + block, None] + sq[None, :] - 2.0 * (xb @ xf.T)
        dist[np.arange(len(xb)), np.arange(start, start + len(xb))] = np.inf
        nearest = np.argpartition(dist, cand - 1, axis=1)[:, :cand]
        full = np.take_along_axis(dist, nearest, axis=1)
        if keep < d:
            diff = (xf[nearest] - xb[:, None, :]) ** 2
            ranked = np.partition(diff, keep - 1, axis=2)[:, :, :keep].sum(axis=2)
        else:
            ranked = full
        order = np.argsort(ranked, axis=1, kind="stable")[:, :width]
        nearest_all[start:start + len(xb)] = np.take_along_axis(nearest, order, axis=1)
        if keep < d:
            near_k = order[:, :k]
            untrimmed = np.maximum(np.take_along_axis(full, near_k, axis=1).sum(axis=1), 1e-12)
            trimmed = np.maximum(np.take_along_axis(ranked, near_k, axis=1).sum(axis=1), 1e-12)
            excess[start:start + len(xb)] = np.log(untrimmed / trimmed)
    return nearest_all, excess


def graph_votes(nearest: np.ndarray, codes: np.ndarray, n_classes: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(vote, own)`` from the first ``k`` columns of a neighbour graph (ties: the smaller code)."""
    counts = _label_counts(nearest[:, :k], codes, n_classes)
    return counts.argmax(axis=1), counts[np.arange(len(codes)), codes] / k


def _label_counts(nearest: np.ndarray, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n, L)`` int64: per row, how many of its ``nearest`` carry each label (one ``bincount``: the
    null recounts this ~900 times a scan, and ``np.add.at`` was most of its cost)."""
    cells = np.repeat(np.arange(len(nearest)) * n_classes, nearest.shape[1]) + codes[nearest].ravel()
    counts: np.ndarray = np.bincount(cells, minlength=len(nearest) * n_classes).reshape(len(nearest), n_classes)
    return counts


def traffic(votes: np.ndarray, codes: np.ndarray, n_classes: int) -> Traffic:
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (codes, votes), 1)
    diag = np.diag(confusion)
    return Traffic(confusion.sum(axis=1) - diag, confusion.sum(axis=0) - diag, confusion)


# The overdispersion ``phi`` is a mean of per-pair Pearson terms, each ~chi2(1) under its own null:
# resting on m pairs it is phi * chi2(m) / m, whose relative spread sqrt(2 / m) is 82% at m = 3 and
# 141% at m = 1. Below MIN_PAIRS pairs the estimate says little about how asymmetric clean pairs are,
# and a caller that has the geometry null (which models a class's natural one-wayness directly) drops
# the overdispersed null instead of trusting it (docs/poisoning.md, "How it decides", step 3).
MIN_PAIRS = 3


def traffic_p_values(t: Traffic, sizes: Sequence[int], min_size: int = 20,
                     min_pairs: int = 0) -> list[tuple[float, float, float]]:
    """Per class: ``(statistic z, null 99th percentile of z, p-value)``; classes under ``min_size``
    rows get ``p = 1`` (see the module docs for the two nulls). Where the overdispersion of the other
    classes rests on fewer than ``min_pairs`` exchanging pairs, the overdispersed null is left out (z
    is then the binomial one, ``phi = 1``): pass ``min_pairs`` only when another null (the geometry
    null) covers natural asymmetry."""
    from scipy.stats import binomtest, norm

    valid = np.asarray(sizes) >= min_size
    out = []
    for c in range(len(sizes)):
        total = int(t.out[c] + t.inflow[c])
        if not valid[c] or total == 0:
            out.append((0.0, float("inf"), 1.0))
            continue
        p_sym = float(binomtest(int(t.out[c]), total, 0.5, alternative="greater").pvalue)
        phi = overdispersion(t.confusion, c, valid) if exchanging_pairs(t.confusion, c, valid) >= min_pairs else 1.0
        z = float((t.out[c] - t.inflow[c]) / np.sqrt(phi * total))
        out.append((z, float(norm.ppf(0.99)), max(p_sym, float(norm.sf(z)))))
    return out


def geometry_null(nearest: np.ndarray, codes: np.ndarray, n_classes: int, *, k: int = 10, floor: float = 0.15,
                  draws: int = 100, outer: int = 40, inner: int = 20, rng: np.random.Generator | None = None,
                  scale: ClassScale | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, sd)`` per class of ``out - in`` under labels redrawn from a smoothed, truncated class
    posterior with the votes recounted on the SAME neighbour graph, calibrated by a second level of
    redrawing (the plug-in's own error).

    Why: majority votes favour the class that dominates a boundary, so a diffuse or two-blob class is
    out-voted more than it out-votes (one-way by nature), and neighbouring votes share rows (their
    counts are dependent). Redrawing labels puts both in the null. The posterior of row ``i`` is the
    label share among its ``nearest.shape[1]`` (wide) neighbours with every class under ``floor`` of
    them set to 0: a class is only drawn where it is a real part of the neighbourhood, so a thin
    population spread inside another class (injected rows: at most ~12% of their source's rows at a
    10% poison rate) is not reproduced by the null, while a natural boundary (where each class holds
    a fair share) is.

    The posterior is estimated from the same labels it then explains (a plug-in), and its truncation
    drops a diffuse class's own thin tails, so the plug-in mean of ``draws`` redraws is biased
    (``tabular-24``'s diffuse class 0: about +11 rows on every seed, 0.4-1.7 null sd) and its spread
    misses the posterior's estimation error. A parametric bootstrap of the whole procedure measures
    both: ``outer`` label sets are drawn from the posterior, each gets its own plug-in mean (from its
    own re-estimated posterior, ``inner`` redraws), and ``mean`` is the plug-in mean plus the average
    of ``out - in - plug-in mean`` over them, ``sd`` that residual's standard deviation (at least 1).

    ``scale`` (``class_scale.class_scale`` of the compared rows) also keeps a class wherever it holds
    its floor in its OWN spread and size (``class_scale.own_scale_eligible``): a clean class more
    diffuse or smaller than its neighbours is thin wherever it meets them, and dropping its tails
    there made its natural one-way traffic look like poison (session 6)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    cum = _posterior_cdf(nearest, codes, n_classes, k, floor, scale)
    plug_in = _redrawn_mean(nearest, cum, n_classes, k, draws, rng)
    residuals = np.empty((outer, n_classes))
    for b in range(outer):
        redrawn = _draw(cum, rng, n_classes)
        votes, _ = graph_votes(nearest, redrawn, n_classes, k)
        t = traffic(votes, redrawn, n_classes)
        own = _posterior_cdf(nearest, redrawn, n_classes, k, floor, scale)
        residuals[b] = t.out - t.inflow - _redrawn_mean(nearest, own, n_classes, k, inner, rng)
    return plug_in + residuals.mean(axis=0), np.maximum(residuals.std(axis=0, ddof=1), 1.0)


def _posterior_cdf(nearest: np.ndarray, codes: np.ndarray, n_classes: int, k: int, floor: float,
                   scale: ClassScale | None = None) -> np.ndarray:
    """Per row, the cumulative truncated label shares of its wide neighbourhood (``geometry_null``);
    with ``scale``, a class also survives the truncation where it holds its floor in its own units."""
    counts = _label_counts(nearest, codes, n_classes).astype(np.float64)
    share = counts / nearest.shape[1]
    top = share.argmax(axis=1)
    votes, _ = graph_votes(nearest, codes, n_classes, k)
    near = nearest[:, :k]
    cells = np.repeat(np.arange(len(codes)) * n_classes, k) + codes[near].ravel()  # neighbours that are their
    bulk_near = np.bincount(cells, weights=(votes[near] == codes[near]).ravel().astype(np.float64),  # class's bulk
                            minlength=len(codes) * n_classes).reshape(len(codes), n_classes)
    dropped = (share < floor) | (bulk_near < floor * k)
    if scale is not None:
        dropped &= ~own_scale_eligible(scale, codes, n_classes, k=k, wide=nearest.shape[1], floor=floor)
    share[dropped] = 0.0
    share[np.arange(len(share)), top] = np.maximum(share[np.arange(len(share)), top], 1e-12)
    if scale is not None:
        kept = ~dropped[np.arange(len(codes)), codes]
        share = match_class_totals(share, codes, n_classes, kept)
    cum: np.ndarray = np.cumsum(share / share.sum(axis=1, keepdims=True), axis=1)
    return cum


def match_class_totals(share: np.ndarray, codes: np.ndarray, n_classes: int, kept: np.ndarray, *,
                       rounds: int = 50, bound: float = 4.0) -> np.ndarray:
    """``share`` ``(n, L)`` times one weight per class, the weights chosen (iterative proportional
    fitting, each within ``[1 / bound, bound]``) so that over the ``kept`` rows (those whose own label
    the floor keeps at their place) each class's expected count, rows normalised to 1, is its count
    of kept rows.

    Why: a neighbour share under-counts a diffuse class (its rows are few other rows' neighbours:
    the shares of a class 2 x as spread summed to 134 for its 200 rows, spread-2 probe, seed 6), so
    labels redrawn from the shares hold too few of its rows where it meets other classes, and its
    natural one-way traffic exceeds the null. The totals are the class's rows that the floor keeps
    at their own place: rows injected into a class are dropped there and left out of both sides, so
    they neither raise their class's total nor lend their place to the class they sit in."""
    totals = np.bincount(codes[kept], minlength=n_classes).astype(np.float64)
    weight = np.ones(share.shape[1])
    for _ in range(rounds):
        post = share[kept] * weight
        post /= np.maximum(post.sum(axis=1, keepdims=True), 1e-300)
        expected = post.sum(axis=0)
        weight = np.clip(weight * np.where(expected > 0, totals / np.maximum(expected, 1e-300), 1.0),
                         1.0 / bound, bound)
    out: np.ndarray = share * weight
    return out


def _draw(cum: np.ndarray, rng: np.random.Generator, n_classes: int) -> np.ndarray:
    drawn: np.ndarray = np.minimum((cum < rng.random((len(cum), 1))).sum(axis=1), n_classes - 1)
    return drawn


def _redrawn_mean(nearest: np.ndarray, cum: np.ndarray, n_classes: int, k: int, draws: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Mean ``out - in`` per class over ``draws`` label sets drawn from ``cum``."""
    total = np.zeros(n_classes)
    for _ in range(draws):
        redrawn = _draw(cum, rng, n_classes)
        votes, _ = graph_votes(nearest, redrawn, n_classes, k)
        t = traffic(votes, redrawn, n_classes)
        total += t.out - t.inflow
    return total / draws


def few_feature_p(excess: np.ndarray, votes: np.ndarray, codes: np.ndarray, n_classes: int, *,
                  level: float = 0.99, min_rows: int = 20) -> list[tuple[float, float, float]]:
    """Per class: ``(count, null 99th percentile of the count, p-value)`` of its out-voted rows whose
    few-feature excess (``neighbour_graph``) is above the ``level`` quantile of the OTHER classes'
    out-voted rows.

    Why: a trigger on a few columns (the trimmed view ignores it) puts rows of other classes into the
    target class; they are out-voted like natural boundary rows, but differ from their neighbours in
    a few features far more. The reference is matched (out-voted rows, natural boundary rows of the
    other classes), so a class's own geometry does not decide. Classes spread differently, so one
    class's exceedance rate varies around the reference's by more than a binomial allows (a clean
    held-out table had 10 exceedances where the binomial's 99th percentile was 5): the count is
    beta-binomial, mean the conformal exceedance probability of the reference quantile, intra-class
    correlation ``rho`` from the other classes (``exceedance_dispersion``: each counted against the
    classes other than itself and ``c``, so rows injected into ``c`` do not inflate it)."""
    out = []
    seeds = votes != codes
    for c in range(n_classes):
        others = [b for b in range(n_classes) if b != c]
        count, size, p0 = _exceedances(excess, seeds, codes, c, others, level)
        if size < 3 or int(np.sum(seeds & (codes != c))) < min_rows or not np.any(excess):
            out.append((0.0, float("inf"), 1.0))
            continue
        rho = exceedance_dispersion(
            [_exceedances(excess, seeds, codes, b, [a for a in others if a != b], level) for b in others])
        dist = _count_null(size, p0, rho)
        out.append((float(count), float(dist.ppf(0.99)), float(dist.sf(count - 1))))
    return out


def exceedance_dispersion(counts: Sequence[tuple[int, int, float]]) -> float:
    """Moment estimate of the beta-binomial intra-class correlation from ``(count, size, p)`` per
    class: ``sum[(k - n p)^2 - n p (1 - p)] / sum[n (n - 1) p (1 - p)]``, clipped to ``[0, 0.5]``
    (0: binomial; the variance of a count is ``n p (1 - p) (1 + (n - 1) rho)``)."""
    num = den = 0.0
    for k, n, p in counts:
        if n < 2:
            continue
        num += (k - n * p) ** 2 - n * p * (1.0 - p)
        den += n * (n - 1) * p * (1.0 - p)
    return float(np.clip(num / den, 0.0, 0.5)) if den > 0 else 0.0


def _count_null(size: int, p0: float, rho: float) -> Any:
    """The count's null: Binomial(size, p0) when ``rho == 0``, else beta-binomial with that mean and
    intra-class correlation (``a = p0 (1 - rho) / rho``, ``b = (1 - p0) (1 - rho) / rho``)."""
    from scipy.stats import betabinom, binom

    if rho <= 0.0:
        return binom(size, p0)
    return betabinom(size, p0 * (1.0 - rho) / rho, (1.0 - p0) * (1.0 - rho) / rho)


def _exceedances(excess: np.ndarray, seeds: np.ndarray, codes: np.ndarray, c: int, reference: Sequence[int],
                 level: float) -> tuple[int, int, float]:
    """``(count, size, p0)``: class ``c``'s out-voted rows above the ``level`` quantile of the
    ``reference`` classes' out-voted rows, how many out-voted rows ``c`` has, and the conformal
    exceedance probability ``(#ref above + 1) / (#ref + 1)``."""
    ref = excess[seeds & np.isin(codes, list(reference))]
    mine = excess[seeds & (codes == c)]
    if len(ref) == 0:
        return 0, 0, 1.0
    cut = float(np.quantile(ref, level, method="higher"))
    return int((mine > cut).sum()), len(mine), (int((ref > cut).sum()) + 1) / (len(ref) + 1)


def exchanging_pairs(confusion: np.ndarray, c: int, valid: np.ndarray) -> int:
    """How many pairs of classes other than ``c`` exchange rows (``n_ab + n_ba > 0``): the degrees of
    freedom ``overdispersion``'s estimate rests on."""
    keep = np.flatnonzero(valid & (np.arange(len(confusion)) != c))
    sub = confusion[np.ix_(keep, keep)]
    upper = np.triu_indices(len(keep), k=1)
    return int(np.count_nonzero((sub[upper] + sub.T[upper]) > 0))


def overdispersion(confusion: np.ndarray, c: int, valid: np.ndarray) -> float:
    """How much more asymmetric than binomial the traffic among the classes other than ``c`` is: the
    Pearson statistic of their pairs, ``sum (n_ab - n_ba)^2 / (n_ab + n_ba)`` over the pairs that
    exchange rows, per pair (1 under symmetry); at least 1."""
    keep = np.flatnonzero(valid & (np.arange(len(confusion)) != c))
    sub = confusion[np.ix_(keep, keep)].astype(np.float64)
    upper = np.triu_indices(len(keep), k=1)
    ab, ba = sub[upper], sub.T[upper]
    used = (ab + ba) > 0
    if not used.any():
        return 1.0
    return max(1.0, float(np.mean((ab[used] - ba[used]) ** 2 / (ab[used] + ba[used]))))


def content_view(x: np.ndarray) -> tuple[np.ndarray, float]:
    """``(rows, trim)``: the view the neighbours compare. Images ``(n, C, H, W)`` with ``H, W >= 4``:
    per-channel 2-D Fourier magnitudes, untrimmed; anything else: the flattened features, trim 0.15."""
    arr = np.asarray(x)
    if arr.ndim == 4 and min(arr.shape[2:]) >= 4:
        mag = np.abs(np.fft.rfft2(arr.astype(np.float32), axes=(2, 3)))
        return mag.reshape(len(arr), -1).astype(np.float32), 0.0
    return arr.reshape(len(arr), -1).astype(np.float32), 0.15


def expand(z: np.ndarray, seeds: np.ndarray, dims: Sequence[int] = (5, 10, 20, 50),
           rounds: int = 10) -> tuple[np.ndarray, float]:
    """``(posterior, d')``: per row of one class ``z`` ``(m, d)``, the posterior of the seeds'
    component along the seeds' Fisher direction on the class's top principal axes (see the module
    docs), and how far apart the two components are. The rows with posterior > 1/2 seed the next of
    ``rounds``; of the axis counts ``dims`` the one giving the largest ``d'`` wins (too few axes miss
    the trigger, too many let the mixture settle on a natural split). Zeros when there are fewer than
    3 seeds or 3 other rows."""
    centred = z - z.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    best: tuple[np.ndarray, float] = (np.zeros(len(z)), 0.0)
    for k in sorted({min(d, vt.shape[0], len(z) - 1) for d in dims}):
        r = centred @ vt[:k].T
        resp, sep = np.zeros(len(z)), 0.0
        current = seeds.copy()
        for _ in range(rounds):
            if current.sum() < 3 or (~current).sum() < 3:
                break
            proj = r @ _fisher(r, current)
            resp = _two_gaussians(proj, current)
            following = resp > 0.5
            sep = _separation(proj, following)
            if np.array_equal(following, current):
                break
            current = following
        if sep > best[1]:
            best = (resp, sep)
    return best


def _fisher(r: np.ndarray, group: np.ndarray) -> np.ndarray:
    a, b = r[group], r[~group]
    k = r.shape[1]
    pooled = (np.cov(a.T).reshape(k, k) * (len(a) - 1) + np.cov(b.T).reshape(k, k) * (len(b) - 1)) / (len(r) - 2)
    pooled += 1e-3 * float(np.trace(pooled)) / k * np.eye(k)
    w: np.ndarray = np.linalg.solve(pooled, a.mean(axis=0) - b.mean(axis=0))
    return w


def _two_gaussians(proj: np.ndarray, start: np.ndarray, iters: int = 30) -> np.ndarray:
    """EM for a two-Gaussian mixture on ``proj`` started from the split ``start``; the posterior of
    ``start``'s component."""
    from scipy.stats import norm

    resp = start.astype(np.float64)
    for _ in range(iters):
        pi = float(np.clip(resp.mean(), 1e-6, 1 - 1e-6))
        m1, m0 = (float(np.average(proj, weights=q + 1e-12)) for q in (resp, 1.0 - resp))
        s1, s0 = (np.sqrt(max(float(np.average((proj - m) ** 2, weights=q + 1e-12)), 1e-12))
                  for m, q in ((m1, resp), (m0, 1.0 - resp)))
        p1 = pi * norm.pdf(proj, m1, s1)
        p0 = (1.0 - pi) * norm.pdf(proj, m0, s0)
        resp = p1 / np.maximum(p1 + p0, 1e-300)
    return resp


def _separation(proj: np.ndarray, group: np.ndarray) -> float:
    """``d'`` of a split of a projection: gap of the means over the pooled within-group sd."""
    if group.sum() < 2 or (~group).sum() < 2:
        return 0.0
    within = (proj[group].var() * group.sum() + proj[~group].var() * (~group).sum()) / len(proj)
    return float(abs(proj[group].mean() - proj[~group].mean()) / np.sqrt(max(within, 1e-12)))
