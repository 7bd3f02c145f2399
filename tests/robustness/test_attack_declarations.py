"""Attacks declare the norms, gradients, classes and settings they need; the evaluation selects from that."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch")

from mlsecure.errors import ConfigError  # noqa: E402
from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.attacks import registry  # noqa: E402
from mlsecure.robustness.attacks.interface import Attack, AttackError  # noqa: E402
from mlsecure.robustness.attacks.ops import NORMS, Tensor  # noqa: E402
from mlsecure.robustness.evaluate import evaluate_robustness  # noqa: E402
from mlsecure.robustness.victim import Victim  # noqa: E402


class _L2Noise(Attack):
    """A plug-in attack declaring an l2 update only; it returns its input (only its declarations matter)."""

    name = "l2-only-test"
    norms = frozenset({"l2"})

    def run(self, victim: Victim, x: Tensor, y: Tensor, target: Tensor | None) -> Tensor:
        return x + 0.0


@pytest.fixture
def l2_plugin() -> Iterator[str]:
    registry.register("l2-only-test", _L2Noise)
    yield "l2-only-test"
    registry.unregister("l2-only-test")


@pytest.fixture(scope="module")
def mlp_model(digits_mlp):  # type: ignore[no-untyped-def]
    return as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))


def test_plugin_declaring_only_l2_is_skipped_for_linf_with_the_reason(l2_plugin, mlp_model, digits_split) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    ev = evaluate_robustness(mlp_model, test.x[:8], test.y[:8], epsilons=[0.05], norm="linf",
                             attacks=(l2_plugin, "fgsm"), curve_points=False, validity=False)
    assert ev.skipped == {l2_plugin: "supports the l2 norm(s), not linf"}
    assert set(ev.applied) == {"fgsm"}
    at_l2 = evaluate_robustness(mlp_model, test.x[:8], test.y[:8], epsilons=[0.5], norm="l2",
                                attacks=(l2_plugin,), curve_points=False, validity=False)
    assert at_l2.applied == {l2_plugin: "white-box: exact gradients of the model"}
    assert at_l2.skipped == {}


def test_the_constructor_refuses_an_undeclared_norm() -> None:
    with pytest.raises(AttackError, match=r"_L2Noise supports the l2 norm\(s\), not l1"):
        _L2Noise(eps=1.0, norm="l1")


def test_every_builtin_declares_what_it_supports() -> None:
    """The declarations that replace the old name lists in evaluate.py (each one checked here)."""
    specs = registry.available()
    expect = {"square": {"linf", "l2"}, "cw-linf": {"linf"}, "cw-l2": {"l2"}, "hopskipjump": {"l2"},
              "boundary": {"l2"}, "apgd-ce": {"linf", "l2"}, "apgd-dlr": {"linf", "l2"},
              "apgd-t": {"linf", "l2"}, "deepfool": {"linf", "l2"}, "autoattack-rand": {"linf", "l2"},
              "apgd-l1": {"l1"}, "apgd-dlr-l1": {"l1"}, "apgd-t-l1": {"l1"}, "pgd": set(NORMS),
              "fgsm": set(NORMS), "fmn": set(NORMS), "fab": set(NORMS), "autoattack": set(NORMS)}
    for name, norms in expect.items():
        assert set(specs[name].supported_norms) == norms, name
    assert {n for n, s in specs.items() if not s.needs_gradients} == {"square", "hopskipjump", "boundary",
                                                                       "transfer"}
    assert {n: s.classes_needed for n, s in specs.items() if s.classes_needed > 2} == {
        "apgd-dlr": 3, "apgd-dlr-l1": 3, "apgd-t": 4, "apgd-t-l1": 4, "fab-t": 4}
    assert not specs["deepfool"].targeted and specs["pgd"].targeted
    assert {n for n, s in specs.items() if s.single_step} == {"fgsm"}
    assert {n for n, s in specs.items() if s.iterative} == {
        "pgd", "cw-linf", "apgd-ce", "apgd-dlr", "apgd-t", "apgd-l1", "apgd-dlr-l1", "apgd-t-l1", "autoattack",
        "autoattack-rand"}


def test_unsupported_names_each_missing_requirement() -> None:
    spec = registry.get("apgd-t")
    assert spec.unsupported(norm="linf", black_box_reason="a callable", n_classes=10, settings={}) \
        == "needs gradients; a callable"
    assert spec.unsupported(norm="l1", black_box_reason=None, n_classes=10, settings={}) \
        == "supports the linf/l2 norm(s), not l1"
    assert spec.unsupported(norm="l2", black_box_reason=None, n_classes=3, settings={}) \
        == "needs at least 4 classes, the model has 3"
    assert spec.unsupported(norm="l2", black_box_reason=None, n_classes=10, settings={}) == ""
    transfer = registry.get("transfer")
    assert transfer.unsupported(norm="linf", black_box_reason="a callable", n_classes=2, settings={}) \
        == "needs surrogate: settings={'transfer': {'surrogate': ...}}"
    assert transfer.unsupported(norm="linf", black_box_reason=None, n_classes=2, settings={"surrogate": 1}) == ""


def test_a_preset_cannot_claim_a_norm_its_class_lacks() -> None:
    from mlsecure.robustness.attacks.square import Square

    with pytest.raises(ConfigError, match="not all supported by Square"):
        registry.AttackSpec("square-l1", Square, norms=frozenset({"l1"}))
