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
                codes = list(custom_codes(buf))
            except (Malformed, struct.error) as exc:
                return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"TFLite flatbuffer: {exc}: its operators cannot "
                              "be verified")]
        return custom_code_issues(codes)


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


def sniff_flex(blob: Blob) -> list[Issue]:
    """Unrecognised binary data read as a TFLite model without its identifier (the interpreter does not insist on
    it): the dangerous ``Flex`` operators it would list, else nothing (random bytes fail the bounds checks or name
    no such operator)."""
    from mlsecure.artifacts.scan.protobuf import mapped

    with mapped(blob) as buf:
        try:
            codes = list(custom_codes(buf))
        except (Malformed, struct.error):
            return []
    return [i for i in custom_code_issues(codes) if i.kind is IssueKind.DANGEROUS_OP]


def custom_codes(buf: memoryview) -> Iterator[str]:
    """The ``custom_code`` string of every CUSTOM operator code of the model."""
    size = len(buf)
    root = _u32(buf, 0)
    codes = _field_offset(buf, root, 1)
    if codes is None:
        return
    vector = codes + _u32(buf, codes)
    count = _u32(buf, vector)
    if count > MAX_OPERATOR_CODES or vector + 4 + 4 * count > size:
        raise Malformed(f"operator_codes vector of {count} entries past the end")
    for i in range(count):
        slot = vector + 4 + 4 * i
        table = slot + _u32(buf, slot)
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
            yield bytes(buf[start + 4:start + 4 + length]).decode("utf-8", "replace")
        elif code == CUSTOM or (code is None and old == CUSTOM):
            yield "<unnamed custom op>"


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


def _u16(buf: memoryview, at: int) -> int:
    _check(buf, at, 2)
    return int(struct.unpack_from("<H", buf, at)[0])


def _check(buf: memoryview, at: int, n: int) -> None:
    if at < 0 or at + n > len(buf):
        raise Malformed(f"offset {at} outside the {len(buf)}-byte file")
