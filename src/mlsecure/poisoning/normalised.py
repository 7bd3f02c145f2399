"""Neighbour traffic among images compared after per-image brightness and contrast normalisation.

Why: a blended trigger (Chen et al. 2017, arXiv:1712.05526), ``x' = (1 - alpha) x + alpha n`` with one
fixed pattern ``n``, is mostly an affine change of intensity shared by every poisoned row: the
background brightens by ``alpha mean(n)`` and the content's contrast drops by ``1 - alpha``; the rest of
``n`` is spread thinly over every frequency. In the default view (``neighbours.content_view``: 2-D
Fourier magnitudes) the shared brightness is a large common offset of the zero-frequency term, so the
blended rows are each other's nearest neighbours and few are out-voted by their source classes (on
the suite's shapes-12x12x1, design seed 0, 10% blend: 88 of 240). Here each channel's zero-frequency
term is dropped and the image's remaining magnitudes are scaled to unit norm, a view that does not
change under ``x -> a x + b_c``: the blended rows fall back among their source classes (same case:
240 of 240 out-voted) while natural class overlap stays two-way. One contrast for all channels
(not one per channel) keeps colour, which may be what tells two classes apart.

The test on that view is ``neighbours``' one: one-way label traffic, ``z`` and its two nulls
(symmetry, overdispersion measured on the other classes' pairs), the out-voted rows of a class as
seeds of the Fisher/EM expansion (``neighbours.expand``) in the raw pixels and in this view, the
more separated mixture giving each row's posterior. Shapes: ``x`` ``(n, C, H, W)`` with ``H, W >= 4``;
anything else is not an image and has no normalised view (``is_image``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlsecure.poisoning.calibrated import ClassTest


def is_image(x: np.ndarray) -> bool:
    """Whether ``x`` holds images ``(n, C, H, W)`` large enough for a Fourier view."""
    return np.ndim(x) == 4 and min(np.shape(x)[2:]) >= 4


def normalised_view(x: np.ndarray) -> np.ndarray:
    """``(n, C * H * (W // 2 + 1))`` float32: each channel's 2-D Fourier magnitudes without its
    zero-frequency term, the whole row scaled to unit norm (a constant image gives zeros). Invariant to
    ``x -> a x + b_c`` (one contrast ``a > 0`` for the image, one offset ``b_c`` per channel): exactly
    what a blend changes, while colour (the channels' relative contrast) is kept."""
    arr = np.asarray(x, dtype=np.float32)
    mag = np.abs(np.fft.rfft2(arr, axes=(2, 3)))
    mag[:, :, 0, 0] = 0.0
    flat = mag.reshape(len(arr), -1)
    out: np.ndarray = (flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return out


def normalised_tests(x: np.ndarray, codes: np.ndarray, groups: Sequence[np.ndarray],
                     values: np.ndarray) -> list[ClassTest]:
    """One ``ClassTest`` (space ``"normalised"``) per class of the images ``x`` ``(n, C, H, W)``;
    ``codes`` ``(n,)`` are class indices into ``values``, ``groups`` each class's rows."""
    from mlsecure.poisoning.calibrated import ClassTest
    from mlsecure.poisoning.neighbours import expand, neighbour_votes, traffic, traffic_p_values

    view = normalised_view(x)
    flat = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    votes, _ = neighbour_votes(view, codes, trim=0.0)
    t = traffic(votes, codes, len(groups))
    out = []
    for c, (stat, q99, p) in enumerate(traffic_p_values(t, [len(g) for g in groups])):
        rows = groups[c]
        posterior, sep = np.zeros(len(rows)), 0.0
        if p < 0.5:
            seeds = votes[rows] != c
            posterior, sep = max((expand(v[rows], seeds) for v in (flat, view)), key=lambda pair: pair[1])
        label = values[c].item() if hasattr(values[c], "item") else values[c]
        out.append(ClassTest(label, "normalised", len(rows), stat, (float(t.out[c]), float(t.inflow[c])),
                             (float("nan"), float("nan")), q99, p, posterior, test="traffic", separation=sep,
                             seeds=votes[rows] != c))
    return out
