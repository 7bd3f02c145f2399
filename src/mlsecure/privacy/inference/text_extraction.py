"""Model extraction of a text classifier: the ``natural`` strategy of ``extraction.py`` on strings.

Threat model as in ``extraction.py``: the attacker sends its own texts to the prediction API and trains a
surrogate on the answers. The attacker has no access to the victim's tokenizer or embeddings, so the
surrogate reads its own features: TF-IDF of word 1-2 grams fitted on the attacker's texts only (the
classic text-stealing baseline, Krishna et al., "Thieves on Sesame Street!", ICLR 2020, arXiv:1910.12366,
section 4 uses bag-of-words surrogates as the floor), then the same softmax MLP/linear surrogate.

Synthetic queries (``random``, ``active``, ``jacobian``, mixups, equation solving) perturb numbers and have
no text counterpart, so only the attacker's real texts are queried: budgets above the attacker's pool are
capped at its size (named in the metrics).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from mlsecure.check import ProgressCallback
from mlsecure.errors import InputError
from mlsecure.models.interface import Model
from mlsecure.privacy.inference.extraction import (
    DEFAULT_BUDGETS,
    DEFAULT_DEFENCES,
    Defence,
    ExtractionAudit,
    ExtractionPoint,
    single_thread,
    train_surrogate,
)

MAX_VOCABULARY = 2048


def audit_text_extraction(model: Model, attacker_x: np.ndarray, eval_x: np.ndarray, eval_y: np.ndarray | None = None,
                          *, budgets: Sequence[int] = DEFAULT_BUDGETS,
                          defences: Sequence[Defence] = DEFAULT_DEFENCES, defence_budget: int = 1000,
                          hidden: int = 64, threshold: float = 0.9, seed: int = 0,
                          progress: ProgressCallback | None = None) -> ExtractionAudit:
    """Fidelity of a surrogate trained on the answers to ``b`` of the attacker's texts, per budget ``b`` and
    per output defence at ``defence_budget`` (both capped at the attacker's pool)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    t0 = time.perf_counter()
    pool_texts, eval_texts = _texts(attacker_x), _texts(eval_x)
    if len(pool_texts) < 2 or len(eval_texts) < 1:
        raise InputError("the extraction audit needs at least 2 attacker texts and 1 evaluation text")
    report = progress or (lambda task, fraction: None)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pool_texts))
    queries = [pool_texts[i] for i in order]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), max_features=MAX_VOCABULARY, sublinear_tf=True)
    pool = vectorizer.fit_transform(queries).toarray().astype(np.float64)
    ev = vectorizer.transform(eval_texts).toarray().astype(np.float64)
    bounds = (pool.min(axis=0), pool.max(axis=0))
    capped = tuple(sorted({min(int(b), len(pool)) for b in budgets if int(b) >= 2}))
    if not capped:
        raise InputError(f"extraction budgets must be integers >= 2, got {tuple(budgets)}")
    def_budget = min(int(defence_budget), len(pool))

    with single_thread():
        report("extraction: natural text queries", 0.0)
        answers = _victim(model, np.asarray(queries, dtype=object))
        victim_eval = _victim(model, np.asarray(eval_texts, dtype=object)).argmax(axis=1)
        victim_acc = float((victim_eval == eval_y).mean()) if eval_y is not None else float("nan")

        def score(x: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
            surrogate = train_surrogate(x, targets, hidden=hidden, seed=seed, bounds=bounds)
            pred = surrogate.predict_proba(ev).argmax(axis=1)
            acc = float((pred == eval_y).mean()) if eval_y is not None else float("nan")
            return float((pred == victim_eval).mean()), acc

        points = [ExtractionPoint("natural", "none", b, *score(pool[:b], answers[:b])) for b in capped]
        if def_budget not in capped:
            points.append(ExtractionPoint("natural", "none", def_budget, *score(pool[:def_budget],
                                                                                answers[:def_budget])))
        others = [d for d in defences if d.name != "none"]
        for j, defence in enumerate(others):
            report(f"extraction: defence {defence.name}", (j + 1) / (len(others) + 1))
            targets = defence.apply(answers[:def_budget], rng)
            points.extend(ExtractionPoint("natural", defence.name, b, *score(pool[:b], targets[:b]))
                          for b in capped if b < def_budget)
            points.append(ExtractionPoint("natural", defence.name, def_budget, *score(pool[:def_budget], targets)))
    report("extraction", 1.0)
    return ExtractionAudit(tuple(points), capped, def_budget, victim_acc, len(ev), len(pool), 0, None,
                           time.perf_counter() - t0, threshold, "mlp" if hidden else "linear", ("natural",))


def _texts(x: np.ndarray) -> list[str]:
    arr = np.asarray(x, dtype=object).reshape(len(x), -1)
    if arr.shape[1] != 1:
        raise InputError(f"a text model's data is one text column, got {arr.shape[1]} columns")
    return [str(v) for v in arr[:, 0]]


def _victim(model: Model, texts: np.ndarray) -> np.ndarray:
    out = [model.predict_proba(texts[i : i + 256]) for i in range(0, len(texts), 256)]
    return np.concatenate(out).astype(np.float64)
