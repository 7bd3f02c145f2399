"""mlsecure: secure machine-learning systems end to end.

``mlsecure.scan(model, data, ...)`` runs the checks and returns a ``Report`` (see :mod:`mlsecure.scan`).
The public vocabulary lives in :mod:`mlsecure.findings` (``Finding``, ``Report``) and
:mod:`mlsecure.check`; capabilities live in their own sub-packages. Importing ``mlsecure`` is cheap:
everything else loads on first use.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("mlsecure")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["Report", "Session", "__version__", "scan"]


def __getattr__(name: str) -> Any:
    if name == "scan":
        import importlib

        return importlib.import_module("mlsecure.scan")
    if name == "Session":
        from mlsecure.scan.session import Session

        return Session
    if name == "Report":
        from mlsecure.findings import Report

        return Report
    raise AttributeError(f"module 'mlsecure' has no attribute {name!r}")
