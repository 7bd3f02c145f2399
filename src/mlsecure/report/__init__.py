"""Renderers of a ``Report``: terminal (rich), json, sarif, html, md. ``render(report, fmt)``."""

from __future__ import annotations

import importlib
from typing import IO, Any

from mlsecure.errors import InputError
from mlsecure.findings import Report

# format name -> module with ``render(report) -> str`` (terminal also takes ``stream``)
FORMATS: dict[str, str] = {
    "terminal": "mlsecure.report.terminal",
    "json": "mlsecure.report.json_format",
    "sarif": "mlsecure.report.sarif",
    "html": "mlsecure.report.html",
    "md": "mlsecure.report.markdown",
}


def register(name: str, module: str, *, force: bool = False) -> None:
    """Add a report format backed by ``module.render``."""
    if name in FORMATS and not force:
        raise InputError(f"report format {name!r} is already registered")
    FORMATS[name] = module


def render(report: Report, fmt: str, *, stream: IO[str] | None = None) -> str:
    """Render ``report`` in ``fmt``; the terminal format prints to ``stream`` when given."""
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
    module: Any = importlib.import_module(FORMATS[fmt])
    if fmt == "terminal":
        text: str = module.render(report, stream=stream)
        return text
    out: str = module.render(report)
    return out
