"""``logging.config`` files: what ``fileConfig`` evaluates and ``dictConfig`` imports and calls.

``logging.config.fileConfig`` reads an INI file with ``configparser`` (``%(name)s`` interpolation) and hands each
handler's ``class``, ``args`` and ``kwargs`` (and, from Python 3.12, a formatter's ``defaults``) to ``eval`` in the
``logging`` module's namespace: ``args=(__import__('os').system('id'),)`` runs, and so does ``class=os.system`` with
``args=('id',)`` (``os`` is a name in that namespace). ``logging.config.dictConfig`` imports the dotted name of every
``()`` factory key and calls it with the rest of the dict (``{"()": "os.system", "command": "id"}``), imports each
handler, formatter and filter ``class``, and imports the module of each ``ext://`` value. Session 7: both ran here,
and such files were "text" (safe). Each expression is parsed (``ast``), never evaluated; each name is resolved
against the real ``logging`` module's attributes (a dictionary lookup, no import) and judged like a pickle global;
``logging``'s own handler, formatter and filter classes are what these files are for and pass.
"""

from __future__ import annotations

import ast
import configparser
import logging
import logging.config  # fileConfig runs with it imported: ``config.listen`` is a name in the namespace it evaluates in
import logging.handlers
import re
from types import ModuleType
from typing import Any

from mlsecure.artifacts.scan.interface import Issue, IssueKind, worst_kept
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

# blank and comment lines, then a section; "blank" is what str.strip() removes (configparser strips each line: a form
# feed or a no-break space before a ``#`` is blank there; session 8). INI text is first read with universal newlines.
_FIRST_LINE = re.compile(r"(?:[^\S\n]*(?:[#;][^\n]*)?\n)*[^\S\n]*\[")
# configparser's SECTCRE is ``\[(?P<header>.+)\]`` matched at the start of the stripped line: text may follow the
# ``]`` (session 8: ``[handler_h] ;note`` headers made the file "text" while fileConfig evaluated its args)
_SECTION = re.compile(r"^[^\S\n]*\[[^\n]+\]", re.MULTILINE)
_EVALUATED = {"handler": ("class", "args", "kwargs"), "formatter": ("defaults",)}
_CALL = re.compile(r"[\w)\]'\"]\s*\(")  # something called: a name, a subscript, a string's method
_LOGGING_BASES = (logging.Handler, logging.Formatter, logging.Filter, logging.Logger)
_STREAMS = frozenset({"sys.stdout", "sys.stderr", "sys.stdin"})
MAX_ISSUES = 50


def universal_newlines(text: str) -> str:
    """The text as ``open(path)`` hands it to configparser (fileConfig, PasteDeploy and confection read files in text
    mode): ``\r\n`` and a lone ``\r`` are line ends (session 8: a ``logging.ini`` with ``\r`` line ends ran its
    ``args`` under fileConfig and was one line of "text" here)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def starts_with_section(text: str) -> bool:
    return _FIRST_LINE.match(text) is not None


def looks_like_ini(text: str) -> bool:
    """Sections fileConfig evaluates (``[handler_...]``, ``[formatter_...]``) or confection registry keys, in a text
    whose first line (after blanks and comments) is a section header, as configparser requires."""
    if not _FIRST_LINE.match(text):
        return False
    from mlsecure.artifacts.scan.text_formats import REGISTRY_KEY

    return ("[handler_" in text or "[formatter_" in text or REGISTRY_KEY.search(text) is not None) \
        and _SECTION.search(text) is not None


def file_config_issues(text: str, where: str) -> list[Issue]:
    """What ``fileConfig`` would evaluate in ``text`` (every ``handler_*``/``formatter_*`` section, listed or not)."""
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except (configparser.Error, ValueError, UnicodeError) as exc:
        if "[handler_" not in text and "[formatter_" not in text:
            return []
        # fileConfig raises on the same text with this Python's configparser; another release's may read it, and
        # what it would evaluate was not checked (session 8: unparsable was no finding at all)
        return [Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"{where}: logging INI (handler/formatter sections) "
                      f"does not parse ({type(exc).__name__}): what fileConfig evaluates cannot be verified",
                      evidence={"error": str(exc)[:200]})]
    issues: list[Issue] = []
    for section in parser.sections():
        kind = section.partition("_")[0]
        if kind not in _EVALUATED or "_" not in section:
            continue
        for option in _EVALUATED[kind]:
            if not parser.has_option(section, option):  # a DEFAULT value counts: fileConfig reads it too
                continue
            for value in _values(parser, section, option):
                issues.extend(_expression_issues(f"{where} [{section}] {option}", value, resolve=option == "class"))
        if kind == "formatter" and parser.has_option(section, "class"):  # resolved (imported) by dotted name
            for value in _values(parser, section, "class"):
                issues.extend(_name_issues(f"{where} [{section}] class", value.strip(), "fileConfig imports"))
    return worst_kept(issues, MAX_ISSUES, f"{where}: ")


def _values(parser: configparser.ConfigParser, section: str, option: str) -> list[str]:
    """The option as fileConfig reads it (interpolated) and as written: an interpolation the loader fails on
    raises there, so the raw text is judged too (fail closed)."""
    raw = parser.get(section, option, raw=True)
    try:
        cooked = parser.get(section, option)
    except (configparser.Error, ValueError):
        return [raw]
    return [raw] if cooked == raw else [raw, cooked]


def _expression_issues(where: str, text: str, *, resolve: bool) -> list[Issue]:
    """An ``eval``'d option: literals, names and attribute chains only; anything else is code."""
    from mlsecure.artifacts.scan.python_source import source_issues

    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        if not text.strip():
            return []  # eval("") raises on every Python
        # eval raises here, but a newer Python's grammar is wider (3.12 reads ``f"{__import__("os").getcwd()}"``,
        # PEP 701): text this interpreter cannot parse is not verified, and a call in it may run
        calls = _CALL.search(text) is not None
        return [Issue(IssueKind.EMBEDDED_CODE, Severity.HIGH if calls else Severity.MEDIUM,
                      f"{where}: fileConfig evaluates text this Python cannot parse ({type(exc).__name__}); "
                      f"another Python may run it: {text.strip()[:120]!r}",
                      evidence={"expression": text.strip()[:200]})]
    dotted = _dotted(tree.body)
    if dotted is not None:
        return _name_issues(where, dotted, "fileConfig evaluates") if resolve else []
    issues: list[Issue] = []
    if resolve and not isinstance(tree.body, ast.Call | ast.Lambda):
        # fileConfig calls whatever ``class`` evaluates to: ``sys.modules['os'].system`` picks os.system by subscript
        issues.append(Issue(IssueKind.EMBEDDED_CODE, Severity.HIGH, f"{where}: fileConfig evaluates a class that is an "
                            f"expression, not a name, and calls it: {text.strip()[:120]!r}",
                            evidence={"expression": text.strip()[:200]}))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call | ast.Lambda):  # without a call an expression of literals and names runs nothing
            code = source_issues("expression", text.strip())
            runs = any(i.severity >= Severity.HIGH for i in code)  # commands, exec, __import__, internals
            issues.append(Issue(IssueKind.EMBEDDED_CODE, Severity.CRITICAL if runs else Severity.HIGH,
                                f"{where}: fileConfig evaluates Python that is not a literal or a name: "
                                f"{text.strip()[:120]!r}", evidence={"expression": text.strip()[:200]}))
            break
    return issues


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


# formatter and handler classes of logging libraries that log configs of servers name (uvicorn's own LOGGING_CONFIG,
# python-json-logger, colorlog, rich): they format or print records and do nothing else on construction
LOGGING_LIBRARY_CLASSES = frozenset({
    "uvicorn.logging.DefaultFormatter", "uvicorn.logging.AccessFormatter", "uvicorn.logging.ColourizedFormatter",
    "pythonjsonlogger.jsonlogger.JsonFormatter", "pythonjsonlogger.json.JsonFormatter", "colorlog.ColoredFormatter",
    "rich.logging.RichHandler", "queue.Queue", "queue.SimpleQueue", "multiprocessing.Queue",
    "logging.handlers.QueueListener"})
# dictConfig resolves (imports) these values by dotted name and calls the result: factories, classes, and from Python
# 3.12 a QueueHandler's ``queue`` (called with no argument) and ``listener`` (constructed with the handlers)
RESOLVED_KEYS = frozenset({"()", "class", "queue", "listener"})


def _name_issues(where: str, dotted: str, verb: str) -> list[Issue]:
    """``dotted`` resolved in the ``logging`` namespace (as ``eval`` and ``_resolve`` do) and judged."""
    if dotted.strip() in LOGGING_LIBRARY_CLASSES:
        return []
    resolved = resolve_name(dotted)
    if resolved is None:
        return []
    module, name = resolved
    judgement = classify(module, name) if module else classify(name, "_")
    severity = max(judgement.severity, Severity.MEDIUM)
    if any(part.strip().startswith("_") for part in dotted.split(".")):  # __builtins__, __globals__, _private helpers
        severity = max(severity, Severity.HIGH)
    kind = judgement.kind if judgement.severity >= Severity.HIGH else IssueKind.EMBEDDED_CODE
    return [Issue(kind, severity, f"{where}: {verb} and calls {dotted[:120]!r} ({judgement.reason})",
                  evidence={"module": module, "name": name})]


def resolve_name(dotted: str) -> tuple[str, str] | None:
    """(module, name) that ``dotted`` reaches from the ``logging`` namespace; ``None`` for logging's own handler,
    formatter, filter or logger classes and the standard streams. Only module dictionaries are looked into."""
    parts = [p.strip() for p in dotted.strip().split(".")]
    if not parts or not all(p.isidentifier() for p in parts):
        return ("", dotted)
    if ".".join(parts) in _STREAMS:
        return None
    namespace: dict[str, Any] = {**vars(logging), "logging": logging}
    obj: Any = namespace.get(parts[0])
    if obj is None:
        return (".".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (parts[0], "_")
    rest = parts[1:]
    while rest and isinstance(obj, ModuleType):
        child = vars(obj).get(rest[0])
        if child is None and rest[0] == "handlers" and obj is logging:
            child = logging.handlers
        if child is None:
            return (".".join([obj.__name__, *rest[:-1]]), rest[-1])
        obj, rest = child, rest[1:]
    if isinstance(obj, ModuleType):
        return (obj.__name__, "_")
    if not rest and isinstance(obj, type) and issubclass(obj, _LOGGING_BASES) and \
            str(getattr(obj, "__module__", "")).startswith("logging"):
        return None
    module = str(getattr(obj, "__module__", "") or "builtins")
    return (module, ".".join([str(getattr(obj, "__qualname__", parts[0])), *rest]))


def dict_config_issues(document: Any, where: str) -> list[Issue]:
    """``dictConfig`` documents (``version: 1``): ``()`` factories, handler/formatter/filter classes, ``ext://``."""
    if not isinstance(document, dict) or document.get("version") != 1:
        return []
    issues: list[Issue] = []
    todo: list[tuple[Any, str]] = [(document, where)]
    seen: set[int] = set()
    while todo:
        node, path = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            here = f"{path}.{key}"
            if isinstance(value, dict | list):
                todo.append((value, here))
            elif not isinstance(value, str):
                continue
            elif key in RESOLVED_KEYS and isinstance(node, dict) and not value.startswith("cfg://"):
                target = value[6:] if value.startswith("ext://") else value
                issues.extend(_name_issues(here, target, "dictConfig imports"))
            elif value.startswith("ext://"):
                found = _name_issues(here, value[6:], "dictConfig imports")
                issues.extend(i for i in found if i.severity >= Severity.HIGH)
    return worst_kept(issues, MAX_ISSUES, f"{where}: ")
