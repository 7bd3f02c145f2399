"""A tiny pickle assembler: peers' hand-built pickles are rebuilt opcode by opcode with our own code.

Nothing here unpickles anything. ``call`` builds the common "import a callable, call it" shape in
any protocol; the opcode helpers let a generator spell out unusual streams (memo tricks, FRAME
boundaries, INST/OBJ) exactly as a peer's test does.
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Sequence

Value = str | bytes | int | float | bool | None | tuple["Value", ...] | list["Value"] | dict[str, "Value"]


def proto(n: int) -> bytes:
    return pickle.PROTO + bytes([n])


def frame(body: bytes) -> bytes:
    """A FRAME opcode announcing exactly ``body``'s length, followed by the body."""
    return pickle.FRAME + struct.pack("<Q", len(body)) + body


def global_(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def ustr(text: str, *, short: bool = True) -> bytes:
    """SHORT_BINUNICODE (protocol 4) or BINUNICODE."""
    raw = text.encode()
    if short and len(raw) < 256:
        return pickle.SHORT_BINUNICODE + bytes([len(raw)]) + raw
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def text_str(text: str) -> bytes:
    """Protocol-0 STRING opcode (quoted, one line)."""
    return pickle.STRING + repr(text).encode() + b"\n"


def unicode0(text: str) -> bytes:
    """Protocol-0 UNICODE opcode (raw-unicode-escape, one line)."""
    escaped = text.replace("\\", "\\u005c").replace("\0", "\\u0000").replace("\n", "\\u000a").replace(
        "\r", "\\u000d").replace("\x1a", "\\u001a")
    return pickle.UNICODE + escaped.encode("raw-unicode-escape") + b"\n"


def stack_global(module: str, name: str) -> bytes:
    return ustr(module) + ustr(name) + pickle.STACK_GLOBAL


def value(v: Value, protocol: int) -> bytes:
    """Encode a plain value the way CPython's pickler would for ``protocol``."""
    if v is None:
        return pickle.NONE
    if isinstance(v, bool):
        if protocol >= 2:
            return pickle.NEWTRUE if v else pickle.NEWFALSE
        return pickle.TRUE if v else pickle.FALSE
    if isinstance(v, int):
        if protocol == 0:
            return pickle.INT + str(v).encode() + b"\n"
        if 0 <= v < 256:
            return pickle.BININT1 + bytes([v])
        if 0 <= v < 65536:
            return pickle.BININT2 + struct.pack("<H", v)
        return pickle.BININT + struct.pack("<i", v)
    if isinstance(v, float):
        return pickle.BINFLOAT + struct.pack(">d", v) if protocol else pickle.FLOAT + repr(v).encode() + b"\n"
    if isinstance(v, str):
        return text_str(v) if protocol == 0 else ustr(v, short=protocol >= 4)
    if isinstance(v, bytes):
        if protocol >= 3:
            return pickle.SHORT_BINBYTES + bytes([len(v)]) + v if len(v) < 256 else (
                pickle.BINBYTES + struct.pack("<I", len(v)) + v)
        return text_str(v.decode("latin-1"))
    if isinstance(v, tuple):
        return tuple_(v, protocol)
    if isinstance(v, list):
        if protocol == 0:
            return pickle.MARK + pickle.LIST + b"".join(value(x, protocol) + pickle.APPEND for x in v)
        body = b"".join(value(x, protocol) for x in v)
        return pickle.EMPTY_LIST + (pickle.MARK + body + pickle.APPENDS if v else b"")
    if isinstance(v, dict):
        body = b"".join(value(k, protocol) + value(x, protocol) for k, x in v.items())
        if protocol == 0:
            return pickle.MARK + pickle.DICT + (b"".join(value(k, 0) + value(x, 0) + pickle.SETITEM
                                                          for k, x in v.items()))
        return pickle.EMPTY_DICT + (pickle.MARK + body + pickle.SETITEMS if v else b"")
    raise TypeError(f"cannot encode {type(v).__name__}")


def tuple_(items: Sequence[Value], protocol: int) -> bytes:
    body = b"".join(value(x, protocol) for x in items)
    if protocol >= 2 and len(items) <= 3:
        return body + (pickle.EMPTY_TUPLE, pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)[len(items)]
    return pickle.MARK + body + pickle.TUPLE


def callable_(module: str, name: str, protocol: int) -> bytes:
    """Push ``module.name``: GLOBAL below protocol 4, STACK_GLOBAL from 4 (as CPython pickles)."""
    return global_(module, name) if protocol < 4 else stack_global(module, name)


def call_body(module: str, name: str, args: Sequence[Value], protocol: int) -> bytes:
    """The opcodes of ``module.name(*args)`` without PROTO/STOP."""
    return callable_(module, name, protocol) + tuple_(args, protocol) + pickle.REDUCE


def wrap(body: bytes, protocol: int) -> bytes:
    """Add PROTO (and FRAME from 4) and STOP around ``body``, as ``pickle.dumps`` does."""
    if protocol < 2:
        return body + pickle.STOP
    if protocol >= 4:
        return proto(protocol) + frame(body + pickle.STOP)
    return proto(protocol) + body + pickle.STOP


def call(module: str, name: str, args: Sequence[Value], protocol: int = 4) -> bytes:
    """A complete pickle of ``module.name(*args)``."""
    return wrap(call_body(module, name, args, protocol), protocol)


def dumps(obj: object, protocol: int) -> bytes:
    """``pickle.dumps`` of a plain benign object (lists, dicts, numbers)."""
    return pickle.dumps(obj, protocol=protocol)
