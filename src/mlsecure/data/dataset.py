"""``Dataset``: numeric features plus labels, as attacks and audits consume them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlsecure.data.tables import ARRAY_SUFFIXES, load_array, load_table
from mlsecure.errors import DataFormatError, InputError

if TYPE_CHECKING:
    import pandas as pd

LABEL_NAMES = ("label", "target", "y", "class")


@dataclass(frozen=True)
class Dataset:
    """Features ``x`` of shape ``(n, *sample_shape)`` (float32) and labels ``y`` of shape ``(n,)``."""

    x: np.ndarray
    y: np.ndarray | None
    feature_names: tuple[str, ...] = ()
    label_name: str | None = None
    source: str = "<memory>"
    bounds: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.y is not None and len(self.y) != len(self.x):
            raise InputError(f"{self.source}: {len(self.x)} samples but {len(self.y)} labels")

    def __len__(self) -> int:
        return len(self.x)

    def reshaped(self, sample_shape: tuple[int, ...]) -> Dataset:
        """The same data with each sample reshaped, e.g. 64 columns to a ``(1, 8, 8)`` image."""
        if self.x.shape[1:] == sample_shape:
            return self
        if int(np.prod(self.x.shape[1:])) != int(np.prod(sample_shape)):
            raise InputError(
                f"{self.source}: samples have {int(np.prod(self.x.shape[1:]))} features "
                f"but the model expects shape {sample_shape}"
            )
        return Dataset(self.x.reshape((len(self.x), *sample_shape)), self.y, self.feature_names,
                       self.label_name, self.source, self.bounds)

    def subset(self, index: np.ndarray) -> Dataset:
        y = None if self.y is None else self.y[index]
        return Dataset(self.x[index], y, self.feature_names, self.label_name, self.source, self.bounds)


def load_dataset(path: str | Path, *, label_column: str | None = None, require_labels: bool = True) -> Dataset:
    """Load a table (label column found by name) or an ``.npz`` with ``x``/``y`` arrays."""
    path = Path(path)
    if path.suffix.lower() in ARRAY_SUFFIXES:
        return _dataset_from_arrays(path, require_labels)
    return dataset_from_table(load_table(path), label_column=label_column, source=str(path),
                              require_labels=require_labels)


def dataset_from_table(
    frame: pd.DataFrame, *, label_column: str | None = None, source: str = "<table>", require_labels: bool = True
) -> Dataset:
    """Split a table into numeric features and a label column; non-numeric features are an error."""
    label = _find_label_column(frame, label_column, source, require_labels)
    features = frame.drop(columns=[label]) if label else frame
    non_numeric = [c for c in features.columns if not _is_numeric(features[c])]
    if non_numeric:
        raise DataFormatError(
            f"{source}: column {non_numeric[0]!r} is not numeric; models here need numeric features "
            f"(encode it first, or name it with --label-column if it is the label)"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # a value beyond float32 becomes inf, refused just below
        x = features.to_numpy(dtype=np.float32)
    _check_finite(x, source, [str(c) for c in features.columns])
    y = frame[label].to_numpy() if label else None
    if y is not None and require_labels and frame[label].isna().any():
        row = int(np.flatnonzero(frame[label].isna().to_numpy())[0])
        raise DataFormatError(f"{source}: missing label in column {label!r} at data row {row + 1}")
    return Dataset(x, y, tuple(str(c) for c in features.columns), label, source)


def _check_finite(x: np.ndarray, source: str, columns: list[str] | None = None) -> None:
    """A missing (NaN) or infinite feature value, or one too large for float32, is an error naming the
    column and the row: attacks clip to the data's range and an infinite bound is no range at all."""
    flat = x.reshape(len(x), -1) if x.ndim > 1 else x.reshape(-1, 1)
    bad = ~np.isfinite(flat)
    if not bad.any():
        return
    row, col = (int(i) for i in np.argwhere(bad)[0])
    where = f"column {columns[col]!r}" if columns is not None and col < len(columns) else f"feature {col}"
    if np.isnan(flat[row, col]):
        raise DataFormatError(f"{source}: missing value in {where} at data row {row + 1}")
    raise DataFormatError(f"{source}: infinite value (or one beyond float32's range, 3.4e38) in {where} at data row "
                          f"{row + 1}; features must be finite numbers")


def text_dataset_from_table(frame: pd.DataFrame, *, label_column: str | None = None,
                            source: str = "<table>") -> Dataset:
    """One text column (strings, the input of a text model) and the label column; any other column is an
    error naming it (drop it with --exclude-column)."""
    label = _find_label_column(frame, label_column, source, True)
    features = [c for c in frame.columns if c != label]
    if len(features) != 1:
        shown = ", ".join(map(str, features[:12]))
        raise InputError(f"{source}: a text model takes one text column besides the label, found {len(features)} "
                         f"({shown}); drop the others with --exclude-column")
    column = frame[features[0]]
    if _is_numeric(column):
        raise DataFormatError(f"{source}: column {features[0]!r} is numeric; a text model takes a column of text")
    missing = column.isna().to_numpy()
    if missing.any():
        raise DataFormatError(f"{source}: missing text in column {features[0]!r} at data row "
                              f"{int(np.argmax(missing)) + 1}")
    x = np.asarray([str(v) for v in column], dtype=object).reshape(-1, 1)
    return Dataset(x, frame[label].to_numpy(), (str(features[0]),), label, source)


def _find_label_column(frame: pd.DataFrame, requested: str | None, source: str, required: bool) -> str | None:
    if requested is not None:
        if requested not in frame.columns:
            shown = ", ".join(map(str, frame.columns[:12]))
            raise InputError(f"{source}: no column named {requested!r} (columns: {shown})")
        return requested
    lowered = {str(c).lower(): c for c in frame.columns}
    for name in LABEL_NAMES:
        if name in lowered:
            return str(lowered[name])
    if required:
        raise InputError(
            f"{source}: no label column: expected one named {', '.join(LABEL_NAMES)}, or pass --label-column"
        )
    return None


def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _dataset_from_arrays(path: Path, require_labels: bool) -> Dataset:
    arrays = load_array(path)
    if not isinstance(arrays, dict):
        if require_labels:
            raise InputError(f"{path}: a bare .npy has no labels; save an .npz with arrays 'x' and 'y'")
        return Dataset(_float_features(np.asarray(arrays), path, "the array"), None, source=str(path))
    if "x" not in arrays:
        raise InputError(f"{path}: the .npz needs an array named 'x' (has: {', '.join(arrays)})")
    y = arrays.get("y")
    if y is None and require_labels:
        raise InputError(f"{path}: the .npz needs an array named 'y' with the labels")
    x = _float_features(arrays["x"], path, "x")
    if y is not None and (y.ndim != 1 or len(y) != len(x)):
        raise InputError(f"{path}: 'y' must be one label per sample of 'x': shape {y.shape} for {len(x)} samples")
    return Dataset(x, y, source=str(path))


def _float_features(array: np.ndarray, path: Path, name: str) -> np.ndarray:
    """An array of numeric features (at least one sample, finite values) as float32."""
    if array.dtype.kind not in "biuf" or array.ndim == 0:
        raise DataFormatError(f"{path}: array {name!r} must hold numbers, one row per sample (got dtype "
                              f"{array.dtype}, shape {array.shape})")
    if len(array) == 0:
        raise DataFormatError(f"{path}: array {name!r} has no samples")
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.asarray(array, dtype=np.float32)
    _check_finite(x, f"{path} ({name})")
    return x
