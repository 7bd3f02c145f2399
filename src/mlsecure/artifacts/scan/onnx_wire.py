"""The parts of an ONNX ``ModelProto`` the scanner judges, read with the wire-format reader.

The file is mapped, never read whole: tensor payloads (``raw_data``) are skipped by their length, so a
multi-gigabyte model costs memory in proportion to its graph, not its weights. Fields follow
``onnx/onnx.proto``: ModelProto.graph (7), opset_import (8), functions (25); GraphProto.node (1),
initializer (5), sparse_initializer (15); NodeProto.op_type (4), attribute (5), domain (7);
AttributeProto.t (5), g (6), tensors (10), graphs (11), sparse_tensor (22), sparse_tensors (23);
TensorProto.name (8), external_data (13), data_location (14); FunctionProto.name (1), node (7),
opset_import (9), domain (10), attribute_proto (11); ModelProto.training_info (20) ->
TrainingInfoProto.initialization (1), algorithm (2). A singular field seen twice keeps its last value, as protobuf does;
messages seen twice are all walked (protobuf merges them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlsecure.artifacts.scan.protobuf import LENGTH, VARINT, Field, ProtobufError, fields, text

MAX_GRAPH_DEPTH = 32  # subgraphs (If/Loop/Scan bodies) inside each other
MAX_ITEMS = 5_000_000  # nodes + tensors walked


class OnnxLimit(ProtobufError):
    """The model is nested or large beyond what the scanner walks: not verified (fail closed)."""


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


Buffer = bytes | memoryview


def parse_model(buf: Buffer) -> OnnxModel:
    """Walk a serialized ``ModelProto``; ``ProtobufError`` for bytes that are not one."""
    model = OnnxModel()
    for f in fields(buf):
        if f.wire != LENGTH:
            continue
        if f.number == 7:
            model.has_graph = True
            _graph(buf, f, model, 0)
        elif f.number == 8:
            model.opset_domains.add(_last_text(buf, f, 1))
        elif f.number == 25:
            _function(buf, f, model)
        elif f.number == 20:  # TrainingInfoProto: initialization (1) and algorithm (2) graphs
            for sub in fields(buf, *_span(f)):
                if sub.number in (1, 2) and sub.wire == LENGTH:
                    _graph(buf, sub, model, 1)
    return model


def _span(f: Field) -> tuple[int, int]:
    return f.value, f.value + f.length


def _last_text(buf: Buffer, msg: Field, number: int) -> str:
    value = ""
    for f in fields(buf, *_span(msg)):
        if f.number == number and f.wire == LENGTH:
            value = text(buf, f)
    return value


def _count(model: OnnxModel) -> None:
    if len(model.nodes) + len(model.tensors) > MAX_ITEMS:
        raise OnnxLimit(f"more than {MAX_ITEMS} nodes and tensors")


def _graph(buf: Buffer, graph: Field, model: OnnxModel, depth: int) -> None:
    if depth > MAX_GRAPH_DEPTH:
        raise OnnxLimit(f"subgraphs nested deeper than {MAX_GRAPH_DEPTH}")
    for f in fields(buf, *_span(graph)):
        if f.wire != LENGTH:
            continue
        if f.number == 1:
            _node(buf, f, model, depth)
        elif f.number == 5:
            _tensor(buf, f, model)
        elif f.number == 15:
            _sparse(buf, f, model)


def _node(buf: Buffer, msg: Field, model: OnnxModel, depth: int) -> None:
    node = Node()
    model.nodes.append(node)
    _count(model)
    for f in fields(buf, *_span(msg)):
        if f.wire != LENGTH:
            continue
        if f.number == 4:
            node.op_type = text(buf, f)
        elif f.number == 7:
            node.domain = text(buf, f)
        elif f.number == 5:
            _attribute(buf, f, model, depth)


def _attribute(buf: Buffer, msg: Field, model: OnnxModel, depth: int) -> None:
    for f in fields(buf, *_span(msg)):
        if f.wire != LENGTH:
            continue
        if f.number in (5, 10):
            _tensor(buf, f, model)
        elif f.number in (6, 11):
            _graph(buf, f, model, depth + 1)
        elif f.number in (22, 23):
            _sparse(buf, f, model)


def _sparse(buf: Buffer, msg: Field, model: OnnxModel) -> None:
    for f in fields(buf, *_span(msg)):
        if f.number in (1, 2) and f.wire == LENGTH:  # values, indices
            _tensor(buf, f, model)


def _tensor(buf: Buffer, msg: Field, model: OnnxModel) -> None:
    tensor = Tensor()
    model.tensors.append(tensor)
    _count(model)
    for f in fields(buf, *_span(msg)):
        if f.number == 8 and f.wire == LENGTH:
            tensor.name = text(buf, f)
        elif f.number == 14 and f.wire == VARINT:
            tensor.external = f.value == 1  # TensorProto.EXTERNAL
        elif f.number == 13 and f.wire == LENGTH:
            tensor.entries[_last_text(buf, f, 1)] = _last_text(buf, f, 2)


def _function(buf: Buffer, msg: Field, model: OnnxModel) -> None:
    name = domain = ""
    for f in fields(buf, *_span(msg)):
        if f.wire != LENGTH:
            continue
        if f.number == 1:
            name = text(buf, f)
        elif f.number == 10:
            domain = text(buf, f)
        elif f.number == 7:
            _node(buf, f, model, 0)
        elif f.number == 9:
            model.opset_domains.add(_last_text(buf, f, 1))
        elif f.number == 11:  # attribute_proto: attribute defaults (tensors, graphs)
            _attribute(buf, f, model, 0)
    model.functions.add((domain, name))
