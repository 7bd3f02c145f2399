"""Chat templates (GGUF ``tokenizer.chat_template``, Hugging Face ``tokenizer_config.json``) judged in a
sandboxed Jinja environment.

Servers that render templates with a plain ``jinja2.Environment`` let ``{{ x.__class__.__mro__ }}``
reach ``os`` (llama-cpp-python CVE-2024-34359). The template is parsed by Jinja's own parser and
every attribute or item it looks up is checked with the sandbox's rule; then it is rendered once in
an immutable sandbox with sample messages, operation counts bounded, so a lookup built at run time
(``"__cla" ~ "ss__"``) raises ``SecurityError`` there instead of running anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
)

from mlsecure.artifacts.scan.template_sandbox import (
    MAX_OPERATIONS,
    MAX_RENDER_CHARS,
    BoundedSandbox,
    RenderBudgetError,
)

UNSAFE_NAMES = (UNSAFE_FUNCTION_ATTRIBUTES | UNSAFE_METHOD_ATTRIBUTES | UNSAFE_GENERATOR_ATTRIBUTES
                | UNSAFE_COROUTINE_ATTRIBUTES | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES | {"mro", "func_globals"})
MAX_TEMPLATE = 1 << 20
SAMPLE_MESSAGES = [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hi"},
                   {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Bye"}]


def template_problems(template: str) -> tuple[list[str], str | None, bool]:
    """The unsafe lookups a template makes (empty when none), a parse/render note, if any, and whether the
    check was complete: a template over the size limit, or whose sample render stops at the operation
    budget before its end, was not verified (a payload after a long loop is never reached)."""
    if len(template) > MAX_TEMPLATE:
        return [], f"template of {len(template)} characters is over the {MAX_TEMPLATE}-character limit", False
    env = BoundedSandbox()
    try:
        tree = env.parse(template)
    except TemplateError as exc:
        return [], f"not a valid Jinja template (no server renders it): {exc}", True
    found = sorted(set(_unsafe_lookups(tree)) | set(_ConversationKeys(tree).lookups()))
    if found:
        return found, None, True
    try:
        env.from_string(template).render(messages=SAMPLE_MESSAGES, add_generation_prompt=True, bos_token="<s>",
                                         eos_token="</s>", tools=None)
    except SecurityError as exc:
        return [f"sandbox refused at render time: {exc}"], None, True
    except RenderBudgetError:
        return [], (f"the sample render stopped at the {MAX_OPERATIONS:,}-operation or "
                    f"{MAX_RENDER_CHARS:,}-character limit"), False
    except RecursionError:
        return [], "the sample render recursed too deeply", False
    except Exception as exc:  # template errors (raise_exception, type errors) are harmless here
        return [], f"sample render raised {type(exc).__name__}", True
    return [], None, True


FORMAT_METHODS = ("format", "format_map")  # str methods whose format fields look attributes up


def _unsafe_lookups(tree: nodes.Node) -> Iterator[str]:
    keys = _KeyTaint(tree)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Const)):
        if isinstance(node, nodes.Getattr) and node.attr in FORMAT_METHODS and keys.built(node.node):
            yield f"computed format string .{node.attr}()"  # ('{0.' ~ '__class__}').format(x): no constant shows it
        elif isinstance(node, nodes.Getattr) and _unsafe(node.attr):
            yield f".{node.attr}"
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and _unsafe(node.arg.value):
            yield f"[{node.arg.value!r}]"
        elif isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const | nodes.Slice):
            # ``x[key]`` falls back to ``getattr(x, key)``: a key the template itself chooses or assembles
            yield from (f"[{shown}]" for shown in keys.unsafe(node.arg))
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            args = node.args
            filtered = node.node
            if (args and isinstance(args[0], nodes.Const) and args[0].value in FORMAT_METHODS and filtered is not None
                    and keys.built(filtered)):
                yield f"computed format string |attr({args[0].value!r})"  # the same call spelled with the filter
            elif not args or not isinstance(args[0], nodes.Const) or _unsafe(args[0].value):
                shown = repr(args[0].value) if args and isinstance(args[0], nodes.Const) else "computed"
                yield f"|attr({shown})"
        elif isinstance(node, nodes.Filter) and node.name in ATTRIBUTE_FILTERS:
            # ``map(attribute="__class__")``, ``selectattr("__init__.__globals__")``: dotted attribute paths
            position = ATTRIBUTE_FILTERS[node.name]
            positional = [node.args[position]] if position is not None and len(node.args) > position else []
            for arg in [*positional, *(kw.value for kw in node.kwargs if kw.key == "attribute")]:
                for shown in keys.unsafe(arg, dotted=True):
                    yield f"|{node.name}({shown})"
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and "{" in node.value:
            # str.format / format filter strings reach attributes too: "{0.__class__}"
            for field in node.value.split("{")[1:]:
                spec = field.split("}")[0]
                if any(_unsafe(part.split("[")[0]) for part in spec.split(".")[1:]):
                    yield f"format field {{{spec}}}"


def _unsafe(name: Any) -> bool:
    return isinstance(name, str) and (name.startswith("_") or name in UNSAFE_NAMES)


# Filters that look an attribute path up on each item (Jinja's ``make_attrgetter``: ``environment.getitem`` per
# dotted part, which falls back to ``getattr``).
# name -> the position of the attribute argument (after the filtered value), or None when it is keyword-only.
ATTRIBUTE_FILTERS: dict[str, int | None] = {"map": None, "selectattr": 0, "rejectattr": 0, "groupby": 0, "sum": 0,
                                            "sort": 2, "unique": 1, "min": 1, "max": 1}
_BUILT = "computed"  # a key assembled at render time from strings the template holds
_UNKNOWN_ARGUMENT = "\x00argument"  # the value a caller passes that no call site shows (no template binds this name)


class _KeyTaint:
    """Which strings a lookup key can be when the template itself decides it.

    A key from the input (``message[key]`` with ``key`` looping over a message) is the data's business; a
    constant, a name the template ``set``s, a loop over a list the template holds, or a string built with ``~``,
    ``+``, ``%``, filters or macro calls from the template's own strings is the template author's: constants are
    checked with the sandbox's rule, keys assembled at render time are reported (a branch the sample render does
    not take would otherwise hide ``''['__cla' ~ 'ss__']``)."""

    def __init__(self, tree: nodes.Node) -> None:
        self.assigned: dict[Any, list[nodes.Node]] = {}
        self._memo: dict[int, frozenset[str]] = {}
        self._active: set[int] = set()
        for node in tree.find_all((nodes.Assign, nodes.AssignBlock, nodes.For, nodes.With)):
            if isinstance(node, nodes.For):
                self._bind(node.target, node.iter)
            elif isinstance(node, nodes.AssignBlock):
                self._bind(node.target, nodes.Concat(list(node.body)))
            elif isinstance(node, nodes.Assign):
                self._bind(node.target, node.node)
            elif isinstance(node, nodes.With):  # ``{% with k = ... %}`` binds like ``set``
                for target, value in zip(node.targets, node.values, strict=False):
                    self._bind(target, value)
        self.parameters = self._bind_parameters(tree)
        # ``loop.previtem`` / ``nextitem`` / ``cycle(...)`` hand back what a loop iterates, and ``loop(items)`` in a
        # recursive loop binds its target to ``items``
        loop_names = {"loop"} | {name for name, values in self.assigned.items() if isinstance(name, str)
                                 and any(isinstance(v, nodes.Name) and v.name == "loop" for v in values)}
        recursion = [arg for call in tree.find_all(nodes.Call) if isinstance(call.node, nodes.Name)
                     and call.node.name in loop_names for arg in call.args]
        self.loop_values: list[nodes.Node] = [*recursion]
        for node in tree.find_all(nodes.For):
            self.loop_values.append(node.iter)
            for arg in recursion if node.recursive else []:
                self._bind(node.target, arg)

    def _bind_parameters(self, tree: nodes.Node) -> frozenset[str]:
        """Macro and call-block parameters: each is bound to every call site's argument and to its default (and to an
        unknown value when the macro is passed on as a value), so an outer ``set`` of the same name never stands for
        it (``{% set k = 0 %}{% macro f(o, k) %}{{ o[k] }}`` called with ``'__globals__'``)."""
        signatures: dict[str, list[list[nodes.Name]]] = {}
        called = {id(call.node) for call in tree.find_all(nodes.Call)}
        passed_on = {name.name for name in tree.find_all(nodes.Name) if id(name) not in called}  # {% set g = f %}
        for node in tree.find_all((nodes.Macro, nodes.CallBlock)):
            if not isinstance(node, nodes.Macro | nodes.CallBlock):
                continue  # narrows the type: find_all yields only these
            params = list(node.args)
            for param, default in zip(reversed(params), reversed(node.defaults), strict=False):
                self._bind(param, default)
            callable_name = node.name if isinstance(node, nodes.Macro) else "caller"
            if callable_name in passed_on:  # called where no call site shows its arguments
                for param in params:
                    self._bind(param, nodes.Name(_UNKNOWN_ARGUMENT, "load"))
            signatures.setdefault(callable_name, []).append(params)
        for call in tree.find_all(nodes.Call):
            if not isinstance(call.node, nodes.Name):
                continue
            for params in signatures.get(call.node.name, []):
                for param, arg in zip(params, call.args, strict=False):
                    self._bind(param, arg)
                for param in params if call.dyn_args is not None or call.dyn_kwargs is not None else []:
                    self._bind(param, nodes.Name(_UNKNOWN_ARGUMENT, "load"))  # f(*args, **kwargs)
                named = {kw.key: kw.value for kw in call.kwargs}
                for param in params:
                    if param.name in named:
                        self._bind(param, named[param.name])
        return frozenset(param.name for signature in signatures.values() for params in signature for param in params)

    def _bind(self, target: nodes.Node, value: nodes.Node) -> None:
        if isinstance(target, nodes.Name):
            self.assigned.setdefault(target.name, []).append(value)
        elif isinstance(target, nodes.NSRef):
            self.assigned.setdefault((target.name, target.attr), []).append(value)
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self._bind(item, value)

    def built(self, expr: nodes.Node) -> bool:
        """Whether ``expr`` is a string assembled at render time from the template's own strings."""
        return not isinstance(expr, nodes.Const) and _BUILT in self._values(expr)

    def unsafe(self, expr: nodes.Node, *, dotted: bool = False) -> list[str]:
        """How an unsafe key can come out of ``expr`` (empty when it cannot)."""
        values = self._values(expr)
        found = [_BUILT] if _BUILT in values else []
        for value in values - {_BUILT}:
            parts = value.split(".") if dotted else [value]
            if any(_unsafe(part) for part in parts):
                found.append(repr(value))
        return found

    def _values(self, expr: nodes.Node) -> frozenset[str]:
        try:
            return self._strings(expr)
        except RecursionError:  # a chain of assignments deeper than the stack: fail closed
            return frozenset({_BUILT})

    def _strings(self, expr: nodes.Node) -> frozenset[str]:
        """The constant strings ``expr`` can be, plus ``_BUILT`` when it assembles one from template material
        (memoised per node: ``{% set k = k ~ k %}`` repeated would otherwise be walked once per path)."""
        key = id(expr)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return frozenset()  # a name assigned from itself: its other assignments are in the union already
        self._active.add(key)
        try:
            found = frozenset(self._compute(expr))
        finally:
            self._active.discard(key)
        self._memo[key] = found
        return found

    def _compute(self, expr: nodes.Node) -> set[str] | frozenset[str]:
        if isinstance(expr, nodes.Const):
            return {expr.value} if isinstance(expr.value, str) else set()
        if isinstance(expr, nodes.TemplateData):
            return {expr.data}
        if isinstance(expr, nodes.Name):
            return self._union(self.assigned.get(expr.name, []))
        if isinstance(expr, nodes.Getattr) and isinstance(expr.node, nodes.Name):
            return self._union(self.assigned.get((expr.node.name, expr.attr), []))
        if isinstance(expr, nodes.Getattr | nodes.Getitem):  # a method, item or slice of a template string
            return {_BUILT} if self._strings(expr.node) else set()
        if isinstance(expr, nodes.List | nodes.Tuple):
            return self._union(list(expr.items))
        if isinstance(expr, nodes.Output):
            return self._union(list(expr.nodes))
        if isinstance(expr, nodes.CondExpr):
            return self._union([expr.expr1, *([expr.expr2] if expr.expr2 is not None else [])])
        parts: list[nodes.Node] = []
        if isinstance(expr, nodes.Concat):
            parts = list(expr.nodes)
        elif isinstance(expr, nodes.BinExpr):
            parts = [expr.left, expr.right]
        elif isinstance(expr, nodes.Filter | nodes.Call):
            parts = [p for p in (expr.node, *expr.args, *(k.value for k in expr.kwargs)) if isinstance(p, nodes.Node)]
        if _is_range(expr, self.assigned):
            return set()  # integers: ``x[i]`` with ``i`` from ``range(...)`` can never name an attribute
        inner = self._union(parts)
        if isinstance(expr, nodes.Call) and isinstance(expr.node, nodes.Name) and expr.node.name not in self.assigned:
            return {_BUILT}  # a macro (or a global) returns what the template decides
        return {_BUILT} if inner else set()  # strings of the template, transformed at render time

    def _union(self, exprs: list[nodes.Node]) -> set[str]:
        out: set[str] = set()
        for expr in exprs:
            out |= self._strings(expr)
        return out


# names a renderer defines itself (Jinja's globals, transformers' and llama-cpp-python's helpers, Jinja's own
# template-reference names): objects of Python, never conversation data
TEMPLATE_OWN_NAMES = frozenset({"cycler", "dict", "joiner", "lipsum", "namespace", "range", "raise_exception",
                                "strftime_now", "self", "caller", "varargs", "kwargs"})
# ``loop`` attributes that are numbers (``loop.cycle`` / ``previtem`` are not)
LOOP_NUMBERS = frozenset({"index", "index0", "revindex", "revindex0", "length", "depth", "depth0"})
NUMBER_FILTERS = frozenset({"length", "count", "int", "abs", "round"})
ARITHMETIC = (nodes.Sub, nodes.Div, nodes.FloorDiv, nodes.Pow)  # a number or an error whatever else the operand is
KEY_ITERATORS = frozenset({"keys", "items", "dictsort"})  # ``for k in x.keys()`` / ``x|items``: keys of ``x``
VALUE_OPERATORS = (nodes.Or, nodes.And, nodes.Add, nodes.Mul)  # return an operand, or lists built from operands
_LITERALS = (nodes.Const, nodes.TemplateData, nodes.Dict, nodes.List, nodes.Tuple)


class _ConversationKeys:
    """Lookups whose key the conversation chooses, where that key can reach Python internals.

    ``lipsum[m.name][m.module][m.fn](m.content)`` holds no constant a sandbox rule could refuse: the names
    come from the chat messages (or the tools) a user sends, and an unsandboxed renderer (llama-cpp-python before
    0.2.72) runs whatever they spell. ``m[k]`` with ``k`` from the data is the data's own business only while it
    looks keys up on data: a key from the conversation on an object the template names itself (a Jinja global,
    a literal, a macro argument), a second conversation key on what the first returned, and a call of what such
    a key returned are reported. Integer indexes (``loop.index0``, ``range``, arithmetic) and keys that iterate
    the very object they index (``for k in m %}{{ m[k]``) are data lookups."""

    def __init__(self, tree: nodes.Node) -> None:
        self.tree = tree
        self.keys = _KeyTaint(tree)
        self._active: set[tuple[int, int]] = set()
        self._memo: dict[tuple[int, int], bool] = {}

    def lookups(self) -> Iterator[str]:
        for node in self.tree.find_all((nodes.Getitem, nodes.Call, nodes.Filter)):
            if isinstance(node, nodes.Getitem) and self._conversation_key(node):
                if self._template_own(node.node):
                    yield "[key from the conversation] on an object of the template"
                elif self._keyed(node.node):
                    yield "[key from the conversation] on the result of another such lookup"
            elif isinstance(node, nodes.Call) and self._keyed(node.node):
                yield "call of a value looked up by a key from the conversation"
            elif isinstance(node, nodes.Filter) and node.name in ATTRIBUTE_FILTERS:
                position = ATTRIBUTE_FILTERS[node.name]
                positional = [node.args[position]] if position is not None and len(node.args) > position else []
                for arg in [*positional, *(kw.value for kw in node.kwargs if kw.key == "attribute")]:
                    if self._data_value(arg):
                        yield f"|{node.name}(attribute path from the conversation)"

    def _data_value(self, expr: nodes.Node) -> bool:
        """A key that neither the template wrote (constants, strings it builds) nor is a number."""
        return (not isinstance(expr, nodes.Const | nodes.Slice) and not self.keys._values(expr)
                and not self._number(expr))

    def _conversation_key(self, node: nodes.Getitem) -> bool:
        return self._data_value(node.arg) and not self._iterates(node.arg, node.node)

    def _iterates(self, key: nodes.Node, obj: nodes.Node) -> bool:
        """``key`` is a loop variable over ``obj`` itself (or its keys / items)."""
        if not isinstance(key, nodes.Name) or key.name not in self.keys.assigned:
            return False
        return all(self._over(source, obj) for source in self.keys.assigned[key.name])

    @staticmethod
    def _over(source: nodes.Node, obj: nodes.Node) -> bool:
        if source == obj:
            return True
        if isinstance(source, nodes.Filter) and source.name in KEY_ITERATORS:
            return source.node == obj
        return (isinstance(source, nodes.Call) and isinstance(source.node, nodes.Getattr)
                and source.node.attr in KEY_ITERATORS and source.node.node == obj)

    def _number(self, expr: nodes.Node) -> bool:
        return self._walk(expr, self._number_step)

    def _number_step(self, expr: nodes.Node) -> bool:
        if isinstance(expr, nodes.Const):
            return isinstance(expr.value, int | float) and not isinstance(expr.value, bool)
        if isinstance(expr, nodes.Name):
            values = self.keys.assigned.get(expr.name, [])
            return bool(values) and all(self._number(value) for value in values)
        if isinstance(expr, nodes.Getattr) and isinstance(expr.node, nodes.Name):
            if expr.node.name == "loop":
                return expr.attr in LOOP_NUMBERS
            values = self.keys.assigned.get((expr.node.name, expr.attr), [])
            return bool(values) and all(self._number(value) for value in values)
        if isinstance(expr, nodes.Call):
            return _is_range(expr, self.keys.assigned)
        if isinstance(expr, nodes.Filter):
            return expr.name in NUMBER_FILTERS
        if isinstance(expr, nodes.Neg | nodes.Pos):
            return self._number(expr.node)
        if isinstance(expr, nodes.Add | nodes.Mod | nodes.Mul):  # 'name' * 1, '%s' % x, a ~ b: strings
            return self._number(expr.left) and self._number(expr.right)
        if isinstance(expr, ARITHMETIC):
            return self._number(expr.left) or self._number(expr.right)
        if isinstance(expr, nodes.List | nodes.Tuple):
            return bool(expr.items) and all(self._number(item) for item in expr.items)
        if isinstance(expr, nodes.CondExpr):
            return self._number(expr.expr1) and (expr.expr2 is None or self._number(expr.expr2))
        return False

    def _template_own(self, expr: nodes.Node) -> bool:
        """``expr`` is (or is reached from) an object the template names rather than one the conversation sent."""
        return self._walk(expr, self._own_step)

    def _own_step(self, expr: nodes.Node) -> bool:
        if isinstance(expr, nodes.Const | nodes.Dict | nodes.TemplateData):
            return True
        if isinstance(expr, nodes.Name) and expr.name in self.keys.parameters:
            return True  # a macro or call-block parameter: the template passes its own objects through it
        if isinstance(expr, nodes.Name) and expr.name not in self.keys.assigned and expr.name != "loop":
            return expr.name in TEMPLATE_OWN_NAMES
        return any(self._template_own(source) for source in self._carried(expr, literal_arguments=False))

    def _keyed(self, expr: nodes.Node) -> bool:
        """``expr`` is (or is reached from) a value a conversation key picked."""
        return self._walk(expr, self._keyed_step)

    def _keyed_step(self, expr: nodes.Node) -> bool:
        if isinstance(expr, nodes.Getitem) and self._conversation_key(expr):
            return True
        return any(self._keyed(source) for source in self._carried(expr, literal_arguments=True))

    def _carried(self, expr: nodes.Node, *, literal_arguments: bool) -> list[nodes.Node]:
        """The expressions whose value ``expr`` can be, or be looked up on: the object of a lookup or call, what a
        name or namespace attribute was bound to, the items of a literal, both sides of ``or`` / ``and`` / ``+`` /
        ``*``, and a call's or filter's arguments (``x|default(v)``, ``cycler(v).current``, ``namespace(v=v)``
        hand them back). ``literal_arguments=False`` leaves out literal arguments (``selectattr('role', ...)``
        keeps the data it filters, ``m.content or ''`` the message's string)."""
        found: list[nodes.Node] = []
        if isinstance(expr, nodes.Name):
            found += self.keys.assigned.get(expr.name, [])
            if expr.name == "loop" and "loop" not in self.keys.assigned:
                found += self.keys.loop_values  # loop.previtem: an item of some loop's iterable
        elif isinstance(expr, nodes.Getattr | nodes.Getitem):
            if isinstance(expr, nodes.Getattr) and isinstance(expr.node, nodes.Name):
                found += self.keys.assigned.get((expr.node.name, expr.attr), [])  # {% set ns.v = ... %}
            found.append(expr.node)
        elif isinstance(expr, nodes.Call | nodes.Filter):
            arguments = [*expr.args, *(kw.value for kw in expr.kwargs),
                         *(a for a in (expr.dyn_args, expr.dyn_kwargs) if a is not None)]
            found += [expr.node] if expr.node is not None else []
            found += [a for a in arguments if literal_arguments or not isinstance(a, _LITERALS)]
        elif isinstance(expr, nodes.List | nodes.Tuple):
            found += expr.items
        elif isinstance(expr, nodes.Dict):
            found += [pair.value for pair in expr.items]
        elif isinstance(expr, nodes.CondExpr):
            found += [e for e in (expr.expr1, expr.expr2) if e is not None]
        elif isinstance(expr, VALUE_OPERATORS):  # ``(m.content or '')``: the literal side is no template object
            found += [e for e in (expr.left, expr.right) if literal_arguments or not isinstance(e, _LITERALS)]
        return found

    def _walk(self, expr: nodes.Node, step: Any) -> bool:
        """``step(expr)``, with a cycle of assignments (``{% set x = x[k] %}``) counted as no evidence."""
        key = (id(expr), id(step.__func__))
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return False
        self._active.add(key)
        try:
            found = bool(step(expr))
        except RecursionError:  # a chain of assignments deeper than the stack: fail closed
            found = True
        finally:
            self._active.discard(key)
        self._memo[key] = found
        return found


def _is_range(expr: nodes.Node, assigned: dict[Any, list[nodes.Node]]) -> bool:
    """``range(...)``, Jinja's global (not a name the template rebinds)."""
    return (isinstance(expr, nodes.Call) and isinstance(expr.node, nodes.Name) and expr.node.name == "range"
            and "range" not in assigned)
