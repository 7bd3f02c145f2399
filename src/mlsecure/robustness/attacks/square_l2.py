"""The L2 update of the Square Attack (Andriushchenko et al. 2020, arXiv:1912.00049, Algorithm 3).

Follows the reference ``square.py`` of AutoAttack: initialisation by a grid of ``h // 5`` pseudo-Gaussian
blocks with random signs, normalised onto the ``eps`` sphere; each iteration moves the perturbation mass
of a second random window into a first one (a fresh signed pseudo-Gaussian block plus the old content),
rescaled so the total stays at radius ``eps``. Images ``(c, h, w)`` with ``h, w >= 5``; flat inputs whose
length is a perfect square are viewed as one-channel square images.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mlsecure.robustness.attacks.interface import AttackError
from mlsecure.robustness.attacks.ops import Tensor


def image_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(c, h, w)`` for a sample shape, or an ``AttackError`` when no square view exists."""
    if len(shape) == 3:
        return shape[0], shape[1], shape[2]
    if len(shape) == 2:
        return 1, shape[0], shape[1]
    d = math.prod(shape)
    r = math.isqrt(d)
    if r * r == d and r >= 5:
        return 1, r, r
    raise AttackError(f"Square L2 needs image inputs (c, h, w) with h, w >= 5; got sample shape {shape}")


def square_l2(x: Tensor, eps: float, queries: int, p_init: float, loss_of: Callable[[Tensor, Tensor], Tensor],
              clamp: Callable[[Tensor], Tensor], p_selection: Callable[[float, int, int], float],
              gen: object) -> Tensor:
    """Run the L2 Square Attack on images ``x`` ``(n, c, h, w)``; ``loss_of(v, idx)`` is the margin (> 0: robust)."""
    import torch

    n, c, h, w = x.shape
    if h < 5 or w < 5:
        raise AttackError("Square L2 needs images of at least 5x5")

    def signs(shape: tuple[int, ...]) -> Tensor:
        return torch.randint(0, 2, shape, generator=gen, device=x.device).to(x.dtype) * 2 - 1  # type: ignore[call-overload]

    def normalise(v: Tensor) -> Tensor:
        return v / v.flatten(1).norm(dim=1).clamp_min(1e-12).reshape(-1, 1, 1, 1)

    def randint(hi_: int) -> int:
        return int(torch.randint(0, max(hi_, 1), (1,), generator=gen, device=x.device))  # type: ignore[call-overload]

    delta = torch.zeros_like(x)
    s = h // 5
    sp = (h - s * 5) // 2
    for i in range(h // s):
        vh = sp + i * s
        for j in range(w // s):
            vw = sp + j * s
            delta[:, :, vh : vh + s, vw : vw + s] += _eta(s, x, gen).reshape(1, 1, s, s) * signs((n, c, 1, 1))
    best = clamp(x + normalise(delta) * eps)
    every = torch.arange(n, device=x.device)
    loss_min = loss_of(best, every)
    n_features = c * h * w
    for it in range(queries - 1):
        idx = (loss_min > 0).nonzero().squeeze(1)
        if len(idx) == 0:
            break
        xc, bc = x[idx], best[idx]
        dc = bc - xc
        p = p_selection(p_init, it, queries)
        s = max(round(math.sqrt(p * n_features / c)), 3)
        s = min(s + (s % 2 == 0), h - 1, w - 1)
        vh, vw, vh2, vw2 = randint(h - s), randint(w - s), randint(h - s), randint(w - s)
        mask = torch.zeros_like(xc[:1])
        mask[:, :, vh : vh + s, vw : vw + s] = 1.0
        mask2 = torch.zeros_like(mask)
        mask2[:, :, vh2 : vh2 + s, vw2 : vw2 + s] = 1.0
        norm_w1 = dc[:, :, vh : vh + s, vw : vw + s].pow(2).sum(dim=(-2, -1), keepdim=True).sqrt()
        norm_img = dc.pow(2).sum(dim=(-3, -2, -1), keepdim=True).sqrt()
        norm_ws = (dc * torch.maximum(mask, mask2)).pow(2).sum(dim=(-2, -1), keepdim=True).sqrt()
        new = _eta(s, x, gen).reshape(1, 1, s, s) * signs((len(idx), c, 1, 1))
        new = new + dc[:, :, vh : vh + s, vw : vw + s] / (1e-12 + norm_w1)
        budget = ((eps**2 - norm_img**2).clamp_min(0) / c + norm_ws**2).sqrt()
        new = new / new.pow(2).sum(dim=(-2, -1), keepdim=True).sqrt().clamp_min(1e-12) * budget
        dc = dc.clone()
        dc[:, :, vh2 : vh2 + s, vw2 : vw2 + s] = 0.0
        dc[:, :, vh : vh + s, vw : vw + s] = new
        cand = clamp(xc + normalise(dc) * eps)
        loss_new = loss_of(cand, idx)
        improved = loss_new < loss_min[idx]
        loss_min[idx] = torch.where(improved, loss_new, loss_min[idx])
        best[idx[improved]] = cand[improved]
    return best


def _rectangles(a: int, b: int) -> Tensor:
    import torch

    delta = torch.zeros((a, b))
    xc, yc = a // 2 + 1, b // 2 + 1
    c0, c1 = xc - 1, yc - 1
    for k in range(max(xc, yc)):
        delta[max(c0, 0) : min(c0 + 2 * k + 1, a), max(c1, 0) : min(c1 + 2 * k + 1, b)] += 1.0 / (k + 1) ** 2
        c0 -= 1
        c1 -= 1
    return delta / delta.pow(2).sum().sqrt()


def _eta(s: int, like: Tensor, gen: object) -> Tensor:
    """The reference's meta pseudo-Gaussian block: two opposite-signed halves, randomly transposed."""
    import torch

    delta = torch.zeros((s, s))
    delta[: s // 2] = _rectangles(s // 2, s)
    delta[s // 2 :] = -_rectangles(s - s // 2, s)
    delta = delta / delta.pow(2).sum().sqrt()
    if float(torch.rand((1,), generator=gen, device=like.device)) > 0.5:  # type: ignore[call-overload]
        delta = delta.t()
    return delta.to(device=like.device, dtype=like.dtype)
