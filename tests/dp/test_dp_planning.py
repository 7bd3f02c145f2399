"""Planning: the guide's tiers and flowchart, and its noise table against accounting."""

from __future__ import annotations

import pytest

from mlsecure.errors import InputError
from mlsecure.privacy.dp.planning import Sensitivity, guide_table_check, target_for, tier_for

pytest.importorskip("dp_accounting")


@pytest.mark.parametrize(("eps", "level"), [(0.05, "very strong"), (0.5, "strong"), (3.0, "moderate"),
                                            (8.0, "weak"), (20.0, "minimal")])
def test_tiers(eps: float, level: str) -> None:
    assert tier_for(eps).level == level


def test_flowchart_targets() -> None:
    assert target_for(Sensitivity.MEDICAL) == 1.0
    assert target_for(Sensitivity.PERSONAL) == 5.0
    assert target_for(Sensitivity.LOW) == 8.0
    assert target_for(Sensitivity.LOW, regulated=True) == 5.0
    assert target_for(Sensitivity.LOW, membership_concern=False) == 10.0


@pytest.mark.slow
def test_guide_table_is_not_reproduced() -> None:
    rows = guide_table_check()
    by_sigma = {r["noise_multiplier"]: r for r in rows}
    # PLD values for 10 epochs, batch 64, n=50,000, delta=1e-5 (dp-accounting 0.6): far below the guide's
    assert by_sigma[1.0]["pld_epsilon"] == pytest.approx(0.5475, abs=1e-3)
    assert by_sigma[0.5]["pld_epsilon"] == pytest.approx(5.768, abs=5e-3)
    for r in rows:
        assert r["pld_epsilon"] < r["guide_epsilon"]
        assert r["pld_epsilon"] <= r["rdp_epsilon"]


@pytest.mark.slow
def test_plan_small_config() -> None:
    from mlsecure.privacy.dp import plan

    result = plan(sensitivity="personal", dataset_size=20_000, batch_size=256, epochs=2, noise_grid=(1.0, 2.0))
    assert result.target_epsilon == 5.0
    assert result.delta == 1e-5
    assert result.achieved_epsilon <= 5.0
    assert [r.noise_multiplier for r in result.table] == [1.0, 2.0]
    with pytest.raises(InputError):
        plan(sensitivity="secret", dataset_size=100)
