"""Python source that reaches a module or function by a name it spells at run time.

The source rules judge calls by the names they spell (``os.system``, ``subprocess.run``). A file a loader
imports (Hugging Face ``trust_remote_code``, PyTorch Hub's ``hubconf.py``, MLflow's ``loader_module``) can
spell nothing: ``getattr(importlib.import_module("o" + "s"), "sys" + "tem")(cmd)``, ``pydoc.locate(name)``,
``sys.modules[name]``, ``vars(os)[name]``. Each was "not verified" (medium) and ran a command when imported.
Names folded from string literals (``+``, adjacent literals, ``"".join([...])``, ``%``, f-strings of
literals, module-level constants) are judged like written ones and bind an alias (``sp =
importlib.import_module("subprocess")`` makes ``sp.run`` a ``subprocess.run``); a name that does not fold
resolves to whatever the data says, which is reported as running code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

# (module, function) pairs that turn a string into a module or object: importlib.import_module("os"),
# pydoc.locate("os.system"), pkgutil.resolve_name("os:system")
RESOLVERS = frozenset(
    {("importlib", "import_module"), ("importlib", "__import__"), ("pydoc", "locate"), ("pkgutil", "resolve_name")}
)
NAME_READERS = frozenset({"getattr", "vars"})  # builtins that read a namespace by name
CODE_BUILTINS = frozenset({"eval", "exec", "__import__"})  # builtins that run code or import by name
ATTRIBUTE_READERS = frozenset({("operator", "attrgetter"), ("operator", "methodcaller")})  # attrgetter(n)(os)


def module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound once to a string that folds from literals (``NAME = "o" + "s"``)."""
    bound: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.NamedExpr)
            else []
        )
        for target in targets:
            if isinstance(target, ast.Name):
                value = getattr(node, "value", None)
                bound.setdefault(target.id, []).append(
                    value
                    if isinstance(node, ast.Assign | ast.AnnAssign) and value is not None
                    else ast.Name("\0", ast.Load())
                )
    constants: dict[str, str] = {}
    for name, values in bound.items():
        folded = folded_string(values[0], {}) if len(values) == 1 else None
        if folded is not None:
            constants[name] = folded
    return constants


def folded_string(expr: ast.expr, constants: dict[str, str]) -> str | None:
    """The string ``expr`` always is when it is built from literals only, else None."""
    if isinstance(expr, ast.Constant):
        return expr.value if isinstance(expr.value, str) else None
    if isinstance(expr, ast.Name):
        return constants.get(expr.id)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = folded_string(expr.left, constants), folded_string(expr.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        left = folded_string(expr.left, constants)
        items = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
        parts = [folded_string(item, constants) for item in items]
        if left is None or any(part is None for part in parts):
            return None
        try:
            return left % tuple(parts)
        except (TypeError, ValueError):
            return None
    if isinstance(expr, ast.JoinedStr):
        pieces = [folded_string(v.value if isinstance(v, ast.FormattedValue) else v, constants) for v in expr.values]
        return "".join(p for p in pieces if p is not None) if all(p is not None for p in pieces) else None
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "join"
        and len(expr.args) == 1
        and isinstance(expr.args[0], ast.List | ast.Tuple)
    ):
        separator = folded_string(expr.func.value, constants)
        parts = [folded_string(item, constants) for item in expr.args[0].elts]
        if separator is None or any(part is None for part in parts):
            return None
        return separator.join(p for p in parts if p is not None)
    return None


def resolver_of(func: ast.expr, aliases: dict[str, str]) -> tuple[str, str] | None:
    """``(module, function)`` when ``func`` spells a resolver or attribute reader (``importlib.import_module``,
    ``import_module`` after ``from importlib import import_module``, ``pydoc.locate``)."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        pair = (aliases.get(func.value.id, func.value.id), func.attr)
    elif isinstance(func, ast.Name) and "." in aliases.get(func.id, ""):
        module, _, name = aliases[func.id].rpartition(".")
        pair = (module.split(".")[0], name)
    else:
        return None
    return pair if pair in RESOLVERS or pair in ATTRIBUTE_READERS else None


def imported_functions(tree: ast.Module) -> dict[str, str]:
    """``from importlib import import_module as im``: ``im`` -> ``importlib.import_module``."""
    return {
        (a.asname or a.name): f"{node.module}.{a.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for a in node.names
    }


def resolved_modules(tree: ast.Module, aliases: dict[str, str], constants: dict[str, str]) -> dict[str, str]:
    """Names bound to a module a resolver imports by a folded name: ``sp = importlib.import_module("subprocess")``
    -> ``{"sp": "subprocess"}`` (also ``sys.modules["os"]``)."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        name = _resolved_name(node.value, aliases, constants)
        if isinstance(node.value, ast.Name) and "." not in aliases.get(node.value.id, "."):
            name = aliases[node.value.id]  # m = os
        if name is not None:
            found[node.targets[0].id] = name.replace(":", ".").split(".")[0]
    return found


def _resolved_name(expr: ast.expr, aliases: dict[str, str], constants: dict[str, str]) -> str | None:
    if isinstance(expr, ast.Call) and expr.args and resolver_of(expr.func, aliases) in RESOLVERS:
        return folded_string(expr.args[0], constants)
    if isinstance(expr, ast.Subscript) and _is_sys_modules(expr.value, aliases):
        return folded_string(expr.slice, constants)
    if (
        isinstance(expr, ast.Call)
        and expr.args
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "get"
        and _is_sys_modules(expr.func.value, aliases)
    ):
        return folded_string(expr.args[0], constants)  # sys.modules.get("os")
    return None


def _is_sys_modules(expr: ast.expr, aliases: dict[str, str]) -> bool:
    return (
        isinstance(expr, ast.Attribute)
        and expr.attr == "modules"
        and isinstance(expr.value, ast.Name)
        and aliases.get(expr.value.id, expr.value.id) == "sys"
    )


def dynamic_runs(
    tree: ast.Module,
    aliases: dict[str, str],
    constants: dict[str, str],
    dangerous_module: frozenset[str],
    dangerous_name: frozenset[str],
) -> Iterator[str]:
    """What reaches a function by a run-time name: a resolver given a folded dangerous name, ``pydoc.locate`` /
    ``pkgutil.resolve_name`` given a name that does not fold (they return functions), ``getattr`` with a folded
    dangerous name or with a name that does not fold on a module found by a run-time name, and a dangerous module's
    namespace read by name (``vars(os)``, ``os.__dict__``, ``attrgetter(n)(os)``, ``getattr(shutil.os, n)``)."""
    nodes = list(ast.walk(tree))  # one walk, shared by the passes below
    dynamic = _dynamic_module_names(nodes, aliases)
    called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
    readers = {
        target.id: node.value.id
        for node in nodes
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in NAME_READERS
        for target in node.targets
        if isinstance(target, ast.Name)
    }  # ga = getattr
    for node in nodes:
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in readers:
                node = ast.Call(ast.Name(readers[node.func.id], ast.Load()), node.args, node.keywords)
            yield from _call_runs(node, aliases, constants, dangerous_module, dangerous_name, dynamic)
        elif (
            isinstance(node, ast.Name)
            and node.id in CODE_BUILTINS
            and id(node) not in called
            and isinstance(node.ctx, ast.Load)
        ):
            yield f"{node.id} referenced"  # e = eval; e(text)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in {"__dict__", "__getattribute__"}
            and _module_of(node.value, aliases) in dangerous_module
        ):
            yield f"{_module_of(node.value, aliases)}.{node.attr}"


def _call_runs(
    call: ast.Call,
    aliases: dict[str, str],
    constants: dict[str, str],
    dangerous_module: frozenset[str],
    dangerous_name: frozenset[str],
    dynamic: set[str],
) -> Iterator[str]:
    pair = resolver_of(call.func, aliases)
    name = folded_string(call.args[0], constants) if call.args else None
    if pair in RESOLVERS:
        shown = f"{pair[0]}.{pair[1]}"
        if name is not None and (
            name.replace(":", ".").split(".")[0] in dangerous_module
            or name.replace(":", ".").split(".")[-1] in dangerous_name
        ):
            yield f"{shown}({name!r})"
        elif name is None and pair[1] in {"locate", "resolve_name"}:
            yield f"{shown}(name built at run time)"  # returns a function as readily as a module
    elif isinstance(call.func, ast.Name) and call.func.id in {"getattr", "vars"} and call.args:
        target = _module_of(call.args[0], aliases)
        attribute = folded_string(call.args[1], constants) if len(call.args) >= 2 else None
        if target in dangerous_module and (call.func.id == "vars" or attribute is None or attribute in dangerous_name):
            yield f"{call.func.id}({target}, ...)"  # getattr(shutil.os, name), vars(os)[name]
        elif call.func.id == "getattr" and attribute is not None and attribute in dangerous_name:
            yield f"getattr(..., {attribute!r})"
        elif (
            call.func.id == "getattr"
            and len(call.args) >= 2
            and attribute is None
            and _is_dynamic_module(call.args[0], aliases, dynamic)
        ):
            yield "getattr(module found by a run-time name, name built at run time)"
    elif isinstance(call.func, ast.Call) and resolver_of(call.func.func, aliases) in ATTRIBUTE_READERS:
        targets = [_module_of(arg, aliases) for arg in call.args]  # attrgetter(name)(os)
        reader = ".".join(resolver_of(call.func.func, aliases) or ())
        yield from (f"{reader}(...)({target})" for target in targets if target in dangerous_module)


def _module_of(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    """The module ``expr`` names: an imported name (``os``, ``sp``) or a module attribute (``shutil.os``)."""
    if isinstance(expr, ast.Name):
        return aliases.get(expr.id)
    if isinstance(expr, ast.Attribute) and _module_of(expr.value, aliases) is not None:
        return expr.attr  # shutil.os: the os module shutil imported
    return None


def _dynamic_module_names(nodes: list[ast.AST], aliases: dict[str, str]) -> set[str]:
    """Names assigned a module found by a run-time name (``mod = importlib.import_module(name)``)."""
    return {
        target.id
        for node in nodes
        if isinstance(node, ast.Assign) and _is_dynamic_module(node.value, aliases, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _is_dynamic_module(expr: ast.expr, aliases: dict[str, str], dynamic: set[str]) -> bool:
    """A module whose name is built at run time and not confined to one package (``import_module(f".{x}", "pkg")``,
    ``import_module(f"pkg.{x}")`` and ``sys.modules[__name__]`` are that package's or the file's own modules)."""
    if isinstance(expr, ast.Name):
        return expr.id in dynamic
    if isinstance(expr, ast.Call) and expr.args:
        if resolver_of(expr.func, aliases) in RESOLVERS:
            return not _confined(expr, aliases)
        return (
            isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "get"
            and _is_sys_modules(expr.func.value, aliases)
            and not _named_here(expr.args[0])
        )
    return isinstance(expr, ast.Subscript) and _is_sys_modules(expr.value, aliases) and not _named_here(expr.slice)


def _confined(call: ast.Call, aliases: dict[str, str]) -> bool:
    """The resolver's name folds, or starts with a fixed package (``"sklearn." + x``, ``"." + x`` with a fixed
    ``package``): the names it can reach are that package's."""
    if folded_string(call.args[0], {}) is not None:
        return True  # a written name is judged by ``_call_runs``
    prefix = _literal_prefix(call.args[0])
    if prefix.startswith("."):
        package = (
            call.args[1]
            if len(call.args) > 1
            else next((kw.value for kw in call.keywords if kw.arg == "package"), None)
        )
        return package is not None and (_named_here(package) or folded_string(package, {}) is not None)
    return "." in prefix and prefix.split(".")[0] not in _RUNNING_ROOTS


_RUNNING_ROOTS = frozenset({"os", "posix", "nt", "subprocess", "builtins", "pty", "runpy", "ctypes", "socket"})


def _literal_prefix(expr: ast.expr) -> str:
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        return str(expr.values[0].value)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return folded_string(expr.left, {}) or _literal_prefix(expr.left)
    return ""


def _named_here(expr: ast.expr) -> bool:
    """``__name__`` / ``__package__``: the importing file's own module or package."""
    return isinstance(expr, ast.Name) and expr.id in {"__name__", "__package__"}
