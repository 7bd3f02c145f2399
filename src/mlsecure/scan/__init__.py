"""The scan session (``session``), choosing checks (``registry``), running them (``runner``) and their typed
options (``options``).

The package is callable: ``mlsecure.scan(model, data, ...)`` is ``mlsecure.scan.session.scan``. Nothing
heavy is imported until a scan runs.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlsecure.findings import Report
    from mlsecure.scan.session import Session, TableCache

__all__ = ["Session", "TableCache", "scan"]


def scan(*args: Any, **kwargs: Any) -> Report:
    """``mlsecure.scan(model, data, holdout=None, checks="all", options=None, **settings) -> Report``."""
    from mlsecure.scan.session import scan as run

    return run(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name in ("Session", "TableCache"):
        from mlsecure.scan import session

        return getattr(session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """Lets ``mlsecure.scan`` be both this package and the function users call."""

    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return scan(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
