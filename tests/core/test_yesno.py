"""The yes/no words every switch accepts, and the error for anything else."""

from __future__ import annotations

import pytest

from mlsecure.yesno import parse_yes_no


@pytest.mark.parametrize("text", ["1", "true", "YES", " on ", "True", True])
def test_true_words(text: object) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["0", "false", "No", "OFF ", False])
def test_false_words(text: object) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "y", "2", "enabled", "nope"])
def test_anything_else_is_refused_naming_the_value(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("'", ".")):
        parse_yes_no(text)


def test_a_check_option_that_is_no_switch_is_a_config_error_not_false() -> None:
    from mlsecure.check import ScanContext
    from mlsecure.errors import ConfigError

    ctx = ScanContext(options={"clip_noise": "maybe", "online": "on"})
    assert ctx.bool_option("online", False) is True
    assert ctx.bool_option("absent", True) is True
    with pytest.raises(ConfigError, match="option clip_noise: 'maybe'"):
        ctx.bool_option("clip_noise", False)
