"""APGD-L1 (Croce & Hein 2021, arXiv:2103.01208): the exact L1-ball ∩ box projection against scipy, the
analytic minimal L1 perturbation of a linear model, and strength against PGD-L1 and ART on the digits MLP."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

torch = pytest.importorskip("torch")

from l1_oracles import linear_binary, minimal_l1  # type: ignore[import-not-found]  # noqa: E402

from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.attacks.apgd_l1 import APGDL1, APGDL1T, project_l1_box  # noqa: E402
from mlsecure.robustness.attacks.interface import AttackError  # noqa: E402
from mlsecure.robustness.attacks.ops import project  # noqa: E402
from mlsecure.robustness.attacks.pgd import PGD  # noqa: E402
from mlsecure.robustness.attacks.registry import get  # noqa: E402
from mlsecure.robustness.evaluate import evaluate_robustness  # noqa: E402


def _scipy_projection(v: np.ndarray, eps: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """argmin ||z - v||^2 s.t. ||z||_1 <= eps, lo <= z <= hi, as a smooth QP: z = p - m with p, m >= 0."""
    d = len(v)

    def obj(w: np.ndarray) -> float:
        return float(((w[:d] - w[d:] - v) ** 2).sum())

    def jac(w: np.ndarray) -> np.ndarray:
        r = 2 * (w[:d] - w[d:] - v)
        return np.concatenate([r, -r])

    bounds = list(zip(np.zeros(2 * d), np.concatenate([np.maximum(hi, 0), np.maximum(-lo, 0)]), strict=True))
    cons = [{"type": "ineq", "fun": lambda w: eps - w.sum(), "jac": lambda w: -np.ones(2 * d)}]
    res = minimize(obj, np.zeros(2 * d), jac=jac, bounds=bounds, constraints=cons, method="SLSQP",
                   options={"ftol": 1e-12, "maxiter": 1000})
    # SLSQP may stop with "positive directional derivative" at machine precision; the answer is checked below
    out: np.ndarray = res.x[:d] - res.x[d:]
    return out


@pytest.mark.parametrize("seed", range(12))
def test_projection_equals_scipy_qp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 9))
    x = rng.uniform(0, 1, size=d)
    lo, hi = -x, 1 - x
    scale = [0.05, 1.0, 3.0][seed % 3]  # seed % 3 == 0: mostly points already inside the ball and box
    v = rng.normal(size=d) * scale
    eps = float(rng.uniform(0.2, 2.0))
    got = project_l1_box(torch.tensor(v)[None], eps, torch.tensor(lo)[None], torch.tensor(hi)[None])[0].numpy()
    np.testing.assert_allclose(got, _scipy_projection(v, eps, lo, hi), atol=1e-6)
    if np.abs(np.clip(v, lo, hi)).sum() <= eps:  # inside: the projection is plain clipping
        np.testing.assert_allclose(got, np.clip(v, lo, hi), atol=1e-12)


def test_projection_kkt_and_unbounded_box_equals_duchi() -> None:
    # without a box the problem is the plain L1-ball projection (Duchi et al. 2008, ops.project)
    g = torch.Generator().manual_seed(0)
    v = torch.randn(16, 50, generator=g, dtype=torch.float64) * 3
    inf = torch.full((1, 50), torch.inf, dtype=torch.float64)
    torch.testing.assert_close(project_l1_box(v, 5.0, -inf, inf), project(v, 5.0, "l1"), atol=1e-9, rtol=0)
    # KKT with the box: one lambda >= 0 with v_i - z_i = lambda sign(z_i) wherever 0 < |z_i| < room_i
    x = torch.rand(16, 50, generator=g, dtype=torch.float64)
    z = project_l1_box(v, 5.0, -x, 1 - x)
    room = torch.where(v >= 0, 1 - x, x)
    free = (z.abs() > 1e-9) & (z.abs() < room - 1e-9)
    lam = ((v - z) * z.sign()).where(free, torch.nan)
    spread = (lam.nan_to_num(0).amax(1) - lam.nan_to_num(1e9).amin(1)).where(free.any(1), torch.zeros(16))
    assert float(spread.abs().max()) < 1e-9
    assert bool((z.abs().sum(1) <= 5.0 + 1e-9).all())
    # zero coordinates are not worth moving: |v_i| <= lambda
    lam_row = lam.nan_to_num(0).amax(1, keepdim=True)
    assert bool(((z.abs() > 1e-12) | (v.abs() <= lam_row + 1e-9) | ~free.any(1, keepdim=True)).all())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=st.integers(1, 40), n=st.integers(1, 4), eps=st.floats(0.0, 5.0), scale=st.floats(1e-3, 10.0),
       seed=st.integers(0, 10_000))
def test_projection_stays_in_ball_and_box(d: int, n: int, eps: float, scale: float, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, d, generator=g)
    v = torch.randn(n, d, generator=g) * scale
    z = project_l1_box(v, eps, -x, 1 - x)
    assert bool((z.abs().sum(1) <= eps * (1 + 1e-5) + 1e-6).all())
    assert bool((x + z >= -1e-6).all()) and bool((x + z <= 1 + 1e-6).all())
    torch.testing.assert_close(project_l1_box(z, eps, -x, 1 - x), z, atol=1e-5, rtol=1e-5)  # idempotent



def test_linear_model_minimal_l1_is_found_and_never_beaten() -> None:
    d = 10
    net, w, b = linear_binary(d, seed=3)
    x = np.random.default_rng(0).uniform(0.1, 0.9, size=(20, d)).astype(np.float32)
    m = x.astype(np.float64) @ w + b
    y = (m > 0).astype(int)
    eps = np.array([minimal_l1(x[i], w, m[i]) for i in range(len(x))])
    assert np.isfinite(eps).all()
    model = as_model(net, input_shape=(d,), clip_values=(0.0, 1.0))
    above = [APGDL1(eps=e * 1.05, steps=100).attack(model, x[i : i + 1], y[i : i + 1]) for i, e in enumerate(eps)]
    below = [APGDL1(eps=e * 0.99, steps=100).attack(model, x[i : i + 1], y[i : i + 1]) for i, e in enumerate(eps)]
    assert np.mean([r.success[0] for r in above]) >= 0.95
    assert not any(r.success[0] for r in below)  # a lower bound: no attack can succeed
    for r, e in zip(above, eps, strict=True):
        assert r.distance[0] <= e * 1.05 * (1 + 1e-5)


@pytest.fixture(scope="module")
def digits_model(digits_split, digits_mlp):  # type: ignore[no-untyped-def]
    _, test = digits_split
    return as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0)), test.x[:200], test.y[:200]


def test_apgd_l1_not_weaker_than_pgd_l1(digits_model) -> None:  # type: ignore[no-untyped-def]
    # Croce & Hein 2021, Table 1: l1-APGD beats PGD with the sparse step (SLIDE) at equal iterations
    model, x, y = digits_model
    ours = APGDL1(eps=2.0, steps=100).attack(model, x, y)
    pgd = PGD(eps=2.0, norm="l1", steps=100).attack(model, x, y)
    assert ours.robust_accuracy <= pgd.robust_accuracy + 0.02
    assert ours.robust_accuracy < ours.clean_correct.mean() - 0.5  # measured 0.09 vs 0.97 clean
    assert (ours.distance <= 2.0 * (1 + 1e-5)).all()
    assert ours.x_adv.min() >= 0.0 and ours.x_adv.max() <= 1.0


def test_targeted_variants(digits_model) -> None:  # type: ignore[no-untyped-def]
    model, x, y = digits_model
    x, y = x[:60], y[:60]
    t = (y + 1) % 10
    res = APGDL1(eps=6.0, steps=100, loss="dlr").attack(model, x, y, target=t)
    assert res.targeted and (res.adv_pred == t).mean() >= 0.9  # measured 0.97 (CE: 0.98)
    untargeted = APGDL1(eps=1.0, steps=50).attack(model, x, y)
    apgd_t = APGDL1T(eps=1.0, steps=50, n_target_classes=3).attack(model, x, y)
    assert apgd_t.robust_accuracy <= untargeted.robust_accuracy + 0.05


@pytest.mark.slow
def test_apgd_l1_at_least_as_strong_as_art(digits_model) -> None:  # type: ignore[no-untyped-def]
    # ART 1.20 AutoProjectedGradientDescent(norm=1) is APGD with a dense L1-normalised step and no box-aware
    # projection, not the sparse l1-APGD (torchattacks 3.5 APGD has no L1): ours must not be weaker.
    pytest.importorskip("art")
    model, x, y = digits_model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from art.attacks.evasion import AutoProjectedGradientDescent  # type: ignore[import-untyped]  # no stubs
        from art.estimators.classification import PyTorchClassifier  # type: ignore[import-untyped]  # no stubs

        net = model.module if hasattr(model, "module") else model
        clf = PyTorchClassifier(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=(64,), nb_classes=10,
                                clip_values=(0.0, 1.0))
        adv = AutoProjectedGradientDescent(clf, norm=1, eps=2.0, eps_step=2.0, max_iter=100, batch_size=200,
                                           verbose=False).generate(x, y)
    pred = clf.predict(adv).argmax(1)
    art_robust = float(((pred == y) | (np.abs(adv - x).sum(1) > 2.0 * (1 + 1e-5))).mean())
    ours = APGDL1(eps=2.0, steps=100).attack(model, x, y)
    assert ours.robust_accuracy <= art_robust + 0.02  # measured 0.09 vs 0.575


def test_registered_and_usable_from_the_evaluation(digits_model) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(get("apgd-l1").build(eps=1.0), APGDL1)
    assert get("apgd-dlr-l1").build(eps=1.0).loss == "dlr"  # type: ignore[attr-defined]
    assert isinstance(get("apgd-t-l1").build(eps=1.0), APGDL1T)
    with pytest.raises(AttackError, match="l1"):
        APGDL1(eps=0.1, norm="linf")
    model, x, y = digits_model
    ev = evaluate_robustness(model, x[:40], y[:40], epsilons=[2.0], norm="l1", attacks=("apgd-l1", "pgd"),
                             curve_points=False, validity=False)
    assert "apgd-l1" in ev.applied
    assert ev.robust_accuracy["apgd-l1"][0] <= ev.robust_accuracy["pgd"][0] + 0.05


def test_autoattack_l1_runs_the_l1_apgd_cascade(digits_model) -> None:  # type: ignore[no-untyped-def]
    """AutoAttack at norm l1 is l1-APGD-CE then l1-APGD-T: never weaker than l1-APGD-CE alone, and the
    l1-only attacks are skipped, with the reason, for other norms."""
    model, x, y = digits_model
    ev = evaluate_robustness(model, x[:40], y[:40], epsilons=[2.0], norm="l1", attacks=("autoattack", "apgd-l1"),
                             curve_points=False, validity=False)
    assert {"autoattack", "apgd-l1"} <= set(ev.applied)
    assert ev.robust_accuracy["autoattack"][0] <= ev.robust_accuracy["apgd-l1"][0] + 1e-9
    linf = evaluate_robustness(model, x[:10], y[:10], epsilons=[0.05], norm="linf", attacks=("apgd-l1", "pgd"),
                               curve_points=False, validity=False)
    assert linf.skipped.get("apgd-l1") == "supports the l1 norm(s), not linf"
