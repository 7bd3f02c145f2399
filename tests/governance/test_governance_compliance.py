"""The compliance matrix quotes the guide's section 6 and every link names a command that exists."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from mlsecure.cli import governance_cmd
from mlsecure.cli.main import build_parser
from mlsecure.governance.checklist import CHECKLIST
from mlsecure.governance.compliance import COMPLIANCE_MATRIX, REGULATIONS, Support

# The guide's cross-regulation matrix, verbatim (action: GDPR, CCPA, HIPAA).
GUIDE_MATRIX = {
    "PII detection in training data": ("Required", "Required", "Required (PHI)"),
    "Data anonymization / de-identification": ("Recommended", "Recommended", "Required (Safe Harbor)"),
    "Differential privacy": ("Recommended", "Recommended", "Recommended"),
    "Right to deletion / unlearning": ("Required", "Required", "Not explicit"),
    "Audit logging": ("Required", "Required", "Required"),
    "Data encryption (at rest + transit)": ("Required", "Required", "Required"),
    "Access controls / RBAC": ("Required", "Required", "Required"),
    "Breach notification": ("72 hours", "72 hours (AG)", "60 days"),
    "Impact assessment": ("DPIA required", "Not required", "Risk analysis"),
    "Model explainability": ("Required (Art. 22)", "Right to opt out", "Not explicit"),
    "Data processing records": ("Required", "Required", "Required"),
    "Consent management": ("Often required", "Opt-out model", "Authorization"),
}


def test_matrix_is_the_guides() -> None:
    assert {a.action: (a.gdpr, a.ccpa, a.hipaa) for a in COMPLIANCE_MATRIX} == GUIDE_MATRIX
    assert [len(r.requirements) for r in REGULATIONS.values()] == [9, 6, 6]  # GDPR, CCPA/CPRA, HIPAA tables


def test_hipaa_safe_harbor_links_to_the_preset() -> None:
    row = next(r for r in REGULATIONS["hipaa"].requirements if r.name == "De-identification (Safe Harbor)")
    assert any("--hipaa-safe-harbor" in s.command for s in row.support)


def _all_supports() -> set[Support]:
    out = {s for a in COMPLIANCE_MATRIX for s in a.support}
    return out | {s for reg in REGULATIONS.values() for r in reg.requirements for s in r.support}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, Any]:
    for action in parser._actions:  # argparse keeps subcommands in a private action list
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _resolves(parser: argparse.ArgumentParser, tokens: list[str]) -> bool:
    for i, token in enumerate(tokens):
        if token.startswith("--"):
            return all(t in parser._option_string_actions for t in tokens[i:] if t.startswith("--"))
        choices = _subparsers(parser)
        if not choices:
            return True  # a positional value
        alternatives = token.split("|")
        if not all(a in choices for a in alternatives):
            return False
        parser = choices[alternatives[0]]
    return True


@pytest.mark.parametrize("support", sorted(_all_supports(), key=lambda s: s.command), ids=lambda s: s.command)
def test_every_linked_command_exists(support: Support) -> None:
    parser, _ = build_parser()  # every command group, governance included
    words = support.command.split(" / ")[0].split()
    assert words[0] == "mlsecure"
    tokens = [w.split("=")[0] for w in words[1:]]
    assert _resolves(parser, tokens), support.command


def test_checklist_links_exist() -> None:
    keys = {i.key for i in CHECKLIST}
    for a in COMPLIANCE_MATRIX:
        assert set(a.checklist) <= keys, a.action


@pytest.mark.parametrize("fmt", ["json", "md", "terminal"])
def test_cli_compliance(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="mlsecure")
    governance_cmd.register(parser.add_subparsers(dest="command"))
    assert governance_cmd.run(parser.parse_args(["governance", "compliance", "--regulation", "gdpr",
                                                 "--format", fmt])) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        doc = json.loads(out)
        assert "hipaa" not in doc["matrix"][0] and doc["matrix"][0]["gdpr"] == "Required"
        assert [r["key"] for r in doc["regulations"]] == ["gdpr"]
    elif fmt == "md":
        assert "| Data Protection Impact Assessment (Art. 35) |" in out
    else:  # rich wraps cells at the terminal width
        assert "Cross-regulation compliance matrix" in out and "HIPAA" not in out
