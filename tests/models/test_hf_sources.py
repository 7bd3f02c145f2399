"""Hugging Face folders: tiny random models built offline, saved, loaded back, compared with the original."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlsecure.artifacts.sources import SourceKind, detect_source, load_source
from mlsecure.errors import ModelLoadError, UnsafeArtifactError
from mlsecure.models import DifferentiableModel, as_model

torch = pytest.importorskip("torch")

MEAN, STD = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "movie", "plot", "very", "the", "was", "not"]


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def _vit_folder(path: Path) -> object:
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.ViTConfig(image_size=8, patch_size=4, num_channels=3, hidden_size=16, num_hidden_layers=1,
                                    num_attention_heads=2, intermediate_size=32, num_labels=3)
    model = transformers.ViTForImageClassification(config).eval()
    model.save_pretrained(str(path))
    (path / "preprocessor_config.json").write_text(json.dumps(
        {"do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": MEAN, "image_std": STD,
         "size": {"height": 8, "width": 8}}))
    return model


def _bert_folder(path: Path) -> tuple[object, object]:
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=32, num_labels=2, pad_token_id=0)
    model = transformers.BertForSequenceClassification(config).eval()
    model.save_pretrained(str(path))
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.post_processor = tokenizers.processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.save(str(path / "tokenizer.json"))
    (path / "tokenizer_config.json").write_text(json.dumps({"pad_token": "[PAD]", "model_max_length": 32}))
    return model, tok


@pytest.mark.slow
def test_image_folder_matches_in_memory_model_and_is_differentiable(tmp_path: Path) -> None:
    original = _vit_folder(tmp_path)
    assert detect_source(tmp_path) is SourceKind.HF_FOLDER
    model = load_source(tmp_path)
    assert isinstance(model, DifferentiableModel)
    assert (model.n_classes, model.input_shape, model.clip_values) == (3, (3, 8, 8), (0.0, 1.0))
    x = np.random.default_rng(1).random((5, 3, 8, 8)).astype(np.float32)
    normalised = (torch.from_numpy(x) - torch.tensor(MEAN).reshape(3, 1, 1)) / torch.tensor(STD).reshape(3, 1, 1)
    with torch.no_grad():
        expected = torch.softmax(original(pixel_values=normalised).logits, dim=1).numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(x.reshape(5, -1)), expected, atol=1e-6)  # flat pixel columns
    in_memory = as_model(original, mean=MEAN, std=STD, clip_values=(0.0, 1.0))
    assert isinstance(in_memory, DifferentiableModel)
    assert in_memory.input_shape == (3, 8, 8)
    np.testing.assert_allclose(in_memory.predict_proba(x), expected, atol=1e-6)

    # gradient of the torch path == central finite differences along a random direction (in float64)
    model.model.double()
    x0 = torch.from_numpy(x[:1]).double().requires_grad_(True)
    model.logits(x0)[0, 1].backward()
    direction = torch.from_numpy(np.random.default_rng(2).normal(size=(1, 3, 8, 8)))
    h = 1e-6
    with torch.no_grad():
        fd = (model.logits(x0 + h * direction)[0, 1] - model.logits(x0 - h * direction)[0, 1]) / (2 * h)
    analytic = float((x0.grad * direction).sum())
    assert analytic == pytest.approx(float(fd), rel=1e-5, abs=1e-8)
    assert abs(analytic) > 1e-6


@pytest.mark.slow
def test_text_folder_matches_in_memory_model_with_padding(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    original, tok = _bert_folder(tmp_path)
    capfd.readouterr()
    model = load_source(tmp_path)
    assert capfd.readouterr().err == ""  # library code never prints (transformers' progress bars are off)
    assert (model.framework, model.n_classes, model.input_shape) == ("transformers", 2, (1,))
    texts = np.array(["the movie was good", "bad plot", "the plot was not very good at all", "movie"], dtype=object)
    expected = []
    with torch.no_grad():
        for text in texts:  # one at a time: no padding, so the batched/padded path is checked against this
            ids = torch.tensor([tok.encode(text).ids])
            expected.append(torch.softmax(original(input_ids=ids).logits, dim=1)[0].numpy())
    np.testing.assert_allclose(model.predict_proba(texts), np.array(expected), atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(texts.reshape(-1, 1)), np.array(expected), atol=1e-5)
    fresh = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))  # no padding set: as_model adds it
    np.testing.assert_allclose(as_model(original, tokenizer=fresh).predict_proba(texts), np.array(expected), atol=1e-5)
    emb = model.embed(texts)
    assert emb.shape == (4, 16)
    with pytest.raises(Exception, match="strings"):
        model.predict_proba(np.array([1.0, 2.0]))


def _write_minimal(path: Path, config: dict[str, object], weights: str) -> None:
    path.mkdir()
    (path / "config.json").write_text(json.dumps(config))
    (path / weights).write_bytes(b"\x80\x02}q\x00.")


BASE = {"model_type": "bert", "architectures": ["BertForSequenceClassification"]}


def test_remote_code_and_pickled_weights_are_refused_before_transformers_runs(tmp_path: Path) -> None:
    base = BASE
    _write_minimal(tmp_path / "remote", {**base, "auto_map": {"AutoModel": "modeling_evil.EvilModel"}},
                   "model.safetensors")
    with pytest.raises(UnsafeArtifactError, match="auto_map"):
        load_source(tmp_path / "remote")
    _write_minimal(tmp_path / "pickled", base, "pytorch_model.bin")
    with pytest.raises(UnsafeArtifactError, match=r"pytorch_model\.bin.*pickle gate"):
        load_source(tmp_path / "pickled")


@pytest.mark.slow
def test_unknown_architectures_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    base = BASE
    _write_minimal(tmp_path / "lm", {**base, "architectures": ["BertForMaskedLM"]}, "model.safetensors")
    with pytest.raises(ModelLoadError, match="not a built-in transformers image or sequence classifier"):
        load_source(tmp_path / "lm")
    _write_minimal(tmp_path / "custom", {"model_type": "evil", "architectures": ["EvilForSequenceClassification"]},
                   "model.safetensors")
    with pytest.raises(ModelLoadError, match="not built into transformers"):
        load_source(tmp_path / "custom")
