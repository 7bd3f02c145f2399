"""A varied, generated poisoning benchmark suite: datasets, triggers and clean controls (numpy only).

Why: a detector tuned on one dataset (digits) says little about the next one. The suite spans image
sets of several sizes and channel counts (shapes and textures), tabular data and text embeddings, and
the attack families of the literature:

* ``patch``: BadNets (Gu et al. 2017, arXiv:1708.06733) with a random binary pattern of random size
  (2-4 pixels) at a random position, drawn per case;
* ``blend``: a fixed random pattern blended in with weight ``alpha`` (Chen et al. 2017, arXiv:1712.05526);
* ``wanet``: a smooth random warping field (Nguyen & Tran 2021, arXiv:2102.10369), dirty-label;
* ``sig``: a horizontal sinusoidal signal added to target-class rows, labels kept (Barni et al. 2019,
  arXiv:1902.11237), a clean-label attack;
* ``clean_label``: Turner et al. 2019 (arXiv:1912.02771, simplified): target rows pulled towards other
  classes, stamped with a patch, labels kept;
* ``flip``: targeted label flips ``source -> target``;
* ``feature``: tabular trigger, two random columns set to ``+4.5`` standard deviations;
* ``token``: text trigger, a rare token's embedding mixed into the document embedding.

Every case is a pure function of its seed; ``Case.apply`` is the test-time trigger (for the attack
success rate) and ``Case.poisoned`` the ground truth.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mlsecure.errors import InputError

Kind = Literal["image", "tabular", "text"]
Attack = Literal["none", "patch", "blend", "wanet", "sig", "clean_label", "flip", "feature", "token"]
ATTACKS_BY_KIND: dict[Kind, tuple[Attack, ...]] = {
    "image": ("patch", "blend", "wanet", "sig", "clean_label", "flip"),
    "tabular": ("feature", "flip"),
    "text": ("token", "flip"),
}


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    kind: Kind
    n: int
    size: int = 0  # image side (pixels); 0 for tabular and text
    channels: int = 1
    texture: bool = False  # image family: shapes (False) or textures (True)
    dims: int = 0  # tabular/text width

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (self.channels, self.size, self.size) if self.kind == "image" else (self.dims,)


DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec("shapes-12x12x1", "image", 2400, size=12, channels=1),
    DatasetSpec("shapes-16x16x3", "image", 3000, size=16, channels=3),
    DatasetSpec("textures-12x12x1", "image", 2400, size=12, channels=1, texture=True),
    DatasetSpec("textures-16x16x3", "image", 3000, size=16, channels=3, texture=True),
    DatasetSpec("tabular-24", "tabular", 3000, dims=24),
    DatasetSpec("text-emb-48", "text", 3000, dims=48),
)
# Held out: never used while choosing the method (other sizes, channel counts and widths); the
# headline figures come from these and from the odd seeds of DATASETS.
HELDOUT: tuple[DatasetSpec, ...] = (
    DatasetSpec("shapes-20x20x1", "image", 2400, size=20, channels=1),
    DatasetSpec("textures-14x14x2", "image", 2000, size=14, channels=2, texture=True),
    DatasetSpec("tabular-40", "tabular", 2500, dims=40),
    DatasetSpec("text-emb-64", "text", 2500, dims=64),
)


@dataclass(frozen=True)
class Case:
    dataset: str
    attack: Attack
    rate: float
    seed: int
    x: np.ndarray  # poisoned training rows
    y: np.ndarray
    poisoned: np.ndarray  # boolean (n,)
    target: int
    source: int  # for flips: the source class; else -1
    apply: Callable[[np.ndarray], np.ndarray]  # test-time trigger (identity for flips and clean controls)


def generate(spec: DatasetSpec, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of ``spec``'s family; the family's parameters depend on ``spec.name`` only."""
    rng = np.random.default_rng(seed)
    if spec.kind == "image":
        return (_textures if spec.texture else _shapes)(n, spec.size, spec.channels, rng)
    family = np.random.default_rng(zlib.crc32(spec.name.encode()))
    if spec.kind == "tabular":
        return _tabular(n, spec.dims, family, rng)
    return _text(n, spec.dims, family, rng)


def make_case(spec: DatasetSpec, attack: Attack, rate: float, seed: int) -> Case:
    """Poison a fresh training set of ``spec`` with ``attack`` at ``rate`` of its rows."""
    x, y = generate(spec, spec.n, seed)
    rng = np.random.default_rng(seed + 7919)
    classes = np.unique(y)
    target = int(rng.choice(classes))
    poisoned = np.zeros(len(y), dtype=bool)
    source = -1
    x, y = x.copy(), y.copy()
    if attack == "none":
        return Case(spec.name, attack, 0.0, seed, x, y, poisoned, target, source, _identity)
    count = max(1, round(rate * len(y)))
    trigger = _trigger(spec, attack, rng)
    if attack in ("sig", "clean_label"):
        pool = np.flatnonzero(y == target)
        chosen = rng.choice(pool, min(count, len(pool)), replace=False)
        if attack == "clean_label":
            partner = rng.choice(np.flatnonzero(y != target), len(chosen))
            x[chosen] = (0.7 * x[chosen] + 0.3 * x[partner]).astype(np.float32)
        x[chosen] = trigger(x[chosen])
    elif attack == "flip":
        source = int(rng.choice(classes[classes != target]))
        pool = np.flatnonzero(y == source)
        chosen = rng.choice(pool, min(count, len(pool)), replace=False)
        y[chosen] = target
    else:
        chosen = rng.choice(np.flatnonzero(y != target), count, replace=False)
        x[chosen] = trigger(x[chosen])
        y[chosen] = target
    poisoned[chosen] = True
    return Case(spec.name, attack, rate, seed, x, y, poisoned, target, source, trigger)


def attack_success(predict: Callable[[np.ndarray], np.ndarray], case: Case, x_test: np.ndarray,
                   y_test: np.ndarray, among: np.ndarray | None = None) -> float:
    """Backdoor success: the share of triggered test rows whose true class is not the target that the
    model sends to the target (BadNets, Gu et al. 2017, arXiv:1708.06733; the blend attack, Chen et al.
    2017, arXiv:1712.05526: triggered inputs classified as the target label; target-class rows are left
    out since they would count as successes without any backdoor). For a flip: the share of source-class
    test rows predicted as the target. ``among`` (boolean, per test row) narrows the rows further, e.g.
    to those a poison-free model classifies correctly without the trigger (``clean_correct``)."""
    if case.attack == "none":
        return float("nan")
    keep = (y_test == case.source) if case.attack == "flip" else (y_test != case.target)
    if among is not None:
        keep &= among
    if not keep.any():
        return float("nan")
    return float(np.mean(predict(case.apply(x_test[keep])) == case.target))


def clean_correct(predict: Callable[[np.ndarray], np.ndarray], x_test: np.ndarray, y_test: np.ndarray) -> np.ndarray:
    """Per test row: whether ``predict`` (a model trained on the truly clean rows) gets it right without
    any trigger; with ``attack_success(among=...)`` the stricter success rate that does not count rows
    the clean model already misclassifies (a misclassified row sent to the target is no backdoor's work)."""
    out: np.ndarray = predict(x_test) == y_test
    return out


def trigger_resistant(predict: Callable[[np.ndarray], np.ndarray], case: Case, x_test: np.ndarray,
                      y_test: np.ndarray) -> np.ndarray:
    """Per test row: whether ``predict`` (a model trained on exactly the clean rows: the floor model)
    still gets it right WITH the trigger applied. ``attack_success(among=...)`` on these rows is the
    *backdoor-attributable* success: a row the trigger alone sends to the target without any poisoned
    training (a blend that brightens inputs towards a bright class) is no backdoor's work, so only rows
    the trigger does not fool by itself count. By construction the floor model scores 0 on them; this
    is the complement set of the rows where the clean model's "robust accuracy" fails (BackdoorBench,
    Wu et al. 2022, arXiv:2206.12654: triggered non-target rows classified as their true class)."""
    out: np.ndarray = predict(case.apply(x_test)) == y_test
    return out


# --- triggers --------------------------------------------------------------------------------------

def _trigger(spec: DatasetSpec, attack: Attack, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    if attack in ("flip",):
        return _identity
    if spec.kind == "tabular":
        if attack != "feature":
            raise InputError(f"attack {attack!r} does not apply to tabular data")
        cols = rng.choice(spec.dims, 2, replace=False)

        def feature(x: np.ndarray) -> np.ndarray:
            out = x.copy()
            out[:, cols] = 4.5
            return out

        return feature
    if spec.kind == "text":
        if attack != "token":
            raise InputError(f"attack {attack!r} does not apply to text embeddings")
        token = rng.normal(0.0, 1.0, spec.dims).astype(np.float32)
        token /= np.linalg.norm(token)

        def insert(x: np.ndarray) -> np.ndarray:
            out: np.ndarray = 0.85 * x + 0.15 * token * np.linalg.norm(x, axis=1, keepdims=True)
            return out.astype(np.float32)

        return insert
    c, s = spec.channels, spec.size
    if attack in ("patch", "clean_label"):
        size = int(rng.integers(2, 5))
        top, left = (int(v) for v in rng.integers(0, s - size + 1, 2))
        pattern = rng.integers(0, 2, (c, size, size)).astype(np.float32)
        pattern[:, 0, 0] = 1.0  # never all dark

        def patch(x: np.ndarray) -> np.ndarray:
            out = x.copy()
            out[:, :, top:top + size, left:left + size] = pattern
            return out

        return patch
    if attack == "blend":
        alpha = float(rng.uniform(0.1, 0.2))
        noise = rng.uniform(0.0, 1.0, (c, s, s)).astype(np.float32)

        def blend(x: np.ndarray) -> np.ndarray:
            return ((1.0 - alpha) * x + alpha * noise).astype(np.float32)

        return blend
    if attack == "sig":
        freq = float(rng.integers(3, 7))
        signal = (0.2 * np.sin(2 * np.pi * np.arange(s) * freq / s)).astype(np.float32)

        def sig(x: np.ndarray) -> np.ndarray:
            return np.clip(x + signal[None, None, None, :], 0.0, 1.0).astype(np.float32)

        return sig
    if attack == "wanet":
        return _warp(s, rng)
    raise InputError(f"attack {attack!r} does not apply to images")


def _warp(s: int, rng: np.random.Generator, grid: int = 4,
          strength: float = 0.75) -> Callable[[np.ndarray], np.ndarray]:
    """WaNet's warp: a random ``grid x grid`` flow field, upsampled, normalised to ``strength`` pixels."""
    from scipy.ndimage import map_coordinates, zoom

    flow = rng.uniform(-1.0, 1.0, (2, grid, grid))
    flow /= np.mean(np.abs(flow))
    field = np.stack([zoom(f, s / grid, order=3)[:s, :s] for f in flow]) * strength
    rows, cols = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    coords = np.clip(np.stack([rows + field[0], cols + field[1]]), 0, s - 1)

    def warp(x: np.ndarray) -> np.ndarray:
        out = np.empty_like(x)
        for i in range(len(x)):
            for ch in range(x.shape[1]):
                out[i, ch] = map_coordinates(x[i, ch], coords, order=1, mode="nearest")
        return out

    return warp


def _identity(x: np.ndarray) -> np.ndarray:
    return x


# --- dataset families ------------------------------------------------------------------------------

def _shapes(n: int, s: int, channels: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Six shape classes: disc, square outline, triangle, cross, ring, diagonal bar; random centre,
    scale, intensity, colour and background noise."""
    y = rng.integers(0, 6, n)
    rows, cols = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    x = np.empty((n, channels, s, s), dtype=np.float32)
    for i in range(n):
        r = rng.uniform(0.22, 0.36) * s
        cy, cx = rng.uniform(r * 0.8, s - r * 0.8, 2)
        dy, dx = rows - cy, cols - cx
        d = np.hypot(dy, dx)
        match int(y[i]):
            case 0:
                m = d <= r
            case 1:
                m = (np.maximum(abs(dy), abs(dx)) <= r) & (np.maximum(abs(dy), abs(dx)) >= r - 1.2)
            case 2:
                m = (dy <= r * 0.7) & (dy >= -r) & (abs(dx) <= (dy + r) * 0.6)
            case 3:
                m = ((abs(dy) <= 0.8) | (abs(dx) <= 0.8)) & (np.maximum(abs(dy), abs(dx)) <= r)
            case 4:
                m = (d <= r) & (d >= r - 1.3)
            case _:
                m = (abs(dy - dx) <= 1.0) & (d <= r * 1.2)
        colour = rng.uniform(0.5, 1.0, channels)
        img = m[None].astype(np.float32) * colour[:, None, None]
        x[i] = np.clip(img + rng.normal(0.0, 0.08, (channels, s, s)), 0.0, 1.0)
    return x, y.astype(np.int64)


def _textures(n: int, s: int, channels: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Five texture classes: horizontal, vertical and diagonal stripes, checkerboard, dots; random
    frequency, phase, contrast and colour."""
    y = rng.integers(0, 5, n)
    rows, cols = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    x = np.empty((n, channels, s, s), dtype=np.float32)
    for i in range(n):
        f = rng.uniform(0.18, 0.3)
        ph = rng.uniform(0, 2 * np.pi)
        match int(y[i]):
            case 0:
                t = np.sin(2 * np.pi * f * rows + ph)
            case 1:
                t = np.sin(2 * np.pi * f * cols + ph)
            case 2:
                t = np.sin(2 * np.pi * f * (rows + cols) / np.sqrt(2) + ph)
            case 3:
                t = np.sin(2 * np.pi * f * rows + ph) * np.sin(2 * np.pi * f * cols + ph)
            case _:
                t = (np.sin(2 * np.pi * f * rows + ph) * np.sin(2 * np.pi * f * cols + ph) > 0.6) * 2.0 - 1.0
        contrast = rng.uniform(0.25, 0.45)
        colour = rng.uniform(0.5, 1.0, channels)
        img = 0.5 + contrast * t[None] * colour[:, None, None]
        x[i] = np.clip(img + rng.normal(0.0, 0.08, (channels, s, s)), 0.0, 1.0)
    return x, y.astype(np.int64)


def _tabular(n: int, d: int, family: np.random.Generator, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Five classes, each a mixture of two Gaussian blobs in 6 latent dimensions, mapped to ``d``
    columns through a fixed random linear map and a ``tanh`` on half of them; standardised."""
    k = 5
    centres = family.normal(0.0, 1.6, (k, 2, 6))
    mix = family.normal(0.0, 1.0, (6, d)) / np.sqrt(6)
    y = rng.integers(0, k, n)
    sub = rng.integers(0, 2, n)
    latent = centres[y, sub] + rng.normal(0.0, 1.0, (n, 6))
    x = latent @ mix + rng.normal(0.0, 0.3, (n, d))
    x[:, : d // 2] = np.tanh(x[:, : d // 2])
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x.astype(np.float32), y.astype(np.int64)


def _text(n: int, d: int, family: np.random.Generator, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Six topics over a 600-word vocabulary of random word vectors; a document is 15-60 words drawn
    from its topic (70%) and the background (30%); its embedding is the mean word vector, scaled by
    sqrt(length) like a sum-of-embeddings sentence encoder before normalisation."""
    k, vocab = 6, 600
    words = family.normal(0.0, 1.0, (vocab, d)) / np.sqrt(d)
    topics = family.dirichlet(np.full(vocab, 0.05), k)
    background = family.dirichlet(np.full(vocab, 1.0))
    y = rng.integers(0, k, n)
    x = np.empty((n, d), dtype=np.float32)
    for i in range(n):
        length = int(rng.integers(15, 61))
        probs = 0.7 * topics[y[i]] + 0.3 * background
        counts = rng.multinomial(length, probs)
        x[i] = counts @ words / np.sqrt(length)
    return x, y.astype(np.int64)

