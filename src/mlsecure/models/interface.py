"""The ``Model`` protocol and the few helpers every capability needs on top of it.

Shapes: ``predict_proba(x)`` takes ``x`` of shape ``(n, *input_shape)`` and returns ``(n, n_classes)``
probabilities (rows sum to 1). ``DifferentiableModel.logits`` takes a torch tensor on ``device`` and
returns ``(n, n_classes)`` logits, so gradient attacks never leave the model's device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from mlsecure.errors import InputError

if TYPE_CHECKING:
    import torch


class AdapterAttributes:
    """The read-only ``Model`` attributes an adapter stores at construction (``_n_classes``, ``_input_shape``,
    ``_clip_values``, ``_classes``): one definition for every adapter instead of a copy in each."""

    _n_classes: int
    _input_shape: tuple[int, ...]
    _clip_values: tuple[float, float] | None
    _classes: np.ndarray | None

    @property
    def n_classes(self) -> int:
        return self._n_classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._input_shape

    @property
    def clip_values(self) -> tuple[float, float] | None:
        return self._clip_values

    @property
    def classes(self) -> np.ndarray | None:
        return self._classes


@runtime_checkable
class Model(Protocol):
    """Anything that maps a batch of inputs to class probabilities."""

    @property
    def n_classes(self) -> int: ...

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample, without the batch dimension."""
        ...

    @property
    def clip_values(self) -> tuple[float, float] | None:
        """Valid input range ``(min, max)``, or ``None`` when unbounded."""
        ...

    @property
    def classes(self) -> np.ndarray | None:
        """The original label values in output-column order, when the model knows them."""
        ...

    @property
    def framework(self) -> str: ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class DifferentiableModel(Model, Protocol):
    """A model with a torch forward pass, for white-box (gradient) attacks."""

    @property
    def device(self) -> torch.device: ...

    def logits(self, x: torch.Tensor) -> torch.Tensor: ...


class ModelProxy:
    """A model seen through a wrapper (attack-time transforms such as EoT, BPDA, range normalisation): the
    description of the inner model is passed through; subclasses override what they change."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner

    @property
    def n_classes(self) -> int:
        return self.inner.n_classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.inner.input_shape

    @property
    def clip_values(self) -> tuple[float, float] | None:
        return self.inner.clip_values

    @property
    def classes(self) -> np.ndarray | None:
        return self.inner.classes

    @property
    def framework(self) -> str:
        return self.inner.framework


def predict_labels(model: Model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Arg-max class indices, computed in batches to bound memory."""
    out = [model.predict_proba(x[i : i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)


def encode_labels(model: Model, y: np.ndarray) -> np.ndarray:
    """Map label values onto the model's output-column indices.

    Models that know their label values (scikit-learn's ``classes_``) map through them; others take
    integer labels in ``[0, n_classes)`` as column indices. Unknown labels are an ``InputError``.
    """
    classes = model.classes
    if classes is not None:
        index = {v.item() if hasattr(v, "item") else v: i for i, v in enumerate(classes)}
        try:
            return np.fromiter((index[v.item() if hasattr(v, "item") else v] for v in y), np.int64, len(y))
        except KeyError as exc:
            raise InputError(
                f"label {exc.args[0]!r} is not one of the model's classes {list(index)[:10]}"
            ) from None
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.number) or np.any(np.asarray(y, float) % 1 != 0):
        raise InputError("labels must be integer class indices for a model that does not name its classes")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= model.n_classes):
        raise InputError(f"labels range {y.min()}..{y.max()} but the model has {model.n_classes} classes")
    return y


def softmax(z: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


def as_batch(x: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """``x`` as ``(n, *input_shape)``: flat rows of the right size are reshaped, anything else is an error."""
    if x.shape[1:] == input_shape:
        return x
    if int(np.prod(x.shape[1:])) == int(np.prod(input_shape)):
        return x.reshape((len(x), *input_shape))
    raise InputError(f"inputs have shape {x.shape[1:]} per sample but the model expects {input_shape}")
