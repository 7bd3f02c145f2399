"""The loading gate refuses what can run code, without running it, and explains each refusal."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from mlsecure.artifacts.formats import ArtifactFormat, detect_format
from mlsecure.artifacts.load import load_model
from mlsecure.errors import ModelLoadError, UnsafeArtifactError


class _Payload:
    """Pickles to ``os.system('touch MARKER')``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(UnsafeArtifactError, match=r"(posix|os)\.system"):
        load_model(path)
    assert not marker.exists()


def test_full_module_torch_save_is_refused_unless_its_classes_are_allowlisted_or_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "linear.pt"
    torch.save(torch.nn.Linear(4, 2), path)
    assert load_model(path, n_features=4).input_shape == (4,)  # only allowlisted torch.nn classes: loads
    (tmp_path / "mls_gate_head.py").write_text("import torch\n\nclass Head(torch.nn.Linear):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import mls_gate_head  # type: ignore[import-not-found]  # written just above

    custom = tmp_path / "model.pt"
    torch.save(mls_gate_head.Head(4, 2), custom)
    with pytest.raises(UnsafeArtifactError, match="--trust-module mls_gate_head"):
        load_model(custom, n_features=4)


def test_state_dict_is_explained(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "weights.pt"
    torch.save(torch.nn.Linear(4, 2).state_dict(), path)
    with pytest.raises(ModelLoadError, match="state_dict"):
        load_model(path)


def test_text_file_named_model_pt(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    path.write_text("this is not a model\n")
    assert detect_format(path) is ArtifactFormat.UNKNOWN
    with pytest.raises(ModelLoadError, match="not a model format"):
        load_model(path)


def test_framework_mismatch_names_both(tmp_path: Path, digits_logreg: object) -> None:
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps(digits_logreg))
    with pytest.raises(ModelLoadError, match="--framework pytorch but the file is pickle"):
        load_model(path, "pytorch")


def test_load_policy_is_narrower_than_the_scan(tmp_path: Path) -> None:
    """A pandas frame scans clean (its globals are on the scan allowlist) but load_model's restricted
    unpickler refuses it: the load policy admits only what a scikit-learn model and its arrays need."""
    pd = pytest.importorskip("pandas")
    from mlsecure.artifacts.scan import Verdict, scan_file

    path = tmp_path / "frame.pkl"
    path.write_bytes(pickle.dumps(pd.DataFrame({"a": [1.0, 2.0]})))
    assert scan_file(path).verdict is Verdict.SAFE
    with pytest.raises(UnsafeArtifactError, match="not in the load policy"):
        load_model(path)


def test_sklearn_joblib_loads_through_the_load_policy(tmp_path: Path, digits_logreg: object) -> None:
    joblib = pytest.importorskip("joblib")
    path = tmp_path / "model.joblib"
    joblib.dump(digits_logreg, path)
    model = load_model(path)
    assert model.n_classes == 10
