"""Python source and MLflow ``MLmodel`` files shipped with a model: code a loader imports or runs.

``mlflow.pyfunc.load_model`` puts a model's ``code`` folder on ``sys.path`` and imports its
``loader_module``; a "model from code" (``model_code_path``) is a Python file MLflow executes; Hugging Face
``trust_remote_code`` imports ``modeling_*.py``. Until session 4 such files were "text" (safe) unless they sat
in a TorchScript ``code/`` folder. Python source is judged by its syntax tree (never run): calls that execute
commands or code (``os.system``, ``exec``, ``subprocess``...) are high, other source is medium ("code that a
loader may run: not verified"). An ``MLmodel`` file names what MLflow imports: a ``loader_module`` outside
MLflow is judged like a pickle global, shipped ``code`` and ``model_code_path`` are medium.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Any

from mlsecure.artifacts.scan import dynamic_names
from mlsecure.artifacts.scan.interface import Issue, IssueKind
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

MAX_SOURCE = 4 * 1024**2  # Python text parsed up to this size (larger: "cannot verify" when named .py)
# Every ``os`` function that replaces the process or starts a program: the whole exec/spawn/posix_spawn families
# (a list of five let ``os.execvpe``, ``os.spawnlp`` and ``os.posix_spawn`` through), and the standard library's
# other doors to a shell (asyncio's subprocess helpers, pydoc's pagers, multiprocessing's fork-exec).
PROCESS_FUNCTIONS = frozenset({
    *(f"exec{suffix}" for suffix in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
    *(f"spawn{suffix}" for suffix in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
    "posix_spawn", "posix_spawnp", "create_subprocess_shell", "create_subprocess_exec", "pipepager",
    "tempfilepager", "spawnv_passfds"})
# Method names that run commands whatever object they are on (``model.eval()``, ``re.compile`` and
# ``torch.compile`` do not); referenced without a call too (``run = os.system``).
RUN_METHODS = frozenset({"system", "popen", "Popen", "getoutput", "getstatusoutput", "check_output", "check_call",
                         "startfile", "urlopen", "urlretrieve"}) | PROCESS_FUNCTIONS
# Bare names that run commands or code (``exec(...)``, ``system(...)`` after ``from os import system``).
RUN_CALLS = frozenset({"exec", "eval", "compile", "__import__"}) | RUN_METHODS
# Modules whose every call runs a process, native code, a script or a connection; ``os``/``builtins`` calls count
# only through the names above (``os.path.join``, ``os.makedirs`` are what model code calls).
RUN_MODULES = frozenset({"subprocess", "pty", "runpy", "ctypes", "socket", "_posixsubprocess", "commands"})
GETATTR_ROOTS = RUN_MODULES | {"os", "builtins", "posix", "nt"}  # getattr(os, "sys" + "tem")
# Names that reach the interpreter's namespaces, from which any builtin is taken by a computed key
# (``__builtins__.__dict__["ev" + "al"]``, ``f.__globals__["os"]``, ``().__class__.__base__.__subclasses__()``).
INTERNALS = frozenset({"__builtins__", "__globals__", "__subclasses__"})
# Standard-library functions that compile and run a string of Python, like ``exec`` (module -> names).
CODE_STRING_RUNNERS = {"timeit": frozenset({"timeit", "repeat", "Timer"}), "cProfile": frozenset({"run", "runctx"}),
                       "profile": frozenset({"run", "runctx"}), "pdb": frozenset({"run", "runeval", "runctx"}),
                       "code": frozenset({"InteractiveInterpreter", "InteractiveConsole", "interact"})}
CODE_STRING_METHODS = frozenset({"runsource", "runcode", "runeval", "runctx"})  # Pdb(), Profile(), interpreters
REFERENCE_ROOTS = GETATTR_ROOTS | {"asyncio", "pydoc"}  # modules whose run functions count when only referenced
LOADS = frozenset({"loads", "load"})  # pickle.loads / marshal.loads: code or objects from bytes
LOADS_MODULES = frozenset({"pickle", "marshal", "_pickle", "cPickle", "dill", "cloudpickle"})
# Modules that must not be reached by a name spelled at run time, nor handed on as values (``vars(os)[name]``)
DYNAMIC_DANGEROUS_MODULES = GETATTR_ROOTS | LOADS_MODULES | REFERENCE_ROOTS | set(CODE_STRING_RUNNERS) | {
    "importlib", "pkgutil", "multiprocessing"}


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def source_text(raw: bytes, text: str) -> str:
    """The source as Python decodes it: a ``# coding: utf-7`` cookie makes ``+AAo-import os`` a statement that a
    UTF-8 reading sees as part of a comment (``ast.parse`` of a str ignores the cookie). ``text`` otherwise."""
    if not any(_COOKIE.match(line) for line in raw.split(b"\n", 2)[:2]):
        return text
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return raw.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError, ValueError):
        return text  # Python cannot decode it either: the import fails before any statement runs


def source_issues(name: str, text: str, *, torchscript: bool = False) -> list[Issue]:
    """Issues for a text that is Python source (none for a text that does not parse as Python)."""
    if len(text) > MAX_SOURCE:
        if name.endswith(".py"):
            return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                          f"cannot verify: Python source of {len(text)} characters is over the parsed limit")]
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        if not name.endswith(".py"):
            return []  # a text that is not Python
        # a newer Python may import what this one cannot parse (3.12's f-strings, ``type`` statements)
        return [Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                      f"cannot verify: Python source this interpreter cannot parse ({type(exc).__name__})",
                      evidence={"error": type(exc).__name__})]
    imports: list[str] = []
    runs: list[str] = []
    defines = False
    annotations = _annotation_nodes(tree)
    # ``import subprocess as sp``: ``sp.run`` is judged as ``subprocess.run``
    aliases = {a.asname: a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
               for a in n.names if a.asname}
    constants = dynamic_names.module_constants(tree)
    bound = {**dynamic_names.imported_functions(tree),
             **{a.asname or a.name.split(".")[0]: a.name.split(".")[0] for n in ast.walk(tree)
                if isinstance(n, ast.Import) for a in n.names}}
    # ``sp = importlib.import_module("sub" + "process")``: ``sp.run`` too
    resolved = dynamic_names.resolved_modules(tree, bound, constants)
    aliases |= resolved
    runs.extend(dynamic_names.dynamic_runs(tree, bound | resolved, constants, DYNAMIC_DANGEROUS_MODULES, RUN_CALLS))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            imports.append(node.module or ".")
            root = (node.module or "").split(".")[0]
            runs.extend(f"{node.module}.{a.name}" for a in node.names  # from os import popen as p
                        if (root in GETATTR_ROOTS and (a.name in RUN_CALLS or root in RUN_MODULES))
                        or a.name in RUN_METHODS  # from asyncio import create_subprocess_shell as sh
                        or a.name in CODE_STRING_RUNNERS.get(root, ()))  # from timeit import Timer
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defines = True
        elif isinstance(node, ast.Call):
            called = _called(node.func, node.args, aliases)
            if called is not None:
                runs.append(called)
        elif (isinstance(node, ast.Name) and node.id in INTERNALS) or (isinstance(node, ast.Attribute)
                                                                      and node.attr in INTERNALS):
            runs.append(node.id if isinstance(node, ast.Name) else f".{node.attr}")  # computed builtins
        elif (isinstance(node, ast.Attribute) and node.attr in RUN_METHODS and id(node) not in annotations
              and isinstance(node.value, ast.Name) and aliases.get(node.value.id, node.value.id) in REFERENCE_ROOTS):
            # run = os.system; partial(os.posix_spawn, ...): called under another name (``uname().system`` is data)
            runs.append(f"{aliases.get(node.value.id, node.value.id)}.{node.attr}")
    if runs:
        calls = sorted(set(runs))
        return [Issue(IssueKind.EMBEDDED_CODE, Severity.HIGH,
                      f"Python source that runs commands or code when a loader imports it: {', '.join(calls[:5])}",
                      evidence={"calls": calls[:20], "imports": sorted(set(imports))[:20]})]
    # a .py file is code a loader may import: only literal assignments and docstrings are inert (a bare
    # ``open(...).write(...)`` or ``__builtins__.__dict__["ev" + "al"](...)`` at the top level runs on import)
    if torchscript or not (imports or (name.endswith(".py") and (defines or not _inert(tree)))):
        return []
    return [Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                  "Python source shipped with the model (MLflow code, models from code and trust_remote_code import "
                  "or run it): not verified", evidence={"imports": sorted(set(imports))[:20]})]


def _annotation_nodes(tree: ast.Module) -> set[int]:
    """Nodes inside annotations (``_target_: os.system`` is a YAML line that parses as one): named, never run."""
    roots: list[ast.expr] = []
    for node in ast.walk(tree):  # one pass: annotated names and arguments, return annotations
        if isinstance(node, ast.AnnAssign | ast.arg) and node.annotation:
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            roots.append(node.returns)
    return {id(inner) for root in roots for inner in ast.walk(root)}


def _inert(tree: ast.Module) -> bool:
    """Only docstrings, ``pass`` and assignments of literals (``__version__ = "1.0"``): nothing runs on import."""
    for statement in tree.body:
        if isinstance(statement, ast.Pass) or (isinstance(statement, ast.Expr)
                                                and isinstance(statement.value, ast.Constant)):
            continue
        value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        if value is None or not all(isinstance(t, ast.Name) for t in targets):
            return False
        try:
            ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return True


def _called(func: ast.expr, args: list[ast.expr], aliases: dict[str, str]) -> str | None:
    if isinstance(func, ast.Name) and func.id in RUN_CALLS:
        return func.id
    if isinstance(func, ast.Name) and func.id == "getattr" and args and isinstance(args[0], ast.Name) \
            and aliases.get(args[0].id, args[0].id) in GETATTR_ROOTS:
        return f"getattr({args[0].id}, ...)"
    if not isinstance(func, ast.Attribute):
        return None
    root = func.value
    while isinstance(root, ast.Attribute):
        root = root.value
    base = aliases.get(root.id, root.id) if isinstance(root, ast.Name) else ""
    if func.attr in RUN_METHODS or base in RUN_MODULES or (base in LOADS_MODULES and func.attr in LOADS) \
            or (base == "builtins" and func.attr in RUN_CALLS) or func.attr in CODE_STRING_METHODS \
            or func.attr in CODE_STRING_RUNNERS.get(base, ()):
        return f"{base}.{func.attr}" if base else func.attr
    return None


def mlmodel_issues(name: str, document: Any) -> list[Issue]:
    """What MLflow imports or runs for an ``MLmodel`` document (``flavors`` -> each flavor's settings)."""
    flavors = document.get("flavors") if isinstance(document, dict) else None
    if not isinstance(flavors, dict):
        return []
    issues: list[Issue] = []
    for flavor, conf in flavors.items():
        if not isinstance(conf, dict):
            continue
        loader = conf.get("loader_module")
        if isinstance(loader, str) and loader.strip() and not loader.startswith("mlflow."):
            judgement = classify(loader.strip(), "_")  # the module itself: mlflow imports it, then calls _load_pyfunc
            issues.append(Issue(
                judgement.kind if judgement.severity >= Severity.HIGH else IssueKind.EMBEDDED_CODE,
                max(judgement.severity, Severity.MEDIUM),
                f"{name}: MLflow flavor {flavor!r} imports loader_module {loader!r} on load: {judgement.reason}",
                evidence={"module": loader, "flavor": str(flavor)}))
        issues.extend(_outside_references(name, str(flavor), conf))
        for key in ("code", "code_paths", "model_code_path", "model_code"):
            value = conf.get(key)
            if value:
                shown = str(value)[:100]
                issues.append(Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                                    f"{name}: MLflow flavor {flavor!r} ships Python code ({key}: {shown!r}) that "
                                    "mlflow imports or runs on load: not verified",
                                    evidence={"flavor": str(flavor), "key": key, "value": str(value)[:200]}))
    return issues


def _outside_references(name: str, flavor: str, conf: dict[Any, Any]) -> list[Issue]:
    """Files a flavor names (``data``, ``pickled_model``, ``python_model``...) that lie outside the model folder:
    MLflow joins them to the folder and loads them (a pickle from anywhere on the disk). ``uri`` keys record where
    an artifact came from when it was logged and are not read."""
    from mlsecure.artifacts.scan.config_imports import escapes_folder

    found: list[Issue] = []
    todo: list[tuple[str, Any]] = [(f"flavors.{flavor}", conf)]
    while todo and len(found) < 20:
        where, node = todo.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            here = f"{where}.{key}"
            # ``data: ..`` names the parent folder itself (no slash): the loader reads files outside the model folder
            if isinstance(value, str) and key != "uri" and ("/" in value or "\\" in value or value.strip() == "..") \
                    and escapes_folder(value):
                found.append(Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH,
                                   f"{name}: {here} names {value[:100]!r}, outside the model folder: MLflow loads a "
                                   "file this scan did not see", evidence={"key": here[-120:], "path": value[:200]}))
            elif isinstance(value, dict | list):
                todo.append((here, value))
    return found
