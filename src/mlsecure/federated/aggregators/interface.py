"""The aggregator contract: ``Aggregator`` (one ``@final`` entry point) and ``AggregationResult``.

Threat model shared by every robust rule here: ``n`` clients send updates, at most ``f`` of them are
Byzantine (arbitrary vectors, possibly colluding and knowing the honest updates); the server is
honest. Each rule states the ``n`` it needs for its guarantee; ``Aggregator.aggregate_matrix``
refuses fewer clients with an ``AggregatorError`` that says how many are needed.

Finiteness: every input value must be finite, and a NaN or inf is an ``InputError`` naming the client
(and, for named updates, the parameter). A rule that sets ``checks_finite`` proves finiteness inside its
own pass over the data (a sort's extremes, a Gram diagonal, the result of a sum) and raises
``NonFiniteInput`` when it cannot; the base class then runs the per-client scan for the message, so the
happy path reads the data once. Other rules get the scan before ``_aggregate``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Self, TypeVar, final

import numpy as np

from mlsecure.errors import InputError
from mlsecure.federated.updates import (
    Update,
    check_matrix,
    find_non_finite,
    find_non_finite_row,
    split_updates,
    stack_updates,
)


class AggregatorError(InputError):
    """An aggregator cannot run on this input (too few clients for ``f``, bad weights, bad options)."""


T = TypeVar("T")


class NonFiniteInput(Exception):  # a signal between a rule and the base class, never raised to users
    """Raised by a ``checks_finite`` rule whose fused check saw a NaN or inf in its input."""


@dataclass(frozen=True)
class AggregationResult:
    """The aggregate ``(d,)`` and what the rule decided along the way.

    ``selected``: the rows that entered the output (Krum: one; Multi-Krum/Bulyan: the chosen set;
    averaging rules: all). ``scores``: per-client scores where the rule has them (Krum scores,
    Weiszfeld weights), else empty. ``info``: rule-specific numbers (iterations, trimmed count).
    """

    update: np.ndarray
    selected: tuple[int, ...]
    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    info: dict[str, float] = field(default_factory=dict)


class Aggregator(ABC):
    """Combine ``n`` client updates into one. Subclasses implement ``_aggregate`` on a checked matrix.

    ``aggregate_matrix`` owns the invariants for every rule: a real, finite ``(n, d)`` matrix,
    non-negative weights with a positive sum (default: equal), and ``n >= min_clients()``.
    """

    name: ClassVar[str]
    uses_weights: ClassVar[bool] = False  # True when the rule honours per-client weights
    checks_finite: ClassVar[bool] = False  # True when _aggregate raises NonFiniteInput on NaN/inf itself
    coordinatewise: ClassVar[bool] = False  # True when _aggregate_columns works on one parameter at a time

    @classmethod
    def from_config(cls, *, f: int) -> Self:
        """The rule configured to tolerate ``f`` Byzantine clients (the registry builds with this)."""
        return cls()

    def min_clients(self) -> int:
        """The smallest ``n`` this configuration accepts."""
        return 1

    def requirement(self) -> str:
        """Why ``min_clients`` is what it is, for error messages (e.g. ``"n > 2f + 2"``)."""
        return "n >= 1"

    @final
    def aggregate_matrix(self, updates: np.ndarray, weights: Sequence[float] | np.ndarray | None = None, *,
                         client_ids: Sequence[str] | None = None) -> AggregationResult:
        """Aggregate the rows of ``updates`` (shape ``(n, d)``); weights (``(n,)``) as for FedAvg."""
        x = check_matrix(updates, client_ids=client_ids, check_finite=not self.checks_finite)
        w = self._checked(x.shape[0], weights)
        return self._run(lambda: self._aggregate(x, w), lambda: find_non_finite_row(x, client_ids=client_ids))

    @final
    def aggregate(self, updates: Sequence[Update], weights: Sequence[float] | np.ndarray | None = None, *,
                  client_ids: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Aggregate named updates (``dict[str, np.ndarray]`` per client) into one named update.

        Keys, shapes and dtypes are checked against the first client. A coordinate-wise rule works one
        parameter at a time on the clients' own arrays (no ``(n, d)`` copy); the others get the stacked
        matrix. Either way the result equals ``aggregate_matrix`` on the stacked matrix."""
        def locate() -> None:
            find_non_finite(updates, client_ids=client_ids)

        if not self.coordinatewise:
            x, layout = stack_updates(updates, client_ids=client_ids, check_finite=not self.checks_finite)
            w = self._checked(x.shape[0], weights)
            return layout.unflatten(self._run(lambda: self._aggregate(x, w), locate).update, copy=False)
        parts, layout = split_updates(updates, client_ids=client_ids)
        w = self._checked(len(parts), weights)
        if not self.checks_finite:
            locate()
        dtype = layout.dtype_of(parts[0])

        def columns() -> dict[str, np.ndarray]:
            return {key: self._aggregate_columns([row[j] for row in parts], w, dtype).reshape(shape)
                    for j, (key, shape) in enumerate(zip(layout.keys, layout.shapes, strict=True))}

        return self._run(columns, locate)

    def _checked(self, n: int, weights: Sequence[float] | np.ndarray | None) -> np.ndarray:
        if n < self.min_clients():
            raise AggregatorError(f"{self.name} needs at least {self.min_clients()} clients ({self.requirement()}), "
                                  f"got {n}")
        return _check_weights(weights, n)

    def _run(self, compute: Callable[[], T], locate: Callable[[], None]) -> T:
        try:
            return compute()
        except NonFiniteInput:
            locate()  # raises the InputError that names the client and the parameter
            raise InputError("an update has a non-finite value (NaN or inf)") from None

    def _aggregate_columns(self, columns: Sequence[np.ndarray], w: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """Coordinate-wise rules: the aggregate of one parameter from each client's raveled array for it
        (``columns[i]``, all of one length ``m``, any real dtype) as an ``(m,)`` array of ``dtype``."""
        return self._aggregate(np.stack(columns).astype(dtype, copy=False), w).update

    @abstractmethod
    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        """``x``: checked ``(n, d)`` floats; ``w``: ``(n,)`` non-negative weights summing to 1."""

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({settings})"


class ByzantineRobust(Aggregator):
    """A rule configured by ``f``, the number of Byzantine clients it tolerates when ``n`` satisfies
    ``needs``: ``(slope, offset, text)`` for ``n >= slope * f + offset``."""

    needs: ClassVar[tuple[int, int, str]] = (2, 1, "n >= 2f + 1")

    def __init__(self, *, f: int = 0) -> None:
        self.f = check_f(self.name, f)

    @classmethod
    def from_config(cls, *, f: int) -> Self:
        return cls(f=f)

    def min_clients(self) -> int:
        slope, offset, _ = self.needs
        return slope * self.f + offset

    def requirement(self) -> str:
        return f"{self.needs[2]} with f={self.f}"


def check_f(name: str, f: int) -> int:
    """``f`` as a non-negative int, or an ``AggregatorError``."""
    if isinstance(f, bool) or not isinstance(f, (int, np.integer)) or f < 0:
        raise AggregatorError(f"{name}: the number of Byzantine clients f must be a non-negative integer, got {f!r}")
    return int(f)


def _check_weights(weights: Sequence[float] | np.ndarray | None, n: int) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise AggregatorError(f"expected {n} client weights, got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise AggregatorError("client weights must be finite and non-negative")
    total = float(w.sum())
    if total <= 0:
        raise AggregatorError("client weights sum to zero")
    return w / total
