"""Typed check options: each check declares a frozen dataclass (``Check.Options``); this module turns
the user's ``key=value`` settings into one instance per check, or a ``ConfigError`` naming the check.

Naming rule: ``name=value`` sets ``name`` on every selected check that declares it, and is refused as
ambiguous when those checks mean different things by it (their help lines differ, as with ``alpha`` and
``confidence``); ``check.name=value`` (e.g. ``drift.alpha=0.01``) sets it on that check only. A name no
selected check declares is an error offering the closest declared names ("did you mean").
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure.check import Check
from mlsecure.errors import ConfigError
from mlsecure.yesno import parse_yes_no


@dataclass(frozen=True)
class OptionSpec:
    """One declared option: for help, docs and conversion."""

    check: str
    name: str
    type: Any
    default: Any
    help: str

    @property
    def type_name(self) -> str:
        return _type_name(self.type)


def specs(cls: type[Check]) -> list[OptionSpec]:
    """The options ``cls`` declares, in declaration order."""
    options = cls.Options
    if not dataclasses.is_dataclass(options):
        raise ConfigError(f"check {cls.name}: Options must be a dataclass, got {options!r}")
    hints = typing.get_type_hints(options)
    return [OptionSpec(cls.name, f.name, hints[f.name], f.default, str(f.metadata.get("help", "")))
            for f in dataclasses.fields(options)]


def resolve(checks: Sequence[type[Check]], given: Mapping[str, Any], *,
            lenient: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check name to its ``Options`` instance, built from ``given`` (validated, strings converted).

    ``lenient`` settings (the CLI's ``--seed``, ``--epsilon``...) go to the checks that declare them and
    are ignored by the others; ``None`` values in either mean "not given"."""
    declared = {cls.name: {s.name: s for s in specs(cls)} for cls in checks}
    values: dict[str, dict[str, Any]] = {cls.name: {} for cls in checks}
    for key, value in (lenient or {}).items():
        if value is None:
            continue
        for check, fields in declared.items():
            if key in fields:
                values[check][key] = convert(fields[key], value)
    for raw_key, value in given.items():
        if value is None:
            continue
        key = raw_key.replace("-", "_")
        prefix, dot, name = key.rpartition(".")
        if dot:
            check = _check_named(prefix.replace("_", "-"), declared)
            if name not in declared[check]:
                raise ConfigError(_unknown(name, {check: declared[check]}, raw_key))
            values[check][name] = convert(declared[check][name], value)
            continue
        owners = [c for c, fields in declared.items() if key in fields]
        if not owners:
            raise ConfigError(_unknown(key, declared, raw_key))
        meanings = {declared[c][key].help for c in owners}
        if len(meanings) > 1:
            listed = "; ".join(f"{c}: {declared[c][key].help}" for c in owners)
            raise ConfigError(f"option {raw_key!r} means different things in the selected checks ({listed}); "
                              f"name the check, e.g. --option {owners[0]}.{key}={value}")
        for check in owners:
            values[check][key] = convert(declared[check][key], value)
    return {cls.name: cls.Options(**values[cls.name]) for cls in checks}


def as_mapping(options: Any) -> dict[str, Any]:
    """An ``Options`` instance as the ``ScanContext.options`` mapping a check reads."""
    return {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}


def convert(spec: OptionSpec, value: Any) -> Any:
    """``value`` as ``spec.type``: a string from the command line is parsed; a Python value is checked."""
    try:
        return _convert(spec.type, value)
    except (TypeError, ValueError):
        raise ConfigError(f"option {spec.check}.{spec.name} must be {_type_name(spec.type)}, got {value!r} "
                          f"({spec.help})") from None


def _convert(kind: Any, value: Any) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if isinstance(value, str) and value.strip().lower() in ("none", "null"):
            return None
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        item = args[0] if args else str
        parts: Iterable[Any] = ([p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str)
                                else value if isinstance(value, list | tuple) else [value])
        return tuple(_convert(item, p) for p in parts)
    if kind is bool:
        return parse_yes_no(value)
    if kind is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise TypeError(value)
        return int(value)
    if kind is float:
        if isinstance(value, bool):
            raise TypeError(value)
        return float(value)
    if kind is str:
        if not isinstance(value, str | int | float | Path):
            raise TypeError(value)
        return str(value)
    if kind is Path:
        if not isinstance(value, str | Path):
            raise TypeError(value)
        return Path(value)
    return value


def _type_name(kind: Any) -> str:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(inner) + " (optional)"
    if origin is tuple:
        return f"comma-separated {_type_name(args[0]) if args else 'text'}s"
    return {bool: "true/false", int: "an integer", float: "a number", str: "text", Path: "a path"}.get(
        kind, getattr(kind, "__name__", str(kind)))


def _check_named(name: str, declared: Mapping[str, Any]) -> str:
    if name in declared:
        return name
    close = difflib.get_close_matches(name, list(declared), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise ConfigError(f"option prefix {name!r} is not a check this scan runs (selected: "
                      f"{', '.join(declared) or 'none'}){hint}")


def _unknown(name: str, declared: Mapping[str, Mapping[str, OptionSpec]], raw: str) -> str:
    owners: dict[str, list[str]] = {}
    for check, fields in declared.items():
        for field_name in fields:
            owners.setdefault(field_name, []).append(check)
    close = difflib.get_close_matches(name, list(owners), n=3, cutoff=0.6)
    checks = ", ".join(declared) or "none"
    where = (f"check {next(iter(declared))!r} declares" if len(declared) == 1
             else f"the selected checks ({checks}) declare")
    message = f"unknown option {raw!r}: {where} no option {name!r}"
    from mlsecure.scan.registry import all_checks

    elsewhere = [c for c, cls in all_checks().items() if c not in declared and name in {s.name for s in specs(cls)}]
    if elsewhere:
        return message + f"; it is an option of {', '.join(map(repr, elsewhere))}, which this scan does not run"
    if close:
        message += "; did you mean " + " or ".join(f"{c!r} ({', '.join(owners[c])})" for c in close) + "?"
    return message + " (mlsecure scan --list-options shows them all)"


def markdown_table(checks: Sequence[type[Check]]) -> str:
    """The options of ``checks`` as a Markdown table (docs/scan.md is generated from it)."""
    lines = ["| check | option | type | default | what it sets |", "|---|---|---|---|---|"]
    for cls in checks:
        for spec in specs(cls):
            default = "-" if spec.default is None else f"`{_shown(spec.default)}`"
            lines.append(f"| {cls.name} | `{spec.name}` | {spec.type_name} | {default} | {spec.help} |")
    return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)
