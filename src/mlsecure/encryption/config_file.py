"""Load a YAML, TOML or JSON configuration as plain data plus the line of every key.

YAML goes through PyYAML's ``SafeLoader`` node graph (``compose``: no object is ever constructed from a
tag; scalars are resolved by the safe constructor), so each key keeps its start mark. TOML
(``tomllib``) and JSON (``json``) have no marks; their lines are found by a forward text search from
the parent's line (approximate, good enough to point a reviewer at the right place).

Hostile input: alias cycles, alias bombs ("billion laughs") and very deep nesting raise ``ConfigError``
instead of exhausting memory or the stack.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlsecure.errors import ConfigError
from mlsecure.private_files import read_regular_file

ConfigPath = tuple[str | int, ...]
MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64
_SAFE_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap",
                                   "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:set"})


@dataclass(frozen=True)
class ConfigDocument:
    """A parsed configuration: ``data`` and ``lines[path]`` (1-based) for the keys that have one."""

    path: str
    format: str
    text: str
    data: Any
    lines: Mapping[ConfigPath, int] = field(default_factory=dict)

    def line_of(self, path: ConfigPath) -> int | None:
        """The line of ``path``, else of its nearest ancestor that has one."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def load_config(path: Path) -> ConfigDocument:
    """Read and parse ``path`` (format by suffix: .yaml/.yml, .toml, .json; otherwise YAML)."""
    raw = read_regular_file(path, what="a configuration file", max_bytes=MAX_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return parse_config(text, name=str(path), fmt=_format_of(path))


def parse_config(text: str, *, name: str = "<config>", fmt: str = "yaml") -> ConfigDocument:
    match fmt:
        case "toml":
            try:
                data: Any = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{name}: invalid TOML: {exc}") from None
            return ConfigDocument(name, fmt, text, data, _guess_lines(text, data))
        case "json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{name}:{exc.lineno}: invalid JSON: {exc.msg}") from None
            except RecursionError:
                raise ConfigError(f"{name}: JSON nested too deeply") from None
            return ConfigDocument(name, fmt, text, data, _guess_lines(text, data))
        case _:
            data, lines = _load_yaml(text, name)
            return ConfigDocument(name, "yaml", text, data, lines)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".toml": "toml", ".json": "json"}.get(suffix, "yaml")


def _load_yaml(text: str, name: str) -> tuple[Any, dict[ConfigPath, int]]:
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"{name}:{mark.line + 1}" if mark is not None else name
            raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{name}: invalid YAML: {exc}") from None
        if root is None:
            return None, {}
        builder = _YamlBuilder(loader, name)
        return builder.build(root, (), 0), builder.lines
    finally:
        loader.dispose()


class _YamlBuilder:
    def __init__(self, loader: yaml.SafeLoader, name: str) -> None:
        self.loader = loader
        self.name = name
        self.lines: dict[ConfigPath, int] = {}
        self.nodes = 0
        self.stack: set[int] = set()

    def build(self, node: yaml.Node, path: ConfigPath, depth: int) -> Any:
        self.nodes += 1
        line = node.start_mark.line + 1
        if self.nodes > MAX_NODES:
            raise ConfigError(f"{self.name}:{line}: more than {MAX_NODES} YAML nodes (alias bomb?)")
        if depth > MAX_DEPTH:
            raise ConfigError(f"{self.name}:{line}: YAML nested deeper than {MAX_DEPTH} levels")
        if id(node) in self.stack:
            raise ConfigError(f"{self.name}:{line}: recursive YAML alias")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in _SAFE_COLLECTION_TAGS:
            raise ConfigError(f"{self.name}:{line}: YAML tag not allowed: {node.tag} (only plain YAML is read)")
        self.stack.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                self.loader.flatten_mapping(node)  # resolve ``<<`` merge keys
                out: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else "<complex key>"
                    key = key if isinstance(key, (str, int)) else str(key)
                    self.lines.setdefault((*path, key), key_node.start_mark.line + 1)
                    out[key] = self.build(value_node, (*path, key), depth + 1)
                return out
            items = []
            for index, item in enumerate(node.value):
                self.lines.setdefault((*path, index), item.start_mark.line + 1)
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        finally:
            self.stack.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.name}:{node.start_mark.line + 1}: YAML value not allowed: "
                              f"{getattr(exc, 'problem', exc)}") from None


def _guess_lines(text: str, data: Any) -> dict[ConfigPath, int]:
    lines = text.splitlines()
    out: dict[ConfigPath, int] = {}

    def walk(value: Any, path: ConfigPath, start: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        if isinstance(value, dict):
            for key, child in value.items():
                pattern = re.compile(r"(?<![\w-])" + re.escape(str(key)) + r"(?![\w-])")
                found = next((i for i in range(start, len(lines)) if pattern.search(lines[i])), None)
                here = start if found is None else found
                if found is not None:
                    out[(*path, key)] = found + 1
                walk(child, (*path, key), here, depth + 1)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, (*path, index), start, depth + 1)

    walk(data, (), 0, 0)
    return out
