"""Config files whose loaders import and call a Python object named by a string in the file.

Hydra/OmegaConf ``instantiate`` imports and calls any ``_target_`` (NeMo's ``model_config.yaml`` inside a
``.nemo`` tar, configs in ``config.json`` or safetensors ``__metadata__``); jsonargparse / LightningCLI does the
same with ``class_path``; Hugging Face ``auto_map`` and ``custom_pipelines`` make ``trust_remote_code`` import a
module of this or of *another* repository (``owner/repo--module.Class``); sentence-transformers imports every
``type`` of ``modules.json``; diffusers imports each ``[library, class]`` of ``model_index.json``. Until session 5
such files were "text" (safe) and ``_target_: os.system`` passed. Each name is judged like a pickle global
(``os.system`` critical, a class outside the allowlist medium); nothing is imported.

Session 6 added what else makes a config loader import or run code: TOML documents (jsonargparse reads them),
PEFT's ``auto_mapping`` (``importlib.import_module(parent_library)``), Hydra 1.0's deprecated ``cls``/``class``
keys (judged only where the name is dangerous), and OmegaConf interpolations that call a resolver the application
registered (``${eval:...}``): a resolver outside OmegaConf's and Hydra's own is medium, high when its argument is
Python that runs commands; ``${oc.env:...}`` inside a URL (an environment secret sent out) is medium.

The text is decoded into a document by ``config_documents`` (re-exported here); this module walks the document and
judges each name and interpolation.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from mlsecure.artifacts.scan.config_documents import MARKERS, Tagged, parse_document, unparsed_reason, wants_parse
from mlsecure.artifacts.scan.interface import Issue, IssueKind, worst_kept
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

TARGET_KEYS = ("_target_", "class_path")  # Hydra instantiate, jsonargparse / LightningCLI
# libraries diffusers' own pipelines name in model_index.json (its LOADABLE_CLASSES); any other is imported by name
DIFFUSERS_LIBRARIES = frozenset({"diffusers", "transformers", "onnxruntime.training"})
_ST_PREFIX = "sentence_transformers."  # the library's own modules, listed by every modules.json
__all__ = ["MARKERS", "TARGET_KEYS", "Tagged", "config_item_issues", "escapes_folder", "import_issues",
           "interpolation_issues", "parse_document", "wants_parse"]  # the decoding half re-exported for its callers


def import_issues(document: Any, where: str) -> list[Issue]:
    """Every object ``document`` makes a loader import by name, judged like a pickle global."""
    unparsed = unparsed_reason(document)
    if unparsed is not None:
        return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM, f"cannot verify {where}: {unparsed}")]
    issues: list[Issue] = []
    if isinstance(document, Tagged):
        issues.extend(_tag_issue(where, tag) for tag in document.tags if ":" in tag)
        document = document.document
    from mlsecure.artifacts.scan.logging_configs import dict_config_issues

    logging_dict = dict_config_issues(document, where)  # logging.config.dictConfig: ``()`` factories, classes
    issues.extend(logging_dict)
    dict_config = isinstance(document, dict) and document.get("version") == 1 and "handlers" in document
    overflow, worst = 0, None
    for path, key, value in _named(document, where):
        if dict_config and key in LEGACY_TARGET_KEYS:
            continue  # a dictConfig handler's ``class`` was judged above, logging's own classes passed
        found = _item_issues(path, key, value)
        if len(issues) + len(found) <= MAX_CONFIG_ISSUES:
            issues.extend(found)
            continue
        overflow += len(found)  # a config of a million interpolations must not cost a million issues (memory, report)
        for issue in found:
            if worst is None or issue.severity > worst.severity:
                worst = issue
    if worst is not None:
        issues.append(Issue(worst.kind, worst.severity, f"{where}: {overflow} more names or interpolations like those "
                            f"above, the worst: {worst.title[:200]}", evidence={"more": overflow}))
    return issues


MAX_CONFIG_ISSUES = 200  # issues listed per config document; the rest are counted in one issue of their worst severity


def _item_issues(path: str, key: str, value: str) -> list[Issue]:
    found: list[Issue] = []
    if key == "auto_map":
        found.append(_auto_map(path, value))
    elif key == "diffusers":
        found.append(_judged(path, value, "diffusers imports this library and class for the pipeline"))
    elif key == "type":
        if not value.startswith(_ST_PREFIX):
            found.append(_judged(path, value, "sentence-transformers imports the module type"))
    elif key == "weight_map":
        found.append(Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH,
                            f"{path}: the loader opens the shard {value[:120]!r}, outside the model folder (an "
                            "unscanned checkpoint: a pickle torch.load or joblib may run)",
                            evidence={"path": value[:200]}))
    elif key == "custom_imports":  # mmengine Config.fromfile imports each module (import_custom_modules=True)
        found.append(_judged(path, f"{value}._", "mmengine imports custom_imports modules when the config loads"))
    elif key == "lc:constructor":  # LangChain's load()/loads() imports id[:-1] and calls id[-1](**kwargs)
        if value.split(".")[0] not in LANGCHAIN_NAMESPACES:
            found.append(_judged(path, value, "LangChain load() imports and constructs this id"))
    elif key == "lc:secret":
        found.append(Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                            f"{path}: LangChain load(secrets_from_env=True) reads the environment variable "
                            f"{value[:80]!r} into the object it builds", evidence={"secret": value[:120]}))
    elif key == "auto_mapping":
        found.append(_judged(path, value, "PEFT imports parent_library, then base_model_class.from_pretrained"))
    elif key in LEGACY_TARGET_KEYS:
        legacy = _judged(path, value, f"Hydra 1.0 instantiates the deprecated {key} key like _target_")
        if legacy.severity >= Severity.HIGH:  # ``class: person`` in a label map is no import
            found.append(legacy)
    elif key == "${":
        found.extend(interpolation_issues(path, value))
    elif key == "searchpath":
        found.extend(_searchpath(path, value))
    else:
        found.append(_judged(path, value, f"{key} is imported and called when the config is instantiated"))
    return found


def config_item_issues(key: str, value: str, *, pickled: bool = False) -> list[Issue]:
    """One ``key: value`` item outside a parsed config (a pickled dict of hyper-parameters): what ``instantiate``
    would import for it, and the resolvers its interpolations call. In a pickle nothing is instantiated on load,
    so only a dangerous name counts at its own severity; an unknown class (a user's LightningModule) is low."""
    issues: list[Issue] = []
    if key in TARGET_KEYS or (key in LEGACY_TARGET_KEYS and "." in value):
        issue = _judged(f"pickled dict item {key!r}", value, f"{key} names what instantiate() imports and calls")
        if issue.severity >= Severity.HIGH:
            issues.append(issue)
        elif pickled and key in TARGET_KEYS and issue.severity >= Severity.MEDIUM:
            issues.append(dataclasses.replace(issue, severity=Severity.LOW))
    if "${" in value:
        issues.extend(interpolation_issues(f"pickled dict item {key!r}", value, pickled=pickled))
    return issues


def _tag_issue(where: str, tag: str) -> Issue:
    kind, _, dotted = tag.partition(":")
    issue = _judged(where, dotted, f"YAML tag !!python/{kind} makes an unsafe loader import (and call) it")
    return issue if issue.severity >= Severity.MEDIUM else Issue(
        IssueKind.EMBEDDED_CODE, Severity.MEDIUM, issue.title, evidence=issue.evidence)


def _judged(path: str, dotted: str, why: str) -> Issue:
    module, _, name = dotted.strip().rpartition(".")
    judgement = classify(module, name) if module else classify(name, "_")
    kind = judgement.kind if judgement.severity >= Severity.HIGH else IssueKind.EMBEDDED_CODE
    severity = judgement.severity if judgement.severity > Severity.INFO else Severity.INFO
    return Issue(kind, severity, f"{path}: {why}: {dotted[:120]!r} ({judgement.reason})",
                 evidence={"module": module or name, "name": name if module else "", "key": path[-120:]})


# LangChain's serialisation namespaces its loader admits by default (langchain_core/load/mapping.py)
LANGCHAIN_NAMESPACES = frozenset({"langchain", "langchain_core", "langchain_community", "langchain_anthropic",
                                  "langchain_groq", "langchain_google_genai", "langchain_aws", "langchain_openai",
                                  "langchain_google_vertexai", "langchain_mistralai", "langchain_fireworks",
                                  "langchain_xai", "langchain_sambanova", "langchain_perplexity"})
LEGACY_TARGET_KEYS = ("cls", "class")  # Hydra 0.11 / 1.0: instantiate() read them where _target_ was absent
# libraries whose own classes PEFT's auto_mapping names for a base model (``from_pretrained`` of the library's class)
PEFT_LIBRARIES = frozenset({"transformers", "diffusers", "peft", "timm", "sentence_transformers"})
# resolvers OmegaConf and Hydra register themselves (OmegaConf 2.0 registered ``env``)
BUILTIN_RESOLVERS = frozenset({"oc.env", "oc.select", "oc.decode", "oc.create", "oc.deprecated", "oc.dict.keys",
                               "oc.dict.values", "env", "hydra", "now", "python_version"})
ENV_RESOLVERS = frozenset({"oc.env", "env"})
DECODING_RESOLVERS = frozenset({"oc.decode", "oc.create"})  # parse their (string) argument as a config value again
# ``${`` then a resolver name (dotted ids, OmegaConf's grammar allows blanks around it) then ``:``; ``${`` right after
# ``${`` is a resolver name computed from another interpolation
_RESOLVER = re.compile(r"\$\{\s*(?:([A-Za-z_][\w-]*(?:\s*\.\s*[A-Za-z_][\w-]*)*)\s*:|(\$\{))")


def interpolation_issues(path: str, value: str, *, pickled: bool = False) -> list[Issue]:
    """OmegaConf interpolations in ``value`` that call resolvers: what resolving the config runs.

    An application-registered resolver (``OmegaConf.register_new_resolver("eval", eval)`` is a common recipe) is
    code this scanner cannot see: medium, high when its argument parses as Python that runs commands or code.
    ``${oc.env:SECRET}`` in a string that is also a URL sends an environment value out (medium); elsewhere low.
    In a pickle (hyper-parameters a user may resolve later) the medium cases are low: nothing resolves on load."""
    from mlsecure.artifacts.scan.python_source import source_issues

    issues: list[Issue] = []
    for match in _RESOLVER.finditer(value):
        name = re.sub(r"\s+", "", match.group(1) or "")
        argument = value[match.end():match.end() + 4096]
        severity, why = Severity.MEDIUM, f"calls the resolver {name!r}, which the application registers: not verified"
        if match.group(2):
            why = "calls a resolver whose name is computed by another interpolation: not verified"
        elif name in ENV_RESOLVERS:
            severity = Severity.MEDIUM if "://" in value else Severity.LOW
            why = f"reads an environment variable ({name}){' into a URL' if '://' in value else ''}"
        elif name in DECODING_RESOLVERS and _computed(argument):
            # ``${oc.decode:${a}${b}}`` with a: "$" and b: "{eval:...}": the resolver call is assembled at resolution
            # time from other nodes and then parsed, so no ``${eval`` appears in the file
            why = f"hands {name} a string assembled from other nodes, parsed again at resolution: not verified"
        elif name in BUILTIN_RESOLVERS:
            continue
        else:
            code = _resolver_argument(argument)
            if any(i.severity >= Severity.HIGH for i in source_issues("interpolation", code)):
                severity, why = Severity.HIGH, f"hands the resolver {name!r} Python that runs commands or code"
        if severity is Severity.MEDIUM and _SHELL_DEFAULT.match(value, match.start()):
            # ``${DB_HOST:-localhost}`` (compose files, .env): POSIX parameter expansion, not a resolver call; code
            # handed to a resolver this way is still high above
            severity, why = Severity.LOW, f"looks like shell parameter expansion of {name!r}"
        if pickled and severity is Severity.MEDIUM:
            severity = Severity.LOW
        issues.append(Issue(IssueKind.EMBEDDED_CODE, severity, f"{path}: OmegaConf interpolation {why}: "
                            f"{value[match.start():match.start() + 120]!r}",
                            evidence={"resolver": name, "key": path[-120:]}))
    return worst_kept(issues, MAX_INTERPOLATIONS, f"{path}: ")


MAX_INTERPOLATIONS = 20  # per string
_SHELL_DEFAULT = re.compile(r"\$\{[A-Z_][A-Z0-9_]*:[-=?+]")
_NODE_REFERENCE = re.compile(r"\$\{\s*(?!oc\.env\s*:|env\s*:)")  # an interpolation other than an environment read


def _computed(argument: str) -> bool:
    """Whether a decoding resolver's argument is built from other config nodes (an environment value is the host's)."""
    return _NODE_REFERENCE.search(_resolver_argument(argument)) is not None



def _resolver_argument(text: str) -> str:
    """The resolver's argument as Python: one quoted string is unquoted (``${eval:'__import__("os")...'}``)."""
    depth, end = 0, len(text)
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                end = i
                break
            depth -= 1
    argument = text[:end].strip()
    if len(argument) >= 2 and argument[0] == argument[-1] and argument[0] in "'\"":
        argument = argument[1:-1]
    return argument


def _auto_map(path: str, value: str) -> Issue:
    if "--" in value:  # owner/repo--module.Class: code downloaded from another repository
        return Issue(IssueKind.EMBEDDED_CODE, Severity.HIGH,
                     f"{path}: trust_remote_code loads code from another repository: {value[:120]!r}",
                     evidence={"reference": value[:200]})
    return Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                 f"{path}: trust_remote_code imports {value[:120]!r} from the model folder: not verified",
                 evidence={"reference": value[:200]})


def _named(document: Any, where: str) -> Iterator[tuple[str, str, str]]:
    """(path, key, dotted name) for each ``_target_``/``class_path`` string, each ``auto_map`` reference and each
    sentence-transformers module ``type``; walked with a stack, each container once (YAML aliases share them)."""
    seen: set[int] = set()
    todo: list[tuple[Any, str]] = [(document, where)]
    modules_list = isinstance(document, list) and bool(document) and all(
        isinstance(m, dict) and "type" in m and ("path" in m or "idx" in m) for m in document)
    while todo:
        node, path = todo.pop()
        if not isinstance(node, dict | list) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            todo.extend((child, f"{path}[{i}]") for i, child in enumerate(node))
            yield from ((f"{path}[{i}]", "${", child) for i, child in enumerate(node)
                        if isinstance(child, str) and "${" in child)
            if modules_list and node is document:
                for i, module in enumerate(node):
                    if isinstance(module["type"], str):
                        yield f"{path}[{i}].type", "type", module["type"]
            continue
        diffusers = "_diffusers_version" in node
        for key, child in node.items():
            here = f"{path}.{key}"
            if key in TARGET_KEYS and isinstance(child, str) and child.strip():
                yield here, str(key), child
            elif key == "auto_map":
                yield from ((f"{here}{suffix}", "auto_map", ref) for suffix, ref in _references(child))
            elif key == "custom_pipelines" and isinstance(child, dict):  # transformers: code behind pipeline()
                yield from ((f"{here}.{name}.impl", "auto_map", spec["impl"]) for name, spec in child.items()
                            if isinstance(spec, dict) and isinstance(spec.get("impl"), str))
            elif diffusers and _library_pair(child):  # model_index.json: diffusers imports the library, takes the class
                yield here, "diffusers", f"{child[0]}.{child[1]}"
            elif key == "auto_mapping" and isinstance(child, dict) and isinstance(child.get("parent_library"), str):
                library = child["parent_library"].strip()
                if library.split(".")[0] not in PEFT_LIBRARIES:
                    yield here, "auto_mapping", f"{library}.{child.get('base_model_class') or '_'}"
            elif key in LEGACY_TARGET_KEYS and "_target_" not in node and isinstance(child, str) and "." in child:
                yield here, str(key), child
            elif key == "weight_map" and isinstance(child, dict):  # *.index.json: shard files the loader opens
                yield from ((f"{here}.{name}", "weight_map", shard) for name, shard in child.items()
                            if isinstance(shard, str) and escapes_folder(shard))
            elif key == "custom_imports" and isinstance(child, dict) and isinstance(child.get("imports"), list | str):
                modules = child["imports"] if isinstance(child["imports"], list) else [child["imports"]]
                yield from ((f"{here}.imports[{i}]", "custom_imports", m) for i, m in enumerate(modules)
                            if isinstance(m, str))
            if isinstance(child, str) and "${" in child:
                yield here, "${", child
            elif key == "searchpath" and path.rpartition(".")[2] == "hydra" and isinstance(child, list):
                yield from ((f"{here}[{i}]", "searchpath", entry) for i, entry in enumerate(child)
                            if isinstance(entry, str))
            todo.append((child, here))
        if node.get("lc") == 1 and isinstance(node.get("id"), list) and node.get("type") in ("constructor", "secret"):
            yield path, f"lc:{node['type']}", ".".join(str(part) for part in node["id"])


HYDRA_OWN_PACKAGES = frozenset({"hydra", "hydra_plugins"})  # Hydra's own configs (its tests name them by pkg://)


def _searchpath(path: str, entry: str) -> list[Issue]:
    """Hydra ``hydra.searchpath``: config groups are read from each entry, ``_target_``s included. A ``file://`` path
    that leaves the folder pulls configs this scan did not see; ``pkg://`` imports a package and reads its configs."""
    scheme, _, rest = entry.strip().partition("://")
    if not rest:
        scheme, rest = "file", entry.strip()
    if scheme == "pkg":
        # Hydra's importlib config source imports the package (its ``__init__`` runs) and composes the configs it
        # ships, ``_target_``s included: neither is in this scan
        package = rest.strip().strip("/").replace("/", ".")
        if not package or not all(part.isidentifier() for part in package.split(".")):
            return [Issue(IssueKind.DYNAMIC_CALL, Severity.HIGH, f"{path}: Hydra searchpath {entry[:120]!r} is not a "
                          "package name", evidence={"searchpath": entry[:200]})]
        own = package.split(".")[0] in HYDRA_OWN_PACKAGES  # the loader's own code, already imported to read this
        return [Issue(IssueKind.UNVERIFIED_IMPORT, Severity.LOW if own else Severity.MEDIUM,
                      f"{path}: Hydra imports the package {package!r} and composes the configs it ships: not scanned",
                      evidence={"searchpath": entry[:200]})]
    if scheme == "file" and not escapes_folder(rest):
        return [Issue(IssueKind.ARCHIVE_PATH, Severity.LOW, f"{path}: Hydra reads configs from {entry[:120]!r} "
                      "(relative to the working directory)", evidence={"searchpath": entry[:200]})]
    severity = Severity.HIGH if scheme == "file" else Severity.MEDIUM
    return [Issue(IssueKind.ARCHIVE_PATH, severity, f"{path}: Hydra reads configs (and the objects they instantiate) "
                  f"from {entry[:120]!r}, outside the model folder: not scanned", evidence={"searchpath": entry[:200]})]


def _library_pair(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
            and value[0] not in DIFFUSERS_LIBRARIES)


def _references(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, dict):
        for key, item in value.items():
            for suffix, ref in _references_flat(item):
                yield f".{key}{suffix}", ref


def _references_flat(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, list):  # AutoTokenizer: [slow, fast]
        yield from ((f"[{i}]", v) for i, v in enumerate(value) if isinstance(v, str))


def escapes_folder(reference: str) -> bool:
    """A file reference that a loader joins to the model folder yet lands outside it: absolute (POSIX, Windows drive,
    UNC) or climbing with ``..`` after normalisation (``sub/../w.bin`` stays inside)."""
    import posixpath

    value = reference.strip().replace("\\", "/")
    if value.startswith("/") or (len(value) > 1 and value[1] == ":") or "\x00" in value:
        return True
    return posixpath.normpath(value).split("/")[0] == ".."
