"""Square Attack (L-inf and L2): score-based black-box random search with square-shaped updates.

Andriushchenko, Croce, Flammarion & Hein 2020, "Square Attack: a query-efficient black-box adversarial
attack via random search", ECCV, arXiv:1912.00049 (Algorithm 1 and the L-inf update of Algorithm 2),
following the reference ``square.py`` of AutoAttack: vertical-stripe initialisation, the ``p_init``
schedule rescaled to the query budget, margin loss on the model's scores, one window position per
iteration shared by the batch, each sample stops once it is fooled.

Threat model: black-box; needs only ``predict_proba`` (log-probabilities stand in for logits, which leaves
the margin's sign and the search unchanged). Images ``(c, h, w)`` use square windows; flat feature vectors
``(d,)`` use contiguous windows of ``s * s`` features. The L2 update lives in ``square_l2``.
"""

from __future__ import annotations

from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import Norm, Tensor, margin
from mlsecure.robustness.victim import Victim


class Square(Attack):
    """Square Attack, L-inf or L2; ``queries`` is the per-sample budget (5000 in AutoAttack ``standard``)."""

    name = "square"
    norms = frozenset({"linf", "l2"})  # no l1 update here
    white_box = False

    def __init__(self, *, eps: float, norm: Norm = "linf", queries: int = 1000, p_init: float = 0.8,
                 batch_size: int = 512, seed: int = 0) -> None:
        super().__init__(eps=eps, norm=norm, batch_size=batch_size, seed=seed)
        if queries < 1:
            raise AttackError(f"Square needs queries >= 1, got {queries}")
        self.queries, self.p_init = int(queries), float(p_init)

    def __repr__(self) -> str:
        return f"Square(eps={self.eps}, queries={self.queries}, p_init={self.p_init})"

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        import torch

        eps = float(self.eps or 0.0)
        gen = self.generator
        shape = x.shape
        img = x.reshape(_as_image(shape))
        n, c, h, w = img.shape
        flat = h == 1
        lo = img - eps if victim.lo is None else torch.maximum(img - eps, victim.lo.reshape(1, c, h, w))
        hi = img + eps if victim.hi is None else torch.minimum(img + eps, victim.hi.reshape(1, c, h, w))

        def loss_of(v: Tensor, idx: Tensor) -> Tensor:
            s = victim.scores(v.reshape((len(v), *shape[1:])))
            return margin(s, y[idx]) if target is None else -margin(s, target[idx])

        if self.norm == "l2":
            from mlsecure.robustness.attacks.square_l2 import image_shape, square_l2

            img2 = x.reshape((len(x), *image_shape(tuple(shape[1:]))))

            def clamp2(v: Tensor) -> Tensor:
                return victim.clamp(v.reshape((len(v), *shape[1:]))).reshape(v.shape)

            return square_l2(img2, eps, self.queries, self.p_init, loss_of, clamp2, _p_selection, gen).reshape(shape)

        stripes = torch.randint(0, 2, (n, c, 1, w), generator=gen, device=x.device).to(x.dtype) * 2 - 1
        best = torch.minimum(torch.maximum(img + eps * stripes, lo), hi)
        all_idx = torch.arange(n, device=x.device)
        loss_min = loss_of(best, all_idx)
        n_features = c * h * w
        for it in range(self.queries - 1):
            idx = (loss_min > 0).nonzero().squeeze(1)
            if len(idx) == 0:
                break
            p = _p_selection(self.p_init, it, self.queries)
            s = max(round((p * n_features / c) ** 0.5), 1)
            if flat:
                sh, sw = 1, min(s * s, w - 1) if w > 1 else 1
            else:
                sh = sw = min(s, h - 1) if h > 1 else 1
            vh = int(torch.randint(0, h - sh + 1, (1,), generator=gen, device=x.device))
            vw = int(torch.randint(0, w - sw + 1, (1,), generator=gen, device=x.device))
            signs = torch.randint(0, 2, (len(idx), c, 1, 1), generator=gen, device=x.device).to(x.dtype) * 2 - 1
            cand = best[idx].clone()
            cand[:, :, vh : vh + sh, vw : vw + sw] += 2 * eps * signs
            cand = torch.minimum(torch.maximum(cand, lo[idx]), hi[idx])
            loss_new = loss_of(cand, idx)
            improved = loss_new < loss_min[idx]
            loss_min[idx] = torch.where(improved, loss_new, loss_min[idx])
            best[idx[improved]] = cand[improved]
        return best.reshape(shape)


def _as_image(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    n = shape[0]
    if len(shape) == 4:
        return n, shape[1], shape[2], shape[3]
    if len(shape) == 3:
        return n, 1, shape[1], shape[2]
    d = 1
    for s in shape[1:]:
        d *= s
    return n, 1, 1, d


def _p_selection(p_init: float, it: int, n_iters: int) -> float:
    """The piecewise-constant schedule of the reference code, rescaled to a 10 000-query budget."""
    i = int(it / n_iters * 10000)
    for bound, div in ((8000, 512), (6000, 256), (4000, 128), (2000, 64), (1000, 32), (500, 16), (200, 8),
                       (50, 4), (10, 2)):
        if i > bound:
            return p_init / div
    return p_init
