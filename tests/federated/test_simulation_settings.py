"""Each bad simulation setting is refused with its own reason (session-5 audit: `--byzantine -1` said "need at
least one honest client: -1 Byzantine of 4" and `--lr inf` ran until a client's update overflowed)."""

from __future__ import annotations

import pytest

from mlsecure.errors import ConfigError
from mlsecure.federated.simulation import SimulationConfig


@pytest.mark.parametrize(("settings", "words"), [
    ({"n_clients": 0}, "--clients must be at least 1"),
    ({"n_byzantine": -1}, "--byzantine must be 0 or more"),
    ({"n_clients": 4, "n_byzantine": 4}, "at least one honest client"),
    ({"learning_rate": float("inf")}, "positive finite"),
    ({"alpha": float("nan")}, "positive finite"),
])
def test_bad_settings_name_the_option(settings: dict[str, float], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        SimulationConfig(**settings)  # type: ignore[arg-type]
