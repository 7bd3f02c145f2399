"""Model-inversion audit (OWASP ML03, ATLAS AML.T0024.001): can an attacker reconstruct what a class's
training data looks like from the model alone?

Attack (Fredrikson, Jha, Ristenpart, "Model Inversion Attacks that Exploit Confidence Information",
CCS 2015): for each class ``c`` find ``x* = argmax_{x in [lo, hi]^d} s_c(x) - lambda ||x - x0||^2
- tau TV(x)`` where ``s_c`` is the class score (``logit``: ``z_c(x)``, the guide's section 9; or
``log_softmax``: ``log p_c(x)``), ``x0`` the mid-range start and ``TV`` the anisotropic total
variation over the last two axes of an image-shaped input. White-box: projected Adam on torch
gradients. Black-box (any ``Model``): the same ascent on ``log p_c`` with the gradient estimated by
antithetic Gaussian sampling (NES; Ilyas et al., arXiv:1804.08598), ``2 * samples`` queries per class
per step.

Measurement, per class ``c`` with training rows ``X_c`` (flattened ``(n_c, d)``) and mean ``m_c``:
``corr_mean = pearson(x*, m_c)``; ``identified`` when ``m_c`` is the class mean most correlated with
``x*`` (chance ``1/k``); ``leak = (D_rand - D(x*)) / (D_rand - D(m_c))`` where ``D(v)`` is the
Euclidean distance from ``v`` to its nearest row of ``X_c`` and ``D_rand`` that of uniform random
inputs: 0 is no closer than noise, 1 as close as the class average itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mlsecure.check import ProgressCallback
from mlsecure.errors import InputError, require
from mlsecure.findings import Figure, Series
from mlsecure.models.interface import DifferentiableModel, Model
from mlsecure.privacy.inference.extraction import single_thread

Objective = Literal["logit", "log_softmax"]


def invert_white_box(model: DifferentiableModel, bounds: tuple[float, float], *, classes: np.ndarray | None = None,
                     objective: Objective = "logit", steps: int = 300, lr: float = 0.05, l2: float = 1e-3,
                     tv: float = 0.0, seed: int = 0) -> np.ndarray:
    """Reconstructions ``(len(classes), *input_shape)`` inside ``bounds``; all classes optimised as one batch."""
    require("torch", "torch")  # loaded before single_thread() so its thread count is limited too
    with single_thread():
        return _invert_white_box(model, bounds, classes=classes, objective=objective, steps=steps, lr=lr, l2=l2,
                                 tv=tv, seed=seed)


def _invert_white_box(model: DifferentiableModel, bounds: tuple[float, float], *, classes: np.ndarray | None,
                      objective: Objective, steps: int, lr: float, l2: float, tv: float, seed: int) -> np.ndarray:
    torch = require("torch", "torch")
    lo, hi = bounds
    cls = np.arange(model.n_classes) if classes is None else np.asarray(classes, dtype=np.int64)
    shape = (len(cls), *model.input_shape)
    gen = torch.Generator().manual_seed(seed)
    x0 = torch.full(shape, (lo + hi) / 2, dtype=torch.float32)
    x = (x0 + 0.01 * (hi - lo) * torch.randn(shape, generator=gen)).clamp(lo, hi).to(model.device)
    x0 = x0.to(model.device)
    x.requires_grad_(True)
    index = torch.as_tensor(cls, device=model.device)
    opt = torch.optim.Adam([x], lr=lr * (hi - lo))
    for _ in range(steps):
        opt.zero_grad()
        z = model.logits(x)
        if objective == "log_softmax":
            z = torch.log_softmax(z, dim=1)
        score = z.gather(1, index[:, None]).squeeze(1)
        loss = -score.sum() + l2 * ((x - x0) ** 2).flatten(1).sum(1).sum()
        if tv > 0 and x.dim() >= 3:
            loss = loss + tv * (x.diff(dim=-1).abs().sum() + x.diff(dim=-2).abs().sum())
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(lo, hi)
    out: np.ndarray = x.detach().cpu().numpy().astype(np.float32)
    return out


def invert_black_box(model: Model, bounds: tuple[float, float], *, classes: np.ndarray | None = None,
                     steps: int = 100, samples: int = 20, sigma: float = 0.05, lr: float = 0.05,
                     l2: float = 1e-3, seed: int = 0) -> tuple[np.ndarray, int]:
    """NES ascent on ``log p_c(x) - l2 ||x - x0||^2``; returns reconstructions and the queries spent."""
    lo, hi = bounds
    rng = np.random.default_rng(seed)
    cls = np.arange(model.n_classes) if classes is None else np.asarray(classes, dtype=np.int64)
    k, shape = len(cls), tuple(model.input_shape)
    d = int(np.prod(shape))
    x0 = np.full((k, d), (lo + hi) / 2)
    x = np.clip(x0 + 0.01 * (hi - lo) * rng.normal(size=(k, d)), lo, hi)
    m, v = np.zeros_like(x), np.zeros_like(x)
    b1, b2, queries = 0.9, 0.999, 0
    step = lr * (hi - lo)
    for t in range(1, steps + 1):
        u = rng.normal(size=(k, samples, d))
        probes = np.concatenate([x[:, None] + sigma * (hi - lo) * u, x[:, None] - sigma * (hi - lo) * u], axis=1)
        p = model.predict_proba(probes.reshape(-1, *shape).astype(np.float32)).reshape(k, 2 * samples, -1)
        queries += k * 2 * samples
        f = np.log(np.clip(np.take_along_axis(p, cls[:, None, None], axis=2)[..., 0], 1e-30, None))  # (k, 2q)
        diff = f[:, :samples] - f[:, samples:]
        g = (diff[..., None] * u).mean(axis=1) / (2 * sigma * (hi - lo)) - 2 * l2 * (x - x0)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = np.clip(x + step * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8), lo, hi)
    return x.reshape(k, *shape).astype(np.float32), queries


@dataclass(frozen=True)
class ClassInversion:
    label: object  # the original label value
    corr_mean: float  # Pearson correlation of the reconstruction with the class mean
    corr_nearest: float  # best correlation with one training row of the class
    random_corr_mean: float  # the same for a uniform random input (baseline)
    identified: bool  # own class mean is the most correlated of all class means
    leak: float  # (D_rand - D(x*)) / (D_rand - D(mean)), nearest-row distances
    confidence: float  # the model's probability of the class on the reconstruction


@dataclass(frozen=True)
class InversionAudit:
    classes: tuple[ClassInversion, ...]
    method: str  # "white-box (gradients)" or "black-box (NES, N queries)"
    queries: int
    seconds: float
    reconstructions: np.ndarray  # (k, *input_shape)

    @property
    def identified_share(self) -> float:
        return float(np.mean([c.identified for c in self.classes]))

    @property
    def mean_corr(self) -> float:
        return float(np.mean([c.corr_mean for c in self.classes]))

    @property
    def mean_leak(self) -> float:
        return float(np.mean([c.leak for c in self.classes]))

    def metrics(self) -> dict[str, object]:
        out: dict[str, object] = {
            "method": self.method, "classes": len(self.classes),
            "identified_share": round(self.identified_share, 4), "chance_share": round(1 / len(self.classes), 4),
            "mean_corr_with_class_mean": round(self.mean_corr, 4),
            "mean_random_corr_with_class_mean": round(float(np.mean([c.random_corr_mean for c in self.classes])), 4),
            "mean_leak": round(self.mean_leak, 4), "queries": self.queries, "seconds": round(self.seconds, 2),
        }
        for c in self.classes:
            out[f"corr_mean_class_{c.label}"] = round(c.corr_mean, 4)
        return out

    def figure(self) -> Figure:
        x = tuple(float(i) for i in range(len(self.classes)))
        return Figure(
            title="Model inversion: similarity of each reconstruction to its class mean",
            x_label="class", y_label="correlation with the class's mean training sample", kind="bar",
            series=(Series("reconstruction", x, tuple(c.corr_mean for c in self.classes)),
                    Series("random input", x, tuple(c.random_corr_mean for c in self.classes))))


def audit_inversion(model: Model, x_train: np.ndarray, y_train: np.ndarray, *, labels: np.ndarray | None = None,
                    bounds: tuple[float, float] | None = None, objective: Objective = "logit",
                    steps: int = 300, l2: float = 1e-3, tv: float = 0.0, black_box_steps: int = 100,
                    max_classes: int = 20, seed: int = 0, progress: ProgressCallback | None = None) -> InversionAudit:
    """Invert every class the data has rows of and score the reconstructions against the data.

    ``x_train`` ``(n, *input_shape)``; ``y_train`` ``(n,)`` encoded column indices; ``labels`` the
    original label value per column (for reporting). ``bounds`` defaults to ``model.clip_values``,
    else the data's global min/max. Uses gradients when the model is a ``DifferentiableModel``.
    At most ``max_classes`` classes are inverted (the most frequent ones).
    """
    t0 = time.perf_counter()
    report = progress or (lambda task, fraction: None)
    flat = x_train.reshape(len(x_train), -1).astype(np.float64)
    if len(flat) == 0 or len(flat) != len(y_train):
        raise InputError(f"inversion needs matching rows and labels, got {len(flat)} and {len(y_train)}")
    if bounds is None:
        bounds = model.clip_values or (float(flat.min()), float(flat.max()))
    lo, hi = float(bounds[0]), float(bounds[1])
    if not hi > lo:
        raise InputError(f"inversion needs an input range with max > min, got {bounds}")
    present, counts = np.unique(y_train, return_counts=True)
    present = np.sort(present[np.argsort(-counts, kind="stable")[:max_classes]])
    report("inversion: optimising inputs", 0.0)
    if isinstance(model, DifferentiableModel):
        recon = invert_white_box(model, (lo, hi), classes=present, objective=objective, steps=steps, l2=l2,
                                 tv=tv, seed=seed)
        method, queries = "white-box (gradients)", 0
    else:
        recon, queries = invert_black_box(model, (lo, hi), classes=present, steps=black_box_steps, l2=l2,
                                          seed=seed)
        method = f"black-box (NES, {queries} queries)"
    report("inversion: scoring reconstructions", 0.8)
    r = recon.reshape(len(present), -1).astype(np.float64)
    rng = np.random.default_rng(seed + 1)
    rand = rng.uniform(lo, hi, (8, flat.shape[1]))
    means = np.stack([flat[y_train == c].mean(axis=0) for c in present])
    corr_all = _corr(r, means)  # (k, k): reconstruction i vs class mean j
    rand_corr = _corr(rand, means).mean(axis=0)  # (k,)
    conf = model.predict_proba(recon.astype(np.float32))[np.arange(len(present)), present]
    out = []
    for i, c in enumerate(present):
        rows = flat[y_train == c]
        d_rec = _nearest(r[i:i + 1], rows)[0]
        d_mean = _nearest(means[i:i + 1], rows)[0]
        d_rand = float(_nearest(rand, rows).mean())
        leak = (d_rand - d_rec) / (d_rand - d_mean) if d_rand > d_mean else 0.0
        label = labels[c].item() if labels is not None and hasattr(labels[c], "item") else \
            (labels[c] if labels is not None else int(c))
        out.append(ClassInversion(label, float(corr_all[i, i]), float(_corr(r[i:i + 1], rows).max()),
                                  float(rand_corr[i]), bool(corr_all[i].argmax() == i), float(leak),
                                  float(conf[i])))
    report("inversion", 1.0)
    return InversionAudit(tuple(out), method, queries, time.perf_counter() - t0, recon)


def _corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``a`` ``(m, d)`` with each row of ``b`` ``(n, d)``: ``(m, n)``."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    out: np.ndarray = (a @ b.T) / np.maximum(na * nb.T, 1e-12)
    return out


def _nearest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance from each row of ``a`` to its nearest row of ``b``."""
    sq = (a**2).sum(axis=1)[:, None] - 2 * a @ b.T + (b**2).sum(axis=1)[None, :]
    out: np.ndarray = np.sqrt(np.clip(sq, 0.0, None)).min(axis=1)
    return out


@dataclass(frozen=True)
class AttributeInference:
    """Fredrikson et al. 2014 ("Privacy in Pharmacogenetics", USENIX Security) attribute inference.

    The attacker knows a record's other features and its label ``y`` and guesses the hidden column
    ``j`` as ``argmax_v  p_model(y | x_{-j}, x_j = v) * prior(v)`` over the column's candidate values
    ``v`` (its distinct values, or 10 quantiles when it has more than 20). ``accuracy`` is the share of
    records guessed right (for quantiles: the candidate nearest the true value); ``baseline`` the best
    guess without the model (the most common candidate).
    """

    column: int
    column_name: str
    candidates: int
    accuracy: float
    baseline: float
    records: int

    @property
    def advantage(self) -> float:
        return self.accuracy - self.baseline


def infer_attribute(model: Model, x: np.ndarray, y: np.ndarray, column: int, *, column_name: str = "",
                    max_records: int = 2000, seed: int = 0) -> AttributeInference:
    """Guess column ``column`` of ``x`` ``(n, d)`` (flat features) from the model's confidence in ``y``
    (encoded column indices); ``n * candidates`` queries."""
    flat = x.reshape(len(x), -1)
    if not 0 <= column < flat.shape[1]:
        raise InputError(f"attribute column {column} is out of range for {flat.shape[1]} features")
    rng = np.random.default_rng(seed)
    pick = rng.permutation(len(flat))[:max_records]
    rows, labels = flat[pick].astype(np.float32), np.asarray(y)[pick]
    values = np.unique(flat[:, column])
    if len(values) > 20:
        values = np.unique(np.quantile(flat[:, column], np.linspace(0.05, 0.95, 10)))
    truth = np.abs(rows[:, column][:, None] - values[None, :]).argmin(axis=1)  # nearest candidate
    prior = np.bincount(np.abs(flat[:, column][:, None] - values[None, :]).argmin(axis=1),
                        minlength=len(values)) / len(flat)
    probes = np.repeat(rows[:, None], len(values), axis=1)  # (n, v, d)
    probes[:, :, column] = values[None, :]
    shape = tuple(model.input_shape)
    p = model.predict_proba(probes.reshape(-1, *shape)).reshape(len(rows), len(values), -1)
    like = np.take_along_axis(p, labels[:, None, None], axis=2)[..., 0]  # (n, v): p(y | x_-j, v)
    guess = (like * prior[None, :]).argmax(axis=1)
    return AttributeInference(column, column_name or str(column), len(values), float((guess == truth).mean()),
                              float((truth == prior.argmax()).mean()), len(rows))
