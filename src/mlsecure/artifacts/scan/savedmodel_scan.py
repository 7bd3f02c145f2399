"""TensorFlow SavedModel graphs: operators that touch the file system or run Python.

``saved_model.pb`` is parsed with the wire-format reader in ``protobuf.py`` (TensorFlow is not
needed): ``SavedModel.meta_graphs`` (2) -> ``MetaGraphDef.graph_def`` (2) -> ``GraphDef.node`` (1)
and ``GraphDef.library`` (2) -> ``FunctionDef.node_def`` (3), each ``NodeDef.op`` (2) named. Ops in
functions count as much as top-level ones: ``tf.function`` bodies live in the library.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from typing import ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.protobuf import LENGTH, ProtobufError, fields, mapped, text
from mlsecure.artifacts.scan.protobuf_configs import embedded_configs
from mlsecure.findings import Severity

# Ops that run Python (PyFunc family), read, write, list or delete files, or map a file into memory.
DANGEROUS_OPS = {
    "PyFunc": Severity.CRITICAL, "PyFuncStateless": Severity.CRITICAL, "EagerPyFunc": Severity.CRITICAL,
    "ReadFile": Severity.HIGH, "WriteFile": Severity.HIGH, "MatchingFiles": Severity.HIGH,
    "DeleteFile": Severity.HIGH, "FileSystemSetConfiguration": Severity.HIGH, "ImmutableConst": Severity.MEDIUM,
    "DebugIdentityV2": Severity.MEDIUM, "WriteAudioSummary": Severity.MEDIUM, "WriteSummary": Severity.MEDIUM,
    "CreateSummaryFileWriter": Severity.MEDIUM, "PrintV2": Severity.LOW,
    # session 14: a dataset whose graph travels as a serialized GraphDef string (its constant graphs' ops are
    # counted too; a computed one cannot be read)
    "DatasetFromGraph": Severity.MEDIUM,
    # session 5: the rest of TensorFlow's file and network I/O ops (io_ops, dataset file sources and sinks,
    # readers, summary writers, debug ops, RPC). A serving signature that runs one reads, writes or lists files
    # chosen by the graph, or connects out. Saver ops (SaveV2, RestoreV2, MergeV2Checkpoints) are absent on
    # purpose: every SavedModel carries them, and they write only where the loader feeds the checkpoint path.
    "PrintV2 to a file": Severity.HIGH,  # PrintV2 with output_stream="file://..." appends to that file
    **dict.fromkeys(("DatasetToTFRecord", "ExperimentalDatasetToTFRecord", "SaveDataset", "SaveDatasetV2",
                     "SnapshotDataset", "SnapshotDatasetV2", "CreateSummaryDbWriter", "SqlDataset",
                     "ExperimentalSqlDataset", "MatchingFilesDataset", "Rpc", "TryRpc", "RpcClient", "RpcCall",
                     "RpcServer", "RpcServerStart", "RpcServerRegister"), Severity.HIGH),
    **dict.fromkeys(("TFRecordDataset", "TFRecordDatasetV2", "FixedLengthRecordDataset", "FixedLengthRecordDatasetV2",
                     "TextLineDataset", "CSVDataset", "CSVDatasetV2", "ExperimentalCSVDataset", "LMDBDataset",
                     "ExperimentalLMDBDataset", "LoadDataset", "ExperimentalLoadDataset", "WholeFileReader",
                     "WholeFileReaderV2", "TextLineReader", "TextLineReaderV2", "FixedLengthRecordReader",
                     "FixedLengthRecordReaderV2", "TFRecordReader", "TFRecordReaderV2", "LMDBReader",
                     "LoadAndRemapMatrix", "DebugIdentityV3", "DebugIdentity", "DebugNanCount",
                     "DebugNumericSummary", "DebugNumericSummaryV2", "WriteRawProtoSummary", "WriteScalarSummary",
                     "WriteHistogramSummary", "WriteImageSummary", "WriteGraphSummary"), Severity.MEDIUM),
    # a vocabulary file: usually the model's own asset, but any path the graph names
    **dict.fromkeys(("InitializeTableFromTextFile", "InitializeTableFromTextFileV2"), Severity.LOW),
}
_FILE_STREAM = b"file://"
MAX_BYTES = 1024**3  # an archive member is read into memory up to this (files are mapped)
MAX_NODES = 5_000_000


class SavedModelScanner(Scanner):
    name = "tf-savedmodel"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.SAVEDMODEL})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        if blob.path is None and blob.data is None and blob.size > MAX_BYTES:  # a streamed member: read into memory
            return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM, f"SavedModel of {blob.size} bytes not verified")]
        ops: Counter[str] = Counter()
        problem: Issue | None = None
        try:
            with mapped(blob) as data:  # a file is mapped, never read whole
                graph_ops(data, ops)
                # Keras layer configs in the object graph (SavedUserObject.metadata): revived by tf.keras on load
                configs = list(embedded_configs(data, blob.name, session))
        except (ProtobufError, OSError, ValueError) as exc:  # the ops counted before the bad bytes are judged too
            problem = Issue(IssueKind.MALFORMED, Severity.HIGH, f"SavedModel protobuf cannot be parsed: {exc}")
        issues = [Issue(IssueKind.DANGEROUS_OP, severity, f"graph uses the {op} operator ({ops[op]}x)",
                        evidence={"op": op, "count": ops[op]})
                  for op, severity in DANGEROUS_OPS.items() if ops.get(op)]
        if problem is not None:
            return [*issues, problem]
        issues.extend(configs)
        issues.append(Issue(IssueKind.CODE_FORMAT, Severity.INFO, f"SavedModel graph: {sum(ops.values())} nodes",
                            evidence={"ops": dict(ops.most_common(50))}))
        return issues


def graph_ops(data: memoryview, ops: Counter[str] | None = None) -> Counter[str]:
    """How often each op is used in every meta graph (nodes and library functions), counted into ``ops``
    (which keeps what was counted when bad bytes or the node limit raise ``ProtobufError`` part-way)."""
    ops = Counter() if ops is None else ops
    for meta in _sub(data, 0, len(data), 2):
        for graph in _sub(data, meta[0], meta[1], 2):
            _graph_def_ops(data, graph, ops, None)
        if sum(ops.values()) > MAX_NODES:
            raise ProtobufError(f"more than {MAX_NODES} nodes")
    if ops.get("DatasetFromGraph"):  # a second walk for the string constants (spans), only when one can run
        strings: list[tuple[int, int]] = []
        for meta in _sub(data, 0, len(data), 2):
            for graph in _sub(data, meta[0], meta[1], 2):
                _graph_def_ops(data, graph, Counter(), strings)
        _nested_graph_ops(data, ops, strings)
    return ops


def _graph_def_ops(data: memoryview, graph: tuple[int, int], ops: Counter[str],
                   strings: list[tuple[int, int]] | None) -> None:
    """A ``GraphDef``'s nodes (1) and library functions' nodes (``FunctionDefLibrary.function`` 1 ->
    ``FunctionDef.node_def`` 3)."""
    for node in _sub(data, graph[0], graph[1], 1):
        _node_op(data, node, ops, strings)
    for library in _sub(data, graph[0], graph[1], 2):
        for function in _sub(data, library[0], library[1], 1):
            for node in _sub(data, function[0], function[1], 3):
                _node_op(data, node, ops, strings)


MAX_NESTED_GRAPHS = 4  # DatasetFromGraph inside a graph carried by DatasetFromGraph, this many levels deep


def _nested_graph_ops(data: memoryview, ops: Counter[str], strings: list[tuple[int, int]]) -> None:
    """``DatasetFromGraph`` runs the ``GraphDef`` it is given as a string tensor (TensorFlow's raw-ops
    documentation): the ops of every string constant that parses as a ``GraphDef`` are counted like the graph's
    own. The op itself stays "not verified" (medium): its string may be computed rather than constant."""
    pending = [bytes(data[start:end]) for start, end in strings]  # called only when the op is there
    for _ in range(MAX_NESTED_GRAPHS):  # copies above: the file's mapping closes when the scan ends
        following: list[bytes] = []
        for blob in pending:
            nested: Counter[str] = Counter()
            found: list[tuple[int, int]] = []
            try:
                _graph_def_ops(memoryview(blob), (0, len(blob)), nested, found)
            except ProtobufError:
                continue  # a string that is not a GraphDef
            ops.update(nested)
            following.extend(blob[start:end] for start, end in found)
        if sum(ops.values()) > MAX_NODES:  # as for the graph's own nodes: the rest is not verified
            raise ProtobufError(f"more than {MAX_NODES} nodes (with the graphs DatasetFromGraph carries)")
        if not following:
            return
        pending = following
    # strings remain below the last level read: a graph carried deeper is not verified (was silently left unread)
    raise ProtobufError(f"DatasetFromGraph graphs nested more than {MAX_NESTED_GRAPHS} levels deep")


def _sub(data: memoryview, start: int, end: int, number: int) -> list[tuple[int, int]]:
    """The (start, end) spans of the length-delimited field ``number`` of the message at start:end."""
    return [(f.value, f.value + f.length) for f in fields(data, start, end) if f.number == number and f.wire == LENGTH]


def _node_op(data: memoryview, span: tuple[int, int], ops: Counter[str],
             strings: list[tuple[int, int]] | None) -> None:
    for field in fields(data, span[0], span[1]):
        if field.number == 2 and field.wire == LENGTH:
            op = text(data, field)
            ops[op] += 1
            if op == "PrintV2" and _FILE_STREAM in bytes(data[span[0]:span[1]]):  # the output_stream attribute
                ops["PrintV2 to a file"] += 1
        elif strings is not None and field.number == 5 and field.wire == LENGTH:
            # an attr map entry: value (2) -> AttrValue.tensor (8)
            for value in _sub(data, field.value, field.value + field.length, 2):
                for tensor in _sub(data, value[0], value[1], 8):
                    strings.extend(_sub(data, tensor[0], tensor[1], 8))  # TensorProto.string_val


# ``saved_model.pbtxt``: ``tf.saved_model.load`` parses the text format when no ``saved_model.pb`` is there. An op name
# is one or more adjacent quoted strings (text format concatenates them) with C escapes (``"Py\x46unc"``).
_TEXT_OP = re.compile(r"""\bop\s*:?\s*((?:(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*)+)""")
_TEXT_STRING = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""")
_TEXT_COMMENT = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|(#[^\n]*)""")  # a # outside strings


def text_graph_issues(text: str, where: str) -> list[Issue]:
    """The dangerous ops of a SavedModel (or GraphDef) in protobuf text format, judged like the binary ones."""
    ops: Counter[str] = Counter()
    code = _TEXT_COMMENT.sub(lambda m: "" if m.group(1) else m.group(0), text)
    for match in _TEXT_OP.finditer(code):
        parts = [m.group(1) if m.group(1) is not None else m.group(2) for m in _TEXT_STRING.finditer(match.group(1))]
        ops[_unescape("".join(parts))] += 1
    if ops.get("PrintV2") and "file://" in text:
        ops["PrintV2 to a file"] += 1
    return [Issue(IssueKind.DANGEROUS_OP, severity, f"{where}: text-format graph uses the {op} operator ({ops[op]}x)",
                  evidence={"op": op, "count": ops[op]})
            for op, severity in DANGEROUS_OPS.items() if ops.get(op)]


def _unescape(value: str) -> str:
    try:
        return codecs.escape_decode(value.encode("utf-8"))[0].decode("utf-8", errors="replace")
    except (ValueError, UnicodeError):
        return value


def text_configs(text: str) -> list[str]:
    """The string values of a text-format protobuf that hold a Keras layer config (``SavedUserObject.metadata``)."""
    code = _TEXT_COMMENT.sub(lambda m: "" if m.group(1) else m.group(0), text)
    found = []
    for match in _TEXT_STRING.finditer(code):
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        if "class_name" in raw or "\\" in raw:
            value = _unescape(raw)
            if value.lstrip().startswith("{"):
                found.append(value)
    return found
