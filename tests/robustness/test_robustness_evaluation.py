"""The evaluation, its validity checks and the ``adversarial-robustness`` scan check."""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")

from mlsecure.check import ScanContext  # noqa: E402
from mlsecure.findings import Severity  # noqa: E402
from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.checks import CHECKS, AdversarialRobustnessCheck, severity_for  # noqa: E402
from mlsecure.robustness.evaluate import clopper_pearson, evaluate_robustness  # noqa: E402


@pytest.fixture(scope="module")
def mlp_model(digits_mlp):  # type: ignore[no-untyped-def]
    return as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))


def test_clopper_pearson_matches_scipy_exact_interval() -> None:
    from scipy.stats import binomtest

    for k, n in ((0, 10), (3, 10), (10, 10), (412, 500)):
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        assert clopper_pearson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)
    # closed form for k = 0: upper = 1 - (alpha / 2) ** (1 / n)
    assert clopper_pearson(0, 10)[1] == pytest.approx(1 - 0.025 ** 0.1)


def test_worst_case_is_the_per_sample_and_over_attacks(digits_split, mlp_model) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    ev = evaluate_robustness(mlp_model, test.x[:120], test.y[:120], epsilons=[0.05], validity=False,
                             attacks=("fgsm", "pgd", "apgd-ce", "fmn"))
    for j in range(len(ev.grid)):
        per_attack = [acc[j] for acc in ev.robust_accuracy.values()]
        assert ev.worst_case[j] <= min(per_attack) + 1e-12
        lo, hi = ev.worst_case_ci[j]
        assert lo <= ev.worst_case[j] <= hi
    assert ev.at(0.05) < ev.clean_accuracy
    eps, acc = ev.curve
    assert acc[0] == pytest.approx(ev.clean_accuracy)
    assert all(a >= b for a, b in itertools.pairwise(acc))  # sorted distances: never rises
    # the ensemble confirms the minimal-norm curve: never less fooled than FMN alone at the same epsilon
    assert ev.at(0.05) <= acc[eps.index(0.05)] + 1e-12
    assert all(len(v) for v in ev.applied.values())


def test_scan_check_on_a_torch_mlp(digits_split, mlp_model) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    assert AdversarialRobustnessCheck in CHECKS
    ctx = ScanContext(model=mlp_model, data=test, options={"epsilon": [0.05], "max_samples": 50, "seed": 0})
    result = AdversarialRobustnessCheck().execute(ctx)
    m = result.metrics
    assert m["white_box"] is True and m["reliable"] is True, m["validity"]
    assert set(m["attacks_applied"]) == {"fgsm", "pgd", "apgd-ce", "apgd-dlr", "apgd-t", "fmn"}
    assert m["robust_accuracy"]["0.05"] < m["clean_accuracy"]
    rob = [f for f in result.findings if f.id == "ROB-001"]
    assert len(rob) == 1 and rob[0].owasp == "ML01" and rob[0].atlas == ("AML.T0043", "AML.T0015")
    assert rob[0].severity == severity_for(m["clean_accuracy"], m["robust_accuracy"]["0.05"])
    fig = result.figures["robustness_curve"]
    assert fig.kind == "line"
    names = {s.name for s in fig.series}
    assert {"fgsm", "pgd", "worst case", "fmn (minimal norm)"} <= names
    assert all(0.05 in s.x for s in fig.series)


def test_sklearn_linear_model_gets_exact_gradients(digits_split, digits_logreg) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    ctx = ScanContext(model=as_model(digits_logreg, clip_values=(0.0, 1.0)), data=test,
                      options={"epsilon": [0.05], "max_samples": 60, "attacks": "fgsm,pgd,fmn"})
    m = AdversarialRobustnessCheck().execute(ctx).metrics
    assert m["white_box"] is True
    assert m["attacks_applied"]["pgd"].startswith("white-box")


def test_black_box_model_falls_back_to_square_and_says_why(digits_split) -> None:  # type: ignore[no-untyped-def]
    from sklearn.ensemble import RandomForestClassifier

    train, test = digits_split
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(train.x, train.y)
    ctx = ScanContext(model=as_model(forest, clip_values=(0.0, 1.0)), data=test,
                      options={"epsilon": [0.2], "max_samples": 20, "queries": 200})
    result = AdversarialRobustnessCheck().execute(ctx)
    m = result.metrics
    assert m["white_box"] is False
    assert set(m["attacks_applied"]) == {"square"}
    assert "RandomForestClassifier" in m["attacks_skipped"]["pgd"]
    assert any(f.id == "ROB-003" for f in result.findings)


class _Softmaxed(torch.nn.Module):
    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


class _Quantised(torch.nn.Module):
    """Non-differentiable preprocessing (rounding to 4 grey levels): zero gradients almost everywhere."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(torch.round(x * 4) / 4)


def _validity(model: object, test: object, eps: float = 0.1) -> dict[str, bool | None]:
    ev = evaluate_robustness(model, test.x[:60], test.y[:60], epsilons=[eps],  # type: ignore[attr-defined]
                             attacks=("fgsm", "pgd"))
    return {c.name: c.passed for c in ev.validity}


def test_validity_flags_a_softmax_output(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    checks = _validity(as_model(_Softmaxed(digits_mlp), input_shape=(64,), clip_values=(0.0, 1.0)), test)
    assert checks["outputs_are_logits"] is False


def test_validity_flags_gradient_masking_by_rounding(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    checks = _validity(as_model(_Quantised(digits_mlp), input_shape=(64,), clip_values=(0.0, 1.0)), test, eps=0.2)
    assert checks["gradients_finite_nonzero"] is False
    assert checks["black_box_not_stronger"] is False  # Square fools what zero gradients cannot


def test_validity_flags_training_mode_and_randomness(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    net = torch.nn.Sequential(torch.nn.Dropout(0.5), digits_mlp)
    model = as_model(net, input_shape=(64,), clip_values=(0.0, 1.0))
    net.train()  # after wrapping: the adapter put it in eval mode
    try:
        checks = _validity(model, test)
    finally:
        net.eval()
        digits_mlp.eval()
    assert checks["eval_mode"] is False
    assert checks["deterministic"] is False


def test_clean_model_passes_every_validity_check(digits_split, mlp_model) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    checks = _validity(mlp_model, test, eps=0.03)
    assert all(v is not False for v in checks.values()), checks


def test_unreliable_evaluation_becomes_a_finding(digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    model = as_model(_Softmaxed(digits_mlp), input_shape=(64,), clip_values=(0.0, 1.0))
    ctx = ScanContext(model=model, data=test, options={"epsilon": [0.1], "max_samples": 40, "attacks": "fgsm,pgd"})
    result = AdversarialRobustnessCheck().execute(ctx)
    rob2 = [f for f in result.findings if f.id == "ROB-002"]
    assert rob2 and "outputs_are_logits" in rob2[0].title and result.metrics["reliable"] is False
    assert "unreliable" in result.figures["robustness_curve"].title


def test_severity_from_the_accuracy_drop() -> None:
    assert severity_for(0.98, 0.97) is Severity.INFO
    assert severity_for(0.98, 0.90) is Severity.LOW
    assert severity_for(0.98, 0.75) is Severity.MEDIUM
    assert severity_for(0.98, 0.40) is Severity.HIGH
    assert severity_for(0.98, 0.05) is Severity.CRITICAL


def test_default_epsilons_come_from_the_input_range(digits_split, mlp_model) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    ctx = ScanContext(model=mlp_model, data=test, options={"max_samples": 30, "attacks": "fgsm"})
    m = AdversarialRobustnessCheck().execute(ctx).metrics
    assert m["epsilons"] == [0.01, 0.03, 0.1]
    assert "default" in m["epsilon_source"]
