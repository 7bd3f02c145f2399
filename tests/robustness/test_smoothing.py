"""Known answers for randomized smoothing (Cohen, Rosenfeld & Kolter 2019, arXiv:1902.02918).

The oracle is the binary linear classifier ``f(x) = [w.x + b > 0]``: under ``delta ~ N(0, sigma^2 I)``,
``w.(x + delta) + b ~ N(w.x + b, sigma^2 ||w||^2)``, so the smoothed classifier's top-class probability is
``p_A = Phi(|w.x + b| / (sigma ||w||))``, the smoothed classifier ``g`` equals ``f`` (``p_A > 1/2`` exactly on
``f``'s side), and the exact certified radius ``sigma Phi^-1(p_A) = |w.x + b| / ||w||`` is the distance to the
boundary. CERTIFY's finite-``n`` radius must never exceed it (soundness) and must approach it as ``n`` grows.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import beta, binom, binomtest, norm

torch = pytest.importorskip("torch")

from mlsecure.check import ScanContext  # noqa: E402
from mlsecure.data import Dataset  # noqa: E402
from mlsecure.errors import InputError  # noqa: E402
from mlsecure.findings import Figure, Report  # noqa: E402
from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.attacks.deepfool import DeepFool  # noqa: E402
from mlsecure.robustness.attacks.pgd import PGD  # noqa: E402
from mlsecure.robustness.certify_checks import CHECKS, CertifiedRobustnessCheck  # noqa: E402
from mlsecure.robustness.smoothing import (  # noqa: E402
    ABSTAIN,
    Certificate,
    binomial_test_half,
    certified_accuracy,
    certify,
    clopper_pearson_lower,
    evaluate_certified,
    max_certifiable_radius,
    predict,
    train_with_noise,
)


def _linear(w: np.ndarray, b: float):  # type: ignore[no-untyped-def]
    """A torch binary classifier with logits ``(0, w.x + b)``."""
    lin = torch.nn.Linear(len(w), 1).double()
    with torch.no_grad():
        lin.weight.copy_(torch.as_tensor(w, dtype=torch.float64)[None])
        lin.bias.fill_(b)

    class Net(torch.nn.Module):
        def forward(self, x):  # type: ignore[no-untyped-def]
            z = lin(x.double())
            return torch.cat([torch.zeros_like(z), z], 1)

    return Net().eval()


def _distance(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    return np.abs(x @ w + b) / np.linalg.norm(w)


W, B, SIGMA = np.array([0.6, -0.8, 0.0]), 0.1, 0.5  # ||w|| = 1: the margin is the distance
X = np.array([[0.3, 0.1, 5.0], [0.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.5, -0.5, 0.0], [0.2, 0.5, -1.0]])


# --- the statistics ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("k", "n", "alpha"), [(0, 10, 0.05), (1, 10, 0.05), (57, 100, 0.001), (100, 100, 0.001),
                                                (9_990, 10_000, 0.001), (50_000, 100_000, 1e-6)])
def test_clopper_pearson_lower_is_the_beta_quantile_and_solves_the_binomial_tail(k: int, n: int, alpha: float) -> None:
    got = float(clopper_pearson_lower(k, n, alpha))
    # Clopper & Pearson 1934: the lower bound is the alpha quantile of Beta(k, n - k + 1) ...
    assert got == pytest.approx(0.0 if k == 0 else float(beta.ppf(alpha, k, n - k + 1)), rel=1e-12)
    # ... equivalently the p at which P(Bin(n, p) >= k) = alpha (independent of the Beta identity)
    if k > 0:
        assert float(binom.sf(k - 1, n, got)) == pytest.approx(alpha, rel=1e-6)


def test_clopper_pearson_lower_matches_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.stats.proportion")
    for k, n in [(1, 10), (57, 100), (9_990, 10_000)]:
        # one-sided 1 - alpha = the lower end of the two-sided 1 - 2 alpha interval (Cohen et al.'s core.py)
        expected = sm.proportion_confint(k, n, alpha=2 * 0.001, method="beta")[0]
        assert float(clopper_pearson_lower(k, n, 0.001)) == pytest.approx(expected, rel=1e-10)


def test_binomial_test_half_matches_scipy_binomtest() -> None:
    cases = [(k, t) for t in (1, 2, 7, 20, 101, 1000) for k in {0, 1, t // 3, t // 2, (t + 1) // 2, t - 1, t}]
    got = binomial_test_half(np.array([k for k, _ in cases]), np.array([t for _, t in cases]))
    expected = [binomtest(k, t, 0.5).pvalue for k, t in cases]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_max_certifiable_radius_is_the_all_votes_bound() -> None:
    # all n votes for c_A: Beta(alpha; n, 1) = alpha^(1/n)
    assert max_certifiable_radius(0.25, 10_000, 0.001) == pytest.approx(0.25 * norm.ppf(0.001 ** 1e-4))
    # Cohen et al.'s setting n = 100,000, alpha = 0.001: alpha^(1/n) = 1 - 6.9078e-5 and Phi^-1 of it is 3.8117
    # (by hand), so sigma = 0.25 certifies at most ~0.953, where the paper's sigma = 0.25 curves end
    assert max_certifiable_radius(0.25, 100_000, 0.001) == pytest.approx(0.25 * 3.8117, abs=1e-3)


# --- CERTIFY on the linear oracle ------------------------------------------------------------------------------

def test_certified_radius_is_sound_and_close_to_the_exact_distance_for_large_n() -> None:
    n, alpha = 100_000, 0.001
    model = as_model(_linear(W, B), input_shape=(3,))
    cert = certify(model, X, sigma=SIGMA, n=n, alpha=alpha, batch_size=20_000, seed=1)
    dist = _distance(W, B, X)
    side = (X @ W + B > 0).astype(int)
    assert np.all(cert.prediction == side)
    assert np.all(cert.radius <= dist)  # soundness (fails with probability <= alpha per point)
    p_a = norm.cdf(dist / SIGMA)  # the analytic p_A
    # Known answer for this n: the radius CERTIFY returns when the count is n p_A exactly, with a tolerance of
    # 4 binomial standard deviations of the count propagated through sigma Phi^-1 (delta method).
    expected = SIGMA * norm.ppf(clopper_pearson_lower(np.minimum(np.round(n * p_a), n), n, alpha))
    slope = SIGMA / norm.pdf(norm.ppf(np.clip(p_a, None, 1 - 1 / n)))
    tol = 4 * slope * np.sqrt(p_a * (1 - p_a) / n) + 1e-9
    np.testing.assert_array_less(np.abs(cert.radius - expected), tol + 0.002)
    # and the finite-n radius is within 0.03 of the exact distance where p_A is not saturated
    unsaturated = p_a < 1 - 100 / n
    np.testing.assert_allclose(cert.radius[unsaturated], dist[unsaturated], atol=0.03)
    np.testing.assert_array_equal(cert.counts.sum(axis=1), n)


def test_a_point_far_from_the_boundary_gets_the_all_votes_radius() -> None:
    n, alpha = 2_000, 0.001
    cert = certify(as_model(_linear(W, B), input_shape=(3,)), np.array([[10.0, -10.0, 0.0]]), sigma=0.25, n=n,
                   alpha=alpha, seed=0)
    assert cert.counts[0].tolist() == [0, n]
    assert float(cert.p_lower[0]) == pytest.approx(alpha ** (1 / n))
    assert float(cert.radius[0]) == pytest.approx(max_certifiable_radius(0.25, n, alpha)) == cert.max_radius


def test_certify_and_predict_abstain_on_the_boundary_where_the_classes_tie() -> None:
    on_boundary = np.array([[0.0, 0.125, 3.0]])  # 0.6*0 - 0.8*0.125 + 0.1 = 0: p_A = 1/2 exactly
    model = as_model(_linear(W, B), input_shape=(3,))
    for seed in range(5):
        cert = certify(model, on_boundary, sigma=SIGMA, n0=100, n=10_000, seed=seed)
        assert cert.prediction[0] == ABSTAIN and cert.radius[0] == 0.0
        assert cert.p_lower[0] < 0.5
        assert predict(model, on_boundary, sigma=SIGMA, n=10_000, seed=seed)[0] == ABSTAIN
    assert cert.abstain_rate == 1.0


def test_predict_returns_the_side_of_the_boundary_away_from_it() -> None:
    model = as_model(_linear(W, B), input_shape=(3,))
    far = X[_distance(W, B, X) > 0.15]
    np.testing.assert_array_equal(predict(model, far, sigma=SIGMA, n=5_000, seed=3), (far @ W + B > 0).astype(int))


def test_numpy_path_agrees_with_the_torch_path() -> None:
    # a plain function (predict_proba path, numpy noise) vs the torch module (logits path, torch noise)
    fn = as_model(lambda z: np.stack([np.zeros(len(z)), z @ W + B], 1), n_classes=2, input_shape=(3,),
                  outputs="logits")
    a = certify(fn, X, sigma=SIGMA, n=50_000, seed=0, batch_size=7_777)
    t = certify(as_model(_linear(W, B), input_shape=(3,)), X, sigma=SIGMA, n=50_000, seed=0)
    np.testing.assert_array_equal(a.prediction, t.prediction)
    np.testing.assert_allclose(a.radius, t.radius, atol=0.03)  # Monte-Carlo difference only
    assert np.all(a.radius <= _distance(W, B, X))


def test_sklearn_model_and_single_sample_input(digits_logreg, digits_split) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    model = as_model(digits_logreg)
    cert = certify(model, test.x[0], sigma=0.1, n0=50, n=500, seed=0)  # one sample of input_shape
    assert cert.prediction.shape == (1,) and cert.counts.shape == (1, 10)
    assert cert.prediction[0] == digits_logreg.predict(test.x[:1])[0]


def test_seeded_runs_are_reproducible_and_seeds_differ() -> None:
    model = as_model(_linear(W, B), input_shape=(3,))
    a = certify(model, X, sigma=SIGMA, n=3_000, seed=7)
    b = certify(model, X, sigma=SIGMA, n=3_000, seed=7)
    c = certify(model, X, sigma=SIGMA, n=3_000, seed=8)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, c.counts)


def test_noise_is_not_clipped_by_default_and_clipping_is_opt_in() -> None:
    # a model that votes class 1 only for inputs outside its declared [0, 1] range
    fn = as_model(lambda z: np.stack([np.zeros(len(z)), (z.max(axis=1) > 1.0) * 10.0], 1), n_classes=2,
                  input_shape=(2,), clip_values=(0.0, 1.0), outputs="logits")
    x = np.array([[1.0, 1.0]])
    plain = certify(fn, x, sigma=0.5, n=2_000, seed=0)
    clipped = certify(fn, x, sigma=0.5, n=2_000, seed=0, clip_noise=True)
    assert plain.counts[0, 1] > 0.7 * 2_000  # P(max > 1) = 3/4: the noisy inputs left [0, 1]
    assert clipped.counts[0, 1] == 0  # clipped noise never leaves it
    with pytest.raises(InputError, match="clip_values"):
        certify(as_model(_linear(W, B), input_shape=(3,)), X, sigma=0.5, n=10, clip_noise=True)


@pytest.mark.parametrize("kwargs", [{"sigma": 0.0}, {"sigma": float("nan")}, {"sigma": 0.5, "alpha": 1.0},
                                   {"sigma": 0.5, "n": 0}, {"sigma": 0.5, "batch_size": 0}])
def test_bad_settings_are_input_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(InputError):
        certify(as_model(_linear(W, B), input_shape=(3,)), X, **kwargs)  # type: ignore[arg-type]


def test_non_finite_or_misshapen_inputs_are_input_errors() -> None:
    model = as_model(_linear(W, B), input_shape=(3,))
    with pytest.raises(InputError, match="NaN"):
        certify(model, np.array([[np.nan, 0.0, 0.0]]), sigma=0.5, n=10)
    with pytest.raises(InputError, match="shape"):
        certify(model, np.zeros((2, 4)), sigma=0.5, n=10)


def test_progress_reaches_one_and_never_goes_back() -> None:
    seen: list[float] = []
    certify(as_model(_linear(W, B), input_shape=(3,)), X, sigma=0.5, n0=100, n=1_000, batch_size=300, seed=0,
            progress=lambda task, f: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == pytest.approx(1.0)
    assert all(b >= a for a, b in itertools.pairwise(seen))


# --- soundness properties ------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(d=st.integers(1, 6), seed=st.integers(0, 10_000), sigma=st.floats(0.05, 2.0), scale=st.floats(0.01, 3.0))
def test_certified_radius_never_exceeds_the_boundary_distance_of_a_random_linear_model(
        d: int, seed: int, sigma: float, scale: float) -> None:
    rng = np.random.default_rng(seed)
    w, b = rng.normal(size=d), float(rng.normal())
    x = rng.normal(size=(4, d)) * scale
    # alpha = 1e-6: each certificate is wrong with probability <= 1e-6, so 120 of them essentially never are
    cert = certify(as_model(_linear(w, b), input_shape=(d,)), x, sigma=sigma, n0=64, n=2_000, alpha=1e-6,
                   seed=seed)
    dist = _distance(w, b, x)
    assert np.all(cert.radius <= dist + 1e-9)
    ok = cert.prediction != ABSTAIN
    np.testing.assert_array_equal(cert.prediction[ok], (x[ok] @ w + b > 0).astype(int))


def test_attacks_never_cross_the_certified_radius_of_a_linear_smoothed_classifier() -> None:
    # For binary linear f the smoothed g equals f (see the module docstring), so attacking f attacks g exactly.
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=8), 0.2
    net = _linear(w, b)
    model = as_model(net, input_shape=(8,))
    x = rng.normal(size=(32, 8)) * 0.5
    cert = certify(model, x, sigma=0.3, n=20_000, seed=0)
    ok = cert.prediction != ABSTAIN
    xf = x[ok].astype(np.float32)
    y = cert.prediction[ok]
    # the minimal-norm attack (DeepFool refined to the boundary: exact on affine models) ...
    found = DeepFool(norm="l2").attack(model, xf, y)
    assert np.all(found.distance[found.success] >= cert.radius[ok][found.success] - 1e-5)
    np.testing.assert_allclose(found.distance, _distance(w, b, xf.astype(np.float64)), rtol=1e-3, atol=1e-4)
    # ... and PGD-L2 with the certified radius as its budget (shrunk by float32 rounding) never succeeds
    for i in np.flatnonzero(cert.radius[ok] > 1e-3):
        pgd = PGD(eps=float(cert.radius[ok][i]) * (1 - 1e-4), norm="l2", steps=50)
        assert not pgd.attack(model, xf[i : i + 1], y[i : i + 1]).success.any()


# --- dataset level -------------------------------------------------------------------------------------------

def test_certified_accuracy_counts_correct_and_far_enough_points() -> None:
    cert = Certificate(prediction=np.array([0, 1, ABSTAIN, 2, 1]), radius=np.array([0.5, 0.1, 0.0, 0.3, 0.9]),
                       p_lower=np.full(5, 0.9), counts=np.zeros((5, 3), int), sigma=0.25, n0=1, n=1, alpha=0.001)
    y = np.array([0, 1, 1, 0, 1])
    # by hand: correct = rows 0, 1, 4 with radii 0.5, 0.1, 0.9
    np.testing.assert_allclose(certified_accuracy(cert, y, [0.0, 0.1, 0.2, 0.5, 0.9, 1.0]),
                               [0.6, 0.6, 0.4, 0.4, 0.2, 0.0])


def test_evaluate_certified_summary(digits_mlp, digits_split) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    x, y = test.x[:60], test.y[:60]
    ev = evaluate_certified(as_model(digits_mlp, input_shape=(64,)), x, y, sigma=0.25, radii=[0.0, 0.25, 0.5],
                            n=2_000, seed=0)
    per_point = np.where(ev.certificate.prediction == ev.labels, ev.certificate.radius, 0.0)
    assert ev.average_radius == pytest.approx(per_point.mean())
    assert ev.median_radius == pytest.approx(np.median(per_point))
    assert ev.accuracy[0] == pytest.approx(ev.smoothed_accuracy)
    assert list(ev.accuracy) == sorted(ev.accuracy, reverse=True)
    for a, (lo, hi) in zip(ev.accuracy, ev.ci, strict=True):
        assert lo <= a <= hi
    assert ev.base_accuracy == pytest.approx(float(np.mean(digits_mlp(torch.from_numpy(x)).argmax(1).numpy() == y)))


def test_noise_training_certifies_larger_radii(digits_split) -> None:  # type: ignore[no-untyped-def]
    train, test = digits_split
    sigma = 0.5

    def net() -> torch.nn.Module:
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))

    plain = train_with_noise(net(), train.x, train.y, sigma=0.0, epochs=30, seed=0)
    noisy = train_with_noise(net(), train.x, train.y, sigma=sigma, epochs=30, seed=0)
    x, y = test.x[:100], test.y[:100]
    acr = {name: evaluate_certified(as_model(m, input_shape=(64,)), x, y, sigma=sigma, radii=[0.5], n=1_000,
                                    seed=0).average_radius for name, m in (("plain", plain), ("noisy", noisy))}
    assert acr["noisy"] > 1.5 * acr["plain"]


# --- the scan check ------------------------------------------------------------------------------------------

def _ctx(model: object, data: Dataset, **options: object) -> ScanContext:
    return ScanContext(model=as_model(model, input_shape=(64,)) if isinstance(model, torch.nn.Module)
                       else as_model(model), data=data, options=options)


def test_check_reports_metrics_findings_and_a_curve(digits_mlp, digits_split) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    seen: list[tuple[str, float]] = []
    ctx = ScanContext(model=as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0)), data=test,
                      options={"max_samples": 50, "n": 2000}, progress=lambda t, f: seen.append((t, f)))
    result = CertifiedRobustnessCheck().execute(ctx)
    ids = [f.id for f in result.findings]
    assert ids[0] == "ROB-020" and set(ids) <= {"ROB-020", "ROB-021", "ROB-022"}
    m = result.metrics
    assert m["sigma"] == 0.25 and m["radius"] == 0.25 and m["samples"] == 50  # 25% of clip range; radius = sigma
    assert 0 <= m["certified_accuracy@0.25"] <= m["certified_accuracy@0"] <= 1
    assert m["max_certifiable_radius"] == pytest.approx(max_certifiable_radius(0.25, 2000, 0.001))
    fig = result.figures["certified_accuracy_curve"]
    assert isinstance(fig, Figure) and fig.series[0].y[0] == pytest.approx(m["certified_accuracy@0"])
    assert seen and seen[-1][1] == pytest.approx(1.0)
    assert all(f.owasp == "ML01" and f.check == "certified-robustness" for f in result.findings)
    report = Report(target="t", tool_version="0")
    report.findings.extend(result.findings)
    as_json = json.loads(json.dumps(report.to_dict()))  # evidence must be plain JSON
    assert Report.from_dict(as_json).to_dict()["findings"] == as_json["findings"]


def test_check_flags_an_uncertifiable_radius_and_an_untrained_base(digits_logreg, digits_split) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    result = CertifiedRobustnessCheck().execute(_ctx(digits_logreg, test, max_samples=30, n=200, n0=20,
                                                     sigma=2.0, radius=50.0))
    by_id = {f.id: f for f in result.findings}
    assert "cannot be certified" in by_id["ROB-021"].title  # 50 > 2 * Phi^-1(0.001^(1/200)) ~ 3.7
    assert "ROB-022" in by_id  # sigma = 2 on [0, 1] pixels drowns a model that never saw noise


def test_checks_tuple_and_contract() -> None:
    (cls,) = CHECKS
    assert cls is CertifiedRobustnessCheck
    assert cls.name == "certified-robustness" and cls.group == "certified" and cls.owasp == ("ML01",)


# --- independent implementation: ART -------------------------------------------------------------------------

def _art_smoother(net: torch.nn.Module, d: int, n_classes: int, *, sigma: float, n0: int, alpha: float):  # type: ignore[no-untyped-def]
    rs = pytest.importorskip("art.estimators.certification.randomized_smoothing")
    smoother = rs.PyTorchRandomizedSmoothing(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=(d,),
                                             nb_classes=n_classes, sample_size=n0, scale=sigma, alpha=alpha)
    try:
        import statsmodels  # noqa: F401
    except ImportError:  # ART's bound needs statsmodels; the same one-sided Clopper-Pearson bound from scipy
        smoother._lower_confidence_bound = lambda k, n: float(beta.ppf(alpha, k, n - k + 1)) if k else 0.0
    return smoother


def _compare_with_art(net: torch.nn.Module, x: np.ndarray, n_classes: int, *, sigma: float, n: int) -> None:
    n0, alpha = 100, 0.001
    smoother = _art_smoother(net, x.shape[1], n_classes, sigma=sigma, n0=n0, alpha=alpha)
    np.random.seed(0)  # ART draws its noise from numpy's global generator
    art_pred, art_radius = smoother.certify(x, n=n, batch_size=1000)
    ours = certify(as_model(net, input_shape=(x.shape[1],)), x, sigma=sigma, n0=n0, n=n, alpha=alpha, seed=0)
    # Monte-Carlo tolerance on the radius: 5 sd of the difference of two independent estimates of p_A,
    # carried through sigma Phi^-1 (delta method)
    p = np.clip(ours.counts.max(axis=1) / n, 0.5 + 1e-3, 1 - 1 / n)
    tol = 5 * math.sqrt(2) * sigma * np.sqrt(p * (1 - p) / n) / norm.pdf(norm.ppf(p)) + 1e-6
    both = (ours.prediction != ABSTAIN) & (art_pred != -1)
    np.testing.assert_array_equal(ours.prediction[both], art_pred[both])
    np.testing.assert_array_less(np.abs(ours.radius - art_radius), tol)  # abstentions differ only near p_A = 1/2
    assert both.mean() > 0.8


def test_radii_agree_with_art_on_the_linear_oracle() -> None:
    _compare_with_art(_linear(W, B).float(), X.astype(np.float32), 2, sigma=SIGMA, n=20_000)


def test_radii_agree_with_art_on_a_noise_trained_digits_mlp(digits_split) -> None:  # type: ignore[no-untyped-def]
    train, test = digits_split
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    train_with_noise(net, train.x, train.y, sigma=0.25, epochs=30, seed=0)
    _compare_with_art(net, test.x[:40], 10, sigma=0.25, n=10_000)


@pytest.mark.slow
def test_an_attack_on_the_smoothed_mlp_never_changes_its_prediction_inside_the_radius(digits_split) -> None:  # type: ignore[no-untyped-def]
    """SmoothAdv-style PGD (Salman et al. 2019, arXiv:1906.04584): L2 PGD on the Monte-Carlo soft smoothed
    classifier ``E_delta softmax f(x + delta)`` with the certified radius as budget; PREDICT at the result must
    return the certified class or abstain (each answer is wrong with probability <= alpha)."""
    train, test = digits_split
    sigma = 0.25
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    train_with_noise(net, train.x, train.y, sigma=sigma, epochs=30, seed=0)
    model = as_model(net, input_shape=(64,))
    x = test.x[:20]
    cert = certify(model, x, sigma=sigma, n=20_000, seed=0)
    keep = np.flatnonzero(cert.radius > 0.05)
    assert len(keep) >= 10
    xt = torch.from_numpy(x[keep]).float()
    y = torch.from_numpy(cert.prediction[keep])

    def attack(scale: float) -> np.ndarray:
        gen = torch.Generator().manual_seed(1)
        eps = scale * torch.from_numpy(cert.radius[keep]).float()[:, None] * (1 - 1e-4)
        adv = xt.clone()
        for _ in range(30):  # 30 steps, 64 noise samples per step (expectation over transformation)
            adv.requires_grad_(True)
            noisy = adv[:, None, :] + sigma * torch.randn((len(adv), 64, 64), generator=gen)
            soft = torch.softmax(net(noisy), dim=-1).mean(dim=1)
            loss = torch.nn.functional.nll_loss(torch.log(soft + 1e-12), y)
            (grad,) = torch.autograd.grad(loss, adv)
            with torch.no_grad():
                delta = adv + 0.25 * eps * grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-12) - xt
                adv = xt + delta * torch.clamp(eps / delta.norm(dim=1, keepdim=True).clamp_min(1e-12), max=1.0)
        assert torch.all((adv - xt).norm(dim=1) <= eps[:, 0] * (1 + 1e-5))
        out: np.ndarray = predict(model, adv.numpy(), sigma=sigma, n=20_000, seed=2)
        return out

    inside = attack(1.0)
    assert np.all((inside == cert.prediction[keep]) | (inside == ABSTAIN))
    # the attack is real: at twice the certified radius it changes most predictions (measured: 15 of 16)
    assert np.mean(attack(2.0) != cert.prediction[keep]) > 0.5
