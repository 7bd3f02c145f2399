"""PasteDeploy INI files (``development.ini``, ``production.ini``): what ``paste.deploy.loadapp`` imports and calls.

``loadapp("config:production.ini")`` (Pyramid's ``pserve``, Pylons, gunicorn ``--paste``) reads sections named
``[app:...]``, ``[composite:...]``, ``[filter:...]``, ``[filter-app:...]``, ``[pipeline:...]``, ``[server:...]``.
A ``use = call:module:object`` (also a ``pipeline``, ``next`` or ``filter-with`` name with a scheme) imports
``module`` and calls ``object(global_conf, **local_conf)``; ``paste.app_factory = module:object`` (any
``paste.*_factory`` or ``paste.server_runner``) does the same through an entry-point spec; ``use = egg:Dist#name``
calls an entry point an *installed* distribution registered (the file cannot bring it: low); ``use = config:path``
reads another config, outside the folder for ``../`` or absolute paths (checked with PasteDeploy 3.1 here:
``use = call:os:getcwd`` and ``paste.app_factory = os:getcwd`` were imported and called; a ``call:`` in a
``pipeline`` imported its module, which runs the module's code, then stopped before the call). ``pserve`` also hands
the same file to ``logging.config.fileConfig`` (judged in ``logging_configs``). Each name is judged like a pickle
global (``os.system`` critical, a name outside the allowlist medium); nothing is imported.
"""

from __future__ import annotations

import configparser
import re

from mlsecure.artifacts.scan.config_imports import escapes_folder
from mlsecure.artifacts.scan.interface import Issue, IssueKind, worst_kept
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

# loadwsgi's config_prefixes, matched case-sensitively at the start of the section name, as ``_find_sections`` does
_PASTE_SECTION = re.compile(r"^[^\S\n]*\[(?:app|application|composite|composit|filter|filter-app|pipeline|server):",
                            re.MULTILINE)
_SCHEME = re.compile(r"^([A-Za-z]+):(.*)$")  # loadwsgi's absolute_name: a scheme, lower-cased before lookup
_FACTORY_KEY = re.compile(r"^paste\.\w+$")  # paste.app_factory, paste.filter_app_factory, paste.server_runner ...
_NAMED_KEYS = frozenset({"use", "pipeline", "next", "filter-with"})  # values that name other objects
_SCHEMED = re.compile(r"(?:^|\s)(?:call|egg|config|%\()", re.IGNORECASE)  # other keys: a value naming an object
MAX_ISSUES = 50


def looks_like_paste(text: str) -> bool:
    """A section PasteDeploy reads, in a text whose first line (after blanks and comments) is a section header, as
    configparser requires (a tokenizer.json is rejected at its first byte)."""
    from mlsecure.artifacts.scan.logging_configs import starts_with_section

    return starts_with_section(text) and _PASTE_SECTION.search(text) is not None


def paste_issues(text: str, name: str) -> list[Issue]:
    """Every object a PasteDeploy loader would import or read for ``text``; unparsable is not verified."""
    if not looks_like_paste(text):
        return []
    # laxer than PasteDeploy's parser (duplicates allowed); option names lower-cased as there; ``%(here)s`` is the
    # config's folder and ``%(__file__)s`` the config, as loadapp's defaults say
    base = name.replace("\\", "/").rpartition("/")[2]
    parser = configparser.ConfigParser(defaults={"here": ".", "__file__": f"./{base}"}, strict=False)
    try:
        parser.read_string(text)
    except (configparser.Error, ValueError) as exc:
        return [Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"{name}: PasteDeploy config does not parse as an INI "
                      f"({type(exc).__name__}): what loadapp imports cannot be verified",
                      evidence={"error": str(exc)[:200]})]
    issues: list[Issue] = []
    for section in parser.sections():
        for key, raw in parser.items(section, raw=True):
            where = f"{name} [{section}] {key}"
            if _FACTORY_KEY.match(key.strip()):
                for value in _values(parser, section, key, raw):
                    issues.extend(_called(where, value.strip().split("[")[0].strip(), f"PasteDeploy {key.strip()}"))
            elif key.strip() in _NAMED_KEYS or _SCHEMED.search(raw):  # a urlmap composite maps paths to app names
                for value in _values(parser, section, key, raw):
                    for token in value.split():
                        issues.extend(_named(where, token))
    return worst_kept(issues, MAX_ISSUES, f"{name}: ")


def _values(parser: configparser.ConfigParser, section: str, key: str, raw: str) -> list[str]:
    """The value as written and as interpolated (``call:%(pkg)s:make`` with ``pkg`` from ``[DEFAULT]``)."""
    try:
        cooked = parser.get(section, key)
    except (configparser.Error, ValueError):
        return [raw]
    return [raw] if cooked == raw else [raw, cooked]


def _named(where: str, token: str) -> list[Issue]:
    match = _SCHEME.match(token.strip())
    if match is None:
        return []  # another section of the same file: judged where it is defined
    scheme, spec = match.group(1).lower(), match.group(2).split("#")[0]
    if scheme == "call":
        return _called(where, spec, "PasteDeploy call:")
    if scheme == "egg":
        return [Issue(IssueKind.EMBEDDED_CODE, Severity.LOW, f"{where}: PasteDeploy calls the entry point of the "
                      f"installed distribution {spec[:80]!r} (the config cannot bring its code: review that package)",
                      evidence={"distribution": spec[:120]})]
    if scheme == "config" and escapes_folder(spec.removeprefix("//")):
        return [Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH, f"{where}: PasteDeploy reads the config {spec[:120]!r}, "
                      "outside the folder (whatever it names is imported and called)", evidence={"path": spec[:200]})]
    return []


def _called(where: str, spec: str, verb: str) -> list[Issue]:
    """``module:attr`` (entry-point syntax) or ``module.path`` imported, then called with the section's options."""
    module, _, attr = spec.partition(":")
    module, attr = module.strip(), attr.strip()
    if not module:
        return []
    judgement = classify(module, attr or "_")
    severity = max(judgement.severity, Severity.MEDIUM)
    kind = judgement.kind if judgement.severity >= Severity.HIGH else IssueKind.EMBEDDED_CODE
    return [Issue(kind, severity, f"{where}: {verb} imports and calls {spec[:120]!r} ({judgement.reason})",
                  evidence={"module": module, "name": attr or "_"})]
