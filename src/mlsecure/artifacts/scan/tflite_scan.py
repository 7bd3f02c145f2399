"""TensorFlow Lite models (``.tflite``, flatbuffer ``TFL3``): the operator codes, without TensorFlow.

A TFLite model lists every operator it uses in ``Model.operator_codes``. Builtin operators are pure tensor maths.
A ``CUSTOM`` code names its kernel by string: ``Flex<Op>`` codes run the full TensorFlow kernel ``<Op>`` through
the Flex delegate, which ``tf.lite.Interpreter`` from the ``tensorflow`` package links in, so ``FlexWriteFile``,
``FlexReadFile`` or ``FlexPrintV2`` to a ``file://`` stream reach the file system like the SavedModel ops they
are; other custom codes need a kernel the application registers (native code outside the model's review).
The flatbuffer is walked with bounds checks on every offset (a truncated or hostile table is malformed, high).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.findings import Severity

IDENTIFIER = b"TFL3"
CUSTOM = 32  # BuiltinOperator.CUSTOM
PLACEHOLDER_FOR_GREATER_OP_CODES = 127  # deprecated_builtin_code when builtin_code holds the real value
MAX_OPERATOR_CODES = 100_000
MAX_OPERATORS = 5_000_000  # operators walked for Flex NodeDefs, all subgraphs together
MAX_OPTIONS = 64 * 1024**2  # custom options searched per operator; larger ones are malformed (a flexbuffer's strings
# lie anywhere in it, so a cut search would miss a name padded past the cut)
MAX_CODE_NAME = 4096  # an operator name longer than this is not a kernel anyone registers: malformed


class Malformed(ValueError):
    pass


class TfliteScanner(Scanner):
    name = "tflite"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.TFLITE})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        from mlsecure.artifacts.scan.protobuf import mapped

        with mapped(blob) as buf:
            try:
                codes = operator_codes(buf)
                nodes = list(flex_node_ops(buf, codes))
            except (Malformed, struct.error) as exc:
                return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"TFLite flatbuffer: {exc}: its operators cannot "
                              "be verified")]
        return [*custom_code_issues([c for c in codes if c is not None]), *node_issues(nodes)]


def custom_code_issues(codes: list[str]) -> list[Issue]:
    from mlsecure.artifacts.scan.savedmodel_scan import DANGEROUS_OPS

    issues: list[Issue] = []
    other: list[str] = []
    for code in dict.fromkeys(codes):
        op = code[4:] if code.startswith("Flex") else None
        severity = DANGEROUS_OPS.get(op) if op else None
        if op and severity is not None:
            issues.append(Issue(IssueKind.DANGEROUS_OP, max(severity, Severity.MEDIUM),
                                f"TFLite Flex operator {code!r} runs TensorFlow's {op} kernel (the Flex delegate of "
                                "tf.lite.Interpreter): it reads, writes or runs what the graph names",
                                evidence={"op": code}))
        elif not code.startswith("Flex"):
            other.append(code)
    if other:
        issues.append(Issue(IssueKind.CUSTOM_OP, Severity.LOW,
                            f"TFLite custom operators need kernels the application registers: {other[:10]}",
                            evidence={"ops": other[:50]}))
    return issues


def node_issues(nodes: list[tuple[str, str]]) -> list[Issue]:
    from mlsecure.artifacts.scan.savedmodel_scan import DANGEROUS_OPS

    return [Issue(IssueKind.DANGEROUS_OP, max(DANGEROUS_OPS[op], Severity.MEDIUM),
                  f"TFLite Flex operator {code!r} carries custom options naming TensorFlow's {op} (op name / NodeDef): "
                  "the Flex delegate builds that kernel from them, whatever the code's name",
                  evidence={"op": code, "node_op": op})
            for code, op in dict.fromkeys(nodes)]


def sniff_flex(blob: Blob) -> list[Issue]:
    """Unrecognised binary data read as a TFLite model without its identifier (the interpreter does not insist on
    it): the dangerous ``Flex`` operators it would list, else nothing (random bytes fail the bounds checks or name
    no such operator)."""
    from mlsecure.artifacts.scan.protobuf import mapped

    with mapped(blob) as buf:
        try:
            codes = operator_codes(buf)
            if not any(code and code.startswith("Flex") for code in codes):
                return []
            nodes = list(flex_node_ops(buf, codes))
        except (Malformed, struct.error):
            return []
    found = [*custom_code_issues([c for c in codes if c is not None]), *node_issues(nodes)]
    return [i for i in found if i.kind is IssueKind.DANGEROUS_OP]


def operator_codes(buf: memoryview) -> list[str | None]:
    """Each operator code's custom name (``None`` for a builtin), in ``opcode_index`` order."""
    size = len(buf)
    root = _u32(buf, 0)
    found: list[str | None] = []
    for table in _tables(buf, _field_offset(buf, root, 1), MAX_OPERATOR_CODES):
        deprecated = _field_offset(buf, table, 0)
        builtin = _field_offset(buf, table, 3)
        code = _i32(buf, builtin) if builtin is not None else None
        old = buf[deprecated] if deprecated is not None and deprecated < size else 0
        custom = _field_offset(buf, table, 1)
        if custom is not None:  # the interpreter reads custom_code whenever the code is CUSTOM; read it always
            start = custom + _u32(buf, custom)
            length = _u32(buf, start)
            if start + 4 + length > size or length > MAX_CODE_NAME:
                raise Malformed(f"custom_code string of {length} bytes at {start}")
            found.append(bytes(buf[start + 4:start + 4 + length]).decode("utf-8", "replace"))
        elif code == CUSTOM or (code is None and old == CUSTOM):
            found.append("<unnamed custom op>")
        else:
            found.append(None)
    return found


def flex_node_ops(buf: memoryview, codes: list[str | None]) -> Iterator[tuple[str, str]]:
    """(Flex code, TensorFlow op) for each Flex operator whose ``custom_options`` name a dangerous op.

    The Flex delegate builds the kernel from the operator's custom options, a flexbuffer ``[op name, NodeDef]``
    (``kernel.cc``: the eager op is the vector's first string, the NodeDef's op is looked up for its attributes), not
    from the code's name: ``FlexAddV2`` whose options name ``WriteFile`` writes. Both spellings are searched: the
    flexbuffer string (length byte, name, NUL) and the NodeDef's ``op`` field (tag 0x12, length, name)."""
    from mlsecure.artifacts.scan.savedmodel_scan import DANGEROUS_OPS

    patterns = [(op, pattern) for op in DANGEROUS_OPS if op.isalnum()
                for pattern in (b"\x12" + bytes([len(op)]) + op.encode(), bytes([len(op)]) + op.encode() + b"\x00")]
    root = _u32(buf, 0)
    budget = MAX_OPERATORS
    for subgraph in _tables(buf, _field_offset(buf, root, 2), MAX_OPERATOR_CODES):
        for operator in _tables(buf, _field_offset(buf, subgraph, 3), budget):
            budget -= 1
            index_at = _field_offset(buf, operator, 0)
            index = _u32(buf, index_at) if index_at is not None else 0
            code = codes[index] if index < len(codes) else None
            if code is None or not code.startswith("Flex"):
                continue
            options = _options(buf, operator)
            for op, pattern in patterns:
                if op != code[4:] and pattern in options:
                    yield code, op
                    break


def _options(buf: memoryview, operator: int) -> bytes:
    """The operator's custom options: the ``custom_options`` byte vector, or the large-options slice of the file."""
    vector = _field_offset(buf, operator, 5)
    if vector is not None:
        start = vector + _u32(buf, vector)
        length = _u32(buf, start)
        _check(buf, start + 4, length)
        _bounded(length)
        return bytes(buf[start + 4:start + 4 + length])
    offset_at, size_at = _field_offset(buf, operator, 9), _field_offset(buf, operator, 10)
    if offset_at is None or size_at is None:
        return b""
    offset, length = _u64(buf, offset_at), _u64(buf, size_at)
    _check(buf, offset, length)
    _bounded(length)
    return bytes(buf[offset:offset + length])


def _bounded(length: int) -> None:
    if length > MAX_OPTIONS:
        raise Malformed(f"custom options of {length} bytes, over the {MAX_OPTIONS >> 20} MiB searched")


def _tables(buf: memoryview, vector_field: int | None, limit: int) -> Iterator[int]:
    """The tables of the vector a field points to (none when the field is absent)."""
    if vector_field is None:
        return
    vector = vector_field + _u32(buf, vector_field)
    count = _u32(buf, vector)
    if count > limit or vector + 4 + 4 * count > len(buf):
        raise Malformed(f"vector of {count} entries at {vector} past the end or over {limit}")
    for i in range(count):
        slot = vector + 4 + 4 * i
        yield slot + _u32(buf, slot)


def _field_offset(buf: memoryview, table: int, field: int) -> int | None:
    """Absolute position of ``field`` in the table at ``table``; ``None`` when the field is absent."""
    vtable = table - _i32(buf, table)
    vsize = _u16(buf, vtable)
    if vsize < 4 or vsize % 2:
        raise Malformed(f"vtable of {vsize} bytes at {vtable}")
    slot = 4 + 2 * field
    if slot + 2 > vsize:
        return None
    offset = _u16(buf, vtable + slot)
    return table + offset if offset else None


def _u32(buf: memoryview, at: int) -> int:
    _check(buf, at, 4)
    return int(struct.unpack_from("<I", buf, at)[0])


def _i32(buf: memoryview, at: int) -> int:
    _check(buf, at, 4)
    return int(struct.unpack_from("<i", buf, at)[0])


def _u64(buf: memoryview, at: int) -> int:
    _check(buf, at, 8)
    return int(struct.unpack_from("<Q", buf, at)[0])


def _u16(buf: memoryview, at: int) -> int:
    _check(buf, at, 2)
    return int(struct.unpack_from("<H", buf, at)[0])


def _check(buf: memoryview, at: int, n: int) -> None:
    if at < 0 or at + n > len(buf):
        raise Malformed(f"offset {at} outside the {len(buf)}-byte file")
