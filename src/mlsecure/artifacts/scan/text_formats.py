"""Text configs of three more loaders: ONNX's text formats, Jsonnet, spaCy / confection.

- ``onnx.load`` picks the format by extension: ``.textproto``/``.prototxt`` (protobuf text), ``.onnxtxt`` (the
  ONNX printer's text) and ``.json``/``.onnxjson`` (protobuf JSON) are models like ``.onnx``: their external-data
  ``location`` is read relative to the model (absolute or ``..`` paths reach any file: onnx 1.23 refuses them, older
  releases and direct readers do not) and their operator domains may need a native custom-op library.
- Jsonnet (``.jsonnet``/``.libsonnet``, and ``.json``: AllenNLP evaluates every config file with Jsonnet):
  ``import``, ``importstr`` and ``importbin`` read any file the path names into the config (a ``type`` or
  ``_target_`` defined outside the folder, or a secret);
  ``std.native`` calls a function the host registered.
- confection (spaCy, Thinc): ``@architectures = "..."`` resolves a function from a registry; a name outside spaCy's
  own namespaces is a function user code registered (``spacy --code`` or an installed package): low, since the
  config cannot bring the code itself.
Regexes over the text, and a tokenizer for protobuf text format (message nesting tracked, strings kept whole);
nothing is parsed by the loaders' libraries, nothing resolved.
"""

from __future__ import annotations

import configparser
import json
import re
from typing import Any

from mlsecure.artifacts.scan.config_imports import escapes_folder
from mlsecure.artifacts.scan.interface import Issue, IssueKind, worst_kept
from mlsecure.findings import Severity

_ONNX_TEXT_SUFFIXES = (".textproto", ".prototxt", ".pbtxt", ".txtpb", ".onnxtxt", ".onnxtext", ".json", ".onnxjson")
_STRING = r'"((?:[^"\\\n]|\\.)*)"'
_LOCATION = re.compile(r'(?:\bkey\s*:\s*"location"\s*value\s*:\s*|"location"\s*:\s*|"key"\s*:\s*"location"\s*,\s*'
                       r'"value"\s*:\s*)' + _STRING)
_DOMAIN = re.compile(r'"?\bdomain"?\s*:\s*' + _STRING)
_OPSET_LIST = re.compile(r"opset_import\s*:\s*\[([^\]]*)\]")
_OPSET_ENTRY = re.compile(_STRING + r"\s*:\s*\d")
MAX_ISSUES = 50
_GRAPH_FIELD = re.compile(r"(?:^|[\s{<])graph\s*:?\s*[{<]")  # a ModelProto's graph message in text format


def onnx_text_issues(text: str, name: str) -> list[Issue]:
    """External-data paths leaving the folder and custom domains of an ONNX model in a text format."""
    from mlsecure.artifacts.scan.onnx_scan import STANDARD_DOMAINS

    lowered = name.lower()
    if not lowered.endswith(_ONNX_TEXT_SUFFIXES):
        return []
    json_format = lowered.endswith((".json", ".onnxjson"))
    if "ir_version" not in text and not (json_format and "irVersion" in text) and not (
            not json_format and _GRAPH_FIELD.search(text) is not None):
        # protobuf JSON writes camelCase names and reads both spellings; onnx.load reads a text model without
        # ir_version (session 8: ``ir_version`` and a textproto with only ``graph {`` loaded)
        return []
    locations = [_unescape(m.group(1)) for m in _LOCATION.finditer(text)]
    domains = [_unescape(m.group(1)) for m in _DOMAIN.finditer(text)]
    if name.lower().endswith((".textproto", ".prototxt", ".pbtxt", ".txtpb")):
        textproto = _textproto(text)
        locations.extend(textproto[0])
        domains.extend(textproto[1])
    for listing in _OPSET_LIST.finditer(text):
        domains.extend(_unescape(m.group(1)) for m in _OPSET_ENTRY.finditer(listing.group(1)))
    if text.lstrip().startswith("{"):
        locations.extend(_json_locations(text))
    issues = [Issue(IssueKind.EXTERNAL_DATA, Severity.HIGH,
                    f"{name}: ONNX external data location {loc[:120]!r} is outside the model folder: the loader "
                    "reads any file it names", evidence={"location": loc[:200]})
              for loc in dict.fromkeys(locations) if escapes_folder(loc)]
    custom = sorted(set(domains) - STANDARD_DOMAINS)
    if custom:
        issues.append(Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM, f"{name}: operators from custom domains "
                            f"{custom[:10]} need a native custom-op library", evidence={"domains": custom[:50]}))
    return worst_kept(issues, MAX_ISSUES, f"{name}: ")


# protobuf text format: a string field is one or more adjacent quoted strings ("..", '/x' concatenate), with C escapes,
# fields come in any order, a message is written {...} or <...>, # starts a comment outside strings
_TP_STRINGS = r"""((?:(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*)+)"""
_TP_DOMAIN = re.compile(r"\bdomain\s*:?\s*" + _TP_STRINGS)
# its tokens: strings, # comments, punctuation, and names (identifiers, numbers, [extension] names)
_TP_TOKEN = re.compile(_TP_STRINGS.replace("((?:", "(?P<str>(?:", 1) + r"""|(?P<comment>#[^\n]*)"""
                       r"""|(?P<punct>[{}<>\[\]:,;])|(?P<name>\[[^\]]*\]|[^\s{}<>\[\]:,;"'#]+)""")


def _textproto(text: str) -> tuple[list[str], list[str]]:
    """(external-data locations, operator domains) of a protobuf text-format model."""
    from mlsecure.artifacts.scan.savedmodel_scan import _TEXT_COMMENT

    code = _TEXT_COMMENT.sub(lambda m: "" if m.group(1) else m.group(0), text)
    domains = [_tp_string(m.group(1)) for m in _TP_DOMAIN.finditer(code)]
    return (_textproto_locations(text) if "external_data" in text else []), domains


def _tp_string(raw: str) -> str:
    """Adjacent quoted strings joined and C-unescaped, as protobuf's text parser reads them."""
    from mlsecure.artifacts.scan.savedmodel_scan import _TEXT_STRING
    from mlsecure.artifacts.scan.savedmodel_scan import _unescape as c_unescape

    return c_unescape("".join(m.group(1) if m.group(1) is not None else m.group(2) for m in _TEXT_STRING.finditer(raw)))


def _textproto_locations(text: str) -> list[str]:
    """External-data locations, read token by token with the message nesting tracked: a brace or angle bracket inside
    a string is text (session 9: ``value: "../}/.."`` ended the regex's ``external_data { ... }`` block early and hid
    the location, which onnx's parser read). Run only on texts naming ``external_data`` (the tokens cost more)."""
    locations: list[str] = []
    stack: list[tuple[str, dict[str, str]]] = []  # open messages: field name, the string fields read in it
    lists: list[str] = []  # field names of open [ ... ] lists
    field: str | None = None  # the name before the current value
    for match in _TP_TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "comment":
            continue
        if kind == "name":
            field = token
        elif kind == "str":
            if stack and field is not None:
                stack[-1][1][field] = _tp_string(token)
        elif token in "{<":
            stack.append((field or (lists[-1] if lists else ""), {}))
            field = None
        elif token in "}>" and stack:
            field = None
            name, fields = stack.pop()
            if name == "external_data" and fields.get("key") == "location" and "value" in fields:
                locations.append(fields["value"])
        elif token == "[":
            lists.append(field or "")
        elif token == "]" and lists:
            lists.pop()
    return locations


def _json_locations(text: str) -> list[str]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    todo: list[Any] = [document]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            if node.get("key") == "location" and isinstance(node.get("value"), str):
                found.append(node["value"])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def _unescape(value: str) -> str:
    try:
        return str(json.loads(f'"{value}"'))
    except ValueError:
        return value


_JSONNET_IMPORT = re.compile(r"\bimport(?:str|bin)?\s*(?:@?(['\"])((?:(?!\1)[^\\\n]|\\.)*)\1|\|\|\|)")


# strings (kept) and comments (blanked): Jsonnet allows a comment between any two tokens, so ``importstr /* x */
# "../../secrets.json"`` reads the file (session 8: the import regex wanted only blanks there). An unterminated block
# comment or text block runs to the end of the text, so the scan stays linear.
_JSONNET_TOKENS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\|\|\|(?:.*?\|\|\||.*\Z)"""
                             r"""|/\*(?:.*?\*/|.*\Z)|//[^\n]*|#[^\n]*)""", re.DOTALL)


def jsonnet_issues(text: str, name: str) -> list[Issue]:
    if not name.lower().endswith((".jsonnet", ".libsonnet", ".json")):  # AllenNLP's Params.from_file evaluates any
        return []                                                       # config file, .json included, as Jsonnet
    jsonnet = name.lower().endswith((".jsonnet", ".libsonnet"))
    if "import" not in text and not (jsonnet and "native" in text):
        return []
    issues: list[Issue] = []
    if "/*" in text or "//" in text or "#" in text:  # a comment may stand between ``import`` and its path
        text = _JSONNET_TOKENS.sub(lambda m: " " if m.group(0)[:1] in "/#" else m.group(0), text)
    for match in _JSONNET_IMPORT.finditer(text):
        path = match.group(2)
        if path is None:  # a text block as the path: not judged, so not verified
            issues.append(Issue(IssueKind.ARCHIVE_PATH, Severity.MEDIUM, f"{name}: Jsonnet import of a computed "
                                "text-block path: not verified"))
        elif escapes_folder(path):
            issues.append(Issue(IssueKind.ARCHIVE_PATH, Severity.HIGH,
                                f"{name}: Jsonnet {match.group(0).split()[0]} reads {path[:120]!r}, outside the "
                                "config's folder, into the config", evidence={"path": path[:200]}))
    if jsonnet and re.search(r"\bstd\s*\.\s*native\s*\(", text):
        issues.append(Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM, f"{name}: Jsonnet std.native calls a function "
                            "the host application registered: not verified"))
    return worst_kept(issues, MAX_ISSUES, f"{name}: ")


# namespaces of the functions spaCy and its own packages register (spacy.Tok2Vec.v2, spacy-legacy..., thinc's
# Name.vN layers carry no namespace)
CONFECTION_NAMESPACES = frozenset({"spacy", "spacy-legacy", "spacy-transformers", "spacy-curated-transformers",
                                   "spacy-llm", "spacy-lookups-data", "thinc", "curated-transformers"})


REGISTRY_KEY = re.compile(r"^[^\S\n]*@", re.MULTILINE)  # configparser strips a line before it reads the key


def confection_issues(text: str, name: str) -> list[Issue]:
    if REGISTRY_KEY.search(text) is None:  # a registry reference is a key: at the start of a (stripped) line
        return []
    parser = configparser.ConfigParser(interpolation=None, allow_no_value=True, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except (configparser.Error, ValueError, AttributeError) as exc:  # allow_no_value: a continuation line after a
        # key without a value raises AttributeError inside configparser (confection's parser too)
        # session 8: this parser is laxer than confection's (no interpolation, duplicates allowed); a config it
        # cannot read names registry functions nobody checked: fail closed
        return [Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"{name}: confection/spaCy config with registry "
                      f"references does not parse as an INI ({type(exc).__name__}): its functions cannot be "
                      "verified", evidence={"error": str(exc)[:200]})]
    unknown: list[str] = []
    for section in parser.sections():
        for key, value in parser.items(section, raw=True):
            if not key.startswith("@") or value is None:
                continue
            ref = value.strip().strip("\"'")
            namespace = ref.split(".")[0] if ref.count(".") >= 2 else ""
            if namespace and namespace not in CONFECTION_NAMESPACES:
                unknown.append(f"[{section}] {key} = {ref[:80]}")
    if not unknown:
        return []
    return [Issue(IssueKind.EMBEDDED_CODE, Severity.LOW,
                  f"{name}: confection/spaCy registry functions outside spaCy's namespaces (registered by user code "
                  f"that must be reviewed): {unknown[:5]}", evidence={"references": unknown[:50]})]
