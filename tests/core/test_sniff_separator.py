"""The separator guess reads several records, not only the header (found by the hostile-input property test:
``;_,;_`` / ``,`` was split on ``;`` into a 3-field header and a 1-field row, and read as a clean table)."""

from __future__ import annotations

import pytest

from mlsecure.data.source import sniff_separator


@pytest.mark.parametrize(("text", "expected"), [
    (";_,;_\r\n,\r\n", ","),          # the header alone splits more on ';', every record splits alike on ','
    ("a;b;c\n1;2;3\n4;5;6\n", ";"),
    ("a,b\n1,2\n", ","),
    ("a\tb\n1\t2\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
    ('"x;y",z\n"1;2",3\n', ","),      # quotes respected
    ("only\n1\n2\n", ","),             # nothing splits: ','
    ("a;b;c", ";"),                    # a lone header: the one that splits it most
])
def test_separator_is_the_one_every_record_agrees_on(text: str, expected: str) -> None:
    assert sniff_separator(text) == expected
