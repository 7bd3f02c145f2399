"""Render the checklist evaluation and the compliance matrix as JSON or Markdown text (returned, not printed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mlsecure.governance.checklist import ItemResult, ItemStatus, Phase, summary
from mlsecure.governance.compliance import COMPLIANCE_MATRIX, REGULATIONS, Regulation, matrix_rows

MARK = {ItemStatus.SATISFIED: "[x]", ItemStatus.FAILED: "[!]", ItemStatus.NOT_EVALUATED: "[ ]"}


def checklist_json(results: Sequence[ItemResult], *, report: str | None) -> str:
    doc: dict[str, Any] = {"report": report, "summary": summary(results), "items": [r.to_dict() for r in results]}
    return json.dumps(doc, indent=2) + "\n"


def checklist_markdown(results: Sequence[ItemResult], *, report: str | None) -> str:
    counts = summary(results)
    lines = ["# ML security checklist", "",
             f"Evidence: `{report}`" if report else "Evidence: none (no report given)", "",
             ", ".join(f"{n} {s}" for s, n in counts.items()), ""]
    for phase in Phase:
        rows = [r for r in results if r.item.phase is phase]
        if not rows:
            continue
        lines += [f"## {phase.value}", "", "| | Item | OWASP | Status | Evidence / how |", "|---|---|---|---|---|"]
        for r in rows:
            how = "; ".join((r.reason, *r.evidence))
            lines.append(f"| {MARK[r.status]} | **{r.item.title}** ({r.item.detail}) | {', '.join(r.item.owasp)} "
                         f"| {r.status.value} | {_md(how)} |")
        lines.append("")
    return "\n".join(lines)  # ends with the blank line after the last table


def compliance_json(regulation: str | None) -> str:
    regs = [REGULATIONS[regulation]] if regulation else list(REGULATIONS.values())
    doc = {"matrix": matrix_rows(regulation), "regulations": [r.to_dict() for r in regs],
           "note": "Regulation text quoted from the guide; links name supporting tools, not legal advice."}
    return json.dumps(doc, indent=2) + "\n"


def compliance_markdown(regulation: str | None) -> str:
    regs = [REGULATIONS[regulation]] if regulation else list(REGULATIONS.values())
    keys = [r.key for r in regs]
    lines = ["# Compliance matrix (GDPR / CCPA-CPRA / HIPAA)", "",
             "Regulation text is quoted from the guide; the mlsecure column names the tool that supports or "
             "evidences each action. It is not legal advice.", "",
             "| Action | " + " | ".join(r.key.upper() for r in regs) + " | mlsecure |",
             "|---" * (len(regs) + 2) + "|"]
    for a in COMPLIANCE_MATRIX:
        support = "<br>".join(f"`{s.command}`" for s in a.support) or "— (process / not covered)"
        lines.append(f"| {a.action} | " + " | ".join(a.cell(k) for k in keys) + f" | {_md(support)} |")
    for reg in regs:
        lines += ["", *_regulation_md(reg)]
    return "\n".join(lines) + "\n"


def _regulation_md(reg: Regulation) -> list[str]:
    lines = [f"## {reg.name}", "", f"Applies to: {reg.applies_to}", "",
             "| Requirement | ML implication | Implementation | mlsecure |", "|---|---|---|---|"]
    for r in reg.requirements:
        support = "<br>".join(f"`{s.command}`: {s.provides}" for s in r.support) or "—"
        lines.append(f"| {r.name} | {r.ml_implication} | {r.implementation} | {_md(support)} |")
    return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
