"""One reading of a yes/no switch given as text (``--option fast=yes``, ``[gateway] x = "off"``).

Options arrive as strings from the command line and from TOML; every place that takes a switch must
accept the same words, so they are read here and nowhere else.
"""

from __future__ import annotations

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def parse_yes_no(value: object) -> bool:
    """``True`` / ``False`` for a bool or one of the words above (any case, spaces around ignored).

    Raises ``ValueError`` naming the value otherwise, so each caller words the error for its own
    source (which option, which TOML key).
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not one of {', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}")
