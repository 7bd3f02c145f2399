"""Dispatch: detect each artifact's format from its bytes, run its scanner, recurse, judge.

``scan_path`` walks files and directories; ``scan_blob`` is the recursion every container uses for
its members. Formats no scanner understands, and text files, are handled here.
"""

from __future__ import annotations

import functools
import importlib.util
import pickletools
import stat
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mlsecure.artifacts.formats import (
    ArtifactFormat,
    compression_of,
    decode_text,
    detect_stream,
    is_tar_header,
    is_text,
    wide_text_encoding,
)
from mlsecure.artifacts.scan import config_imports, interface, jsontext
from mlsecure.artifacts.scan.config_documents import CONFIG_SUFFIXES, MARKERS
from mlsecure.artifacts.scan.datafiles import describe_data
from mlsecure.artifacts.scan.interface import Blob, Budget, Issue, IssueKind, Limits, Session, Verdict
from mlsecure.errors import InputError
from mlsecure.findings import Severity


@dataclass(frozen=True)
class ArtifactResult:
    """The scan of one file: its format, verdict and issues (members' issues included)."""

    path: str
    format: ArtifactFormat
    verdict: Verdict
    issues: tuple[Issue, ...]
    size: int
    seconds: float

    @property
    def max_severity(self) -> Severity:
        return max((i.severity for i in self.issues), default=Severity.INFO)


_REGISTERED: list[bool] = []


def register_builtin_scanners() -> None:
    """Register the scanners shipped with mlsecure (idempotent)."""
    if _REGISTERED:
        return
    from mlsecure.artifacts.scan.archive_scan import ArchiveScanner
    from mlsecure.artifacts.scan.gguf_scan import GgufScanner
    from mlsecure.artifacts.scan.keras_scan import KerasScanner
    from mlsecure.artifacts.scan.numpy_scan import NumpyScanner
    from mlsecure.artifacts.scan.onnx_scan import OnnxScanner
    from mlsecure.artifacts.scan.pickle_scan import PickleScanner
    from mlsecure.artifacts.scan.safetensors_scan import SafetensorsScanner
    from mlsecure.artifacts.scan.savedmodel_scan import SavedModelScanner
    from mlsecure.artifacts.scan.sevenzip_scan import SevenZipScanner
    from mlsecure.artifacts.scan.tflite_scan import TfliteScanner
    from mlsecure.artifacts.scan.torch_scan import TorchZipScanner

    for cls in (PickleScanner, TorchZipScanner, ArchiveScanner, NumpyScanner, SafetensorsScanner, OnnxScanner,
                KerasScanner, GgufScanner, SavedModelScanner, SevenZipScanner, TfliteScanner):
        if cls.name not in interface.registered():
            interface.register(cls.name, cls)
    _REGISTERED.append(True)


def scan_path(path: str | Path, *, limits: Limits | None = None) -> list[ArtifactResult]:
    """Scan a file, or every file under a directory (symlinks and special files are reported, never opened)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{path}: no such file or directory")
    return [scan_file(p, limits=limits) for p in _walk(path)]


def scan_paths(paths: Iterable[str | Path], *, limits: Limits | None = None) -> list[ArtifactResult]:
    results: list[ArtifactResult] = []
    for path in paths:
        results.extend(scan_path(path, limits=limits))
    return results


def scan_file(path: str | Path, *, limits: Limits | None = None) -> ArtifactResult:
    """Scan one file (never following it if it is a symlink, never opening a FIFO or a device). A ``str`` is a path
    too (``scan_file("model.pkl")`` from a notebook raised ``AttributeError`` before session 9)."""
    start = time.perf_counter()
    path = Path(path)
    refused = _refuse_special(path)
    if refused is not None:
        return ArtifactResult(str(path), ArtifactFormat.UNKNOWN, refused.verdict, (refused,), 0,
                              time.perf_counter() - start)
    limits = limits or Limits()
    budget = Budget(limits)
    blob = Blob(name=path.name, path=path)
    session = Session(limits, 0, _nested(limits, budget), budget)
    outcome: list[tuple[ArtifactFormat, list[Issue]]] = []
    # detection and dispatch run outside any scanner: a failure there is an issue too, never a traceback
    failure = collect("scan", lambda: _keep(outcome, _scan(blob, session, None)))
    fmt, issues = outcome[0] if outcome else (ArtifactFormat.UNKNOWN, [])
    issues = [*issues, *failure]
    verdict = max((i.verdict for i in issues), key=lambda v: v.rank, default=Verdict.SAFE)
    return ArtifactResult(str(path), fmt, verdict, tuple(issues), blob.size, time.perf_counter() - start)


def _keep(outcome: list[tuple[ArtifactFormat, list[Issue]]], result: tuple[ArtifactFormat, list[Issue]]) -> list[Issue]:
    outcome.append(result)
    return []


def scan_blob(blob: Blob, session: Session, *, fmt: ArtifactFormat | None = None) -> list[Issue]:
    """Scan ``blob`` with the scanner of its detected format; problems become issues."""
    return _scan(blob, session, fmt)[1]


def _scan(blob: Blob, session: Session, fmt: ArtifactFormat | None) -> tuple[ArtifactFormat, list[Issue]]:
    """The format ``blob`` turned out to be and its issues."""
    register_builtin_scanners()
    try:
        head = blob.head(4096)
        fmt = fmt or _detect(blob, head)
    except (OSError, ValueError) as exc:
        return ArtifactFormat.UNKNOWN, [Issue(IssueKind.MALFORMED, Severity.HIGH, f"cannot read: {exc}")]
    if fmt in _TENTATIVE or (fmt is ArtifactFormat.PICKLE and head[:1] != b"\x80"):
        fmt, issues = _scan_tentative(blob, session, fmt, head)
    else:
        issues = _run(fmt, blob, session)
        if fmt in _POLYGLOT_PROBED:
            issues.extend(_as_pickle(blob, session))
    if fmt is not ArtifactFormat.TAR and is_tar_header(head):
        # tarfile reads a tar whatever its first member's name makes the file look like ("PK\x03\x04...": a zip to
        # np.load and torch, a tar to pandas.read_pickle("x.tar"); session 13: "unreadable zip", medium, and it ran)
        from mlsecure.artifacts.scan.archive_scan import scan_tar

        issues.extend(i.inside(AS_TAR) for i in collect("tar", lambda: scan_tar(blob, session)))
    from mlsecure.artifacts.scan import torch_scan

    if torch_scan.is_mobile_bytecode(blob.name):  # the lite interpreter runs the operators it names, code/ or not
        issues.extend(collect("bytecode", lambda: torch_scan.bytecode_operator_issues(blob)))
    elif torch_scan.is_mobile_flatbuffer(head):
        issues.extend(collect("mobile flatbuffer", lambda: torch_scan.flatbuffer_operator_issues(blob, session)))
    return fmt, issues


# Formats whose first bytes are not a magic that makes ``pickle.load`` raise at once: a safetensors header
# length, a tar's first member name, a GGUF version field can start a pickle that skips the rest of the
# header (a ``SHORT_BINSTRING`` chain through the JSON) and runs in the tensor bytes, so the same file is
# valid for its own loader and runs code under ``pickle.load`` / ``joblib.load`` / ``torch.load``.
# Zips are absent: ``PK`` makes the unpickler raise, and bytes put before a zip are scanned as a file.
_POLYGLOT_PROBED = frozenset({ArtifactFormat.SAFETENSORS, ArtifactFormat.TAR, ArtifactFormat.GGUF,
                              ArtifactFormat.ONNX, ArtifactFormat.HDF5, ArtifactFormat.SAVEDMODEL,
                              ArtifactFormat.SEVENZIP, ArtifactFormat.NUMPY, ArtifactFormat.TFLITE})
AS_PICKLE = "<the file's own bytes, read by pickle.load>"
AS_TAR = "<the file's own bytes, read by tarfile>"
_OPCODES = frozenset(op.code.encode("latin-1") for op in pickletools.opcodes)


def _as_pickle(blob: Blob, session: Session) -> list[Issue]:
    """The file read as a pickle (decompressed first, as ``joblib.load`` does for a ``.tar.gz``, and as it is, as
    ``pickle.load`` does); kept only where the unpickler would not raise before importing or calling anything."""
    head = blob.head(32)
    found: list[Issue] = []
    if compression_of(head) is not None:
        decompressed = _run(ArtifactFormat.PICKLE, blob, session)
        found = [] if refuted_as_pickle(decompressed) else decompressed
    if head[:1] in _OPCODES:  # else the unpickler raises "invalid load key" on the first byte: nothing to scan
        found.extend(_raw_pickle(blob, session, head))
    return [i.inside(AS_PICKLE) for i in found]


def _raw_pickle(blob: Blob, session: Session, head: bytes) -> list[Issue]:
    """The bytes as ``pickle.load`` reads them, whatever compression their magic suggests (``BZh9`` is a BINBYTES
    opcode, ``V*M\x18`` a zstd skippable frame and a unicode string); none when that parse is refuted."""
    from mlsecure.artifacts.scan.pickle_scan import scan_uncompressed

    if head[:1] not in _OPCODES:
        return []
    found = collect("pickle", lambda: scan_uncompressed(blob, session))
    return [] if refuted_as_pickle(found) else found


# Formats told by magic bytes that a non-pickle file can also carry (text, compressed data, no magic):
# they are tried as a pickle first and named something else only if the pickle parse refutes them.
_TENTATIVE = frozenset({ArtifactFormat.TEXT, ArtifactFormat.UNKNOWN, ArtifactFormat.JOBLIB})


def _run(fmt: ArtifactFormat, blob: Blob, session: Session) -> list[Issue]:
    scanner = interface.scanner_for(fmt)
    if scanner is None:
        return [Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM,
                      f"no scanner for the {fmt.value} format: cannot verify it carries no code",
                      evidence={"format": fmt.value, "head": blob.head(16).hex()})]
    return collect(scanner.name, lambda: scanner().scan(blob, session))


def collect(what: str, produce: Callable[[], Iterable[Issue]]) -> list[Issue]:
    """Every issue ``produce`` yields, also when it fails part-way (fail closed, never silence).

    A scanner that yields each issue as it finds it keeps those found before a ``RecursionError``,
    ``MemoryError`` or a bug of its own; the failure is one more issue: "cannot verify" (medium) for a
    resource the structure exhausted, malformed (high) for any other exception. Before, the failure
    replaced everything found, so a critical import seen before a deep structure became one medium
    issue and ``--fail-on high`` passed the file.
    """
    found: list[Issue] = []
    try:
        for issue in produce():  # one by one, not list(): what was yielded before a failure is kept
            found.append(issue)  # noqa: PERF402
    except RecursionError:
        found.append(Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                           f"{what}: structure nested too deeply to scan: the rest is not verified",
                           evidence={"scanner": what, "error": "RecursionError", "found_before": len(found)}))
    except MemoryError:
        found.append(Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                           f"{what}: out of memory while scanning: the rest is not verified",
                           evidence={"scanner": what, "error": "MemoryError", "found_before": len(found)}))
    except Exception as exc:  # a scanner bug must not turn into a silent pass: fail closed
        found.append(Issue(IssueKind.MALFORMED, Severity.HIGH, f"{what} scanner could not parse the file: "
                           f"{type(exc).__name__}: {exc}",
                           evidence={"scanner": what, "error": type(exc).__name__, "found_before": len(found)}))
    return found


def _scan_tentative(blob: Blob, session: Session, fmt: ArtifactFormat,
                    head: bytes) -> tuple[ArtifactFormat, list[Issue]]:
    """Parse, don't sniff: bytes are text or data only if ``pickle.load`` would raise on them before
    importing anything (protocol-0 pickles start with any opcode: ``V``, ``S``, ``N``, ``K`` ...)."""
    issues = _run(ArtifactFormat.PICKLE, blob, session)
    if compression_of(head) is not None:  # a pickle can start like a compressed stream: read it as it is too
        raw = [i.inside(AS_PICKLE) for i in _raw_pickle(blob, session, head)]
        issues = [*([] if refuted_as_pickle(issues) else issues), *raw] if raw else issues
    if not refuted_as_pickle(issues):
        if fmt is ArtifactFormat.TEXT or (fmt is not ArtifactFormat.JOBLIB and (
                is_text(head) or wide_text_encoding(head) is not None or blob.name.lower().endswith(".py"))):
            # a polyglot: ``((N)).__class__...`` is a complete pickle (MARK, NONE, TUPLE, STOP) *and* the Python
            # that a loader imports; ``(N). : 1`` is a pickle and a Hydra YAML. Judge the text too.
            text = collect("text", lambda: _scan_text(blob, session))
            issues = [*issues, *(i for i in text if i.severity > Severity.INFO)]
        return (ArtifactFormat.JOBLIB if fmt is ArtifactFormat.JOBLIB else ArtifactFormat.PICKLE), issues
    if fmt is ArtifactFormat.JOBLIB:
        from mlsecure.artifacts.scan.compressed import decompressed_issues

        inner = collect("decompressed", lambda: decompressed_issues(blob, session))  # session 8: fsspec, gzip.open
        return fmt, [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "compressed data that is not a pickle",
                           evidence={"compression": compression_of(head)}), *inner]
    configs = collect("protobuf", lambda: _protobuf_configs(blob, session, head))  # keras_metadata.pb and kin
    if fmt is ArtifactFormat.TEXT or is_text(head) or wide_text_encoding(head) is not None \
            or blob.name.lower().endswith(".py"):
        # a ``.py`` is source whatever its bytes: TorchScript's lexer skips a comment of invalid UTF-8 or NULs, and
        # Python decodes latin-1 under a coding cookie (session 6: both ran, and were "binary data", low)
        # UTF-16/32 text too: Keras and skops hand an archive's config.json to ``json.loads(bytes)``, which
        # decodes it (session 6: a UTF-16 ``config.json`` with a Lambda layer loaded, and was "binary data")
        return ArtifactFormat.TEXT, [*collect("text", lambda: _scan_text(blob, session)), *configs]
    if blob.name.replace("\\", "/").rpartition("/")[2].lower() == "saved_model.cpb":  # TF 2.15+ chunked SavedModel
        return ArtifactFormat.UNKNOWN, [Issue(
            IssueKind.UNSUPPORTED, Severity.MEDIUM, "chunked SavedModel (saved_model.cpb): TensorFlow loads its graph, "
            "this scanner does not parse the chunked format: cannot verify its operators", evidence={"format": "cpb"})]
    if blob.name.lower().endswith(".tflite"):  # the interpreter does not require the TFL3 identifier
        return ArtifactFormat.TFLITE, [*_run(ArtifactFormat.TFLITE, blob, session), *configs]
    from mlsecure.artifacts.scan.tflite_scan import sniff_flex

    flex = collect("tflite", lambda: sniff_flex(blob))
    if flex:
        return ArtifactFormat.TFLITE, [*flex, *configs]
    issue = describe_data(blob, head)
    return (ArtifactFormat.DATA if issue.severity is Severity.INFO else ArtifactFormat.UNKNOWN), [issue, *configs]


MAX_PROTOBUF_BYTES = 256 * 1024**2  # a message of unknown schema searched for model configs up to this size


def _protobuf_configs(blob: Blob, session: Session, head: bytes) -> list[Issue]:
    """Keras configs inside a protobuf message of any schema (``keras_metadata.pb``): none if it is no message.

    Parsers accept fields in any order, so any valid first tag counts, not only the ones writers emit first."""
    from mlsecure.artifacts.scan.protobuf import mapped
    from mlsecure.artifacts.scan.protobuf_configs import embedded_configs, is_message

    if not head or head[0] < 0x08 or head[0] & 7 not in (0, 1, 2, 5) or blob.size > MAX_PROTOBUF_BYTES:
        return []
    with mapped(blob) as buf:
        if not is_message(buf):
            return []
        return list(embedded_configs(buf, blob.name, session))


def refuted_as_pickle(issues: list[Issue]) -> bool:
    """True when the pickle scan shows the unpickler raises before any import or call could run.

    That is: no complete pickle, and nothing reached but globals whose module cannot be imported:
    ``find_class`` fails on a module name that is not a dotted identifier, or (for modules the
    policy only calls unverified) whose top-level package is not installed here (looked up with
    ``importlib.util.find_spec``, which imports nothing). Known-dangerous modules count even when
    absent here. A label file ``cat\ndog\n`` is text, not ``import at``.
    """
    summary = next((i for i in issues if i.kind is IssueKind.CODE_FORMAT and "pickles" in i.evidence), None)
    if summary is None:
        return all(i.kind is IssueKind.MALFORMED for i in issues)  # could not even be decompressed
    if summary.evidence["pickles"] > 0:
        return False
    for issue in issues:
        if issue.kind in (IssueKind.MALFORMED, IssueKind.CODE_FORMAT) or issue.severity <= Severity.LOW:
            continue
        module = issue.evidence.get("module")
        if isinstance(module, str) and not _identifier_path(module):
            continue
        if isinstance(module, str) and _import_fails(module, issue):
            continue  # an unverified module absent here; known-dangerous ones count even if absent here
        return False
    return True


def _import_fails(module: str, issue: Issue) -> bool:
    """``find_class`` imports the module before it looks at the name: an absent module that is not known to be
    dangerous fails the same whether the name is unverified (medium) or malformed (``cat\nrun make``)."""
    from mlsecure.artifacts.scan.policy import classify, compat_name

    if issue.severity > Severity.MEDIUM and issue.evidence.get("reason") != "malformed global name":
        return False
    if issue.evidence.get("called"):  # the stream goes on to call it: where the module exists, it runs before
        return False                  # the loader fails (absent here is no proof it is absent where it is loaded)
    if classify(module, "_").severity > Severity.MEDIUM:
        return False
    return not _installed(compat_name(module, "_")[0].split(".")[0])


def _identifier_path(module: str) -> bool:
    return bool(module) and all(part.isidentifier() for part in module.split("."))


@functools.lru_cache(maxsize=4096)
def _installed(top_level: str) -> bool:
    if top_level in sys.builtin_module_names or top_level in sys.modules:
        return True
    try:
        return importlib.util.find_spec(top_level) is not None
    except (ImportError, ValueError):
        return True  # cannot tell: assume it imports (fail closed)


def _nested(limits: Limits, budget: Budget) -> interface.NestedScan:
    def nested(blob: Blob, depth: int) -> list[Issue]:
        return scan_blob(blob, Session(limits, depth, nested, budget))

    return nested


def _detect(blob: Blob, head: bytes) -> ArtifactFormat:
    with blob.open() as handle:
        seekable = handle.seekable()
        fmt = detect_stream(head, handle if seekable else None, blob.size)
    return ArtifactFormat.TEXT if fmt is ArtifactFormat.UNKNOWN and is_text(head) else fmt


def _refuse_special(path: Path) -> Issue | None:
    """A symlink, FIFO, socket or device: reported from ``lstat`` alone, never opened."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return Issue(IssueKind.MALFORMED, Severity.HIGH, f"cannot stat: {exc}")
    if stat.S_ISLNK(mode):
        target = str(path.readlink())
        return Issue(IssueKind.ARCHIVE_PATH, Severity.MEDIUM, f"symbolic link to {target!r} not followed",
                     evidence={"target": target})
    if stat.S_ISREG(mode):
        return None
    kind = ("FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")
    return Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM, f"not a regular file ({kind}): refused without opening it",
                 evidence={"file_type": kind})


MAX_TEXT_BYTES = 256 * 1024**2
_CODE_TEXT_SUFFIXES = (".json", ".jinja", ".j2", ".py")
# JSON parsed as a model config / tokenizer config when one of these is in it; a key can be written with
# escapes ("\u0063lass_name" is "class_name" to json.loads), so any "\u00" escape counts too.
_JSON_CONFIG_KEYS = ('"class_name"', '"chat_template"', '"module"', '"__loader__"', "\\u00")


def _scan_text(blob: Blob, session: Session) -> list[Issue]:
    if blob.size > MAX_TEXT_BYTES:
        if blob.name.lower().endswith(_CODE_TEXT_SUFFIXES) or blob.head(4096).lstrip()[:1] == b"{" \
                or _config_named(blob.name):
            # a config, chat template or TorchScript source too large to parse: fail closed
            return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                          f"cannot verify: text of {blob.size} bytes that may be a model config or template is over "
                          f"the {MAX_TEXT_BYTES >> 20} MiB parsed", evidence={"max_bytes": MAX_TEXT_BYTES})]
        return [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "large text file (not parsed)")]
    raw = blob.read_all()
    text = decode_text(raw)  # a byte-order mark dropped, UTF-16/32 decoded, as json.loads(bytes) and PyYAML do
    found = _text_issues(blob, session, raw, text)
    extra = text_extras(blob.name, text, raw)
    if not extra:
        return found
    return [*(i for i in found if i.severity > Severity.INFO), *extra]


# text files their loaders read whatever their size: configs that name objects, environment files, INI files that
# fileConfig / PasteDeploy / confection evaluate (session 8: a 300 MB ``config.yaml`` or ``requirements.txt`` was
# "large text file (not parsed)", info)
_CONFIG_TEXT_SUFFIXES = (".yaml", ".yml", ".toml", ".cfg", ".ini", ".conf", ".jsonnet", ".libsonnet", ".textproto",
                         ".prototxt", ".pbtxt", ".onnxtxt")


def _config_named(name: str) -> bool:
    from mlsecure.artifacts.scan.environment_files import environment_kind

    base = name.replace("\\", "/").rpartition("/")[2].lower()
    return base.endswith(_CONFIG_TEXT_SUFFIXES) or base == "mlmodel" or environment_kind(base) is not None


def text_extras(name: str, text: str, raw: bytes | None = None) -> list[Issue]:
    """Text read by loaders outside the model-config families above (session 7): ``logging.config`` INI files
    (``fileConfig`` evaluates ``class``/``args``), environment files an environment restore installs, spaCy /
    confection registry references, Jsonnet imports, ONNX text formats."""
    from mlsecure.artifacts.scan import environment_files, logging_configs, paste_deploy, text_formats

    issues = environment_files.environment_issues(name, text, raw)
    ini = logging_configs.universal_newlines(text)  # INI readers open files in text mode
    issues.extend(paste_deploy.paste_issues(ini, name))  # session 8: loadapp's call:/egg:/config: and factories
    if logging_configs.looks_like_ini(ini):
        issues.extend(logging_configs.file_config_issues(ini, name))
        issues.extend(text_formats.confection_issues(ini, name))
    issues.extend(text_formats.jsonnet_issues(text, name))
    issues.extend(text_formats.onnx_text_issues(text, name))
    return issues


def _text_issues(blob: Blob, session: Session, raw: bytes, text: str) -> list[Issue]:
    from mlsecure.artifacts.scan.keras_scan import scan_config
    from mlsecure.artifacts.scan.python_source import source_issues, source_text
    from mlsecure.artifacts.scan.skops_scan import is_skops_schema, skops_issues
    from mlsecure.artifacts.scan.torch_scan import is_torchscript_code, scan_torchscript_code

    source = source_text(raw, text)  # as Python decodes it (a coding cookie)
    name = blob.name.replace("\\", "/")
    if is_torchscript_code(name):
        return [*scan_torchscript_code(text), *source_issues(blob.name, source, torchscript=True)]
    python = source_issues(blob.name, source)
    if python:
        return python
    if "meta_graphs" in text or name.lower().endswith(".pbtxt"):  # saved_model.pbtxt: TensorFlow reads text too
        from mlsecure.artifacts.scan.savedmodel_scan import text_configs, text_graph_issues

        graph = text_graph_issues(text, blob.name)
        for value in text_configs(text):  # tf.keras revives the Keras config in each SavedUserObject.metadata
            try:
                graph.extend(scan_config(jsontext.loads(value), blob.name, session))
            except (ValueError, RecursionError):
                continue
        if graph:
            return graph
    mlmodel = name.rpartition("/")[2].lower() == "mlmodel"
    if "flavors" in text or mlmodel:  # MLmodel (YAML), any case
        found = _mlmodel(blob.name, text, named=mlmodel)
        if found:
            return found
    # Hydra ``_target_``, ``class_path``, ``auto_map``, ``modules.json``: objects a loader imports by name
    imports = (_import_issues(blob.name, text) if config_imports.wants_parse(blob.name, text) else [])
    if text.lstrip().startswith("{") and any(key in text for key in _JSON_CONFIG_KEYS):
        try:
            config = jsontext.loads(text)
        except ValueError:
            return imports or [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "text file")]
        except RecursionError:  # deeper than a loader with the default recursion limit parses: fail closed
            return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                          "cannot verify: a model config or chat template nested deeper than Python's recursion "
                          "limit")]
        if is_skops_schema(config):
            return list(skops_issues(config, blob.name)) or [Issue(IssueKind.CODE_FORMAT, Severity.INFO,
                                                                    "skops schema: every object allowlisted")]
        return [*scan_config(config, blob.name, session), *_chat_templates(config), *imports]
    if imports:
        return imports
    if '"torch.ops.' in text:  # a torch.export program (``models/model.json`` of a .pt2): node targets are op names
        exported = scan_torchscript_code(text)
        if exported:
            return exported
    if "{{" in text or "{%" in text:  # a Jinja template (chat templates ship as .jinja files too)
        from mlsecure.artifacts.scan.gguf_scan import template_issues

        found = [i for i in template_issues(blob.name, text) if i.severity >= Severity.MEDIUM]
        if found:
            return found
    return [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "text file")]


def _import_issues(name: str, text: str) -> list[Issue]:
    """What the config document makes a loader import; a file named as a config (``.yaml``, ``.json``, ``.toml``)
    that names an object (``_target_``, ``class_path``...) and that neither JSON, YAML nor TOML reads is not verified
    (session 8: it was "text", safe)."""
    document = config_imports.parse_document(text, name)
    if document is None and name.lower().endswith(CONFIG_SUFFIXES):
        named = [m for m in MARKERS if m not in ("\\", "%TAG") and m in text]
        if named:
            return [Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"{name}: config naming {named[:3]} parses as neither "
                          "JSON, YAML nor TOML: what its loader would import cannot be verified",
                          evidence={"markers": named[:10]})]
    return config_imports.import_issues(document, name)


def _mlmodel(name: str, text: str, *, named: bool) -> list[Issue]:
    import yaml

    from mlsecure.artifacts.scan.python_source import mlmodel_issues

    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        if not named:
            return []  # sniffed on the word "flavors": not necessarily an MLmodel
        return [Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"{name}: MLmodel does not parse as YAML "
                      f"({type(exc).__name__}): the flavors and files it loads cannot be verified")]
    return mlmodel_issues(name, document)


def _chat_templates(config: object) -> list[Issue]:
    """Hugging Face ``tokenizer_config.json`` chat templates, checked like GGUF's."""
    from mlsecure.artifacts.scan.gguf_scan import template_issues

    if not isinstance(config, dict):
        return []
    raw = config.get("chat_template")
    templates = [("chat_template", raw)] if isinstance(raw, str) else [
        (f"chat_template[{t.get('name', i)}]", t.get("template")) for i, t in enumerate(raw) if isinstance(t, dict)
    ] if isinstance(raw, list) else []
    issues: list[Issue] = []
    for key, template in templates:
        if isinstance(template, str):
            issues.extend(template_issues(key, template))
    return issues


def _walk(path: Path) -> list[Path]:
    """Every non-directory under ``path`` (special files included, so they are reported, not skipped)."""
    if path.is_dir() and not path.is_symlink():
        return sorted(p for p in path.rglob("*") if p.is_symlink() or not p.is_dir())
    return [path]
