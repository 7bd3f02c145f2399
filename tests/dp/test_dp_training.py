"""DP-SGD guard rails (Opacus issues #80, #813, #571), gradient-norm profile and a short DP-SGD run."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.errors import ConfigError

torch = pytest.importorskip("torch")
pytest.importorskip("opacus")

from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler  # noqa: E402

from mlsecure.privacy.dp.profile import per_sample_grad_norms, profile_gradient_norms  # noqa: E402
from mlsecure.privacy.dp.training import check_loader, train_dp_sgd  # noqa: E402


def _dataset(n: int = 2000) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(n, 10, generator=g), torch.randint(0, 2, (n,), generator=g))


def test_weighted_sampler_refused_issue_813() -> None:
    ds = _dataset()
    sampler = WeightedRandomSampler(torch.ones(len(ds)), num_samples=128, replacement=True)
    found = check_loader(DataLoader(ds, batch_size=16, sampler=sampler))
    assert found.errors and "#813" in found.errors[0]
    assert found.true_sample_rate == pytest.approx(16 / 2000)
    assert found.opacus_sample_rate == pytest.approx(1 / 8)  # what Opacus would account


def test_non_poisson_refused_issue_80() -> None:
    found = check_loader(DataLoader(_dataset(), batch_size=64, shuffle=True), poisson_sampling=False)
    assert any("#80" in e for e in found.errors)


def test_plain_loader_accepted_and_small_data_warned_issue_571() -> None:
    assert check_loader(DataLoader(_dataset(), batch_size=64, shuffle=True)).errors == ()
    small = check_loader(DataLoader(_dataset(200), batch_size=20, shuffle=True))
    assert small.errors == ()
    assert any("#571" in w for w in small.warnings)


def test_train_refuses_bad_loader() -> None:
    ds = _dataset()
    sampler = WeightedRandomSampler(torch.ones(len(ds)), num_samples=128, replacement=True)
    net = torch.nn.Linear(10, 2)
    with pytest.raises(ConfigError, match="813"):
        train_dp_sgd(net, ds.tensors[0].numpy(), ds.tensors[1].numpy(), target_epsilon=1.0,
                     loader=DataLoader(ds, batch_size=16, sampler=sampler))


def test_per_sample_norms_match_autograd() -> None:
    # oracle: one backward pass per sample
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    x, y = torch.randn(6, 5), torch.randint(0, 3, (6,))
    expected = []
    for i in range(6):
        net.zero_grad()
        torch.nn.functional.cross_entropy(net(x[i : i + 1]), y[i : i + 1]).backward()
        expected.append(float(torch.sqrt(sum((p.grad**2).sum() for p in net.parameters()))))
    assert per_sample_grad_norms(net, x, y) == pytest.approx(np.array(expected), rel=1e-5)
    prof = profile_gradient_norms(net, x.numpy(), y.numpy(), rule="p75")
    assert prof.recommended == pytest.approx(np.percentile(expected, 75), rel=1e-5)
    assert prof.median == pytest.approx(np.median(expected), rel=1e-5)


@pytest.mark.slow
def test_dp_sgd_run_meets_target() -> None:
    ds = _dataset(2000)
    torch.manual_seed(0)
    net = torch.nn.Linear(10, 2)
    res = train_dp_sgd(net, ds.tensors[0].numpy(), ds.tensors[1].numpy(), target_epsilon=2.0, epochs=2,
                       batch_size=100, lr=0.1)
    assert res.epsilon <= 2.0 * 1.02  # ours (PLD) for the steps Opacus ran at its noise multiplier
    assert res.opacus_epsilon <= 2.0 * 1.02
    assert res.sample_rate == pytest.approx(100 / 2000)
    assert len(res.history) == 2 and res.history[0].epsilon < res.history[1].epsilon
    assert res.grad_profile is not None and res.max_grad_norm == pytest.approx(res.grad_profile.median)


@pytest.mark.slow
def test_privacy_utility_curve_figure() -> None:
    from mlsecure.privacy.dp.training import privacy_utility_curve

    g = torch.Generator().manual_seed(1)
    x = torch.randn(3000, 10, generator=g)
    y = (x[:, 0] > 0).long()  # linearly separable: accuracy should rise with epsilon
    points, fig = privacy_utility_curve(lambda: torch.nn.Linear(10, 2), x[:2000].numpy(), y[:2000].numpy(),
                                        x[2000:].numpy(), y[2000:].numpy(), epsilons=(0.1, 4.0),
                                        baseline_accuracy=1.0, epochs=2, batch_size=100, lr=0.5)
    assert [p.target_epsilon for p in points] == [0.1, 4.0]
    assert all(p.epsilon <= p.target_epsilon * 1.02 for p in points)
    assert points[1].accuracy >= 0.9
    assert fig.kind == "line" and fig.series[0].x == tuple(p.epsilon for p in points)
    assert fig.series[1].name == "non-private"
