"""EoT and BPDA wrappers, the AutoAttack cascade and the transfer attack."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.adaptive import BPDA, EoT  # noqa: E402
from mlsecure.robustness.attacks.apgd import APGD  # noqa: E402
from mlsecure.robustness.attacks.autoattack import AutoAttack  # noqa: E402
from mlsecure.robustness.attacks.pgd import PGD  # noqa: E402
from mlsecure.robustness.attacks.transfer import Transfer  # noqa: E402
from mlsecure.robustness.evaluate import evaluate_robustness  # noqa: E402


def _quantise(x: torch.Tensor) -> torch.Tensor:
    return torch.round(x * 4) / 4


def test_bpda_recovers_gradients_through_quantisation(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    x, y = test.x[:100], test.y[:100]
    inner = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))

    class Defended(torch.nn.Module):
        def forward(self, v: torch.Tensor) -> torch.Tensor:
            return digits_mlp(_quantise(v))

    masked = as_model(Defended(), input_shape=(64,), clip_values=(0.0, 1.0))
    bpda = BPDA(inner, preprocess=_quantise)
    # the same defended function: identical predictions
    np.testing.assert_allclose(bpda.predict_proba(x), masked.predict_proba(x), atol=1e-6)
    naive = PGD(eps=0.3, steps=20).attack(masked, x, y)
    adaptive = PGD(eps=0.3, steps=20).attack(bpda, x, y)
    # round() has zero gradient: plain PGD is stuck at its random start; BPDA breaks the defence
    assert adaptive.robust_accuracy < naive.robust_accuracy - 0.3
    # judged on the real defended model
    np.testing.assert_array_equal(masked.predict_proba(adaptive.x_adv).argmax(1), adaptive.adv_pred)


def test_eot_averages_a_randomized_model(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    det = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    xt = torch.from_numpy(test.x[:20])
    torch.testing.assert_close(EoT(det, samples=4).logits(xt), det.logits(xt))  # deterministic: unchanged

    class Noisy(torch.nn.Module):
        def forward(self, v: torch.Tensor) -> torch.Tensor:
            return digits_mlp(v + 0.2 * torch.randn_like(v))

    noisy = as_model(Noisy(), input_shape=(64,), clip_values=(0.0, 1.0))
    torch.manual_seed(0)
    with torch.no_grad():
        one = torch.stack([noisy.logits(xt[:1]) for _ in range(30)]).var(dim=0).mean()
        avg = torch.stack([EoT(noisy, samples=16).logits(xt[:1]) for _ in range(30)]).var(dim=0).mean()
    assert float(avg) < float(one) / 8  # variance of a 16-sample mean: 1/16 of one draw's


def test_autoattack_cascade_is_at_least_as_strong_as_each_part(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    model = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    x, y = test.x[:50], test.y[:50]
    aa = AutoAttack(eps=0.08, square_queries=200).attack(model, x, y)
    ce = APGD(eps=0.08).attack(model, x, y)
    assert aa.robust_accuracy <= ce.robust_accuracy
    assert (aa.distance <= 0.08 + 1e-6).all()


def test_transfer_from_a_surrogate(digits_split, digits_mlp, digits_logreg) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    x, y = test.x[:100], test.y[:100]
    victim = as_model(digits_logreg, clip_values=(0.0, 1.0))
    surrogate = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    result = Transfer(surrogate=surrogate, eps=0.2).attack(victim, x, y)
    assert result.robust_accuracy < result.clean_correct.mean() - 0.2  # adversarial examples transfer
    ev = evaluate_robustness(victim, x[:40], y[:40], epsilons=[0.2], attacks=("transfer", "fgsm"), validity=False,
                             settings={"transfer": {"surrogate": surrogate}})
    assert ev.applied["transfer"].startswith("transfer")
