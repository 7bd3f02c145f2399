"""The bounded, immutable Jinja sandbox a chat template is rendered in once with sample messages.

Loops, calls, concatenations, filters and string sizes are counted: a template that asks for a terabyte
(``{% set k = k ~ k %}`` forty times) or loops for ever stops at the budget and is reported "cannot verify"
instead of killing the scanner.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OPERATIONS = 200_000  # loop iterations and sandboxed calls while rendering once


class RenderBudgetError(Exception):
    """The sample render reached the operation or size budget."""


MAX_RENDER_CHARS = 4 * 1024**2  # no string or list the sample render builds may be longer (a chat turn is far less)
_WIDE_FORMAT = re.compile(r"[%{][^%{}]*?(?:\d{7,}|\*)")  # a field width of a million or more, or one taken from args


class _BoundedCodeGenerator(CodeGenerator):
    """``a ~ b`` compiles to a plain join the sandbox never sees: route it through ``bounded_concat``
    (``{% set k = k ~ k %}`` forty times asked for a terabyte and the scanner was killed)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose loops, calls, concatenations, filters and string sizes are counted and bounded."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self) -> None:
        super().__init__()
        self.operations = 0
        self.globals["range"] = self._range
        self.globals["raise_exception"] = self._raise
        self.globals["strftime_now"] = lambda fmt: "2026-01-01"
        self.filters = {name: self._bounded_filter(func) for name, func in self.filters.items()}

    def bounded_concat(self, parts: tuple[Any, ...]) -> str:
        texts = [str(part) for part in parts]
        _check_size(sum(len(text) for text in texts))
        self._tick()
        return "".join(texts)

    def _bounded_filter(self, func: Any) -> Any:
        @functools.wraps(func)  # keeps jinja's pass_context / pass_environment marks
        def bounded(*args: Any, **kwargs: Any) -> Any:
            _check_arguments(args, kwargs)
            self._tick()
            return _checked(func(*args, **kwargs))

        return bounded

    def _tick(self, n: int = 1) -> None:
        self.operations += n
        if self.operations > MAX_OPERATIONS:
            raise RenderBudgetError

    def _range(self, *args: int) -> range:
        values = range(*args)
        self._tick(len(values))
        return values

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """The sandbox's default renders an unsafe lookup as an empty string; refuse it instead."""
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__} object is unsafe")

    @staticmethod
    def _raise(message: str) -> None:
        raise TemplateError(message)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        self._tick()
        if isinstance(getattr(__obj, "__self__", None), str):  # 'x'.center(10**9), s.replace('', s), '{:>9999999}'
            _check_arguments((__obj.__self__, *args), kwargs)
        return _checked(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Any:
        """``str.format`` is wrapped when it is looked up (not in ``call``): bound its field widths there."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        def bounded(*args: Any, **kwargs: Any) -> Any:
            _check_arguments((template, *args), kwargs)
            return _checked(wrapped(*args, **kwargs))

        return bounded

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if isinstance(left, int | float) and isinstance(right, int | float) and operator == "**" and abs(right) > 64:
            raise RenderBudgetError
        if operator == "+" and isinstance(left, str | list) and isinstance(right, str | list):
            _check_size(len(left) + len(right))
        if operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise RenderBudgetError
        if operator == "*" and isinstance(left, str | list) and isinstance(right, int):
            self._tick(max(right, 0) * max(len(left), 1) // 64)
        if operator == "*" and isinstance(right, str | list) and isinstance(left, int):
            self._tick(max(left, 0) * max(len(right), 1) // 64)
        return _checked(super().call_binop(context, operator, left, right))


def _check_size(size: int) -> None:
    if size > MAX_RENDER_CHARS:
        raise RenderBudgetError


def _checked(value: Any) -> Any:
    if isinstance(value, str | list | bytes | tuple):
        _check_size(len(value))
    return value


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Before the call: a width, count or replacement that would build a string over the limit in one step."""
    values = [*args, *kwargs.values()]
    if any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_RENDER_CHARS for v in values):
        raise RenderBudgetError
    if any(isinstance(v, str) and _WIDE_FORMAT.search(v) for v in values):
        raise RenderBudgetError
    texts = [v for v in values if isinstance(v, str)]
    if len(texts) >= 3:  # replace(value, old, new): every occurrence of old grows by len(new)
        value, old, new = texts[:3]
        _check_size(len(value) + (value.count(old) if old else len(value) + 1) * len(new))
