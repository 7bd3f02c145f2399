"""Container writers shared by the peer suites (zip, 7z, npy, torch), our own code."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from peer_corpus import Builder, Payload


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def blob(name: str, make: Callable[[Payload], bytes]) -> Builder:
    """A builder writing one file ``name`` with the bytes ``make(payload)``."""
    return lambda folder, payload: write(folder / name, make(payload))


def zip_bytes(members: Sequence[tuple[str, bytes]], *, compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def set_zip_flags(data: bytes, flags: int) -> bytes:
    """OR ``flags`` into every local and central header's general-purpose flag word."""
    buf = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = buf.find(sig)
        while pos >= 0:
            (old,) = struct.unpack_from("<H", buf, pos + off)
            struct.pack_into("<H", buf, pos + off, old | flags)
            pos = buf.find(sig, pos + 4)
    return bytes(buf)


def zipcrypto_bytes(name: str, data: bytes, password: bytes) -> bytes:
    """A zip with one member encrypted by traditional PKWARE encryption (stored)."""
    import binascii

    keys = [0x12345678, 0x23456789, 0x34567890]

    def crc(ch: int, c: int) -> int:
        return binascii.crc32(bytes([c]), ch ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def update(c: int) -> None:
        keys[0] = crc(keys[0], c)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc(keys[2], (keys[1] >> 24) & 0xFF)

    def enc(plain: bytes) -> bytes:
        out = bytearray()
        for c in plain:
            t = (keys[2] | 2) & 0xFFFF
            out.append(c ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            update(c)
        return bytes(out)

    for c in password:
        update(c)
    crc32 = binascii.crc32(data)
    header = bytes(range(11)) + bytes([(crc32 >> 24) & 0xFF])
    body = enc(header + data)
    fname = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 1, 0, 0, 0x21, crc32, len(body), len(data),
                        len(fname), 0) + fname + body
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 1, 0, 0, 0x21, crc32, len(body),
                          len(data), len(fname), 0, 0, 0, 0, 0, 0) + fname
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


def seven_zip_bytes(name: str, data: bytes) -> bytes:
    import py7zr

    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.writestr(data, name)
    return buf.getvalue()


def npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    """An .npy v1.0 header, padded as numpy pads it."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape})
    text += " " * (-(len(text) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def npy_object(pickle_bytes: bytes, length: int = 1) -> bytes:
    """An object-dtype .npy whose body is ``pickle_bytes`` (what ``np.save(allow_pickle=True)`` writes)."""
    return npy_header("|O", (length,)) + pickle_bytes


def np_save(array: object) -> bytes:
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def torch_save(obj: object, *, legacy: bool = False) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


def json_bytes(obj: object) -> bytes:
    return json.dumps(obj, indent=1).encode()


def strip_pickle(data: bytes) -> bytes:
    """The opcodes of a single-frame ``pickle.dumps`` result without PROTO, FRAME and STOP."""
    body = data[2:] if data[:1] == b"\x80" else data
    if body[:1] == b"\x95":
        (length,) = struct.unpack_from("<Q", body, 1)
        if length != len(body) - 9:
            raise ValueError("more than one frame: cannot splice")
        body = body[9:]
    if body[-1:] != b".":
        raise ValueError("no STOP at the end")
    return body[:-1]


def keras_v3(layers: list[dict[str, object]], *, weights: bytes = b"\x89HDF\r\n\x1a\n") -> bytes:
    """A Keras 3 ``.keras`` zip: config.json (a Sequential/Functional config), metadata.json, weights."""
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": layers},
              "registered_name": None, "build_config": {"input_shape": [None, 4]}}
    metadata = {"keras_version": "3.6.0", "date_saved": "2025-01-01@00:00:00"}
    return zip_bytes([("metadata.json", json_bytes(metadata)), ("config.json", json_bytes(config)),
                      ("model.weights.h5", weights)])


def dense(name: str = "dense", units: int = 1) -> dict[str, object]:
    return {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
            "config": {"name": name, "units": units, "activation": "linear", "use_bias": True}}


def keras_lambda_layer(code: str, name: str = "lambda") -> dict[str, object]:
    """A Keras 3 Lambda layer whose function is serialised Python bytecode (what keras writes for a lambda)."""
    import base64
    import marshal

    fn = compile(code, "<lambda>", "eval")
    return {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": name, "function": {"class_name": "__lambda__", "config": {
                "code": base64.b64encode(marshal.dumps(fn)).decode(), "defaults": None, "closure": None}},
                "output_shape": None, "arguments": {}}}
