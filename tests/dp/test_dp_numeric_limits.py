"""Inputs at the edge of the accountants' numerics are one clear line (exit 2), never a numpy traceback,
a math domain error or a five-minute hang (session-5 audit, docs/fail-closed.md)."""

from __future__ import annotations

import pytest

from mlsecure.cli.main import main
from mlsecure.errors import InputError, LimitExceededError
from mlsecure.privacy.dp import DPSGDConfig, compute_epsilon, find_noise_multiplier
from mlsecure.privacy.dp.accounting import MAX_PLD_STEPS

pytest.importorskip("dp_accounting")


def test_a_target_epsilon_below_floating_point_resolution_is_an_input_error() -> None:
    # was ValueError: math domain error (log of an epsilon that underflowed to 0)
    with pytest.raises(InputError, match="below what the accountants resolve"):
        find_noise_multiplier(target_epsilon=1e-300, delta=1e-5, batch_size=64, dataset_size=60_000, epochs=1)


def test_a_noise_too_small_for_the_pld_grid_names_the_rdp_way_out() -> None:
    # was ValueError: Maximum allowed size exceeded, from numpy inside dp_accounting
    cfg = DPSGDConfig(noise_multiplier=1e-9, batch_size=64, dataset_size=60_000, epochs=1)
    with pytest.raises(LimitExceededError, match="accountant rdp"):
        compute_epsilon(cfg, delta=1e-5)
    rdp = compute_epsilon(cfg, delta=1e-5, accountant="rdp")  # RDP answers; its PLD cross-check cannot
    assert rdp.epsilon > 1e6 and rdp.cross_check is None


def test_more_steps_than_pld_handles_is_refused_at_once_not_a_hang() -> None:
    cfg = DPSGDConfig(noise_multiplier=1.0, batch_size=64, dataset_size=60_000, steps=MAX_PLD_STEPS + 1)
    with pytest.raises(LimitExceededError, match="--accountant rdp"):
        compute_epsilon(cfg, delta=1e-5)
    # RDP is constant-time in the steps: epsilon grows with T (1e8 steps at q=64/60000, sigma=1: 163.6 measured)
    assert compute_epsilon(cfg, delta=1e-5, accountant="rdp").epsilon > 100


@pytest.mark.parametrize("argv", [
    ["privacy", "dp", "noise", "--target-epsilon", "1e-300", "--batch-size", "64", "--dataset-size", "60000"],
    ["privacy", "dp", "epsilon", "--noise-multiplier", "1e-9", "--batch-size", "64", "--dataset-size", "60000"],
    ["federated", "dp-plan", "--total-clients", "1000", "--clients-per-round", "10", "--rounds", "100",
     "--noise-multiplier", "1e-9"],
])
def test_cli_edge_values_are_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("mlsecure: error: ") and err.count("\n") == 1


def test_a_cross_check_that_cannot_run_is_shown_as_not_computed(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["privacy", "dp", "epsilon", "--noise-multiplier", "1e-9", "--batch-size", "64", "--dataset-size",
            "60000", "--accountant", "rdp"]
    assert main(argv) == 0
    assert "cross-check      not computed" in capsys.readouterr().out


def test_a_billion_releases_compose_in_closed_form_not_a_billion_element_list(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Session-5 audit: `privacy dp compose --epsilon 1 --count 1000000000` expanded a list and was killed for
    memory (exit 137 after 148 s). Counts now compose in closed form; PLD says n/a past its grid."""
    assert main(["privacy", "dp", "compose", "--epsilon", "1", "--count", "1000000000", "--format", "json"]) == 0
    import json

    rows = {r["method"]: r for r in json.loads(capsys.readouterr().out)["composition"]}
    assert rows["basic"]["epsilon"] == 1e9
    assert rows["pld"]["epsilon"] is None and "n/a" in rows["pld"]["note"]


def test_counts_equal_the_expanded_list() -> None:
    from mlsecure.privacy.dp import compose_releases

    grouped = compose_releases([0.1, 0.3], delta=1e-5, counts=[30, 5])
    expanded = compose_releases([0.1] * 30 + [0.3] * 5, delta=1e-5)
    for a, b in zip(grouped, expanded, strict=True):
        assert a.method == b.method and a.epsilon == pytest.approx(b.epsilon, rel=1e-6)


@pytest.mark.slow  # 16 s: the plan's PLD search over 1e6 steps
def test_a_plan_whose_grid_reaches_huge_epsilons_uses_the_rdp_bound_there() -> None:
    """1e6 full-batch steps: sigma=0.5 has epsilon ~2.2e6, whose PLD grid asked numpy for 7 GiB (killed)."""
    from mlsecure.privacy.dp import plan

    result = plan(sensitivity="low", dataset_size=1000, batch_size=1000, epochs=1_000_000,
                  noise_grid=(0.5, 1000.0))
    low, high = result.table
    assert low.epsilon == low.rdp_epsilon > 1e6  # PLD beyond its grid: the RDP bound stands for both
    assert 0 < high.epsilon <= high.rdp_epsilon < 100
