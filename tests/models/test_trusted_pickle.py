"""Full pickled torch modules (``torch.save(model)``): refused with the --trust-module hint, loaded only with
the globals the scan cleared, and the trust recorded in the report."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from mlsecure.artifacts.gate import check_trusted_modules, ensure_safe
from mlsecure.artifacts.load import load_model
from mlsecure.errors import InputError, UnsafeArtifactError

torch = pytest.importorskip("torch")

NETS = textwrap.dedent('''
    import torch


    class TinyNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))

        def forward(self, x):
            return self.net(x.flatten(1))


    class Extra(torch.nn.Module):
        def forward(self, x):
            return x
''')


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, code: str = NETS) -> ModuleType:
    (tmp_path / f"{name}.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


@pytest.fixture
def nets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return _module(tmp_path, monkeypatch, "mls_trust_nets")


def _saved(tmp_path: Path, obj: Any, name: str = "full.pt") -> Path:
    path = tmp_path / name
    torch.save(obj, path)
    return path


def test_refusal_names_the_module_to_trust_and_trust_loads_the_same_module(tmp_path: Path, nets: ModuleType) -> None:
    torch.manual_seed(0)
    original = nets.TinyNet().eval()
    path = _saved(tmp_path, original)
    with pytest.raises(UnsafeArtifactError) as refused:
        load_model(path, n_features=6)
    first = str(refused.value).splitlines()[0]
    assert "imports mls_trust_nets.TinyNet" in first
    assert "--trust-module mls_trust_nets" in first

    model = load_model(path, n_features=6, trust_modules=["mls_trust_nets"])
    assert type(model.module).__name__ == "TinyNet"
    assert model.input_shape == (6,)
    x = np.random.default_rng(0).random((4, 6)).astype(np.float32)
    with torch.no_grad():
        expected = torch.softmax(original(torch.from_numpy(x)), dim=1).numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)
    # a trusted submodule name also covers the module: "mls_trust_nets.sub" does not, the parent does
    with pytest.raises(UnsafeArtifactError):
        load_model(path, n_features=6, trust_modules=["mls_trust_nets.sub"])


def test_a_module_of_allowlisted_torch_classes_loads_without_trust(tmp_path: Path) -> None:
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(4, 2)).eval()
    model = load_model(_saved(tmp_path, seq), n_features=4)
    x = np.ones((2, 4), np.float32)
    with torch.no_grad():
        expected = torch.softmax(seq(torch.from_numpy(x)), dim=1).numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)


def test_the_loader_resolves_only_the_globals_the_scan_cleared(tmp_path: Path, nets: ModuleType) -> None:
    from mlsecure.artifacts.trusted_pickle import load_torch_pickle

    path = _saved(tmp_path, nets.TinyNet())
    cleared = ensure_safe(path, ("mls_trust_nets",), trustable=True)
    assert ("mls_trust_nets", "TinyNet") in cleared
    assert isinstance(load_torch_pickle(path, cleared), nets.TinyNet)
    without = [g for g in cleared if g != ("mls_trust_nets", "TinyNet")]
    with pytest.raises(UnsafeArtifactError, match="TinyNet"):
        load_torch_pickle(path, without)  # torch's weights_only unpickler has no way to reach the class


class _Boom:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return os.system, ("echo never-run",)


def test_trust_never_waives_code_execution_or_other_modules(tmp_path: Path, nets: ModuleType,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    evil = _saved(tmp_path, {"model": nets.TinyNet(), "x": _Boom()}, "evil.pt")
    with pytest.raises(UnsafeArtifactError) as refused:
        load_model(evil, n_features=6, trust_modules=["mls_trust_nets"])
    assert "system" in str(refused.value) and "--trust-module" not in str(refused.value)

    other = _module(tmp_path, monkeypatch, "mls_trust_other")
    mixed = _saved(tmp_path, torch.nn.Sequential(nets.TinyNet(), other.Extra()), "mixed.pt")
    with pytest.raises(UnsafeArtifactError, match=r"--trust-module mls_trust_other \(") as refused:
        load_model(mixed, n_features=6, trust_modules=["mls_trust_nets"])
    assert "mls_trust_nets.TinyNet" not in str(refused.value).splitlines()[0]
    loaded = load_model(mixed, n_features=6, trust_modules=["mls_trust_nets", "mls_trust_other"])
    assert [type(m).__name__ for m in loaded.module] == ["TinyNet", "Extra"]


def test_a_legacy_pickle_refusal_does_not_offer_trust(tmp_path: Path, nets: ModuleType) -> None:
    legacy = tmp_path / "legacy.pt"
    torch.save(nets.TinyNet(), legacy, _use_new_zipfile_serialization=False)  # a raw pickle: the sklearn gate
    with pytest.raises(UnsafeArtifactError) as refused:
        load_model(legacy, n_features=6, trust_modules=["mls_trust_nets"])
    assert "--trust-module" not in str(refused.value)


def test_a_class_pickled_from_main_gets_the_state_dict_advice(tmp_path: Path, nets: ModuleType,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    script_class = type("ScriptNet", (nets.TinyNet,), {"__module__": "__main__"})
    monkeypatch.setattr(sys.modules["__main__"], "ScriptNet", script_class, raising=False)
    path = _saved(tmp_path, script_class())  # what torch.save(model) writes from `python train.py`
    with pytest.raises(UnsafeArtifactError, match=r"__main__.*--model-class") as refused:
        load_model(path, n_features=6)
    assert "--trust-module" not in str(refused.value)


@pytest.mark.parametrize("name", ["os", "builtins", "__main__", "subprocess.run", "torch.hub", "not a module", ""])
def test_modules_that_can_never_be_trusted(name: str) -> None:
    with pytest.raises(InputError, match="trust-module"):
        check_trusted_modules([name])
    assert check_trusted_modules("pkg.models") == ("pkg.models",)  # one string is one module, not its letters


def test_session_records_the_trust_and_the_refusal_fails_with_the_hint(tmp_path: Path, nets: ModuleType) -> None:
    import mlsecure

    torch.manual_seed(0)
    path = _saved(tmp_path, nets.TinyNet())
    x = np.random.default_rng(0).random((30, 6)).astype(np.float32)
    data = (x, np.arange(30) % 3)
    refused = mlsecure.scan(path, data, checks="artifact-scan")
    gate = [f for f in refused.findings if f.id == "SCAN-003"]
    assert gate and "--trust-module mls_trust_nets" in gate[0].evidence["refusal"]
    assert gate[0].severity.value == "high"

    report = mlsecure.scan(path, data, checks="artifact-scan", trust_modules=["mls_trust_nets"])
    ids = sorted(f.id for f in report.findings)
    assert ids == ["ART-003", "SUP-002"]
    record = next(f for f in report.findings if f.id == "SUP-002")
    assert record.evidence == {"trusted_modules": ["mls_trust_nets"], "trusted_globals": ["mls_trust_nets.TinyNet"]}


def test_cli_trust_module_flag(tmp_path: Path, nets: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.cli.main import main

    path = _saved(tmp_path, nets.TinyNet())
    csv = tmp_path / "d.csv"
    rows = np.random.default_rng(0).random((20, 6))
    csv.write_text("a,b,c,d,e,f,label\n" + "\n".join(",".join(f"{v:.4f}" for v in r) + f",{i % 3}"
                                                     for i, r in enumerate(rows)))
    assert main(["scan", "--model", str(path), "--data", str(csv), "--scan", "artifact-scan", "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "--trust-module mls_trust_nets" in err
    rc = main(["scan", "--model", str(path), "--data", str(csv), "--scan", "artifact-scan", "--format", "json",
               "--trust-module", "mls_trust_nets"])
    out = capsys.readouterr().out
    assert rc == 0
    assert '"SUP-002"' in out
    assert main(["scan", "--model", str(path), "--trust-module", "os"]) == 2
