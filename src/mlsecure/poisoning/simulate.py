"""Poisoning attack simulators, used to show (and test) that the detectors work.

Threat model: the attacker controls a fraction of the training rows (data supply chain, crowdsourced
labels) but not the training code. Every simulator returns a ``PoisonedData`` holding the poisoned
copy of the data and the 0-based indices of the rows it changed (the ground truth for metrics); the
input arrays are never modified in place.

Attacks:

* ``badnets`` (Gu et al. 2017, arXiv:1708.06733): stamp a fixed patch on rows of other classes and
  relabel them as the target class.
* ``blended`` (Chen et al. 2017, arXiv:1712.05526): blend a fixed random pattern into the input,
  ``x' = (1 - alpha) x + alpha * pattern``, and relabel as the target.
* ``label_flip``: random flips (each chosen row gets a uniformly random other label) or targeted flips
  (rows of ``source`` relabelled as ``target``).
* ``clean_label`` (Turner et al. 2019, arXiv:1912.02771, simplified): rows of the target class are made
  harder to learn by interpolating towards rows of other classes, then stamped with the trigger; the
  labels stay correct, so a label audit cannot see them.

Shapes: ``x`` is ``(n, *sample_shape)``; image triggers take ``image_shape=(height, width)`` and read
the last ``height * width`` values of each flattened sample as the image (channels first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from mlsecure.errors import InputError


@dataclass(frozen=True)
class Trigger:
    """A backdoor trigger: ``apply(x)`` returns triggered copies of ``x`` (shape preserved).

    ``mask`` (flattened sample shape) is 1 where the trigger writes; the triggered value is
    ``(1 - alpha * mask) * x + alpha * mask * pattern`` (``alpha = 1`` is a stamped patch).
    """

    mask: np.ndarray
    pattern: np.ndarray
    alpha: float = 1.0

    def apply(self, x: np.ndarray) -> np.ndarray:
        flat = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
        if flat.shape[1] != self.mask.size:
            raise InputError(f"trigger is for samples of {self.mask.size} values, got {flat.shape[1]}")
        weight = (self.alpha * self.mask).astype(np.float32)
        out = (1.0 - weight) * flat + weight * self.pattern.astype(np.float32)
        return out.reshape(np.shape(x)).astype(np.float32)


@dataclass(frozen=True)
class PoisonedData:
    """The poisoned training set and the ground truth of what was changed."""

    x: np.ndarray
    y: np.ndarray
    poisoned: np.ndarray  # 0-based indices of changed rows, sorted
    attack: str
    target: int | None = None
    trigger: Trigger | None = None
    params: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def is_poisoned(self) -> np.ndarray:
        """Boolean mask of length ``n``."""
        mask = np.zeros(len(self.y), dtype=bool)
        mask[self.poisoned] = True
        return mask


def patch_trigger(sample_size: int, *, image_shape: tuple[int, int], size: int = 2, value: float = 1.0,
                  corner: Literal["bottom-right", "top-left"] = "bottom-right") -> Trigger:
    """A ``size x size`` square of ``value`` in a corner of the image (the BadNets trigger)."""
    h, w = image_shape
    if h * w > sample_size or not 0 < size <= min(h, w):
        raise InputError(f"a {size}x{size} patch does not fit image {image_shape} in samples of {sample_size}")
    img = np.zeros((h, w), dtype=np.float32)
    if corner == "bottom-right":
        img[h - size:, w - size:] = 1.0
    else:
        img[:size, :size] = 1.0
    mask = np.zeros(sample_size, dtype=np.float32)
    mask[sample_size - h * w:] = img.ravel()
    return Trigger(mask=mask, pattern=np.full(sample_size, value, dtype=np.float32), alpha=1.0)


def blend_trigger(sample_size: int, *, alpha: float = 0.2, low: float = 0.0, high: float = 1.0,
                  seed: int = 0) -> Trigger:
    """A fixed uniform-noise pattern over the whole input, blended in with weight ``alpha``."""
    if not 0.0 < alpha <= 1.0:
        raise InputError(f"blend alpha must be in (0, 1], got {alpha}")
    pattern = np.random.default_rng(seed).uniform(low, high, sample_size).astype(np.float32)
    return Trigger(mask=np.ones(sample_size, dtype=np.float32), pattern=pattern, alpha=alpha)


def backdoor(x: np.ndarray, y: np.ndarray, *, trigger: Trigger, target: int, rate: float,
             seed: int = 0, attack: str = "badnets") -> PoisonedData:
    """Add the trigger to ``rate * n`` rows drawn from classes other than ``target``; relabel them.

    The poisoned rows replace the originals in place of the copy (the dataset keeps its size), as in
    the BadNets and blended-injection papers' data-poisoning setting.
    """
    x, y = _checked(x, y)
    candidates = np.flatnonzero(y != target)
    count = _count(rate, len(y), len(candidates))
    chosen = np.sort(np.random.default_rng(seed).choice(candidates, count, replace=False))
    x_out, y_out = x.copy(), y.copy()
    x_out[chosen] = trigger.apply(x[chosen])
    y_out[chosen] = target
    return PoisonedData(x_out, y_out, chosen, attack, target, trigger, {"rate": rate, "seed": seed})


def badnets(x: np.ndarray, y: np.ndarray, *, target: int, rate: float, image_shape: tuple[int, int],
            size: int = 2, value: float = 1.0, seed: int = 0) -> PoisonedData:
    """BadNets (Gu et al. 2017): a ``size x size`` corner patch, relabelled as ``target``."""
    sample = int(np.prod(np.shape(x)[1:]))
    trig = patch_trigger(sample, image_shape=image_shape, size=size, value=value)
    return backdoor(x, y, trigger=trig, target=target, rate=rate, seed=seed, attack="badnets")


def blended(x: np.ndarray, y: np.ndarray, *, target: int, rate: float, alpha: float = 0.2,
            seed: int = 0) -> PoisonedData:
    """Blended injection (Chen et al. 2017): a fixed noise pattern blended in with weight ``alpha``."""
    sample = int(np.prod(np.shape(x)[1:]))
    trig = blend_trigger(sample, alpha=alpha, seed=seed + 1)
    return backdoor(x, y, trigger=trig, target=target, rate=rate, seed=seed, attack="blended")


def label_flip(x: np.ndarray, y: np.ndarray, *, rate: float, source: int | None = None,
               target: int | None = None, seed: int = 0) -> PoisonedData:
    """Flip ``rate * n`` labels: random (no ``source``/``target``) or targeted ``source -> target``.

    Random flips give each chosen row a uniformly drawn label different from its own. Targeted flips
    draw the rows from ``source`` (default: every class but ``target``) and relabel them ``target``.
    """
    x, y = _checked(x, y)
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    y_out = y.copy()
    if target is None:
        if source is not None:
            raise InputError("label_flip: a source class needs a target class")
        chosen = np.sort(rng.choice(len(y), _count(rate, len(y), len(y)), replace=False))
        if len(classes) < 2:
            raise InputError("label_flip needs at least two classes")
        for i in chosen:
            others = classes[classes != y[i]]
            y_out[i] = others[rng.integers(len(others))]
        kind = "random"
    else:
        pool = np.flatnonzero(y == source) if source is not None else np.flatnonzero(y != target)
        chosen = np.sort(rng.choice(pool, _count(rate, len(y), len(pool)), replace=False))
        y_out[chosen] = target
        kind = "targeted"
    params: dict[str, float | int | str] = {"rate": rate, "seed": seed, "kind": kind}
    if source is not None:
        params["source"] = int(source)
    return PoisonedData(x.copy(), y_out, chosen, f"label_flip_{kind}", target, None, params)


def clean_label(x: np.ndarray, y: np.ndarray, *, trigger: Trigger, target: int, rate: float,
                interpolation: float = 0.3, seed: int = 0) -> PoisonedData:
    """Clean-label backdoor: target-class rows pulled towards other classes, triggered, label kept.

    ``x' = trigger((1 - interpolation) * x + interpolation * x_other)`` with ``x_other`` a random row of
    another class: the row is harder to fit from its own features, so the model leans on the trigger.
    """
    x, y = _checked(x, y)
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(y == target)
    others = np.flatnonzero(y != target)
    if len(others) == 0:
        raise InputError("clean_label needs rows of other classes to interpolate with")
    chosen = np.sort(rng.choice(pool, _count(rate, len(y), len(pool)), replace=False))
    partner = rng.choice(others, len(chosen))
    mixed = (1.0 - interpolation) * x[chosen] + interpolation * x[partner]
    x_out = x.copy()
    x_out[chosen] = trigger.apply(mixed)
    return PoisonedData(x_out, y.copy(), chosen, "clean_label", target, trigger,
                        {"rate": rate, "seed": seed, "interpolation": interpolation})


def _checked(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    if x.ndim < 2 or len(x) != len(y):
        raise InputError(f"expected x of shape (n, ...) and y of shape (n,), got {x.shape} and {y.shape}")
    return x, y


def _count(rate: float, n: int, available: int) -> int:
    if not 0.0 < rate < 1.0:
        raise InputError(f"poison rate must be in (0, 1), got {rate}")
    count = max(1, round(rate * n))
    if count > available:
        raise InputError(f"cannot poison {count} rows: only {available} rows are eligible")
    return count
