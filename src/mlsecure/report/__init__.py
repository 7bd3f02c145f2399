"""Renderers of a ``Report``: terminal (rich), json, sarif, html, md. ``render(report, fmt)``."""

from __future__ import annotations

import importlib
from typing import IO, Any

from mlsecure.errors import InputError
from mlsecure.findings import Report
from mlsecure.plugins import PluginRegistry

# format name -> module with ``render(report) -> str`` (terminal also takes ``stream``); the module is
# imported only when its format is rendered
FORMATS: PluginRegistry[str] = PluginRegistry("report format", str, {
    "terminal": "mlsecure.report.terminal",
    "json": "mlsecure.report.json_format",
    "sarif": "mlsecure.report.sarif",
    "html": "mlsecure.report.html",
    "md": "mlsecure.report.markdown",
}, instances=True, error=InputError)
register = FORMATS.register


def render(report: Report, fmt: str, *, stream: IO[str] | None = None) -> str:
    """Render ``report`` in ``fmt``; the terminal format prints to ``stream`` when given."""
    module: Any = importlib.import_module(FORMATS.get(fmt))
    if fmt == "terminal":
        text: str = module.render(report, stream=stream)
        return text
    out: str = module.render(report)
    return out
