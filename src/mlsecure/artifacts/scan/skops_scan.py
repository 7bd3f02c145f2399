"""skops files (``.skops``: a zip of ``schema.json`` plus ``.npy`` arrays): the Python objects the schema names.

``skops.io.load`` rebuilds each schema node by importing ``__module__``.``__class__`` and, depending on its
``__loader__``, instantiating it (``ObjectNode``), calling it with the node's content
(``ConstructorFromReduceNode``, ``OperatorFuncNode``, ``PartialNode``) or looking an attribute up by name
(``MethodNode``'s ``func``). It refuses types outside its trusted list unless the caller passes them, and
the documented way to do that (``trusted=get_untrusted_types(file=...)``) trusts whatever the file names.
Every node is judged like a pickle global: exact allowlist, known code-execution callables critical,
anything else an unverified (medium) import. The schema is walked with a stack (any depth).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlsecure.artifacts.scan.interface import Issue, IssueKind, worst_kept
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

MAX_ISSUES = 200  # distinct (module, name) pairs listed per schema


def is_skops_schema(document: Any) -> bool:
    """A skops schema: the top-level object names its loader and module (as every skops node does)."""
    return isinstance(document, dict) and isinstance(document.get("__loader__"), str) and "__module__" in document


def skops_issues(schema: Any, where: str) -> list[Issue]:
    """One issue per distinct Python object the schema imports that is not allowlisted, the worst ``MAX_ISSUES`` kept
    (session 8: the walk stopped after 200 distinct objects, allowlisted ones included, and an ``os.system`` node
    after 200 harmless classes was never judged)."""
    return worst_kept(_issues(schema, where), MAX_ISSUES, f"{where}: ")


def _issues(schema: Any, where: str) -> Iterator[Issue]:
    seen: set[tuple[str, str]] = set()
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        todo.extend(node.values())
        ref = _reference(node)
        if ref is None or ref in seen:
            continue
        seen.add(ref)
        module, name = ref
        judgement = classify(module, name)
        if judgement.safe:
            continue
        loader = node.get("__loader__")
        kind = judgement.kind if judgement.severity >= Severity.HIGH else IssueKind.UNVERIFIED_IMPORT
        yield Issue(kind, max(judgement.severity, Severity.MEDIUM),
                    f"{where}: skops {loader} imports {module}.{name}: {judgement.reason}",
                    evidence={"module": module, "name": name, "loader": loader, "global": f"{module}.{name}"})


def _reference(node: dict[str, Any]) -> tuple[str, str] | None:
    module, name, loader = node.get("__module__"), node.get("__class__"), node.get("__loader__")
    if not (isinstance(module, str) and isinstance(name, str) and isinstance(loader, str)):
        return None
    content = node.get("content")
    if loader == "MethodNode" and isinstance(content, dict) and isinstance(content.get("func"), str):
        return module, f"{name}.{content['func']}"  # getattr(instance, func): judged as the attribute it reaches
    return module, name
