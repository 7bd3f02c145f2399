"""Client updates as ``dict[str, np.ndarray]`` and the ``(n_clients, n_params)`` matrix the math uses.

A federated client sends its model delta as a mapping from parameter name to array (the guide's
shape, and Flower's ``NDArrays`` once named). Every aggregator works on one dense matrix
``X ∈ R^{n×d}`` (row ``i`` = client ``i``'s update flattened in a fixed key order), so the layout is
fixed once (``UpdateLayout``) and every update is checked against it: same keys, same shapes, finite
values. A mismatch is an ``InputError`` naming the client and the parameter, never a silent
broadcast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NewType

import numpy as np

from mlsecure.errors import InputError

ClientId = NewType("ClientId", str)
Update = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class UpdateLayout:
    """The parameter names and shapes of an update, in the order they are flattened."""

    keys: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, update: Update, *, client: str = "client 0") -> UpdateLayout:
        if not update:
            raise InputError(f"{client}: the update has no parameters")
        keys = tuple(update)
        shapes = []
        for key in keys:
            value = update[key]
            if not isinstance(value, np.ndarray):
                raise InputError(f"{client}: parameter {key!r} is a {type(value).__name__}, expected a numpy array")
            shapes.append(tuple(int(s) for s in value.shape))
        return cls(keys=keys, shapes=tuple(shapes))

    @property
    def size(self) -> int:
        """``d``: the number of scalar parameters."""
        return int(sum(int(np.prod(s)) for s in self.shapes))

    def flatten(self, update: Update, *, client: str = "client 0", dtype: np.dtype | None = None) -> np.ndarray:
        """The update as one vector of length ``d``; refuses other keys, shapes or non-finite values."""
        parts = self.parts(update, client=client)
        for key, value in zip(self.keys, parts, strict=True):
            _check_finite(value, client, key)
        out = np.concatenate(parts)
        return out.astype(dtype if dtype is not None else _float_dtype(out.dtype), copy=False)

    def parts(self, update: Update, *, client: str = "client 0") -> list[np.ndarray]:
        """The update's arrays in layout order, raveled (views where possible); checks keys, shapes and dtypes
        but not finiteness (that is ``find_non_finite``'s job, or the caller's fused check)."""
        self._check_keys(update, client)
        parts = []
        for key, shape in zip(self.keys, self.shapes, strict=True):
            value = np.asarray(update[key])
            if value.shape != shape:
                raise InputError(f"{client}: parameter {key!r} has shape {value.shape}, expected {shape}")
            if not np.issubdtype(value.dtype, np.number) or np.iscomplexobj(value):
                raise InputError(f"{client}: parameter {key!r} has dtype {value.dtype}, expected real numbers")
            parts.append(value.ravel())
        return parts

    def dtype_of(self, parts: Sequence[np.ndarray]) -> np.dtype:
        """The float dtype a flattened update of these arrays has: float32 if they promote to it, else float64."""
        return _float_dtype(np.result_type(*parts))

    def unflatten(self, vector: np.ndarray, *, copy: bool = True) -> dict[str, np.ndarray]:
        """The inverse of ``flatten``: a vector of length ``d`` back to named arrays (copies, or views of
        ``vector`` with ``copy=False``)."""
        vector = np.asarray(vector)
        if vector.ndim != 1 or vector.shape[0] != self.size:
            raise InputError(f"cannot unflatten an array of shape {vector.shape} into {self.size} parameters")
        out: dict[str, np.ndarray] = {}
        start = 0
        for key, shape in zip(self.keys, self.shapes, strict=True):
            size = int(np.prod(shape))
            part = vector[start:start + size].reshape(shape)
            out[key] = part.copy() if copy else part
            start += size
        return out

    def _check_keys(self, update: Update, client: str) -> None:
        if tuple(update) == self.keys:
            return
        missing = [k for k in self.keys if k not in update]
        extra = [k for k in update if k not in self.keys]
        if missing:
            raise InputError(f"{client}: parameter {missing[0]!r} is missing (expected keys {list(self.keys)})")
        if extra:
            raise InputError(f"{client}: unexpected parameter {extra[0]!r} (expected keys {list(self.keys)})")
        # same keys, other order: fine, flatten reads by name


def stack_updates(updates: Sequence[Update], *, client_ids: Sequence[str] | None = None,
                  dtype: np.dtype | None = None, check_finite: bool = True) -> tuple[np.ndarray, UpdateLayout]:
    """``X`` of shape ``(n_clients, d)`` and the layout, checking every client against the first.

    ``check_finite=False`` skips the finiteness scan (one more pass over ``X``) for callers that detect
    NaN/inf in their own pass and then call ``find_non_finite`` for the message."""
    parts, layout = split_updates(updates, client_ids=client_ids)
    dt = dtype if dtype is not None else layout.dtype_of(parts[0])
    matrix = np.empty((len(parts), layout.size), dtype=dt)
    bounds = np.cumsum([0, *(p.size for p in parts[0])])
    for i, row in enumerate(parts):
        for j, value in enumerate(row):
            matrix[i, bounds[j]:bounds[j + 1]] = value
    if check_finite and not np.isfinite(matrix).all():
        find_non_finite(updates, client_ids=client_ids)
    return matrix, layout


def split_updates(updates: Sequence[Update], *, client_ids: Sequence[str] | None = None,
                  ) -> tuple[list[list[np.ndarray]], UpdateLayout]:
    """Each client's raveled arrays in layout order (``parts[i][j]``: client ``i``, parameter ``j``) and the
    layout; checks keys, shapes and dtypes against the first client, not finiteness. No data is copied."""
    if len(updates) == 0:
        raise InputError("no client updates to aggregate")
    names = _client_names(len(updates), client_ids)
    layout = UpdateLayout.of(updates[0], client=names[0])
    return [layout.parts(u, client=c) for u, c in zip(updates, names, strict=True)], layout


def find_non_finite(updates: Sequence[Update], *, client_ids: Sequence[str] | None = None) -> None:
    """The per-client scan: raise an ``InputError`` naming the first client and parameter holding a NaN or
    inf; return quietly when every value is finite."""
    names = _client_names(len(updates), client_ids)
    for update, client in zip(updates, names, strict=True):
        for key in update:
            _check_finite(np.asarray(update[key]), client, key)


def check_matrix(matrix: np.ndarray, *, client_ids: Sequence[str] | None = None,
                 check_finite: bool = True) -> np.ndarray:
    """Validate an ``(n, d)`` update matrix (real, finite, at least one row); returns it as floats.

    ``check_finite=False`` leaves the NaN/inf scan to the caller (``find_non_finite_row`` names the row)."""
    x = np.asarray(matrix)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise InputError(f"updates must be a non-empty (n_clients, n_params) matrix, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise InputError(f"updates must be real numbers, got dtype {x.dtype}")
    x = x.astype(_float_dtype(x.dtype), copy=False)
    if check_finite and not np.isfinite(x).all():
        find_non_finite_row(x, client_ids=client_ids)
    return x


def find_non_finite_row(x: np.ndarray, *, client_ids: Sequence[str] | None = None) -> None:
    """Raise an ``InputError`` naming the first row of ``x`` with a NaN or inf and its flat index; return
    quietly when every value is finite."""
    finite = np.isfinite(x).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        names = _client_names(x.shape[0], client_ids)
        col = int(np.flatnonzero(~np.isfinite(x[row]))[0])
        raise InputError(f"{names[row]}: update has a non-finite value (NaN or inf) at flat index {col}")


def _check_finite(value: np.ndarray, client: str, key: str) -> None:
    if not np.isfinite(value).all():
        bad = value.size - int(np.count_nonzero(np.isfinite(value)))
        raise InputError(f"{client}: parameter {key!r} has {bad} non-finite value(s) (NaN or inf)")


def _client_names(n: int, client_ids: Sequence[str] | None) -> list[str]:
    if client_ids is None:
        return [f"client {i}" for i in range(n)]
    if len(client_ids) != n:
        raise InputError(f"{len(client_ids)} client ids for {n} updates")
    return [f"client {c!r}" for c in client_ids]


def _float_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
