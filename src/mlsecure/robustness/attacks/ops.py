"""Pure tensor math shared by the attacks: norms, projections, losses.

Shapes: ``x``/``delta`` are ``(n, *sample_shape)``; per-sample quantities are ``(n,)``. Everything
runs on the tensors' own device; nothing here converts to numpy.
"""

from __future__ import annotations

from typing import Any, Literal

Norm = Literal["linf", "l2", "l1"]
NORMS: tuple[Norm, ...] = ("linf", "l2", "l1")

Tensor = Any  # torch.Tensor; torch is an optional dependency, typed loosely on purpose


def view_b(v: Tensor, like: Tensor) -> Tensor:
    """Reshape a ``(n,)`` vector so it broadcasts against ``like`` of shape ``(n, *shape)``."""
    return v.reshape((-1,) + (1,) * (like.ndim - 1))


def norm_of(delta: Tensor, norm: Norm) -> Tensor:
    """Per-sample ``||delta||_p``, shape ``(n,)``."""
    flat = delta.flatten(1)
    if norm == "linf":
        return flat.abs().amax(dim=1)
    if norm == "l2":
        return flat.norm(p=2, dim=1)
    return flat.abs().sum(dim=1)


def project(delta: Tensor, eps: Tensor | float, norm: Norm) -> Tensor:
    """Euclidean projection of each ``delta`` onto the ``norm`` ball of radius ``eps`` (scalar or ``(n,)``)."""
    import torch

    if norm == "linf":
        if isinstance(eps, torch.Tensor):
            e = view_b(eps, delta)
            return torch.maximum(torch.minimum(delta, e), -e)
        return delta.clamp(-eps, eps)
    if norm == "l2":
        n = norm_of(delta, "l2")
        e = eps if isinstance(eps, torch.Tensor) else torch.full_like(n, float(eps))
        factor = torch.where(n > e, e / n.clamp_min(1e-12), torch.ones_like(n))
        return delta * view_b(factor, delta)
    return _project_l1(delta, eps)


def _project_l1(delta: Tensor, eps: Tensor | float) -> Tensor:
    """Projection onto the L1 ball by sorting (Duchi et al. 2008, "Efficient projections onto the l1-ball")."""
    import torch

    flat = delta.flatten(1)
    n, d = flat.shape
    e = eps if isinstance(eps, torch.Tensor) else torch.full((n,), float(eps), device=flat.device, dtype=flat.dtype)
    a = flat.abs()
    inside = a.sum(dim=1) <= e
    mu, _ = a.sort(dim=1, descending=True)
    cssv = mu.cumsum(dim=1) - e[:, None]
    ind = torch.arange(1, d + 1, device=flat.device, dtype=flat.dtype)
    cond = mu - cssv / ind > 0
    rho = (cond * ind).amax(dim=1).clamp_min(1)  # last index where the condition holds
    theta = cssv.gather(1, (rho - 1).long()[:, None]).squeeze(1) / rho
    proj = flat.sign() * (a - theta[:, None]).clamp_min(0)
    # a - theta cancels catastrophically in float32 when eps << |delta|: rescale onto the sphere exactly
    pn = proj.abs().sum(dim=1, keepdim=True)
    proj = torch.where(pn > e[:, None], proj * (e[:, None] / pn.clamp_min(1e-30)), proj)
    out = torch.where(inside[:, None], flat, proj)
    return out.reshape(delta.shape)


def steepest_step(grad: Tensor, norm: Norm, *, l1_sparsity: float = 0.99) -> Tensor:
    """The unit-norm steepest-ascent direction for ``norm`` (sign for L-inf, normalised for L2).

    L1 uses the sparse step of Tramèr & Boneh 2019 (arXiv:1904.13000): only the coordinates above the
    ``l1_sparsity`` quantile of ``|grad|`` move, each by ``sign / count``.
    """
    import torch

    if norm == "linf":
        return grad.sign()
    flat = grad.flatten(1)
    if norm == "l2":
        return grad / view_b(flat.norm(p=2, dim=1).clamp_min(1e-12), grad)
    a = flat.abs()
    thr = torch.quantile(a, l1_sparsity, dim=1, keepdim=True)
    mask = (a >= thr) & (a > 0)
    step = flat.sign() * mask / mask.sum(dim=1, keepdim=True).clamp_min(1)
    return step.reshape(grad.shape)


def random_in_ball(like: Tensor, eps: float, norm: Norm, generator: Any = None) -> Tensor:
    """Uniform random start inside the ``norm`` ball (L-inf: uniform box; L2/L1: uniform in the ball)."""
    import torch

    shape = like.shape
    if norm == "linf":
        u = torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)
        return (2 * u - 1) * eps
    d = like[0].numel()
    if norm == "l2":
        g = torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)
        g = g / view_b(g.flatten(1).norm(dim=1).clamp_min(1e-12), g)
    else:  # L1: Laplace direction normalised (uniform on the L1 sphere)
        e = torch.empty(shape, device=like.device, dtype=like.dtype).exponential_(generator=generator)
        s = torch.randint(0, 2, shape, generator=generator, device=like.device).to(like.dtype) * 2 - 1
        g = e * s
        g = g / view_b(g.flatten(1).abs().sum(dim=1).clamp_min(1e-12), g)
    r = torch.rand((shape[0],), generator=generator, device=like.device, dtype=like.dtype) ** (1.0 / d)
    return g * view_b(r * eps, g)


def margin(logits: Tensor, y: Tensor) -> Tensor:
    """``z_y - max_{j != y} z_j`` per sample: positive while ``y`` wins."""
    import torch

    z_y = logits.gather(1, y[:, None]).squeeze(1)
    other = logits.scatter(1, y[:, None], -torch.inf).amax(dim=1)
    return z_y - other


def dlr_loss(logits: Tensor, y: Tensor) -> Tensor:
    """Difference of Logits Ratio loss (Croce & Hein 2020, arXiv:2003.01690, eq. 5), per sample.

    ``-(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3)``: shift- and scale-invariant in the logits.
    """
    s, _ = logits.sort(dim=1)
    z_y = logits.gather(1, y[:, None]).squeeze(1)
    top_is_y = s[:, -1] == z_y
    other = s[:, -2].where(top_is_y, s[:, -1])
    return -(z_y - other) / (s[:, -1] - s[:, -3] + 1e-12)


def dlr_targeted_loss(logits: Tensor, y: Tensor, t: Tensor) -> Tensor:
    """Targeted DLR (Croce & Hein 2020, eq. 6): ``-(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2)``."""
    s, _ = logits.sort(dim=1)
    z_y = logits.gather(1, y[:, None]).squeeze(1)
    z_t = logits.gather(1, t[:, None]).squeeze(1)
    return -(z_y - z_t) / (s[:, -1] - 0.5 * (s[:, -3] + s[:, -4]) + 1e-12)
