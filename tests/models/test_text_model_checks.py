"""Text models in the scan: the data's text column is the input, the black-box checks run on strings (or the
model's embeddings), every other model check is skipped with the reason. A keyword model stands in for a
transformers classifier so these tests need no transformers import (test_byom_e2e.py runs a real one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlsecure
from mlsecure.check import TEXT_SKIP
from mlsecure.data.dataset import text_dataset_from_table
from mlsecure.errors import DataFormatError, InputError
from mlsecure.privacy.inference.extraction import DEFAULT_DEFENCES
from mlsecure.privacy.inference.text_extraction import audit_text_extraction

WORDS = ("good", "great", "bad", "awful", "movie", "plot", "the", "was", "very", "not")


class KeywordModel:
    """Class 0 neutral, 1 positive ("good"/"great"), 2 negative ("bad"/"awful"); soft scores from counts."""

    framework = "keywords"
    input_kind = "text"
    n_classes = 3
    input_shape = (1,)
    clip_values = None
    classes = None

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        counts = self.embed(x)
        pos = counts[:, 0] + counts[:, 1]
        neg = counts[:, 2] + counts[:, 3]
        logits = np.stack([np.full(len(counts), 0.5), 2.0 * pos, 2.0 * neg], axis=1)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def embed(self, x: np.ndarray) -> np.ndarray:
        texts = [str(t) for t in np.asarray(x, dtype=object).reshape(-1)]
        return np.array([[t.split().count(w) for w in WORDS] for t in texts], dtype=np.float64)


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(2, 7)))) for _ in range(n)]
    labels = KeywordModel().predict_proba(np.array(texts, dtype=object)).argmax(axis=1)
    return pd.DataFrame({"review": texts, "label": labels})


def test_text_table_is_one_object_column_and_anything_else_is_named() -> None:
    frame = _table(10, 0)
    ds = text_dataset_from_table(frame, source="t.csv")
    assert ds.x.shape == (10, 1) and ds.x.dtype == object
    assert list(ds.x[:, 0]) == list(frame["review"]) and list(ds.y) == list(frame["label"])
    with pytest.raises(InputError, match=r"one text column besides the label, found 2 \(review, id\)"):
        text_dataset_from_table(frame.assign(id=range(10)), source="t.csv")
    with pytest.raises(DataFormatError, match="'score' is numeric"):
        text_dataset_from_table(pd.DataFrame({"score": [1.0, 2.0], "label": [0, 1]}), source="t.csv")


@pytest.mark.slow
def test_text_extraction_copies_a_keyword_model_and_caps_budgets_at_the_pool() -> None:
    pool, evaluation = _table(60, 1), _table(40, 2)
    model = KeywordModel()
    audit = audit_text_extraction(model, pool["review"].to_numpy(object), evaluation["review"].to_numpy(object),
                                  evaluation["label"].to_numpy(), budgets=(10, 1000), defence_budget=500,
                                  hidden=0)
    assert audit.budgets == (10, 60) and audit.defence_budget == 60 and audit.strategies == ("natural",)
    assert audit.equation_fidelity is None
    assert audit.victim_accuracy == 1.0  # the labels are the model's own predictions
    # the victim is a function of word counts, which TF-IDF features carry: a linear surrogate on 60 answers
    # agrees with it on most held-out texts (0.875 measured; chance is 1/3), more than on 10 answers
    curve = audit.curve("natural")
    assert curve[-1].fidelity >= 0.8 and curve[-1].fidelity > curve[0].fidelity
    assert {p.defence for p in audit.points} == {d.name for d in DEFAULT_DEFENCES}
    with pytest.raises(InputError, match="one text column"):
        audit_text_extraction(model, np.zeros((5, 2), dtype=object), np.zeros((5, 2), dtype=object))


@pytest.mark.slow
def test_scan_of_a_text_model_runs_the_black_box_checks_and_skips_the_rest_with_the_reason() -> None:
    report = mlsecure.scan(KeywordModel(), _table(90, 3), _table(90, 4), checks="all", seed=0, options={
        "mia_attacks": "loss,confidence,entropy", "extraction_budgets": "20,60", "extraction_defence_budget": 60})
    assert {"poisoning", "membership-inference", "model-extraction"} <= set(report.checks_run)
    skipped = {s.check: s.reason for s in report.skipped}
    for name in ("adversarial-robustness", "certified-robustness", "model-inversion"):
        assert skipped[name] == TEXT_SKIP
    assert report.metrics["poisoning"]["representation"] == "the text model's last-layer [CLS] embeddings"
    assert report.metrics["model-extraction"]["attacker_pool_size"] == 90
    assert not [f for f in report.findings if f.id.startswith("SCAN-")]


def test_binary_labels_skip_the_calibrated_poisoning_scan_with_the_reason() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"]).assign(label=np.arange(60) % 2)
    report = mlsecure.scan(None, frame, checks="poisoning")
    reason = {s.check: s.reason for s in report.skipped}["poisoning"]
    assert "at least 3 classes" in reason and "--option detectors" in reason
