"""The parts of an ONNX ``ModelProto`` the scanner judges, read with the wire-format reader.

The file is mapped, never read whole: tensor payloads (``raw_data``) are skipped by their length, so a
multi-gigabyte model costs memory in proportion to its graph, not its weights. Fields follow
``onnx/onnx.proto``: ModelProto.graph (7), opset_import (8), functions (25); GraphProto.node (1),
initializer (5), sparse_initializer (15); NodeProto.op_type (4), attribute (5), domain (7);
AttributeProto.t (5), g (6), tensors (10), graphs (11), sparse_tensor (22), sparse_tensors (23);
TensorProto.name (8), external_data (13), data_location (14); FunctionProto.name (1), node (7),
opset_import (9), domain (10), attribute_proto (11); ModelProto.training_info (20) ->
TrainingInfoProto.initialization (1), algorithm (2). A singular field seen twice keeps its last value, as protobuf does;
a singular message field seen twice is one message, as protobuf merges it (session 11: ``AttributeProto.t`` written
twice, ``data_location=EXTERNAL`` with ``location="weights.bin"`` in the first part and a second ``location`` in the
other, is one tensor whose last location ``onnx.load`` opens; walked as two tensors, the second was never judged).
Subgraphs are walked at any depth with an explicit stack (protobuf loaders themselves stop near 100 nested messages,
about 33 subgraph levels).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from mlsecure.artifacts.scan.protobuf import LENGTH, VARINT, Field, ProtobufError, fields, text

MAX_ITEMS = 5_000_000  # nodes + tensors walked


class OnnxLimit(ProtobufError):
    """The model is large beyond what the scanner walks: not verified (fail closed)."""


@dataclass
class Tensor:
    name: str = ""
    external: bool = False
    entries: dict[str, str] = field(default_factory=dict)


@dataclass
class Node:
    op_type: str = ""
    domain: str = ""


@dataclass
class OnnxModel:
    has_graph: bool = False
    opset_domains: set[str] = field(default_factory=set)
    functions: set[tuple[str, str]] = field(default_factory=set)  # (domain, name)
    nodes: list[Node] = field(default_factory=list)  # the graph's, its subgraphs' and functions' nodes
    tensors: list[Tensor] = field(default_factory=list)
    limit: str | None = None  # why the walk stopped early (what was read before it is kept and judged)
    error: str | None = None  # malformed bytes met part-way (what was read before them is kept and judged)


Buffer = bytes | memoryview
Message = tuple[Field, ...]  # one message: the parts protobuf merges (a singular message field written more than once)
_GRAPH, _NODE, _ATTRIBUTE, _SPARSE, _TENSOR, _FUNCTION, _TRAINING = range(7)


def parse_model(buf: Buffer) -> OnnxModel:
    """Walk a serialized ``ModelProto`` with an explicit stack (subgraphs at any depth cost no recursion).

    Bytes that are not a message at all raise ``ProtobufError``; a walk stopped by ``MAX_ITEMS`` or by
    malformed bytes deeper in returns what it read so far, with ``limit`` or ``error`` set, so an
    external-data path or custom op seen before the stop is still judged.
    """
    model = OnnxModel()
    top = list(fields(buf))  # not a protobuf message at all: raises
    todo: list[tuple[int, Message]] = []
    graph: list[Field] = []  # ModelProto.graph is singular: every part is one graph
    for f in reversed(top):
        if f.wire != LENGTH:
            continue
        if f.number == 7:
            graph.insert(0, f)
        elif f.number == 8:
            model.opset_domains.add(_last_text(buf, f, 1))
        elif f.number == 25:
            todo.append((_FUNCTION, (f,)))
        elif f.number == 20:  # TrainingInfoProto: initialization (1) and algorithm (2) graphs
            todo.append((_TRAINING, (f,)))
    if graph:
        model.has_graph = True
        todo.append((_GRAPH, tuple(graph)))
    try:
        _walk(buf, todo, model)
    except OnnxLimit as exc:
        model.limit = str(exc)
    except ProtobufError as exc:
        model.error = str(exc)
    return model


def _walk(buf: Buffer, todo: list[tuple[int, Message]], model: OnnxModel) -> None:
    while todo:
        kind, msg = todo.pop()
        if kind == _TENSOR:
            _tensor(buf, msg, model)
            continue
        if kind == _NODE:
            node = Node()
            model.nodes.append(node)
            _count(model)
        children: list[tuple[int, Message]] = []
        merged: dict[int, list[Field]] = {}  # a singular message field's parts, merged into one message
        name = domain = ""
        for f in _merged_fields(buf, msg):
            if f.wire != LENGTH:
                continue
            child = _child(kind, f.number)
            if child is not None and (kind, f.number) in _SINGULAR:
                if f.number not in merged:
                    children.append((child, ()))  # its place; the parts are filled in below
                    merged[f.number] = []
                merged[f.number].append(f)
            elif child is not None:
                children.append((child, (f,)))
            elif kind == _NODE and f.number == 4:
                node.op_type = text(buf, f)
            elif kind == _NODE and f.number == 7:
                node.domain = text(buf, f)
            elif kind == _FUNCTION and f.number == 1:
                name = text(buf, f)
            elif kind == _FUNCTION and f.number == 10:
                domain = text(buf, f)
            elif kind == _FUNCTION and f.number == 9:
                model.opset_domains.add(_last_text(buf, f, 1))
        if kind == _FUNCTION:
            model.functions.add((domain, name))
        parts = iter(merged.values())
        todo.extend(reversed([(child, part or tuple(next(parts))) for child, part in children]))


# (container kind, field number) -> the kind of the sub-message, following onnx.proto
_CHILDREN = {
    (_GRAPH, 1): _NODE, (_GRAPH, 5): _TENSOR, (_GRAPH, 15): _SPARSE,
    (_NODE, 5): _ATTRIBUTE,
    (_ATTRIBUTE, 5): _TENSOR, (_ATTRIBUTE, 10): _TENSOR, (_ATTRIBUTE, 6): _GRAPH, (_ATTRIBUTE, 11): _GRAPH,
    (_ATTRIBUTE, 22): _SPARSE, (_ATTRIBUTE, 23): _SPARSE,
    (_SPARSE, 1): _TENSOR, (_SPARSE, 2): _TENSOR,  # values, indices
    (_FUNCTION, 7): _NODE, (_FUNCTION, 11): _ATTRIBUTE,  # body nodes, attribute defaults
    (_TRAINING, 1): _GRAPH, (_TRAINING, 2): _GRAPH,  # initialization, algorithm
}
# The singular ones among them (``optional``/plain message fields in onnx.proto): protobuf merges their parts
_SINGULAR = frozenset({(_ATTRIBUTE, 5), (_ATTRIBUTE, 6), (_ATTRIBUTE, 22), (_SPARSE, 1), (_SPARSE, 2), (_TRAINING, 1),
                       (_TRAINING, 2)})


def _child(kind: int, number: int) -> int | None:
    return _CHILDREN.get((kind, number))


def _span(f: Field) -> tuple[int, int]:
    return f.value, f.value + f.length


def _merged_fields(buf: Buffer, parts: Message) -> Iterator[Field]:
    """The fields of a message written in ``parts`` (protobuf's merge: later values win, repeated fields append)."""
    for part in parts:
        yield from fields(buf, *_span(part))


def _last_text(buf: Buffer, msg: Field, number: int) -> str:
    value = ""
    for f in fields(buf, *_span(msg)):
        if f.number == number and f.wire == LENGTH:
            value = text(buf, f)
    return value


def _count(model: OnnxModel) -> None:
    if len(model.nodes) + len(model.tensors) > MAX_ITEMS:
        raise OnnxLimit(f"more than {MAX_ITEMS} nodes and tensors")


def _tensor(buf: Buffer, msg: Message, model: OnnxModel) -> None:
    tensor = Tensor()
    model.tensors.append(tensor)
    _count(model)
    for f in _merged_fields(buf, msg):
        if f.number == 8 and f.wire == LENGTH:
            tensor.name = text(buf, f)
        elif f.number == 14 and f.wire == VARINT:
            tensor.external = f.value == 1  # TensorProto.EXTERNAL
        elif f.number == 13 and f.wire == LENGTH:
            tensor.entries[_last_text(buf, f, 1)] = _last_text(buf, f, 2)
