"""Known-answer tests for the attacks: closed forms on linear models, analytic boundary distances."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.attacks.apgd import APGD, APGDT  # noqa: E402
from mlsecure.robustness.attacks.cw import CarliniWagnerL2  # noqa: E402
from mlsecure.robustness.attacks.deepfool import DeepFool  # noqa: E402
from mlsecure.robustness.attacks.fab import FAB  # noqa: E402
from mlsecure.robustness.attacks.fgsm import FGSM  # noqa: E402
from mlsecure.robustness.attacks.fmn import FMN  # noqa: E402
from mlsecure.robustness.attacks.interface import AttackError  # noqa: E402
from mlsecure.robustness.attacks.ops import dlr_loss, dlr_targeted_loss, project  # noqa: E402
from mlsecure.robustness.attacks.pgd import PGD  # noqa: E402
from mlsecure.robustness.attacks.square import Square  # noqa: E402


def _linear_binary(d: int = 5, seed: int = 0):  # type: ignore[no-untyped-def]
    """A binary affine model with logits (0, w.x + b): the decision boundary is w.x + b = 0."""
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(d, generator=g)
    b = torch.randn(1, generator=g) * 0.1
    lin = torch.nn.Linear(d, 1)
    with torch.no_grad():
        lin.weight.copy_(w[None])
        lin.bias.copy_(b)

    class Net(torch.nn.Module):
        def forward(self, x):  # type: ignore[no-untyped-def]
            z = lin(x)
            return torch.cat([torch.zeros_like(z), z], 1)

    return Net().eval(), w.numpy().astype(np.float64), float(b)


def test_fgsm_equals_closed_form_on_a_linear_model() -> None:
    # d CE / dx = (sigmoid(z) - y) * w, so sign(grad) = sign(w) for y=0 and -sign(w) for y=1
    net, w, _ = _linear_binary()
    x = np.random.default_rng(1).uniform(0.2, 0.8, size=(64, 5)).astype(np.float32)
    y = np.random.default_rng(2).integers(0, 2, size=64)
    eps = 0.1
    model = as_model(net, input_shape=(5,), clip_values=(0.0, 1.0))
    got = FGSM(eps=eps)(model, x, y)
    expected = np.clip(x + eps * np.sign(w)[None] * np.where(y == 1, -1.0, 1.0)[:, None], 0, 1)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_fgsm_l2_equals_closed_form_on_a_linear_model() -> None:
    net, w, _ = _linear_binary()
    x = np.full((4, 5), 0.5, dtype=np.float32)
    y = np.array([0, 1, 0, 1])
    got = FGSM(eps=0.2, norm="l2")(as_model(net, input_shape=(5,)), x, y)
    unit = w / np.linalg.norm(w)
    expected = x + 0.2 * unit[None] * np.where(y == 1, -1.0, 1.0)[:, None]
    np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("attack", [DeepFool(norm="l2"), CarliniWagnerL2(steps=100, binary_steps=5, initial_const=1.0),
                                    FMN(norm="l2", steps=200), FAB(norm="l2")], ids=["deepfool", "cw-l2", "fmn", "fab"])
def test_minimal_l2_perturbation_matches_the_analytic_distance(attack) -> None:  # type: ignore[no-untyped-def]
    # for an affine binary classifier the L2 distance to the boundary is |w.x + b| / ||w||_2
    net, w, b = _linear_binary(d=5, seed=3)
    x = np.random.default_rng(4).uniform(-1, 1, size=(32, 5)).astype(np.float32)
    z = x @ w + b
    y = (z > 0).astype(int)
    model = as_model(net, input_shape=(5,))  # unbounded domain: the analytic distance applies
    result = attack.attack(model, x, y)
    analytic = np.abs(z) / np.linalg.norm(w)
    assert result.success.all()
    np.testing.assert_allclose(result.distance, analytic, rtol=0.01)


@pytest.mark.parametrize("attack", [DeepFool(norm="linf"), FAB(norm="linf")], ids=["deepfool", "fab"])
def test_minimal_linf_perturbation_matches_the_analytic_distance(attack) -> None:  # type: ignore[no-untyped-def]
    # L-inf distance to the hyperplane is |w.x + b| / ||w||_1
    net, w, b = _linear_binary(d=5, seed=5)
    x = np.random.default_rng(6).uniform(-1, 1, size=(32, 5)).astype(np.float32)
    z = x @ w + b
    result = attack.attack(as_model(net, input_shape=(5,)), x, (z > 0).astype(int))
    np.testing.assert_allclose(result.distance, np.abs(z) / np.abs(w).sum(), rtol=0.01)


def test_targeted_attacks_reach_the_target(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    model = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    x, y = test.x[:100], test.y[:100]
    target = (y + 3) % 10
    for attack in (PGD(eps=0.5, steps=50), APGD(eps=0.5, steps=50)):
        result = attack.attack(model, x, y, target=target)
        assert result.targeted
        assert (result.adv_pred == target).mean() >= 0.99, attack
    result = CarliniWagnerL2(steps=100, binary_steps=5, initial_const=1.0, lr=0.1).attack(model, x[:30], y[:30],
                                                                                 target=target[:30])
    assert (result.adv_pred == target[:30]).mean() >= 0.95


def test_apgd_t_not_weaker_than_apgd_ce(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    # Croce & Hein 2020, Table 2: APGD-T is at least as strong as APGD-CE on undefended models
    _, test = digits_split
    model = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    x, y = test.x[:200], test.y[:200]
    ce = APGD(eps=0.08, steps=50).attack(model, x, y)
    t = APGDT(eps=0.08, steps=50, n_target_classes=3).attack(model, x, y)
    assert t.robust_accuracy <= ce.robust_accuracy + 0.02


def test_square_is_black_box_and_fools(digits_split, digits_logreg) -> None:  # type: ignore[no-untyped-def]
    from sklearn.ensemble import RandomForestClassifier

    train, test = digits_split
    forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(train.x, train.y)
    result = Square(eps=0.3, queries=300).attack(as_model(forest, clip_values=(0.0, 1.0)), test.x[:40], test.y[:40])
    assert result.queries > 0
    assert result.robust_accuracy < result.clean_correct.mean() - 0.3
    with pytest.raises(AttackError, match="white-box"):
        PGD(eps=0.1)(as_model(forest, clip_values=(0.0, 1.0)), test.x[:2], test.y[:2])


def test_dlr_loss_known_values() -> None:
    z = torch.tensor([[3.0, 2.0, 1.0, 0.0]])
    # -(z_y - max_other) / (z_pi1 - z_pi3) = -(3 - 2) / (3 - 1)
    assert float(dlr_loss(z, torch.tensor([0]))) == pytest.approx(-0.5)
    # y=2 misclassified: -(1 - 3) / (3 - 1) = 1
    assert float(dlr_loss(z, torch.tensor([2]))) == pytest.approx(1.0)
    # targeted: -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2) = -(3 - 0) / (3 - 0.5)
    assert float(dlr_targeted_loss(z, torch.tensor([0]), torch.tensor([3]))) == pytest.approx(-3 / 2.5)


def test_projections_known_answers() -> None:
    d = torch.tensor([[3.0, 1.0], [0.5, -0.5], [3.0, -4.0]])
    # L1 ball of radius 2 (Duchi et al. 2008): [3, 1] -> [2, 0]; inside stays; [3, -4] -> [0.5, -1.5]
    np.testing.assert_allclose(project(d, 2.0, "l1").numpy(), [[2.0, 0.0], [0.5, -0.5], [0.5, -1.5]], atol=1e-6)
    np.testing.assert_allclose(project(d, 2.5, "l2").numpy()[2], [1.5, -2.0], atol=1e-6)
    np.testing.assert_allclose(project(d, 1.0, "linf").numpy()[2], [1.0, -1.0])


def test_invalid_inputs_are_clear_errors(digits_mlp) -> None:  # type: ignore[no-untyped-def]
    model = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    x = np.zeros((2, 64), np.float32)
    with pytest.raises(AttackError, match="shape"):
        PGD(eps=0.1)(model, np.zeros((2, 10), np.float32), [0, 1])
    with pytest.raises(AttackError, match="outside"):
        PGD(eps=0.1)(model, x + 2, [0, 1])
    with pytest.raises(AttackError, match="NaN"):
        PGD(eps=0.1)(model, x * np.nan, [0, 1])
    with pytest.raises(AttackError, match="target"):
        PGD(eps=0.1)(model, x, [0, 1], target=[0, 2])
    with pytest.raises(AttackError, match="eps"):
        PGD(eps=-1.0)
