"""NumPy ufuncs referenced by an estimator (``FunctionTransformer(np.log1p)``) are safe; other NumPy callables
are not. Was a false positive: a benign skops pipeline with ``np.log1p`` came out medium ("numpy.log1p is
not on the allowlist") and failed the default ``--fail-on medium``. The allowlist now lists NumPy's public
ufuncs by name, the set skops trusts by default (``NUMPY_UFUNC_TYPE_NAMES`` in skops/io/_trusted_types.py).
"""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_bypass_classes_s4 import _estimator, _skops

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.artifacts.scan.allowlist import ALLOWLIST, NUMPY_UFUNC_NAMES, NUMPY_UFUNCS
from mlsecure.artifacts.scan.policy import classify, load_allowed
from mlsecure.findings import Severity


def _function_node(module: str, name: str) -> dict[str, Any]:
    """What skops 0.16 writes for a function parameter (read from a real dump of FunctionTransformer(np.log1p))."""
    return {"__class__": name, "__module__": module, "__loader__": "FunctionNode", "__id__": 140000000000002}


def _transformer(func: dict[str, Any], inverse: dict[str, Any] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"func": func, **({"inverse_func": inverse} if inverse else {})}
    return {"__class__": "FunctionTransformer", "__module__": "sklearn.preprocessing._function_transformer",
            "__loader__": "ObjectNode",
            "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": content}}


def _public_ufuncs() -> set[str]:
    return {n for n in dir(np) if not n.startswith("_") and isinstance(getattr(np, n), np.ufunc)}


def test_listed_ufuncs_are_exactly_numpys_public_ufuncs() -> None:
    """Both directions: nothing listed is anything but a ufunc, and no public ufunc is missing."""
    assert set(NUMPY_UFUNCS) == _public_ufuncs()
    assert set(NUMPY_UFUNC_NAMES) == {getattr(np, n).__name__ for n in _public_ufuncs()}
    for name in NUMPY_UFUNC_NAMES:
        assert isinstance(getattr(np._core._multiarray_umath, name), np.ufunc)
    assert ("numpy", "frompyfunc") not in ALLOWLIST and ("numpy", "vectorize") not in ALLOWLIST


@pytest.mark.parametrize("func", [("log1p", "expm1"), ("exp", "log"), ("sqrt", "square"), ("absolute", None)])
def test_skops_function_transformer_with_ufuncs_is_safe(tmp_path: Path, func: tuple[str, str | None]) -> None:
    forward, inverse = func
    node = _transformer(_function_node("numpy", forward), _function_node("numpy", inverse) if inverse else None)
    result = scan_file(_skops(tmp_path, _estimator({"preprocess": node})))
    assert result.verdict is Verdict.SAFE, result.issues


@pytest.mark.parametrize(("module", "name", "severity"), [
    ("numpy", "frompyfunc", Severity.MEDIUM),
    ("numpy", "vectorize", Severity.MEDIUM),
    ("numpy", "load", Severity.CRITICAL),
    ("numpy", "fromfile", Severity.CRITICAL),
    ("numpy", "save", Severity.CRITICAL),
    ("numpy", "savez_compressed", Severity.CRITICAL),
    ("numpy.lib.npyio", "loadtxt", Severity.CRITICAL),
    ("numpy.testing", "assert_equal", Severity.CRITICAL),
    ("numpy.f2py", "compile", Severity.CRITICAL),
    ("os", "system", Severity.CRITICAL),
    ("numpy", "log1p.reduce", Severity.HIGH),  # attribute traversal from a ufunc is not the ufunc
    ("numpy.ma", "log1p", Severity.MEDIUM),  # a listed name in another module is not listed
])
def test_skops_function_transformer_with_other_callables_is_flagged(tmp_path: Path, module: str, name: str,
                                                                    severity: Severity) -> None:
    node = _transformer(_function_node("numpy", "log1p"), _function_node(module, name))
    result = scan_file(_skops(tmp_path, _estimator({"preprocess": node})))
    assert result.verdict is not Verdict.SAFE
    assert result.max_severity >= severity
    assert any(i.evidence.get("global") == f"{module}.{name}" for i in result.issues)


def test_pickled_ufunc_is_safe_for_scan_and_load() -> None:
    """One list serves pickle and skops: pickle names a ufunc ``numpy.<__name__>`` (STACK_GLOBAL)."""
    data = pickle.dumps(np.log1p)
    assert b"numpy" in data and b"log1p" in data
    assert classify("numpy", "log1p").safe and load_allowed("numpy", "log1p")
    assert classify("numpy", "abs").safe and classify("numpy._core._multiarray_umath", "sqrt").safe
    assert not classify("numpy", "frompyfunc").safe and not load_allowed("numpy", "frompyfunc")


@pytest.mark.skipif(importlib.util.find_spec("skops") is None, reason="skops not installed (test oracle)")
def test_real_skops_dump_of_log1p_pipeline_is_safe(tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    rng = np.random.default_rng(0)
    model = make_pipeline(FunctionTransformer(np.log1p, inverse_func=np.expm1), StandardScaler(),
                          LogisticRegression()).fit(rng.random((20, 3)), [0, 1] * 10)
    path = tmp_path / "pipeline.skops"
    sio.dump(model, path)
    assert sio.get_untrusted_types(file=path) == []  # skops itself trusts every type in it
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE, result.issues
