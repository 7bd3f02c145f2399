"""Config text decoded into the document a loader would see, without constructing or importing anything.

JSON first (C parser), else YAML composed to nodes by libyaml then PyYAML's pure-Python parser (what
``yaml.safe_load``, OmegaConf, Hydra and MLflow read), else TOML (jsonargparse). Python tags (``!!python/...``) are
collected from the node graph, never constructed. Text too large or too deep to parse is answered as unparsed where
it could name an object, so the caller fails closed. What the document makes a loader import is judged in
``config_imports``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# a text holding one of these (or a backslash escape that can spell it) is parsed as JSON or YAML
MARKERS = ("_target_", "class_path", "auto_map", "custom_pipelines", "_diffusers_version", "python/", "%TAG", "\\",
           "auto_mapping", "custom_imports", "lc:", "searchpath")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
MAX_CONFIG_CHARS = 64 * 1024**2  # JSON (C parser)
MAX_YAML_CHARS = 16 * 1024**2
MAX_PURE_YAML_CHARS = 512 * 1024  # YAML libyaml refuses, parsed again by PyYAML's pure-Python parser up to this


def wants_parse(name: str, text: str) -> bool:
    """Whether ``text`` may be a config a loader instantiates from (by its name, or a marker in it).

    JSON spells a key only literally or with ``\\u`` escapes, so JSON needs a literal key or an escaped ASCII
    character (a 9 MB tokenizer.json full of ``\\u0120`` is not walked); YAML has more escapes (``\\x5f``, an
    escaped line break inside a key), so a ``.yaml`` is always parsed and other text on any backslash."""
    head = text.lstrip()[:1]
    if name.lower().endswith(".json") or head in ("{", "["):
        return (any(key in text for key in JSON_KEYS) or _ASCII_ESCAPE.search(text) is not None
                or (head == "[" and '"type"' in text)  # modules.json
                or ("${" in text and RESOLVER_CALL.search(text) is not None)  # a JSON handed to OmegaConf.load
                or _dict_config(text))
    return (name.lower().endswith(CONFIG_SUFFIXES) or any(marker in text for marker in MARKERS)
            or ("${" in text and RESOLVER_CALL.search(text) is not None)
            or ("()" in text and _FACTORY_KEY.search(text) is not None) or _dict_config(text))


def _dict_config(text: str) -> bool:
    """May be a ``logging.config.dictConfig`` document (``version`` equal to 1: ``1``, ``1.0``, ``true``...)."""
    return ("handlers" in text or "formatters" in text or "filters" in text) and _VERSION_ONE.search(text) is not None


JSON_KEYS = ("_target_", "class_path", "auto_map", "custom_pipelines", "_diffusers_version", "auto_mapping",
             "custom_imports", '"lc"', "weight_map", '"()', "searchpath")
_ASCII_ESCAPE = re.compile(r"\\u00[2-7][0-9A-Fa-f]")
# session 7: an OmegaConf resolver call (``${eval:...}``) or a dictConfig factory key (``"()":``) in a config of any
# name: OmegaConf.load reads any file name, dictConfig any document the application parsed
RESOLVER_CALL = re.compile(r"\$\{\s*(?:[A-Za-z_][\w-]*(?:\s*\.\s*[A-Za-z_][\w-]*)*\s*:|\$\{)")
# dictConfig compares ``config["version"] != 1``: 1.0, 1e0 and true (YAML 1.1 also yes/on) pass
_VERSION_ONE = re.compile(r"""['"]?version['"]?\s*:\s*(?:!!\w+\s+)?['"]?"""
                          r"""(?:1(?:\.0*)?(?:[eE][+-]?0*)?|true|yes|on)['"]?\s*(?:[,}\n#]|$)""",
                          re.IGNORECASE | re.MULTILINE)
_FACTORY_KEY = re.compile(r"""(?:^|[\s{,'"])\(\)['"]?\s*:""", re.MULTILINE)


def parse_document(text: str, name: str = "") -> Any:
    """``text`` as JSON, else as YAML (safe loader: no tags run); ``None`` when it is neither (or too large)."""
    from mlsecure.artifacts.scan import jsontext

    if len(text) > MAX_CONFIG_CHARS:
        return _unparsed(text, name, f"{len(text)} characters: over the {MAX_CONFIG_CHARS >> 20} Mi parsed")
    if text.lstrip()[:1] in ("{", "["):
        try:
            return jsontext.loads(text)
        except RecursionError:
            return _too_deep(text, name)
        except ValueError:
            pass
    # a ``.json`` that JSON rejects is read on as YAML: ``OmegaConf.load`` (and so Hydra's instantiate) parses any file
    # with PyYAML, which takes trailing commas, comments and block mappings (session 7: such a config.json with
    # ``_target_: os.system`` was "text")
    if name.lower().endswith(".toml"):
        return _toml(text)
    if len(text) > MAX_YAML_CHARS:  # PyYAML builds Python objects node by node: bound the time, fail closed
        return _unparsed(text, name, f"YAML of {len(text)} characters: over the {MAX_YAML_CHARS >> 20} Mi parsed")
    import yaml

    try:
        # the node graph first: its tags (``!!python/object/apply:os.system``, also spelled through a %TAG
        # directive) are what an unsafe loader constructs; composing constructs nothing
        roots = list(yaml.compose_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except RecursionError:
        return _too_deep(text, name)
    except (yaml.YAMLError, ValueError, MemoryError):
        # libyaml (fast) refuses what the pure-Python parser that ``yaml.safe_load``, OmegaConf, Hydra and MLflow
        # use reads: a byte-order mark inside the text, ``%FOO %bar`` directives (session 6: a ``_target_`` after a
        # mid-text BOM was instantiated and scanned as "text"). Their parser decides.
        if len(text) > MAX_PURE_YAML_CHARS:  # the pure-Python parser reads ~60 kB/s here: bound the time, fail closed
            return _unparsed(text, name, f"YAML of {len(text)} characters that libyaml refuses: over the "
                             f"{MAX_PURE_YAML_CHARS >> 10} Ki the pure-Python parser is run on")
        try:
            roots = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        except RecursionError:
            return _too_deep(text, name)
        except (yaml.YAMLError, ValueError, MemoryError):
            return _toml(text)  # no YAML (a loader cannot parse it as YAML either); TOML quotes keys YAML rejects
    tags = [tag for root in roots for tag in _python_tags(root)]
    document = None  # several documents (``yaml.load`` refuses them), or python tags the safe constructor refuses
    if len(roots) == 1:
        try:  # constructed from the composed nodes (parsed once) by the safe constructor: no tag builds an object
            document = yaml.SafeLoader("").construct_document(roots[0])
        except RecursionError:
            return _too_deep(text, name)
        except (yaml.YAMLError, ValueError, TypeError, MemoryError):
            document = None
    if tags:
        return Tagged(tuple(tags), document)
    if not isinstance(document, dict | list):  # ``[model]\n_target_ = "os.system"`` is no YAML mapping: TOML?
        return _toml(text) or document
    return document


def _toml(text: str) -> Any:
    """``text`` as TOML (jsonargparse reads TOML configs whatever their name), ``None`` when it is not TOML."""
    import tomllib

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError, MemoryError):
        return None


@dataclass(frozen=True)
class Tagged:
    """A YAML document with Python tags: only ``yaml.load(..., Loader=yaml.Loader)``/``unsafe_load`` (and PyYAML
    before 5.4's ``full_load``, which PyTorch Lightning uses for ``hparams.yaml``) construct them."""

    tags: tuple[str, ...]
    document: Any


_PYTHON_TAG = "tag:yaml.org,2002:python/"


def _python_tags(root: Any) -> Iterator[str]:
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.tag, str) and node.tag.startswith(_PYTHON_TAG):
            yield node.tag[len(_PYTHON_TAG):]
        if isinstance(node.value, list):
            for item in node.value:
                todo.extend(item if isinstance(item, tuple) else (item,))


_UNPARSED = object()  # parse_document's answer for a document nested deeper or larger than this scanner parses


def _too_deep(text: str, name: str = "") -> object:
    return _unparsed(text, name, "a config nested deeper than this scanner parses")


def _unparsed(text: str, name: str, why: str) -> object:
    """Fail closed only where the unparsed text could name an object: a literal marker, or (in a file named as a
    config) an escape that could spell one; a large protocol-0 pickle full of backslashes is not a config."""
    if any(marker in text for marker in MARKERS if marker != "\\"):
        return (_UNPARSED, why)
    return (_UNPARSED, why) if "\\" in text and name.lower().endswith(CONFIG_SUFFIXES) else None


def unparsed_reason(document: Any) -> str | None:
    """Why ``document`` (an answer of ``parse_document``) is text this scanner did not parse; ``None`` otherwise."""
    if isinstance(document, tuple) and len(document) == 2 and document[0] is _UNPARSED:
        return str(document[1])
    return None
