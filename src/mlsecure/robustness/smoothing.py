"""Certified L2 robustness by Gaussian randomized smoothing: ``certify``, ``predict``, ``certified_accuracy``.

Cohen, Rosenfeld & Kolter 2019, "Certified Adversarial Robustness via Randomized Smoothing", ICML,
arXiv:1902.02918. From any base classifier ``f`` build the smoothed classifier

    g(x) = argmax_c P(f(x + delta) = c),   delta ~ N(0, sigma^2 I).

Theorem 1: if the top class ``c_A`` has probability ``p_A`` and ``p_A_lower <= p_A``, ``p_A_lower > 1/2``,
then ``g(x + d) = c_A`` for every ``||d||_2 < R = sigma * Phi^-1(p_A_lower)``. ``certify`` is the paper's
CERTIFY (Algorithm 1 / ``core.py``): pick ``c_A`` from ``n0`` noisy samples, estimate ``p_A`` from ``n``
fresh ones, lower-bound it with a one-sided ``(1 - alpha)`` Clopper-Pearson interval; abstain when the bound
is not above 1/2. With probability at least ``1 - alpha`` over the noise, a returned (class, radius) is
correct for ``g``. ``predict`` is PREDICT: the top two counts from ``n`` samples and a two-sided binomial
test at level ``alpha``; it returns a class that differs from ``g(x)`` with probability at most ``alpha``.

Threat model: an adversary who may move the input anywhere in the L2 ball of radius ``R`` against the
*smoothed* classifier ``g`` (not the base ``f``, which stays as attackable as before). The certificate is a
statement about ``g`` only; serving ``f`` alone gains nothing from it.

Noisy inputs are **not** clipped to the model's ``clip_values`` (``clip_noise=False``), as in the paper.
Clipping inside is still sound (it defines another base classifier ``f o clip``, which Theorem 1 covers),
but then the certified ``g`` is that other classifier, and the deployed one must clip the same way.

Shapes: ``x`` is ``(m, *input_shape)`` (one sample of ``input_shape`` is promoted to ``m = 1``); counts are
``(m, n_classes)``; predictions, radii and bounds are ``(m,)``. Class indices are the model's output
columns; ``ABSTAIN = -1``. Sampling is vectorised: noise is drawn in batches of ``batch_size`` rows that may
span several points (on the model's device for torch models), and votes are counted with ``bincount``.
Torch models on CPU with at most 4096 input features run with one intra-op thread while sampling (restored
afterwards), as ``evaluate_robustness`` does: tiny batches only contend for threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.errors import InputError, require
from mlsecure.models.interface import DifferentiableModel, Model, as_batch, encode_labels, predict_labels
from mlsecure.models.wrap import as_model
from mlsecure.stats import clopper_pearson_lower as clopper_pearson_lower  # re-exported (smoothing API)

ABSTAIN = -1
"""The class index returned where the smoothed classifier abstains."""

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Certificate:
    """CERTIFY's output for ``m`` points. ``radius`` is 0 where ``prediction == ABSTAIN``.

    ``counts`` are the estimation counts (the ``n`` samples), ``p_lower`` the one-sided ``1 - alpha``
    Clopper-Pearson lower bound on ``p_A`` of the selected class (also where it abstained).
    """

    prediction: np.ndarray
    radius: np.ndarray
    p_lower: np.ndarray
    counts: np.ndarray
    sigma: float
    n0: int
    n: int
    alpha: float

    @property
    def abstain_rate(self) -> float:
        return float(np.mean(self.prediction == ABSTAIN)) if len(self.prediction) else float("nan")

    @property
    def max_radius(self) -> float:
        """The largest radius ``n`` samples can certify: every sample votes ``c_A``."""
        return max_certifiable_radius(self.sigma, self.n, self.alpha)


def certify(model: Any, x: np.ndarray, *, sigma: float, n0: int = 100, n: int = 100_000, alpha: float = 0.001,
            batch_size: int = 1000, seed: int = 0, clip_noise: bool = False,
            progress: Progress | None = None) -> Certificate:
    """CERTIFY of Cohen et al. (arXiv:1902.02918, Algorithm 1) for each row of ``x``.

    ``model``: a ``Model`` adapter (torch, scikit-learn, ONNX, callable) or an object ``as_model`` wraps.
    ``sigma``: noise standard deviation in model input units. ``n0``: selection samples; ``n``: estimation
    samples; ``alpha``: failure probability per point. ``seed`` seeds one generator for both phases (the two
    phases use disjoint draws, as the algorithm requires). ``clip_noise``: clip noisy inputs to the model's
    ``clip_values`` (see the module docstring; off in the paper).
    """
    sampler = _Sampler(model, sigma=sigma, batch_size=batch_size, seed=seed, clip_noise=clip_noise)
    _check_budget(n0=n0, n=n, alpha=alpha)
    xb = _as_points(sampler.model, x)
    report = _phases(progress, "Randomized smoothing: certify", (n0, n), len(xb))
    selected = sampler.counts(xb, n0, report[0]).argmax(axis=1)
    counts = sampler.counts(xb, n, report[1])
    n_a = counts[np.arange(len(xb)), selected]
    p_lower = clopper_pearson_lower(n_a, n, alpha)
    certified = p_lower > 0.5  # Cohen et al. abstain when pA_lower < 1/2; at exactly 1/2 nothing is certified
    radius = np.where(certified, sigma * _norm_ppf(np.where(certified, p_lower, 0.5)), 0.0)
    prediction = np.where(certified, selected, ABSTAIN).astype(np.int64)
    return Certificate(prediction, radius.astype(np.float64), p_lower, counts, float(sigma), n0, n, float(alpha))


def predict(model: Any, x: np.ndarray, *, sigma: float, n: int = 100_000, alpha: float = 0.001,
            batch_size: int = 1000, seed: int = 0, clip_noise: bool = False,
            progress: Progress | None = None) -> np.ndarray:
    """PREDICT of Cohen et al. (arXiv:1902.02918, Algorithm 2): ``(m,)`` class indices or ``ABSTAIN``.

    Counts the top two classes ``n_A >= n_B`` over ``n`` noisy samples and returns the top one only when the
    two-sided binomial test of ``n_A`` successes in ``n_A + n_B`` trials against ``p = 1/2`` rejects at
    ``alpha``; the answer then differs from ``g(x)`` with probability at most ``alpha``.
    """
    sampler = _Sampler(model, sigma=sigma, batch_size=batch_size, seed=seed, clip_noise=clip_noise)
    _check_budget(n0=1, n=n, alpha=alpha)
    xb = _as_points(sampler.model, x)
    counts = sampler.counts(xb, n, _phases(progress, "Randomized smoothing: predict", (n,), len(xb))[0])
    order = np.argsort(-counts, axis=1, kind="stable")
    rows = np.arange(len(xb))
    n_a = counts[rows, order[:, 0]]
    n_b = counts[rows, order[:, 1]] if counts.shape[1] > 1 else np.zeros_like(n_a)
    p_value = binomial_test_half(n_a, n_a + n_b)
    return np.where(p_value <= alpha, order[:, 0], ABSTAIN).astype(np.int64)


def binomial_test_half(k: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Two-sided binomial-test p-value of ``k`` successes in ``trials`` against ``p = 1/2``, elementwise.

    For ``p = 1/2`` the null is symmetric, so the p-value is ``min(1, 2 * P(X <= min(k, trials - k)))``; equals
    ``scipy.stats.binomtest(k, trials, 0.5).pvalue``. ``trials = 0`` gives 1.
    """
    from scipy.stats import binom

    k_arr, t_arr = np.asarray(k, dtype=np.float64), np.asarray(trials, dtype=np.float64)
    tail = binom.cdf(np.minimum(k_arr, t_arr - k_arr), t_arr, 0.5)
    out: np.ndarray = np.where(t_arr > 0, np.minimum(1.0, 2.0 * tail), 1.0)
    return out


def max_certifiable_radius(sigma: float, n: int, alpha: float) -> float:
    """``sigma * Phi^-1(alpha^(1/n))``: the radius when all ``n`` samples vote for ``c_A`` (the cap ``n`` sets)."""
    return float(sigma * _norm_ppf(np.asarray(alpha ** (1.0 / n))))


def certified_accuracy(certificate: Certificate, y: np.ndarray, radii: Sequence[float]) -> np.ndarray:
    """Fraction of points whose prediction equals the label ``y`` (column indices) with radius ``>= r``, per ``r``.

    The paper's "approximate certified test set accuracy" (Section 4): abstentions and errors count as not
    certified. ``(len(radii),)``.
    """
    ok = certificate.prediction == np.asarray(y)
    return np.array([float(np.mean(ok & (certificate.radius >= r))) if len(ok) else float("nan") for r in radii])


@dataclass(frozen=True)
class CertifiedEvaluation:
    """Dataset-level results of ``evaluate_certified``. Accuracies are fractions of all ``n_samples``.

    ``ci`` holds two-sided 95% Clopper-Pearson intervals on each certified accuracy (over the choice of test
    points, not the Monte-Carlo noise, which ``alpha`` covers). ``average_radius`` is the ACR of Zhai et al.
    2020 (arXiv:2001.02378): mean radius, 0 for wrong or abstained points; ``median_radius`` is the median of
    the same per-point radii, i.e. the radius at which certified accuracy crosses one half.
    """

    certificate: Certificate
    labels: np.ndarray
    radii: tuple[float, ...]
    accuracy: tuple[float, ...]
    ci: tuple[tuple[float, float], ...]
    base_accuracy: float  # the base classifier f on the clean inputs
    smoothed_accuracy: float  # certified accuracy at radius 0 (correct and not abstained)
    average_radius: float
    median_radius: float

    @property
    def n_samples(self) -> int:
        return len(self.labels)

    def at(self, radius: float) -> float:
        """Certified accuracy at any radius (computed from the per-point radii, not only the grid)."""
        return float(certified_accuracy(self.certificate, self.labels, [radius])[0])


def evaluate_certified(model: Any, x: np.ndarray, y: np.ndarray, *, sigma: float, radii: Sequence[float],
                       n0: int = 100, n: int = 100_000, alpha: float = 0.001, batch_size: int = 1000,
                       seed: int = 0, clip_noise: bool = False, progress: Progress | None = None
                       ) -> CertifiedEvaluation:
    """``certify`` every row of ``x`` and summarise against labels ``y`` (class values or column indices)."""
    from mlsecure.stats import clopper_pearson

    adapter = as_model(model)
    xb = _as_points(adapter, x)
    labels = encode_labels(adapter, np.asarray(y))
    cert = certify(adapter, xb, sigma=sigma, n0=n0, n=n, alpha=alpha, batch_size=batch_size, seed=seed,
                   clip_noise=clip_noise, progress=progress)
    if len(labels) != len(cert.prediction):
        raise InputError(f"{len(cert.prediction)} inputs but {len(labels)} labels")
    grid = tuple(float(r) for r in radii)
    acc = certified_accuracy(cert, labels, grid)
    m = len(labels)
    ci = tuple(clopper_pearson(round(a * m), m) for a in acc)
    per_point = np.where(cert.prediction == labels, cert.radius, 0.0)
    base = predict_labels(adapter, xb, batch_size=batch_size)
    return CertifiedEvaluation(
        certificate=cert, labels=labels, radii=grid, accuracy=tuple(float(a) for a in acc), ci=ci,
        base_accuracy=float(np.mean(base == labels)) if m else float("nan"),
        smoothed_accuracy=float(np.mean(cert.prediction == labels)) if m else float("nan"),
        average_radius=float(per_point.mean()) if m else float("nan"),
        median_radius=float(np.median(per_point)) if m else float("nan"))


def train_with_noise(module: Any, x: np.ndarray, y: np.ndarray, *, sigma: float, epochs: int = 100,
                     lr: float = 1e-2, batch_size: int = 256, seed: int = 0) -> Any:
    """Train a torch classifier (logits out) on Gaussian-augmented inputs ``x + N(0, sigma^2 I)``, in place.

    Cohen et al. (Section 4) train the base classifier with noise of the same ``sigma`` used to certify;
    smoothing a classifier that never saw noise gives tiny radii and low accuracy under noise. Adam, fresh
    noise every step, ``y`` as integer class indices. Returns the module in ``eval()`` mode.
    """
    torch = require("torch", "torch")
    if sigma < 0:
        raise InputError(f"sigma must be >= 0, got {sigma}")
    gen = torch.Generator().manual_seed(seed)
    xt = torch.tensor(np.asarray(x), dtype=torch.float32)  # a copy: read-only arrays are fine
    yt = torch.tensor(np.asarray(y), dtype=torch.long)
    device = next(iter(module.parameters())).device
    xt, yt = xt.to(device), yt.to(device)
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=gen).to(device)
        for start in range(0, len(xt), batch_size):
            idx = order[start:start + batch_size]
            noise = torch.randn(xt[idx].shape, generator=gen).to(device) * sigma
            opt.zero_grad()
            torch.nn.functional.cross_entropy(module(xt[idx] + noise), yt[idx]).backward()
            opt.step()
    return module.eval()


class _Sampler:
    """Draws noisy copies of points in batches and counts the base classifier's votes."""

    def __init__(self, model: Any, *, sigma: float, batch_size: int, seed: int, clip_noise: bool) -> None:
        if not (np.isfinite(sigma) and sigma > 0):
            raise InputError(f"sigma must be a finite number > 0, got {sigma!r}")
        if batch_size < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}")
        self.model: Model = as_model(model)
        self.sigma, self.batch_size = float(sigma), int(batch_size)
        self.clip = self.model.clip_values if clip_noise else None
        if clip_noise and self.clip is None:
            raise InputError("clip_noise=True but the model declares no clip_values")
        self.torch_model = self.model if isinstance(self.model, DifferentiableModel) else None
        if self.torch_model is not None:
            import torch

            self.gen: Any = torch.Generator(device=self.torch_model.device).manual_seed(seed)
        else:
            self.gen = np.random.default_rng(seed)

    def counts(self, x: np.ndarray, num: int, report: Callable[[float], None]) -> np.ndarray:
        """``(m, n_classes)`` vote counts of ``num`` noisy samples per point."""
        if self.torch_model is not None:
            return self._counts_torch(self.torch_model, x, num, report)
        return self._counts_numpy(x, num, report)

    def _counts_torch(self, model: DifferentiableModel, x: np.ndarray, num: int,
                      report: Callable[[float], None]) -> np.ndarray:
        import torch

        m, c = len(x), model.n_classes
        xt = torch.as_tensor(x, dtype=torch.float32, device=model.device)
        votes = torch.zeros((m, c), dtype=torch.int64, device=model.device)
        # Small inputs on CPU: per-batch work is tiny and extra intra-op threads only contend (measured 9x more
        # CPU time with 2 threads than 1 on the digits MLP); evaluate_robustness makes the same choice.
        small = model.device.type == "cpu" and int(np.prod(x.shape[1:])) <= 4096
        threads = torch.get_num_threads()
        if small:
            torch.set_num_threads(1)
        try:
            return self._torch_loop(model, xt, votes, num, report)
        finally:
            torch.set_num_threads(threads)

    def _torch_loop(self, model: DifferentiableModel, xt: Any, votes: Any, num: int,
                    report: Callable[[float], None]) -> np.ndarray:
        import torch

        c, total = int(votes.shape[1]), int(votes.shape[0]) * num
        with torch.inference_mode():
            for start in range(0, total, self.batch_size):
                stop = min(start + self.batch_size, total)
                first, last = start // num, (stop - 1) // num
                noisy = torch.randn((stop - start, *xt.shape[1:]), generator=self.gen, device=model.device)
                noisy.mul_(self.sigma)
                if first == last:  # the batch belongs to one point: broadcast it
                    noisy.add_(xt[first])
                else:  # the batch spans points first..last (small num): gather each row's point
                    point = torch.arange(start, stop, device=model.device) // num - first
                    noisy.add_(xt[first : last + 1][point])
                if self.clip is not None:
                    noisy.clamp_(self.clip[0], self.clip[1])
                pred = model.logits(noisy).argmax(dim=1)
                if first == last:
                    votes[first] += torch.bincount(pred, minlength=c)
                else:
                    span = last + 1 - first
                    votes[first : last + 1] += torch.bincount(point * c + pred, minlength=span * c).reshape(span, c)
                report(stop / total)
        out: np.ndarray = votes.cpu().numpy()
        return out

    def _counts_numpy(self, x: np.ndarray, num: int, report: Callable[[float], None]) -> np.ndarray:
        m, c = len(x), self.model.n_classes
        total = m * num
        xf = x.astype(np.float64)
        votes = np.zeros((m, c), dtype=np.int64)
        for start in range(0, total, self.batch_size):
            stop = min(start + self.batch_size, total)
            first, last = start // num, (stop - 1) // num
            point = np.arange(start, stop) // num - first
            noisy = self.sigma * self.gen.standard_normal((stop - start, *x.shape[1:]))
            noisy += xf[first] if first == last else xf[first : last + 1][point]
            if self.clip is not None:
                np.clip(noisy, self.clip[0], self.clip[1], out=noisy)
            pred = np.asarray(self.model.predict_proba(noisy)).argmax(axis=1)
            span = last + 1 - first
            votes[first : last + 1] += np.bincount(point * c + pred, minlength=span * c).reshape(span, c)
            report(stop / total)
        return votes


def _as_points(model: Model, x: np.ndarray) -> np.ndarray:
    """``x`` as ``(m, *input_shape)`` finite values; one sample of ``input_shape`` becomes ``m = 1``."""
    x = np.asarray(x)
    if x.shape == model.input_shape:
        x = x[None]
    if x.ndim == 0:
        raise InputError("inputs must be an array of samples, got a scalar")
    x = as_batch(x, model.input_shape)
    if not np.all(np.isfinite(x)):
        raise InputError("inputs contain NaN or infinite values")
    return x


def _check_budget(*, n0: int, n: int, alpha: float) -> None:
    if n0 < 1 or n < 1:
        raise InputError(f"n0 and n must be >= 1, got n0={n0}, n={n}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}")


def _phases(progress: Progress | None, task: str, sizes: tuple[int, ...], m: int
            ) -> tuple[Callable[[float], None], ...]:
    """One fraction reporter per phase, mapping each phase's progress onto the whole task."""
    if progress is None or m == 0:
        return tuple(_ignore for _ in sizes)
    total = float(sum(sizes))
    offsets = np.concatenate([[0.0], np.cumsum(sizes)[:-1]]) / total
    out = tuple(_phase(progress, task, float(o), s / total) for o, s in zip(offsets, sizes, strict=True))
    progress(task, 0.0)
    return out


def _phase(progress: Progress, task: str, offset: float, share: float) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        progress(task, offset + share * fraction)

    return report


def _ignore(fraction: float) -> None:
    del fraction


def _norm_ppf(p: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    out: np.ndarray = norm.ppf(p)
    return out
