"""Output hardening against extraction and inversion: noise, top-k, rounding, labels only.

Order (each step post-processes the previous one): calibrated noise on the probability vector
(Laplace scale ``b`` or Gaussian ``sigma``; clipped at 0 and renormalised; with ``preserve_top1`` the
model's arg-max is kept so accuracy is unchanged and only the confidences are blurred — the
prediction-poisoning idea of Orekondy et al., arXiv:1906.10908, in its simplest form), then top-k
truncation, then rounding (the guide's "output quantization"). Label utility is exact by
construction; what an extraction or inversion attack sees is coarser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.serving.config import OutputConfig


@dataclass(frozen=True)
class OutputPolicy:
    cfg: OutputConfig

    def apply(self, proba: np.ndarray, labels: list[Any], rng: np.random.Generator, *,
              top1: np.ndarray | None = None) -> list[dict[str, Any]]:
        """``proba`` ``(n, k)`` -> one JSON-able prediction per row (``top1``: ``proba.argmax(1)`` if known)."""
        cfg = self.cfg
        if top1 is None:
            top1 = proba.argmax(axis=1)
        noisy = cfg.noise != "none"
        p = add_noise(proba, cfg.noise, cfg.noise_scale, rng, preserve_top1=cfg.preserve_top1) if noisy else proba
        if cfg.labels_only:
            return [{"label": labels[i]} for i in top1.tolist()]
        order = np.argsort(-p, axis=1, kind="stable")
        if cfg.preserve_top1 and noisy:
            # without noise the stable sort of -p already starts with argmax's (first maximal) index (a NaN
            # row differs, but NaN is never answered: the canonical JSON of the response refuses it)
            order = _move_to_front(order, top1)
        k = p.shape[1] if cfg.top_k <= 0 else min(cfg.top_k, p.shape[1])
        order = order[:, :k]
        probs = p[np.arange(len(p))[:, None], order]
        if cfg.decimals >= 0:
            probs = probs.round(cfg.decimals)
        return [{"label": labels[idx[0]], "top": [{"label": labels[j], "probability": q}
                                                 for j, q in zip(idx, row, strict=True)]}
                for idx, row in zip(order.tolist(), probs.tolist(), strict=True)]


    def apply_rows(self, rows: list[list[float]], labels: list[Any], top1: list[int]) -> list[dict[str, Any]]:
        """``apply`` for a few rows of plain floats without noise (the common answer: one row of a few classes),
        in Python: the same predictions as ``apply(np.asarray(rows), ...)``, with none of its ~15 numpy calls on
        one-row arrays. ``top1``: each row's first maximal index (``argmax``). Rows with noise configured, or
        rounding to more than 15 decimals, are refused (``ValueError``): ``apply`` handles them."""
        cfg = self.cfg
        if cfg.noise != "none" or cfg.decimals > 15:
            raise ValueError("apply_rows answers rows without noise, rounded to at most 15 decimals")
        if cfg.labels_only:
            return [{"label": labels[i]} for i in top1]
        decimals = cfg.decimals
        scale = float(10 ** decimals)
        out = []
        for row in rows:
            width = len(row)
            k = width if cfg.top_k <= 0 else min(cfg.top_k, width)
            if k == 1:
                order = [max(range(width), key=row.__getitem__)]  # the first maximal index, as argsort's first
            else:
                order = sorted(range(width), key=_descending(row))[:k]  # stable, as argsort(-p, kind="stable")
            top = []
            for j in order:
                q = row[j]
                if decimals >= 0 and q != 0.0:  # numpy's round: rint(q * 10**d) / 10**d (half to even); 0.0 and
                    q = round(q * scale) / scale  # -0.0 stay as they are, as rint keeps their sign
                top.append({"label": labels[j], "probability": q})
            out.append({"label": labels[order[0]], "top": top})
        return out

def _descending(row: list[float]) -> Any:
    """The sort key of ``argsort(-row)``."""
    return lambda j: -row[j]


def add_noise(proba: np.ndarray, kind: str, scale: float, rng: np.random.Generator, *,
              preserve_top1: bool) -> np.ndarray:
    """Add zero-mean Laplace(``b=scale``) or Gaussian(``sigma=scale``) noise, clip at 0, renormalise rows.

    With ``preserve_top1`` the row's original arg-max is swapped back to the top if the noise moved it.
    """
    if kind == "laplace":
        noise = rng.laplace(0.0, scale, size=proba.shape)
    elif kind == "gaussian":
        noise = rng.normal(0.0, scale, size=proba.shape)
    else:
        raise ValueError(f"unknown noise kind {kind!r}")
    p = np.clip(proba + noise, 0.0, None)
    sums = p.sum(axis=1, keepdims=True)
    p = np.where(sums > 0, p / np.where(sums > 0, sums, 1.0), 1.0 / proba.shape[1])
    if preserve_top1:
        rows = np.arange(len(p))
        want, got = proba.argmax(axis=1), p.argmax(axis=1)
        moved = want != got
        if moved.any():
            r = rows[moved]
            hi, lo = p[r, got[moved]].copy(), p[r, want[moved]].copy()
            p[r, want[moved]], p[r, got[moved]] = hi, lo
        # a tie at the top (a row the noise clipped to all zeros comes back uniform) would still let
        # arg-max pick another class: lift the original top class just above the others
        others = p.copy()
        others[rows, want] = -np.inf
        best_other = others.max(axis=1)
        tied = p[rows, want] <= best_other
        if tied.any():
            r = rows[tied]
            p[r, want[tied]] = best_other[tied] + 1e-6
            p[r] /= p[r].sum(axis=1, keepdims=True)
    return p


def _move_to_front(order: np.ndarray, top1: np.ndarray) -> np.ndarray:
    """Ensure ``top1`` is first in each row of ``order`` (ties after noise/rounding)."""
    if (order[:, 0] == top1).all():
        return order
    out = order.copy()
    for i in np.nonzero(order[:, 0] != top1)[0]:
        rest = [j for j in order[i] if j != top1[i]]
        out[i] = [top1[i], *rest]
    return out
