"""Requirements parsing and the policy checks (pins, hashes, URLs, index options)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsecure.errors import InputError
from mlsecure.supply_chain.policy import requirement_findings
from mlsecure.supply_chain.requirements import parse_line, parse_requirements

REQS = """\
# pinned and hashed, continued over lines
numpy==1.26.4 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
torch>=2.2  # unpinned
requests[socks]==2.32.3 ; python_version >= "3.8"
-e git+https://github.com/acme/tools.git@main#egg=acme-tools
http://files.example/pkg-1.0.tar.gz#egg=pkg
scipy===1.13.0
pandas==2.*
-r more.txt
--extra-index-url https://pypi.internal.example/simple
--trusted-host pypi.internal.example
"""


@pytest.fixture
def reqs_file(tmp_path: Path) -> Path:
    (tmp_path / "more.txt").write_text("tensorfiow==2.15.0\n")
    path = tmp_path / "requirements.txt"
    path.write_text(REQS)
    return path


def test_parse_entries(reqs_file: Path) -> None:
    reqs = parse_requirements(reqs_file)
    got = [(e.line, e.name, e.pinned_version, len(e.hashes), e.url is not None, e.editable) for e in reqs.entries]
    assert got == [
        (2, "numpy", "1.26.4", 2, False, False),
        (5, "torch", None, 0, False, False),
        (6, "requests", "2.32.3", 0, False, False),
        (7, "acme-tools", None, 0, True, True),
        (8, "pkg", None, 0, True, False),
        (9, "scipy", "1.13.0", 0, False, False),
        (10, "pandas", None, 0, False, False),  # a wildcard is not a pin
        (1, "tensorfiow", "2.15.0", 0, False, False),  # from more.txt
    ]
    assert reqs.entries[2].marker == 'python_version >= "3.8"' and reqs.entries[2].extras == ("socks",)
    assert [u for _, _, u in reqs.extra_index_urls] == ["https://pypi.internal.example/simple"]
    assert [h for _, _, h in reqs.trusted_hosts] == ["pypi.internal.example"]


def test_policy_findings(reqs_file: Path) -> None:
    findings = requirement_findings(parse_requirements(reqs_file))
    by_id: dict[str, list[str]] = {}
    for f in findings:
        by_id.setdefault(f.id, []).append(f.location.member or "")
    assert by_id["SUP-102"] == ["line 5: torch", "line 10: pandas"]  # unpinned
    assert sorted(by_id["SUP-105"]) == ["line 7: acme-tools", "line 8: pkg"]  # installed from URL / VCS
    assert by_id["SUP-104"] == ["line 1: tensorfiow"]  # typosquat of tensorflow
    assert len(by_id["SUP-106"]) == 1 and len(by_id["SUP-107"]) == 1  # extra index, trusted host
    hashes = next(f for f in findings if f.id == "SUP-103")
    assert hashes.evidence["unhashed"] == ["torch", "requests", "scipy", "pandas", "tensorfiow"]
    url = {f.location.member: f.severity.value for f in findings if f.id == "SUP-105"}
    assert url == {"line 8: pkg": "high", "line 7: acme-tools": "medium"}  # plain http is worse


def test_include_cycle_and_bad_lines(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")
    with pytest.raises(InputError, match="cycle"):
        parse_requirements(tmp_path / "a.txt")
    with pytest.raises(InputError, match="not a valid requirement"):
        parse_line("numpy=>1")
    with pytest.raises(InputError, match="malformed --hash"):
        parse_line("numpy==1.0 --hash=sha256:xyz")
    with pytest.raises(InputError, match="cannot read"):
        parse_requirements(tmp_path / "missing.txt")


def test_fully_pinned_and_hashed_file_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("numpy==1.26.4 --hash=sha256:" + "a" * 64 + "\n")
    assert requirement_findings(parse_requirements(path)) == []
