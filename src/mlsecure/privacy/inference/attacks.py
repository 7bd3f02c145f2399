"""Membership-inference attacks: each turns model outputs into one score per record (higher = member).

Threat model: black-box query access to the target's probabilities (logits when the target is a torch
model), the record and its label; the reference-model attacks also know the data distribution
(here: the audit pool) and the training recipe (approximated, see ``reference``).

``AuditData`` shapes: ``n`` pool records (members then non-members), ``k`` classes, ``K`` reference
models. The family is a registry (``register(name, cls, *, force=False)``); ``ATTACKS`` is filled
explicitly by ``builtin_attacks()``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import stats

from mlsecure.errors import ConfigError, InputError
from mlsecure.plugins import PluginRegistry
from mlsecure.privacy.inference.reference import ModelOutputs, ReferenceSet
from mlsecure.privacy.inference.signals import (
    max_confidence,
    neg_entropy,
    neg_loss,
    neg_modified_entropy,
    true_class_prob,
)


@dataclass(frozen=True)
class AuditData:
    """Everything an attack may use. ``population`` indexes known non-members (RMIA's ``z``)."""

    target: ModelOutputs
    y: np.ndarray  # (n,) class indices
    refs: ReferenceSet | None
    population: np.ndarray  # (m,) indices into the pool


class MembershipAttack(ABC):
    """One attack. ``needs_references`` attacks get ``data.refs`` non-None."""

    name: ClassVar[str]
    title: ClassVar[str]
    needs_references: ClassVar[bool] = False

    @abstractmethod
    def score(self, data: AuditData) -> np.ndarray:
        """``(n,)`` membership scores for the pool."""


class LossAttack(MembershipAttack):
    """Loss threshold (Yeom et al. 2018, arXiv:1709.01604): score ``log p_y``."""

    name = "loss"
    title = "Loss threshold"

    def score(self, data: AuditData) -> np.ndarray:
        return neg_loss(data.target.probs, data.y)


class ConfidenceAttack(MembershipAttack):
    """Top-1 confidence (Salem et al. 2019, arXiv:1806.01246): score ``max_j p_j``."""

    name = "confidence"
    title = "Confidence"

    def score(self, data: AuditData) -> np.ndarray:
        return max_confidence(data.target.probs)


class EntropyAttack(MembershipAttack):
    """Prediction entropy (Salem et al. 2019): score ``-H(p)``."""

    name = "entropy"
    title = "Entropy"

    def score(self, data: AuditData) -> np.ndarray:
        return neg_entropy(data.target.probs)


class ModifiedEntropyAttack(MembershipAttack):
    """Label-aware modified entropy (Song & Mittal 2021, arXiv:2003.10595)."""

    name = "mentr"
    title = "Modified entropy"

    def score(self, data: AuditData) -> np.ndarray:
        return neg_modified_entropy(data.target.probs, data.y)


class ShadowAttack(MembershipAttack):
    """Shadow models (Shokri et al. 2017, arXiv:1610.05820).

    The reference models act as shadows: for every shadow and pool record the features (sorted top-3
    probabilities, ``log p_y``, LiRA's scaled logit) are labelled IN/OUT by the shadow's training
    mask, an attack classifier (gradient-boosted trees, one for all classes) learns IN vs OUT, and is
    applied to the target's features.
    """

    name = "shadow"
    title = "Shadow models (Shokri 2017)"
    needs_references = True

    def score(self, data: AuditData) -> np.ndarray:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # ships no stubs

        refs = _refs(data)
        feats = np.concatenate([_features(refs.probs[j], refs.signal[j], data.y) for j in range(refs.n_models)])
        labels = refs.in_mask.reshape(-1).astype(int)
        clf = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, random_state=0)
        with threadpool_limits(limits=1):  # OpenMP threads on a shared, busy machine only contend
            clf.fit(feats, labels)
            out: np.ndarray = clf.predict_proba(_features(data.target.probs, data.target.signal, data.y))[:, 1]
        return out


class LiraOffline(MembershipAttack):
    """Offline LiRA (Carlini et al. 2022, arXiv:2112.03570, Alg. 1 offline).

    Fit ``N(mu_out, sigma_out^2)`` to the OUT models' scaled logits of each record; score the one-sided
    test statistic ``(phi - mu_out) / sigma_out``. ``sigma`` is global (pooled) unless every record
    has at least ``per_example_min`` OUT models (few models: a global variance is better).
    """

    name = "lira_offline"
    title = "LiRA offline (Carlini 2022)"
    needs_references = True
    per_example_min: ClassVar[int] = 32

    def score(self, data: AuditData) -> np.ndarray:
        refs = _refs(data)
        mu, sd = _gaussian_fit(refs.signal, ~refs.in_mask, self.per_example_min)
        out: np.ndarray = (data.target.signal - mu) / sd
        return out


class LiraOnline(MembershipAttack):
    """Online LiRA: likelihood ratio of ``N(mu_in, sigma_in^2)`` vs ``N(mu_out, sigma_out^2)``."""

    name = "lira_online"
    title = "LiRA online (Carlini 2022)"
    needs_references = True
    per_example_min: ClassVar[int] = 32

    def score(self, data: AuditData) -> np.ndarray:
        refs = _refs(data)
        mu_in, sd_in = _gaussian_fit(refs.signal, refs.in_mask, self.per_example_min)
        mu_out, sd_out = _gaussian_fit(refs.signal, ~refs.in_mask, self.per_example_min)
        phi = data.target.signal
        out: np.ndarray = stats.norm.logpdf(phi, mu_in, sd_in) - stats.norm.logpdf(phi, mu_out, sd_out)
        return out


class Rmia(MembershipAttack):
    """RMIA (Zarifzadeh et al. 2024, arXiv:2312.03262), online: all reference models give ``Pr(x)``.

    ``LR(x, z) = (Pr(x|theta) / Pr(x)) / (Pr(z|theta) / Pr(z))`` with ``Pr(.|theta)`` the target's
    probability of the true label and ``Pr(.)`` its mean over reference models; the score is the
    fraction of population records ``z`` (known non-members) with ``LR(x, z) >= gamma``.
    """

    name = "rmia"
    title = "RMIA (Zarifzadeh 2024)"
    needs_references = True
    gamma: ClassVar[float] = 1.0

    def score(self, data: AuditData) -> np.ndarray:
        refs = _refs(data)
        p_ref = np.stack([true_class_prob(refs.probs[j], data.y) for j in range(refs.n_models)]).mean(axis=0)
        return _rmia_scores(true_class_prob(data.target.probs, data.y), p_ref, data.population, self.gamma)


class RmiaOffline(MembershipAttack):
    """RMIA offline: only OUT models, ``Pr(x) = ((1 + a) Pr_OUT(x) + (1 - a)) / 2`` (paper eq. 8, a=0.3)."""

    name = "rmia_offline"
    title = "RMIA offline (Zarifzadeh 2024)"
    needs_references = True
    gamma: ClassVar[float] = 1.0
    a: ClassVar[float] = 0.3

    def score(self, data: AuditData) -> np.ndarray:
        refs = _refs(data)
        p = np.stack([true_class_prob(refs.probs[j], data.y) for j in range(refs.n_models)])
        out_mask = ~refs.in_mask
        p_out = (p * out_mask).sum(axis=0) / np.maximum(out_mask.sum(axis=0), 1)
        p_ref = 0.5 * ((1.0 + self.a) * p_out + (1.0 - self.a))
        return _rmia_scores(true_class_prob(data.target.probs, data.y), p_ref, data.population, self.gamma)


def _rmia_scores(p_target: np.ndarray, p_ref: np.ndarray, population: np.ndarray, gamma: float) -> np.ndarray:
    if len(population) == 0:
        raise InputError("RMIA needs population (non-member) records")
    ratio = np.clip(p_target, 1e-30, None) / np.clip(p_ref, 1e-30, None)
    z = np.sort(ratio[population])
    out: np.ndarray = np.searchsorted(z, ratio / gamma, side="right") / len(z)
    # ties at the top (many records above every z) are broken by the ratio itself, monotonically
    return np.asarray(out + 1e-9 * np.tanh(np.log(ratio)), dtype=np.float64)


def _refs(data: AuditData) -> ReferenceSet:
    if data.refs is None:
        raise ConfigError("this attack needs reference models")
    return data.refs


def _features(probs: np.ndarray, signal: np.ndarray, y: np.ndarray) -> np.ndarray:
    top = -np.sort(-probs, axis=1)[:, :3]
    return np.column_stack([top, neg_loss(probs, y), signal])


def _gaussian_fit(signal: np.ndarray, mask: np.ndarray, per_example_min: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-record mean over the masked models; per-record or pooled standard deviation."""
    count = mask.sum(axis=0)
    if np.any(count == 0):
        raise ConfigError("some records have no IN or OUT reference model; use at least 2 reference models")
    mu = (signal * mask).sum(axis=0) / count
    resid = np.where(mask, signal - mu, 0.0)
    if count.min() >= per_example_min:
        sd = np.sqrt((resid**2).sum(axis=0) / np.maximum(count - 1, 1))
    else:
        dof = max(int(mask.sum()) - signal.shape[1], 1)
        sd = np.full(signal.shape[1], np.sqrt((resid**2).sum() / dof))
    return mu, np.maximum(sd, 1e-6)


def builtin_attacks() -> tuple[type[MembershipAttack], ...]:
    return (LossAttack, ConfidenceAttack, EntropyAttack, ModifiedEntropyAttack, ShadowAttack, LiraOffline,
            LiraOnline, Rmia, RmiaOffline)


_attacks: PluginRegistry[type[MembershipAttack]] = PluginRegistry(
    "membership attack", MembershipAttack, lambda: {cls.name: cls for cls in builtin_attacks()})
register = _attacks.register
unregister = _attacks.unregister
attacks = _attacks.classes  # name to attack class, the built-ins first


def get_attack(name: str) -> MembershipAttack:
    return _attacks.get(name)()
