"""``mlsecure catalog owasp|atlas``: the threat catalogs as tables or JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from mlsecure.catalog import GUIDE_ATLAS_MAPPING, OWASP_ML_TOP10, atlas_catalog
from mlsecure.cli import exit_codes


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser("catalog", help="OWASP ML Top 10 and MITRE ATLAS as tables or JSON")
    parser.add_argument("which", choices=["owasp", "atlas"], help="which catalog")
    parser.add_argument("--format", choices=["terminal", "json"], default="terminal")
    parser.add_argument("--all", action="store_true", help="atlas: list every technique, not only the guide's")
    return ["catalog"]


def run(args: argparse.Namespace) -> int:
    data = _owasp() if args.which == "owasp" else _atlas(show_all=args.all)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return exit_codes.OK
    console = Console()
    if args.which == "owasp":
        table = Table(title="OWASP Machine Learning Security Top 10")
        for col in ("id", "risk", "ATLAS techniques", "tested by"):
            table.add_column(col, overflow="fold")
        for risk in data["risks"]:
            atlas = ", ".join(f"{t['id']} {t['name']}" for t in risk["atlas_techniques"])
            table.add_row(risk["id"], risk["name"], atlas, ", ".join(risk["mlsecure_checks"]))
    else:
        table = Table(title=f"MITRE ATLAS {data['version']}: the guide's table mapped onto real ids")
        for col in ("guide id", "guide name", "real id", "real technique", "real tactic(s)", "note"):
            table.add_column(col, overflow="fold")
        for row in data["guide_mapping"]:
            for i, real in enumerate(row["real"]):
                table.add_row(row["guide_id"] if i == 0 else "", row["guide_name"] if i == 0 else "",
                              real["id"], real["name"], ", ".join(real["tactics"]), row["note"] if i == 0 else "")
        if args.all:
            console.print(table)
            table = Table(title=f"All ATLAS {data['version']} techniques")
            for col in ("id", "technique", "tactic(s)"):
                table.add_column(col)
            for tech in data["techniques"]:
                table.add_row(tech["id"], tech["name"], ", ".join(tech["tactics"]))
    console.print(table)
    return exit_codes.OK


def _owasp() -> dict[str, Any]:
    catalog = atlas_catalog()
    risks = []
    for risk in OWASP_ML_TOP10:
        entry = asdict(risk)
        entry["atlas_techniques"] = [{"id": t, "name": catalog.display_name(t)} for t in risk.atlas]
        risks.append(entry)
    return {"catalog": "OWASP Machine Learning Security Top 10", "risks": risks}


def _atlas(*, show_all: bool) -> dict[str, Any]:
    catalog = atlas_catalog()
    rows = []
    for row in GUIDE_ATLAS_MAPPING:
        real = [{"id": t, "name": catalog.display_name(t),
                 "tactics": [tac.name for tac in catalog.tactics_of(t)]} for t in row.real_ids]
        rows.append({"guide_tactic": row.guide_tactic, "guide_id": row.guide_id, "guide_name": row.guide_name,
                     "real": real, "note": row.note})
    out: dict[str, Any] = {"catalog": "MITRE ATLAS", "version": catalog.version, "guide_mapping": rows}
    if show_all:
        out["techniques"] = [{"id": t.id, "name": t.name,
                              "tactics": [tac.name for tac in catalog.tactics_of(t.id)]}
                             for t in catalog.techniques.values()]
    return out
