"""A self-contained HTML report: inline CSS, JS and SVG plots; it makes no network request.

A table of contents, a summary by severity and OWASP id, a findings table that filters and sorts in
the browser, and one section per check with its metrics and figures. Raw values are escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mlsecure.catalog import OWASP_ML_TOP10, atlas_catalog
from mlsecure.findings import Report
from mlsecure.report.plots import figure_to_svg
from mlsecure.report.tables import as_records


def render(report: Report) -> str:
    env = Environment(loader=PackageLoader("mlsecure.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    template = env.get_template("report.html.j2")
    catalog = atlas_catalog()
    owasp_names = {r.id: r.name for r in OWASP_ML_TOP10}
    # Sections in the order the checks ran; anything else (e.g. merged reports) after them.
    others = sorted({*report.metrics, *(name.split(".")[0] for name in report.figures)} - set(report.checks_run))
    checks = [c for c in report.checks_run if c in report.metrics or any(
        name.split(".")[0] == c for name in report.figures)] + others
    sections = []
    for check in checks:
        figures = [(name, Markup(figure_to_svg(fig)))  # SVG drawn by matplotlib from our own numbers
                   for name, fig in report.figures.items() if name.split(".")[0] == check]
        metrics = report.to_dict()["metrics"].get(check, {})
        scalars = {k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}
        tables = {k: t for k, t in ((k, as_records(v)) for k, v in metrics.items()) if t is not None}
        nested = {k: json.dumps(v, indent=1) for k, v in metrics.items()
                  if isinstance(v, (dict, list)) and k not in tables}
        sections.append({"name": check, "scalars": scalars, "tables": tables, "nested": nested,
                         "figures": figures})
    return template.render(
        report=report,
        findings=[_finding_row(f.to_dict(), catalog) for f in report.sorted_findings()],
        by_severity=report.by_severity(),
        by_owasp=[(k, owasp_names.get(k, k), v) for k, v in report.by_owasp().items()],
        sections=sections,
        fmt=_fmt,
    )


def _finding_row(f: dict[str, Any], catalog: Any) -> dict[str, Any]:
    f = dict(f)
    f["atlas_named"] = [(t, catalog.display_name(t) if t in catalog.techniques else t) for t in f["atlas"]]
    loc = f["location"]
    parts = [loc.get("path", ""), loc.get("member", ""), loc.get("column", ""), loc.get("endpoint", "")]
    rows = loc.get("rows", [])
    if rows:
        parts.append("rows " + ", ".join(map(str, rows[:8])) + (f" (+{len(rows) - 8})" if len(rows) > 8 else ""))
    f["where"] = " ".join(p for p in parts if p)
    # record lists in the evidence (the columns of one drift event) are shown as a details table
    f["detail_tables"] = {k: t for k, t in ((k, as_records(v)) for k, v in f["evidence"].items()) if t is not None}
    f["evidence_json"] = json.dumps({k: v for k, v in f["evidence"].items() if k not in f["detail_tables"]},
                                    indent=1)
    return f


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "n/a" if value is None else str(value)
