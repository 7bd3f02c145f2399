"""End-to-end audits: an overfit torch MLP leaks (LiRA beats the loss threshold), sklearn models are
re-fitted from clones, the Check emits ML04 findings with a log-log ROC, a DP-SGD model does not leak."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.check import ScanContext
from mlsecure.data import Dataset
from mlsecure.findings import Severity
from mlsecure.models import as_model
from mlsecure.privacy.inference import audit_membership
from mlsecure.privacy.inference.checks import CHECKS, MembershipInferenceCheck, severity_for

torch = pytest.importorskip("torch")


def _split(digits: Dataset, n: int, seed: int) -> tuple[Dataset, Dataset]:
    order = np.random.default_rng(seed).permutation(len(digits))
    return digits.subset(order[:n]), digits.subset(order[n : 2 * n])


@pytest.fixture(scope="module")
def overfit(digits: Dataset) -> tuple[object, Dataset, Dataset]:
    """A wide MLP (64-256-10) trained to 100 % accuracy on 500 digits: it memorises."""
    members, non_members = _split(digits, 500, seed=3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny layers: intra-op threads only contend
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    x, y = torch.from_numpy(members.x), torch.from_numpy(members.y)
    gen = torch.Generator().manual_seed(0)
    for _ in range(80):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    torch.set_num_threads(threads)
    return as_model(net.eval(), input_shape=(64,)), members, non_members


@pytest.mark.slow
def test_lira_beats_loss_threshold_on_overfit_model(overfit: tuple[object, Dataset, Dataset]) -> None:
    model, members, non_members = overfit
    audit = audit_membership(model, members, non_members,  # type: ignore[arg-type]
                             attacks=("loss", "lira_offline", "lira_online", "rmia"), n_reference=8, seed=0)
    assert audit.target_train_accuracy == 1.0
    loss = audit.results["loss"].metrics
    lira = max(audit.results["lira_online"].metrics.tpr_at_1pct.value,
               audit.results["lira_offline"].metrics.tpr_at_1pct.value)
    assert lira >= 0.04  # well above the 1 % of a chance attack
    assert lira > loss.tpr_at_1pct.value
    assert audit.results["lira_online"].metrics.auc > 0.55
    assert "re-initialised" in (audit.reference_method or "")
    fig = audit.roc_figure()
    assert fig.kind == "roc" and fig.log and len(fig.series) == 4
    assert all(min(s.x) > 0 and min(s.y) > 0 for s in fig.series)  # drawable on log axes


def test_sklearn_reference_models_are_clones(digits: Dataset) -> None:
    from sklearn.tree import DecisionTreeClassifier

    members, non_members = _split(digits, 300, seed=5)
    est = DecisionTreeClassifier(random_state=0).fit(members.x, members.y)  # memorises its training set
    audit = audit_membership(as_model(est), members, non_members, attacks=("loss", "lira_online"), n_reference=4,
                             n_jobs=1)
    assert audit.reference_method is not None and "clone(DecisionTreeClassifier)" in audit.reference_method
    assert audit.reference_models == 4
    assert audit.target_train_accuracy == 1.0
    assert audit.results["lira_online"].metrics.auc > 0.6


def test_check_findings_and_metrics(overfit: tuple[object, Dataset, Dataset]) -> None:
    model, members, non_members = overfit
    ctx = ScanContext(model=model, data=members, holdout=non_members,  # type: ignore[arg-type]
                      options={"mia_references": "4", "mia_attacks": "loss,entropy,lira_offline,rmia",
                               "dp_epsilon": "0.01"})
    assert (MembershipInferenceCheck,) == CHECKS
    result = MembershipInferenceCheck().execute(ctx)
    ids = [f.id for f in result.findings]
    assert ids[0] == "MIA-001"
    for f in result.findings:
        assert f.owasp == "ML04" and f.atlas == ("AML.T0024.000",) and f.check == "membership-inference"
    assert result.metrics["reference_models"] == 4
    assert "tpr_at_1pct_fpr" in result.metrics and "ci_low" in result.metrics["tpr_at_1pct_fpr"]
    assert result.figures["membership_roc"].log
    # a measured epsilon lower bound above the claimed 0.01 contradicts the DP claim
    if result.metrics["empirical_epsilon_lower_bound"] > 0.01:
        assert "MIA-004" in ids


def test_severity_scale() -> None:
    assert severity_for(0.02, 0.005) is Severity.INFO  # not above chance with confidence
    assert severity_for(0.03, 0.015) is Severity.LOW
    assert severity_for(0.08, 0.05) is Severity.MEDIUM
    assert severity_for(0.12, 0.09) is Severity.HIGH
    assert severity_for(0.40, 0.35) is Severity.CRITICAL


@pytest.mark.slow
def test_dp_sgd_model_does_not_leak(digits: Dataset) -> None:
    """DP-SGD at epsilon <= 1: every attack's AUC within a few points of 0.5."""
    pytest.importorskip("opacus")
    from mlsecure.privacy.dp.training import train_dp_sgd

    members, non_members = _split(digits, 800, seed=7)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    res = train_dp_sgd(net, members.x, members.y, target_epsilon=1.0, epochs=10, batch_size=64, lr=0.5)
    assert res.epsilon <= 1.0 * 1.02
    audit = audit_membership(as_model(res.module, input_shape=(64,)), members, non_members,
                             attacks=("loss", "entropy", "lira_online", "rmia"), n_reference=8, max_epochs=20)
    for r in audit.results.values():
        assert abs(r.metrics.auc - 0.5) < 0.05, r.name
    assert audit.results["lira_online"].metrics.epsilon_lower <= res.epsilon + 0.5


def test_unretrainable_model_runs_reference_free_attacks(digits: Dataset) -> None:
    """A callable (like an ONNX session) has no architecture: LiRA/RMIA are skipped, not failed."""
    from sklearn.linear_model import LogisticRegression

    members, non_members = _split(digits, 200, seed=9)
    est = LogisticRegression(max_iter=200).fit(members.x, members.y)
    model = as_model(est.predict_proba, n_classes=10, input_shape=(64,))
    audit = audit_membership(model, members, non_members, attacks=("loss", "lira_online", "rmia"))
    assert set(audit.results) == {"loss"}
    assert audit.skipped_attacks == ("lira_online", "rmia")
    assert audit.reference_method is not None and "cannot be retrained" in audit.reference_method
