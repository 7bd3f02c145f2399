"""Real checkpoints written by the installed libraries: where the pickle allowlist comes from.

``build(folder, full=...)`` writes pickles (protocols 2 and 5), joblib dumps and ``torch.save`` files of
what real users save: fitted scikit-learn estimators (every estimator ``all_estimators()`` lists that
fits on a tiny data set when ``full``; a representative dozen otherwise), NumPy arrays of every dtype
family, random generators, pandas frames/series/indexes of every dtype, SciPy sparse matrices, PyTorch
tensors of every dtype, parameters, state dicts, optimizer state and whole ``nn.Module`` pickles.

``python tests/artifacts_scan/real_checkpoints.py`` prints every global these files import (read by
mlsecure's own VM, nothing is unpickled): the list ``allowlist.py`` was derived from.
"""

from __future__ import annotations

import io
import pickle
import warnings
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FEW_ESTIMATORS = ("LogisticRegression", "RandomForestClassifier", "GradientBoostingClassifier",
                  "HistGradientBoostingClassifier", "DecisionTreeRegressor", "KNeighborsClassifier", "SVC",
                  "StandardScaler", "OneHotEncoder", "PCA", "KMeans", "MLPClassifier", "TfidfVectorizer",
                  "IsolationForest", "GaussianNB", "LinearRegression", "Ridge", "ExtraTreesClassifier")


def build(folder: Path, *, full: bool = False) -> list[Path]:
    """Write real checkpoint files into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for name, obj in _objects(full):
        for proto in (2, 5):
            path = folder / f"{name}.p{proto}.pkl"
            try:
                path.write_bytes(pickle.dumps(obj, protocol=proto))
            except Exception:  # some objects do not pickle at protocol 2
                continue
            out.append(path)
        if name.startswith(("sk_", "np_", "pd_")):
            import joblib

            path = folder / f"{name}.joblib"
            joblib.dump(obj, path)
            out.append(path)
    out.extend(_torch_files(folder))
    return out


def _objects(full: bool) -> list[tuple[str, Any]]:
    objs: list[tuple[str, Any]] = []
    objs += _numpy_objects()
    objs += _stdlib_objects()
    objs += _sklearn_objects(full)
    objs += _pandas_objects()
    objs += _scipy_objects()
    return objs


def _numpy_objects() -> list[tuple[str, Any]]:
    rng = np.random.default_rng(0)
    arrays = {f"np_{d}": np.arange(6).astype(d).reshape(2, 3)
              for d in ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "?", "c8", "c16",
                        "U3", "S3", "M8[ns]", "m8[s]", "O", "g", "G")}
    arrays["np_structured"] = np.zeros(3, dtype=[("a", "i4"), ("b", "f8", (2,))])
    arrays["np_masked"] = np.ma.masked_array([1.0, 2.0], mask=[0, 1])
    arrays["np_matrix"] = np.asmatrix(np.eye(2))
    arrays["np_fortran"] = np.asfortranarray(np.ones((2, 3)))
    arrays["np_scalars"] = [np.float64(1.5), np.int32(3), np.bool_(True), np.str_("x"), np.datetime64("2024-01-01")]
    arrays["np_random"] = [np.random.RandomState(0), rng, np.random.Generator(np.random.MT19937(1)),
                           np.random.Generator(np.random.Philox(2)), np.random.Generator(np.random.SFC64(3)),
                           np.random.Generator(np.random.PCG64DXSM(4)), np.random.SeedSequence(5)]
    arrays["np_dtypes"] = [np.dtype("f8"), np.dtype([("x", "i4")]), type(np.dtype("f8"))]
    return list(arrays.items())


def _stdlib_objects() -> list[tuple[str, Any]]:
    import datetime
    import decimal
    import fractions
    import uuid

    return [("std_containers", [OrderedDict(a=1), Counter("aab"), defaultdict(list, a=[1]), deque([1, 2]),
                                {1, 2}, frozenset({3}), bytearray(b"x"), complex(1, 2), slice(1, 2), range(3),
                                ...]),
            ("std_values", [datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), datetime.date(2024, 1, 1),
                            datetime.time(1, 2), datetime.timedelta(3), decimal.Decimal("1.5"),
                            fractions.Fraction(1, 3), uuid.UUID(int=5)])]


def _sklearn_objects(full: bool) -> list[tuple[str, Any]]:
    from sklearn.utils import all_estimators

    rng = np.random.RandomState(0)
    x = rng.rand(40, 4)
    y = (x[:, 0] > 0.5).astype(int)
    y_reg = x[:, 1] * 3
    texts = ["the cat", "a dog", "the dog", "a cat"] * 10
    out: list[tuple[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cls in all_estimators():
            if not full and name not in FEW_ESTIMATORS:
                continue
            fitted = _fit(cls, x, y, y_reg, texts)
            if fitted is not None:
                out.append((f"sk_{name}", fitted))
    return out


def _fit(cls: Callable[..., Any], x: np.ndarray, y: np.ndarray, y_reg: np.ndarray, texts: list[str]) -> Any:
    try:
        est = cls()
    except TypeError:
        return None
    for data, target in ((x, y), (x, y_reg), (texts, y), (x, None)):
        try:
            return est.fit(data) if target is None else est.fit(data, target)
        except Exception:  # each estimator accepts one of the shapes
            continue
    return est  # unfitted: its class still appears in real pickles


def _pandas_objects() -> list[tuple[str, Any]]:
    import pandas as pd

    frame = pd.DataFrame({
        "i": [1, 2], "f": [1.0, 2.0], "s": ["a", "b"], "b": [True, False],
        "c": pd.Categorical(["x", "y"]), "t": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC"),
        "d": pd.to_timedelta([1, 2], unit="s"), "n": pd.array([1, None], dtype="Int64"),
        "p": pd.period_range("2024-01", periods=2, freq="M"), "iv": pd.interval_range(0, 2),
        "st": pd.array(["u", None], dtype="string"), "bo": pd.array([True, None], dtype="boolean"),
        "fl": pd.array([1.5, None], dtype="Float64"),
    })
    multi = pd.Series([1, 2], index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)]))
    return [("pd_frame", frame), ("pd_series", pd.Series([1.0, 2.0], name="x")), ("pd_multi", multi),
            ("pd_range", pd.RangeIndex(5)), ("pd_dtindex", pd.date_range("2024", periods=3)),
            ("pd_catindex", pd.CategoricalIndex(["a", "b"])), ("pd_timestamp", pd.Timestamp("2024-01-01"))]


def _scipy_objects() -> list[tuple[str, Any]]:
    from scipy import sparse

    dense = np.eye(3)
    mats = [sparse.csr_matrix(dense), sparse.csc_matrix(dense), sparse.coo_matrix(dense), sparse.bsr_matrix(dense),
            sparse.dia_matrix(dense), sparse.dok_matrix(dense), sparse.lil_matrix(dense), sparse.csr_array(dense),
            sparse.csc_array(dense), sparse.coo_array(dense)]
    return [("sp_sparse", mats)]


def _torch_files(folder: Path) -> list[Path]:
    import torch
    from torch import nn

    torch.manual_seed(0)
    tensors = {str(d): torch.zeros(2, dtype=d) for d in (
        torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int8, torch.int16, torch.int32,
        torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128, torch.uint16, torch.uint32,
        torch.uint64, torch.float8_e4m3fn, torch.float8_e5m2)}
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Dropout(),
                          nn.Linear(2, 2), nn.LayerNorm(2), nn.Embedding(3, 2), nn.LSTM(2, 2), nn.GELU(),
                          nn.Softmax(dim=1), nn.MaxPool2d(2), nn.MultiheadAttention(2, 1), nn.Identity())
    optim = torch.optim.Adam(model.parameters())
    model[5](torch.zeros(1, 2)).sum().backward()
    optim.step()
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sgd.step()
    sched = torch.optim.lr_scheduler.StepLR(sgd, 1)
    objs: dict[str, Any] = {
        "tensors": tensors, "state_dict": model.state_dict(), "module": model,
        "optim": {"adam": optim.state_dict(), "sgd": sgd.state_dict(), "sched": sched.state_dict()},
        "misc": [torch.Size([2, 3]), torch.device("cpu"), torch.float32, nn.Parameter(torch.ones(2)),
                 torch.zeros(2, 3).t(), torch.zeros(3)[1:], torch.zeros(2, 2).to_sparse(),
                 torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.quint8),
                 torch.zeros(2, 2).to_sparse_csr(), torch.zeros(1, 2, 2, 2).to(memory_format=torch.channels_last)],
    }
    out = []
    for name, obj in objs.items():
        path = folder / f"torch_{name}.pt"
        torch.save(obj, path)
        out.append(path)
        legacy = folder / f"torch_{name}.legacy.pt"
        buffer = io.BytesIO()
        try:
            torch.save(obj, buffer, _use_new_zipfile_serialization=False)
        except Exception:  # some tensor kinds only save to the zip format
            continue
        legacy.write_bytes(buffer.getvalue())
        out.append(legacy)
    return out


def observed_globals(paths: list[Path]) -> dict[tuple[str, str], set[str]]:
    """Every ``(module, name)`` the files import, read by mlsecure's VM, with the files importing each."""
    from mlsecure.artifacts.scan import scan_file

    seen: dict[tuple[str, str], set[str]] = defaultdict(set)

    def walk(issues: Any, where: str) -> None:
        for issue in issues:
            for module, name in issue.evidence.get("imports", ()):
                seen[(str(module), str(name))].add(where)

    for path in paths:
        walk(scan_file(path).issues, path.name)
    return seen


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp), full="--full" in sys.argv)
        for (module, name), where in sorted(observed_globals(files).items()):
            print(f"{module}\t{name}\t{len(where)}")
