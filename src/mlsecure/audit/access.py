"""The guide's data-access logging decorator (section 16.2) on the audit store.

    store = open_store("sqlite:///var/lib/mlsecure/audit.db")

    @log_data_access(store)
    def load_training_data(data_uri: str, *, user_id: str = "system") -> pd.DataFrame: ...

Each call appends one ``data_access`` event: the function name as ``action``, the ``data_uri`` keyword
(or a str/path first argument) as ``resource``, the ``user_id``/``actor`` keyword as ``actor``,
``allowed`` or ``error`` (with the exception's type, never its message, which may quote data) and the
latency. Unlike the guide's sketch, an object argument such as a DataFrame is never turned into text:
only its type is recorded. The log fails closed: if the event cannot be committed, the call raises.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any, ParamSpec, Protocol, TypeVar

from mlsecure.audit.events import AuditEvent

P = ParamSpec("P")
R = TypeVar("R")


class AuditSink(Protocol):
    """Anything events can be appended to (every ``AuditStore``)."""

    def append(self, event: AuditEvent) -> Any: ...


def log_data_access(sink: AuditSink, *, actor: str | None = None, resource: str | None = None,
                    event_type: str = "data_access") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a data-loading function so every call is audited (see the module docstring).

    ``actor``/``resource`` fix those fields instead of reading them from the call's arguments.
    """

    def decorator(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            start = time.perf_counter()
            who = actor or _text(kwargs.get("user_id")) or _text(kwargs.get("actor")) or "system"
            what = resource or _resource(args, kwargs)
            fields: dict[str, Any] = {
                "event_type": event_type, "actor": who, "action": func.__name__, "resource": what,
                "model_name": _text(kwargs.get("model_name")), "model_version": _text(kwargs.get("model_version")),
            }
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                sink.append(AuditEvent(**fields, outcome="error", latency_ms=_ms(start),
                                       details={"error": type(exc).__name__, "function": func.__qualname__}))
                raise
            sink.append(AuditEvent(**fields, outcome="allowed", latency_ms=_ms(start),
                                   details={"function": func.__qualname__}))
            return result

        return wrapper

    return decorator


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 3)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _resource(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    for name in ("data_uri", "path", "uri"):
        value = kwargs.get(name)
        if isinstance(value, str | os.PathLike) and str(value):
            return os.fspath(value) if isinstance(value, os.PathLike) else value
    if args:
        first = args[0]
        if isinstance(first, str) and first:
            return first
        if isinstance(first, os.PathLike):
            return str(os.fspath(first))
        return f"<{type(first).__name__}>"
    return "unknown"
