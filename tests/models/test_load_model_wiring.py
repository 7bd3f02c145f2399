"""``load_model`` (the gate every command uses) reaches the new model sources: native booster files, a
state_dict with its class, and a TorchScript file without recorded shape given the data's feature count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsecure.artifacts.load import load_model
from mlsecure.data import load_builtin
from mlsecure.errors import ModelLoadError

torch = pytest.importorskip("torch")


def test_xgboost_json_through_load_model(tmp_path: Path) -> None:
    xgb = pytest.importorskip("xgboost")
    d = load_builtin("digits")
    clf = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(d.x[:400], d.y[:400])
    path = tmp_path / "model.json"
    clf.save_model(str(path))
    model = load_model(path)
    np.testing.assert_allclose(model.predict_proba(d.x[400:420]), clf.predict_proba(d.x[400:420]), atol=1e-6)


def test_torchscript_without_shape_uses_the_data_feature_count(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 10))
    path = tmp_path / "scripted.pt"
    torch.jit.script(net).save(str(path))  # torch's own save: no mlsecure metadata
    with pytest.raises(ModelLoadError, match="input shape"):
        load_model(path)
    model = load_model(path, n_features=64)
    assert model.input_shape == (64,)
    x = np.random.default_rng(0).random((3, 64), dtype=np.float32)
    expected = torch.softmax(net(torch.from_numpy(x)), dim=1).detach().numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)
    with pytest.raises(ModelLoadError, match=r"64.*30|30.*64"):
        load_model(path, n_features=30)


def test_state_dict_with_its_class_through_load_model(tmp_path: Path) -> None:
    code = tmp_path / "net.py"
    code.write_text("import torch\n\n"
                    "class Net(torch.nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n        self.fc = torch.nn.Linear(64, 10)\n\n"
                    "    def forward(self, x):\n        return self.fc(x)\n")
    torch.manual_seed(1)
    fc = torch.nn.Linear(64, 10)
    path = tmp_path / "weights.pt"
    torch.save({"fc.weight": fc.weight.detach(), "fc.bias": fc.bias.detach()}, str(path))
    model = load_model(path, model_code=code, model_class="Net", n_features=64)
    x = np.random.default_rng(1).random((2, 64), dtype=np.float32)
    expected = torch.softmax(fc(torch.from_numpy(x)), dim=1).detach().numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)


def _digits_csv(path: Path, rows: int = 120) -> Path:
    d = load_builtin("digits")
    header = ",".join(f"p{i}" for i in range(64)) + ",label\n"
    pairs = zip(d.x[:rows], d.y[:rows], strict=True)
    body = "".join(",".join(f"{v:.4f}" for v in x) + f",{int(y)}\n" for x, y in pairs)
    path.write_text(header + body)
    return path


@pytest.mark.slow
def test_cli_scan_of_a_plain_scripted_model_infers_its_shape(tmp_path: Path) -> None:
    from mlsecure.cli.main import main

    d = load_builtin("digits")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.from_numpy(d.x)), torch.from_numpy(d.y)).backward()
        opt.step()
    model = tmp_path / "model.pt"
    torch.jit.script(net.eval()).save(str(model))
    data = _digits_csv(tmp_path / "train.csv")
    out = tmp_path / "r.json"
    code = main(["scan", "--scan", "robustness", "--model", str(model), "--framework", "pytorch", "--data", str(data),
                 "--epsilon", "0.03", "--max-samples", "40", "--format", "json", "--output", str(out),
                 "--option", "attacks=fgsm,pgd"])  # the gradient attacks only: they need the inferred shape
    assert code in (0, 1)
    import json

    report = json.loads(out.read_text())
    assert report["metrics"]["adversarial-robustness"]["attacks_run"] == "fgsm, pgd"  # white-box ran
    assert report["metrics"]["adversarial-robustness"]["white_box"] is True
    assert not [f for f in report["findings"] if f["id"].startswith("SCAN-")], report["findings"]


def test_cli_scan_of_a_state_dict_with_its_class(tmp_path: Path) -> None:
    from mlsecure.cli.main import main

    code_file = tmp_path / "net.py"
    code_file.write_text("import torch\n\nclass Net(torch.nn.Sequential):\n    def __init__(self):\n"
                         "        super().__init__(torch.nn.Linear(64, 10))\n")
    torch.manual_seed(2)
    lin = torch.nn.Linear(64, 10)
    weights = tmp_path / "w.pt"
    torch.save({"0.weight": lin.weight.detach(), "0.bias": lin.bias.detach()}, str(weights))
    data = _digits_csv(tmp_path / "d.csv", rows=60)
    out = tmp_path / "r.json"
    # small query budgets (every strategy and defence still runs): what is checked is the class wiring
    code = main(["scan", "--scan", "extraction", "--model", str(weights), "--model-code", str(code_file),
                 "--model-class", "Net", "--data", str(data), "--format", "json", "--output", str(out),
                 "--option", "extraction_budgets=20,60", "--option", "extraction_defence_budget=60"])
    assert code in (0, 1)
    import json

    report = json.loads(out.read_text())
    assert not [f for f in report["findings"] if f["id"].startswith("SCAN-")], report["findings"]
    assert "model-extraction" in report["checks_run"]  # the state dict loaded into Net and was queried
