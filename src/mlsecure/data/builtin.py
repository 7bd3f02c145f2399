"""Datasets that ship inside scikit-learn, so demos and tests never download anything."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlsecure.data.dataset import Dataset
from mlsecure.errors import InputError


def _digits() -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)  # pixels in [0, 1], as image attacks expect
    names = tuple(f"pixel_{i}" for i in range(x.shape[1]))
    return Dataset(x, bunch.target.astype(np.int64), names, "label", "builtin:digits")


def _tabular(loader: Callable[..., object], name: str) -> Dataset:
    bunch = loader()
    x = np.asarray(bunch.data, dtype=np.float32)  # type: ignore[attr-defined]
    y = np.asarray(bunch.target, dtype=np.int64)  # type: ignore[attr-defined]
    names = tuple(str(n) for n in bunch.feature_names)  # type: ignore[attr-defined]
    return Dataset(x, y, names, "label", f"builtin:{name}")


def _breast_cancer() -> Dataset:
    from sklearn.datasets import load_breast_cancer

    return _tabular(load_breast_cancer, "breast_cancer")


def _wine() -> Dataset:
    from sklearn.datasets import load_wine

    return _tabular(load_wine, "wine")


BUILTIN_DATASETS: dict[str, Callable[[], Dataset]] = {
    "digits": _digits,
    "breast_cancer": _breast_cancer,
    "wine": _wine,
}


def load_builtin(name: str) -> Dataset:
    """One of ``digits`` (8x8 images in [0, 1]), ``breast_cancer``, ``wine``."""
    try:
        return BUILTIN_DATASETS[name]()
    except KeyError:
        raise InputError(f"unknown built-in dataset {name!r}; choose from {', '.join(BUILTIN_DATASETS)}") from None
