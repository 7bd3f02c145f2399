"""Issue 18's "done when": each model kind runs ``mlsecure scan --scan all`` end to end from the CLI, and
``mlsecure.scan(...)`` on the in-memory object gives the same findings.

Every kind is a tiny model on 64-feature digits (an HF text classifier on a three-class text table); the
scans use small budgets (``SMALL``; membership runs its reference-free attacks only: reference models on 40
rows of 10 classes would miss classes) so the module takes about three minutes on a loaded 2-core machine.
Findings are compared on id, severity and title (titles carry the measured numbers), leaving out the checks
that read files the in-memory call does not have (model file scanners, the data-file PII audit)
and the SUP-002 trust record.
``APPLIES`` is the table in docs/models.md: which checks ran for each kind (the others were skipped, each
with its reason in the report).
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pd = pytest.importorskip("pandas")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")]

SMALL = ["--max-samples", "40", "--epsilon", "0.1", "--option", "attacks=fgsm,pgd,square", "--option", "queries=100",
         "--option", "n=200", "--option", "n0=20",
         "--option", "mia_attacks=loss,confidence,entropy", "--option", "extraction_budgets=20,60",
         "--option", "extraction_strategies=natural,random", "--option", "extraction_defence_budget=60",
         "--option", "inversion_steps=20"]
OPTIONS = {"attacks": "fgsm,pgd,square", "queries": 100, "n": 200, "n0": 20, "mia_attacks": "loss,confidence,entropy",
           "extraction_budgets": "20,60", "extraction_strategies": "natural,random",
           "extraction_defence_budget": 60, "inversion_steps": 20}

NETS = textwrap.dedent('''
    import torch


    class DigitNet(torch.nn.Module):
        def __init__(self, hidden=16):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))

        def forward(self, x):
            return self.net(x.flatten(1))
''')
MODULE = "mls_byom_e2e_nets"
NUMERIC = {"adversarial-robustness", "certified-robustness", "poisoning", "membership-inference",
           "model-extraction", "model-inversion"}
APPLIES = dict.fromkeys(("torchscript", "state_dict", "trusted_pickle", "hf_image", "keras", "xgboost", "lightgbm",
                         "sklearn_pipeline"), NUMERIC)
APPLIES["hf_text"] = {"poisoning", "membership-inference", "model-extraction"}
WHITE_BOX = {"torchscript", "state_dict", "trusted_pickle", "hf_image", "keras", "sklearn_pipeline"}
"""Kinds whose robustness check runs gradient attacks (a linear scikit-learn pipeline has exact input gradients);
the tree ensembles get the black-box ones."""
TEXT_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "movie", "plot", "very", "the", "was", "not",
              "great", "awful", "fine", "boring"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every kind saved natively (what the CLI reads) next to its in-memory object (what Python passes)."""
    out = tmp_path_factory.mktemp("byom")
    (out / f"{MODULE}.py").write_text(NETS)
    sys.path.insert(0, str(out))
    torch.set_num_threads(1)
    try:
        yield _build(out)
    finally:
        sys.path.remove(str(out))
        sys.modules.pop(MODULE, None)


def _build(out: Path) -> dict[str, Any]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(digits.target))[:240]
    x = (digits.data[order] / 16.0).astype(np.float32)
    y = digits.target[order]
    frame = pd.DataFrame(x, columns=[f"p{i}" for i in range(64)]).assign(label=y)
    frame.iloc[:140].to_csv(out / "train.csv", index=False)
    frame.iloc[140:].to_csv(out / "holdout.csv", index=False)
    xt, yt = torch.from_numpy(x[:140]), torch.from_numpy(y[:140].astype(np.int64))
    kinds: dict[str, Any] = {}

    nets = __import__(MODULE)
    torch.manual_seed(0)
    net = nets.DigitNet()
    _fit(net, lambda b: net(xt[b]), yt)
    scripted = torch.jit.script(net)
    torch.jit.save(scripted, str(out / "scripted.pt"))  # no mlsecure metadata: the shape comes from --data
    kinds["torchscript"] = (["--model", str(out / "scripted.pt")], torch.jit.load(str(out / "scripted.pt")), {})
    torch.save(net.state_dict(), out / "state.pt")
    (out / "nets_code.py").write_text(NETS)
    kinds["state_dict"] = (["--model", str(out / "state.pt"), "--model-code", str(out / "nets_code.py"),
                            "--model-class", "DigitNet"], net, {})
    torch.save(net, out / "full.pt")
    kinds["trusted_pickle"] = (["--model", str(out / "full.pt"), "--trust-module", MODULE], net, {})

    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    vit = transformers.ViTForImageClassification(transformers.ViTConfig(
        image_size=8, patch_size=4, num_channels=1, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, num_labels=10))
    pixels = xt.reshape(-1, 1, 8, 8)
    _fit(vit, lambda b: vit(pixel_values=pixels[b]).logits, yt, epochs=20)
    vit.save_pretrained(str(out / "vit"))
    (out / "vit" / "preprocessor_config.json").write_text(json.dumps(
        {"do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": False, "size": {"height": 8, "width": 8}}))
    kinds["hf_image"] = (["--model", str(out / "vit")], vit, {"clip_values": (0.0, 1.0)})

    xgb = pytest.importorskip("xgboost")
    booster = xgb.XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1).fit(x[:140], y[:140])
    booster.get_booster().save_model(str(out / "d.ubj"))
    kinds["xgboost"] = (["--model", str(out / "d.ubj")], booster, {})
    lgb = pytest.importorskip("lightgbm")
    lgbm = lgb.LGBMClassifier(n_estimators=10, num_leaves=8, n_jobs=1, verbose=-1).fit(x[:140], y[:140])
    lgbm.booster_.save_model(str(out / "d_lgb.txt"))
    kinds["lightgbm"] = (["--model", str(out / "d_lgb.txt")], lgbm, {})

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras was imported on another backend in this process")
    keras.utils.set_random_seed(0)
    km = keras.Sequential([keras.Input((64,)), keras.layers.Dense(16, activation="relu"),
                           keras.layers.Dense(10, activation="softmax")])
    km.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    km.fit(x[:140], y[:140], epochs=20, verbose=0)
    km.save(str(out / "d.keras"))
    kinds["keras"] = (["--model", str(out / "d.keras")], km, {})

    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(x[:140], y[:140])
    joblib.dump(pipe, out / "pipe.joblib")
    kinds["sklearn_pipeline"] = (["--model", str(out / "pipe.joblib")], pipe, {})
    return {"dir": out, "kinds": kinds, "text": _text_kind(out, transformers)}


def _text_kind(out: Path, transformers: Any) -> tuple[list[str], Any, dict[str, Any]]:
    tokenizers = pytest.importorskip("tokenizers")
    from mlsecure.models import as_model

    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(TEXT_VOCAB), hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32, max_position_embeddings=32,
                                     num_labels=3, pad_token_id=0)
    bert = transformers.BertForSequenceClassification(config).eval()
    folder = out / "bert"
    bert.save_pretrained(str(folder))
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel({w: i for i, w in enumerate(TEXT_VOCAB)},
                                                           unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.post_processor = tokenizers.processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"pad_token": "[PAD]", "model_max_length": 32}))
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(TEXT_VOCAB[4:], size=int(rng.integers(2, 8)))) for _ in range(160)]
    labels = [int("good" in t or "great" in t) + int("bad" in t) for t in texts]
    table = pd.DataFrame({"review": texts, "label": labels})
    table.iloc[:80].to_csv(out / "text_train.csv", index=False)
    table.iloc[80:].to_csv(out / "text_holdout.csv", index=False)
    adapter = as_model(bert, tokenizer=tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json")))
    return ["--model", str(folder)], adapter, {}


def _fit(module: Any, forward: Any, y: Any, *, epochs: int = 60, lr: float = 1e-2) -> Any:
    opt = torch.optim.Adam(module.parameters(), lr)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(forward(torch.arange(len(y))), y).backward()
        opt.step()
    return module.eval()


def _file_checks() -> set[str]:
    from mlsecure.check import Requirement
    from mlsecure.scan.registry import all_checks

    files = {Requirement.MODEL_FILE, Requirement.DATA_FILE}
    return {name for name, cls in all_checks().items() if files & cls.requires}


def _comparable(findings: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    skip = _file_checks() | {"artifact-gate"}
    return sorted((f["id"], f["severity"], f["title"]) for f in findings if f.get("check") not in skip)


@pytest.mark.parametrize("kind", [*APPLIES])
def test_each_kind_scans_all_from_the_cli_and_from_python_with_the_same_findings(
        kind: str, built: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    import mlsecure
    from mlsecure.cli.main import main

    out: Path = built["dir"]
    argv, obj, settings = built["text"] if kind == "hf_text" else built["kinds"][kind]
    train, holdout = ("text_train.csv", "text_holdout.csv") if kind == "hf_text" else ("train.csv", "holdout.csv")
    report_path = out / f"{kind}.json"
    rc = main(["scan", "--scan", "all", *argv, "--data", str(out / train), "--holdout", str(out / holdout),
               *SMALL, "--format", "json", "--output", str(report_path), "--force"])
    capsys.readouterr()
    cli = json.loads(report_path.read_text())
    ids = {f["id"] for f in cli["findings"]}
    assert not ids & {"SCAN-001", "SCAN-002", "SCAN-003"}, cli["findings"]  # nothing refused or incomplete
    ran = set(cli["checks_run"])
    assert ran & NUMERIC == APPLIES[kind], (kind, sorted(ran), cli["skipped"])
    if "adversarial-robustness" in ran:
        assert cli["metrics"]["adversarial-robustness"]["white_box"] is (kind in WHITE_BOX)
    failing = any(f["severity"] in ("high", "critical") for f in cli["findings"])
    assert rc == (1 if failing else 0)
    if kind == "trusted_pickle":
        record = next(f for f in cli["findings"] if f["id"] == "SUP-002")
        assert record["evidence"]["trusted_globals"] == [f"{MODULE}.DigitNet"]

    report = mlsecure.scan(obj, pd.read_csv(out / train), pd.read_csv(out / holdout), checks="all", seed=0,
                           max_samples=40, epsilon=0.1, options=OPTIONS, **settings)
    python = [f.to_dict() for f in report.findings]
    assert _comparable(python) == _comparable(cli["findings"])
    assert set(report.checks_run) & NUMERIC == APPLIES[kind]
