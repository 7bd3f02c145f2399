"""``mlsecure scan --scan certified``: certified L2 robustness by randomized smoothing (OWASP ML01).

Certifies the Gaussian-smoothed version of the model (Cohen et al. 2019, arXiv:1902.02918; see
``smoothing.py``) on the holdout set (else the data) and reports certified accuracy against the L2 radius.
A certificate holds for the *smoothed* classifier only, with probability ``1 - alpha`` per point.

Options (``--option key=value``): ``sigma`` (noise standard deviation in model input units; default 25% of
the input range: the model's ``clip_values``, else the median per-feature range of the data), ``radius``
(L2 radius the findings judge; default ``sigma``), ``n`` (estimation samples per point, default 10000),
``n0`` (selection samples, default 100), ``alpha`` (default 0.001), ``batch_size`` (noisy rows per forward,
default 1000), ``max_samples`` (points certified, default 200, drawn with ``seed``), ``clip_noise``
(``true`` clips noisy inputs to ``clip_values``; off by default, as in the paper).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mlsecure.check import MAX_SAMPLES_HELP, SEED_HELP, Check, CheckResult, Requirement, ScanContext, opt
from mlsecure.errors import CheckError, ConfigError
from mlsecure.findings import Figure, Finding, Location, Series, Severity
from mlsecure.robustness.checks import MAX_CI_WIDTH
from mlsecure.robustness.smoothing import ABSTAIN, CertifiedEvaluation, evaluate_certified, max_certifiable_radius

ATLAS = ("AML.T0043", "AML.T0015")
DEFAULT_SIGMA_FRACTION = 0.25
DEFAULT_N, DEFAULT_N0, DEFAULT_ALPHA = 10_000, 100, 0.001
DEFAULT_MAX_SAMPLES = 200
REMEDIATION = ("Train the base model with Gaussian noise of the certifying sigma "
               "(mlsecure.robustness.smoothing.train_with_noise, or SmoothAdv/MACER for larger radii), serve the "
               "smoothed classifier (smoothing.predict) rather than the base model, and raise n for larger "
               "certifiable radii. Certified accuracy is a guarantee for the smoothed model only.")


class CertifiedRobustnessCheck(Check):
    """Certified accuracy vs L2 radius of the Gaussian-smoothed model, with abstain rate and intervals."""

    name = "certified-robustness"
    title = "Certified L2 robustness (randomized smoothing)"
    group = "certified"
    owasp = ("ML01",)
    atlas = ATLAS
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.MODEL, Requirement.DATA})

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        max_samples: int = opt(DEFAULT_MAX_SAMPLES, MAX_SAMPLES_HELP)
        sigma: float | None = opt(None, "noise level of randomized smoothing (default: a fraction of the input range)")
        radius: float | None = opt(None, "L2 radius to certify (default: sigma)")
        n: int = opt(DEFAULT_N, "Monte Carlo samples for the certified bound")
        n0: int = opt(DEFAULT_N0, "Monte Carlo samples to pick the top class")
        alpha: float = opt(DEFAULT_ALPHA, "failure probability of the certificate (1 - confidence)")
        clip_noise: bool = opt(False, "clip noisy inputs to the valid input range")
        batch_size: int = opt(1000, "noisy samples per forward batch")

    def run(self, ctx: ScanContext) -> CheckResult:
        model = ctx.need_model()
        data = ctx.evaluation_data()
        x, y = data.x, data.y
        if y is None:  # need_data guarantees labels; kept for the type checker
            raise CheckError("this check needs labelled data")
        seed = ctx.int_option("seed", 0)
        cap = ctx.int_option("max_samples", DEFAULT_MAX_SAMPLES)
        if len(x) > cap:
            idx = np.sort(np.random.default_rng(seed).choice(len(x), cap, replace=False))
            x, y = x[idx], y[idx]
        else:
            idx = np.arange(len(x))
        span, span_source = _span(model.clip_values, data.x)
        sigma = ctx.float_option("sigma", round(DEFAULT_SIGMA_FRACTION * span, 6))
        radius = ctx.float_option("radius", sigma)
        n, n0 = ctx.int_option("n", DEFAULT_N), ctx.int_option("n0", DEFAULT_N0)
        alpha = ctx.float_option("alpha", DEFAULT_ALPHA)
        if not (sigma > 0 and radius >= 0 and n >= 1 and n0 >= 1 and 0 < alpha < 1):
            raise ConfigError(f"certified-robustness needs sigma > 0, radius >= 0, n >= 1, n0 >= 1 and "
                              f"0 < alpha < 1; got sigma={sigma}, radius={radius}, n={n}, n0={n0}, alpha={alpha}")
        clip = ctx.bool_option("clip_noise", False)
        r_max = max_certifiable_radius(sigma, n, alpha)
        radii = tuple(sorted({0.0, 0.5 * sigma, sigma, 2 * sigma, radius}))
        start = time.process_time()
        ev = evaluate_certified(model, x, y, sigma=sigma, radii=radii, n0=n0, n=n, alpha=alpha,
                                batch_size=ctx.int_option("batch_size", 1000), seed=seed, clip_noise=clip,
                                progress=ctx.progress)
        seconds = time.process_time() - start
        if ev.base_accuracy <= 0:  # as for the attacks: a verdict on no correct sample is no verdict
            raise CheckError(f"{data.source}: the model classifies none of the {ev.n_samples} evaluated samples "
                             "correctly, so there is nothing to certify; check the label column (--label-column)")
        settings = {"sigma": sigma, "sigma_source": "given" if ctx.options.get("sigma") is not None else
                    f"default: {DEFAULT_SIGMA_FRACTION:.0%} of the input range ({span_source})",
                    "n": n, "n0": n0, "alpha": alpha, "noise_clipped": clip, "max_certifiable_radius": r_max}
        findings = _findings(ev, idx, radius, settings)
        metrics = {"evaluated_on": data.source, **_metrics(ev, radius, settings), "cpu_seconds": round(seconds, 3)}
        return CheckResult(findings=tuple(findings), metrics=metrics,
                           figures={"certified_accuracy_curve": certified_curve(ev)})


def certified_curve(ev: CertifiedEvaluation, points: int = 60) -> Figure:
    """Certified accuracy against L2 radius (a step curve sampled on ``points`` radii up to the cap ``n`` sets)."""
    cert = ev.certificate
    top = max(cert.max_radius, float(cert.radius.max()) if len(cert.radius) else 0.0) * 1.05
    xs = tuple(float(r) for r in np.linspace(0.0, top, points))
    ys = tuple(ev.at(r) for r in xs)
    series = (Series(f"smoothed model, sigma={cert.sigma:g}", xs, ys),
              Series("base model, clean accuracy (no guarantee)", (xs[0], xs[-1]),
                     (ev.base_accuracy, ev.base_accuracy)))
    return Figure(title=f"Certified accuracy vs L2 radius (randomized smoothing, n={cert.n}, alpha={cert.alpha:g})",
                  x_label="L2 radius (model input units)", y_label="certified accuracy", series=series, kind="line")


def severity_for(base: float, certified: float) -> Severity:
    """Severity from the share of the base model's clean accuracy that stays certified at the radius."""
    if base <= 0:
        return Severity.INFO
    kept = certified / base
    if kept < 0.25:
        return Severity.HIGH
    if kept < 0.5:
        return Severity.MEDIUM
    if kept < 0.75:
        return Severity.LOW
    return Severity.INFO


def _span(clip: tuple[float, float] | None, x: np.ndarray) -> tuple[float, str]:
    if clip is not None:
        return float(clip[1]) - float(clip[0]), "model clip_values"
    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    spans = flat.max(axis=0) - flat.min(axis=0) if len(flat) else np.ones(1)
    positive = spans[spans > 0]
    return (float(np.median(positive)) if positive.size else 1.0), "median per-feature range of the data"


def _findings(ev: CertifiedEvaluation, rows: np.ndarray, radius: float, settings: dict[str, Any]) -> list[Finding]:
    cert = ev.certificate
    at_r = ev.at(radius)
    lo, hi = ev.ci[ev.radii.index(radius)]
    uncertified = tuple(int(rows[i]) for i in np.flatnonzero(~((cert.prediction == ev.labels)
                                                                 & (cert.radius >= radius))))
    evidence = {"radius": radius, "norm": "l2", "certified_accuracy": at_r, "certified_accuracy_ci95": [lo, hi],
                "base_accuracy": ev.base_accuracy, "smoothed_accuracy": ev.smoothed_accuracy,
                "abstain_rate": cert.abstain_rate, "median_radius": ev.median_radius,
                "average_certified_radius": ev.average_radius, "samples": ev.n_samples,
                "certified_accuracy_at": {f"{r:g}": a for r, a in zip(ev.radii, ev.accuracy, strict=True)},
                **settings}
    out = [Finding(
        id="ROB-020",
        title=(f"Smoothed model (sigma={cert.sigma:g}) is certified correct on {at_r:.1%} of samples within "
               f"L2 radius {radius:g}; median certified radius {ev.median_radius:.3g}"),
        severity=Severity.INFO, owasp="ML01", atlas=ATLAS, evidence=evidence, remediation=REMEDIATION,
        description="Randomized smoothing (Cohen et al. 2019, arXiv:1902.02918): with probability 1 - alpha per "
                    "sample, no L2 perturbation smaller than the certified radius changes the smoothed model's "
                    "prediction. It says nothing about the base model served without noise, about other norms, "
                    "or about samples the smoothed model abstains on.",
    )]
    sev = severity_for(ev.base_accuracy, at_r)
    unreachable = radius >= cert.max_radius
    if unreachable or sev > Severity.INFO:
        out.append(Finding(
            id="ROB-021",
            title=(f"Radius {radius:g} cannot be certified with n={cert.n} samples (largest certifiable radius "
                   f"{cert.max_radius:.3g}): raise n or sigma" if unreachable else
                   f"Only {at_r:.1%} certified at L2 radius {radius:g} (base model clean accuracy "
                   f"{ev.base_accuracy:.1%})"),
            severity=Severity.LOW if unreachable else sev, owasp="ML01", atlas=ATLAS,
            location=Location(rows=uncertified[:50]), evidence=evidence, remediation=REMEDIATION,
            description="Samples listed are not certified at the radius: wrong, abstained, or certified only for a "
                        "smaller radius. An uncertified sample is not proven attackable; it has no guarantee.",
        ))
    if hi - lo > MAX_CI_WIDTH and sev < Severity.HIGH <= severity_for(ev.base_accuracy, lo):
        out.append(Finding(
            id="ROB-004", title=f"Certification inconclusive: {ev.n_samples} sample(s) leave certified accuracy "
                                f"anywhere in {lo:.1%}-{hi:.1%} at L2 radius {radius:g}",
            severity=Severity.HIGH, owasp="ML01", atlas=ATLAS,
            evidence={"samples": ev.n_samples, "radius": radius, "certified_accuracy_ci95": [lo, hi],
                      "ci_width": hi - lo, "max_ci_width": MAX_CI_WIDTH},
            remediation="Certify more labelled samples (more rows, --max-samples) until the 95% interval is narrower "
                        "than the severity bands.",
            description="A pass drawn from this few samples is not evidence: the interval reaches a failing severity.",
        ))
    if ev.smoothed_accuracy < ev.base_accuracy - 0.1:
        abstained = int(np.sum(cert.prediction == ABSTAIN))
        out.append(Finding(
            id="ROB-022",
            title=(f"Noise costs {ev.base_accuracy - ev.smoothed_accuracy:.1%} accuracy: the base model looks "
                   f"untrained for sigma={cert.sigma:g} noise"),
            severity=Severity.LOW, owasp="ML01", atlas=("AML.T0043",),
            evidence={"base_accuracy": ev.base_accuracy, "smoothed_accuracy": ev.smoothed_accuracy,
                      "abstained": abstained, "sigma": cert.sigma},
            remediation="Train (or fine-tune) the base model on inputs with Gaussian noise of this sigma "
                        "(smoothing.train_with_noise); smoothing a model that never saw noise certifies tiny radii.",
            description="The smoothed classifier is right (and not abstaining) on far fewer samples than the base "
                        "model: its votes under noise are split or wrong.",
        ))
    return out


def _metrics(ev: CertifiedEvaluation, radius: float, settings: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for r, a, (lo, hi) in zip(ev.radii, ev.accuracy, ev.ci, strict=True):
        flat[f"certified_accuracy@{r:g}"] = a
        flat[f"certified_accuracy_ci95@{r:g}"] = f"{lo:.3f}-{hi:.3f}"
    return {
        **flat,
        "radius": radius,
        "norm": "l2",
        "samples": ev.n_samples,
        "base_accuracy": ev.base_accuracy,
        "smoothed_accuracy": ev.smoothed_accuracy,
        "abstain_rate": ev.certificate.abstain_rate,
        "median_radius": ev.median_radius,
        "average_certified_radius": ev.average_radius,
        **settings,
        "certified_accuracy": {f"{r:g}": a for r, a in zip(ev.radii, ev.accuracy, strict=True)},
        "radius_units": "model input units (L2)",
    }


CHECKS: tuple[type[Check], ...] = (CertifiedRobustnessCheck,)
