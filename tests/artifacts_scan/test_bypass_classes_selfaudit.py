"""Bypass classes found by the adversarial self-audit (docs/artifact-scanning.md, "Adversarial self-audit").

Each class has generated variants and an oracle that shows the sample really reaches the payload in the
loader named (CPython's unpickler with a recording ``find_class``, or the loader itself in a throwaway
subprocess that only touches a marker file), and benign look-alikes that must stay clean.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.artifacts.scan.numpy_scan import has_object
from mlsecure.findings import Severity


def _payload(protocol: int, marker: str = "/nonexistent/marker") -> bytes:
    """A pickle calling os.system, written by CPython's own pickler (never loaded in this process)."""

    class Payload:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return os.system, (f"touch {marker}",)

    return pickle.dumps(Payload(), protocol=protocol)


def _asks_os_system(data: bytes) -> bool:
    """The oracle: CPython's pure-Python unpickler (joblib's) reaches find_class for os.system / posix.system."""
    asked: list[tuple[str, str]] = []

    class Recorder(pickle._Unpickler):  # type: ignore[name-defined,misc]  # joblib.load's unpickler
        def find_class(self, module: str, name: str) -> Any:
            asked.append((module, name))
            return lambda *args: None

    Recorder(io.BytesIO(data)).load()
    return bool({("os", "system"), ("posix", "system"), ("nt", "system")} & set(asked))


def _verdict(tmp_path: Path, name: str, data: bytes) -> tuple[Verdict, Severity]:
    path = tmp_path / name
    path.write_bytes(data)
    result = scan_file(path)
    worst = max((i.severity for i in result.issues), default=Severity.INFO)
    return result.verdict, worst


# --- class: joblib's pre-0.9.3 "ZF" file (joblib.numpy_pickle_compat), still read by joblib.load ---------

def _zfile(pickled: bytes, *, extra_space: bool, length: int | None = None) -> bytes:
    header = b"ZF" + hex(len(pickled) if length is None else length).encode().ljust(19)
    return header + (b" " if extra_space else b"") + zlib.compress(pickled)


@pytest.mark.parametrize("protocol", range(6))
@pytest.mark.parametrize("extra_space", [False, True])
def test_bypass_joblib_zfile_format(tmp_path: Path, protocol: int, extra_space: bool) -> None:
    from joblib.numpy_pickle_compat import read_zfile  # joblib's own reader: decompresses, imports nothing

    data = _zfile(_payload(protocol), extra_space=extra_space)
    assert _asks_os_system(read_zfile(io.BytesIO(data)))
    verdict, worst = _verdict(tmp_path, "model.pkl", data)
    assert verdict is Verdict.MALICIOUS and worst is Severity.CRITICAL


def test_joblib_zfile_payload_runs_under_joblib_load(tmp_path: Path) -> None:
    """Proof, in a throwaway interpreter, that joblib.load runs such a file (the payload touches a marker)."""
    marker = tmp_path / "ran"
    path = tmp_path / "old.joblib"
    path.write_bytes(_zfile(_payload(2, str(marker)), extra_space=False))
    code = "import sys, warnings, joblib; warnings.simplefilter('ignore'); joblib.load(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=60, check=False)
    assert marker.exists()
    assert scan_file(path).verdict is Verdict.MALICIOUS


def test_benign_joblib_zfile_is_safe(tmp_path: Path) -> None:
    from joblib.numpy_pickle_compat import write_zfile  # joblib's own writer of the old format

    buffer = io.BytesIO()
    write_zfile(buffer, pickle.dumps({"coef": [0.5, 1.5], "classes": ["a", "b"]}, protocol=2))
    verdict, worst = _verdict(tmp_path, "old.pkl", buffer.getvalue())
    assert verdict is Verdict.SAFE and worst <= Severity.LOW


@pytest.mark.parametrize("head", [b"ZFS pool notes\nzpool create tank mirror sda sdb\n", b"ZF" + b"\x00" * 40])
def test_text_starting_with_zf_is_not_a_zfile(tmp_path: Path, head: bytes) -> None:
    verdict, worst = _verdict(tmp_path, "notes.txt", head)
    assert verdict is Verdict.SAFE and worst <= Severity.LOW


# --- class: .npy object dtype spelled in a way a prefix test misses ("object", "f8,O", "(2,)O") ----------

def _npy(descr: Any, body: bytes, version: int = 1) -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": (1,)}).encode()
    header += b" " * (64 - (10 + len(header) + 1) % 64) + b"\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body
    return b"\x93NUMPY" + bytes((version, 0)) + struct.pack("<I", len(header)) + header + body


def _object_spellings() -> list[str]:
    """Every descr string numpy's header reader accepts as an object dtype, from numpy's own type names."""
    names = {str(n) for n in np.sctypeDict} | set(np.typecodes["All"])
    out = set()
    for name in names:
        for order in ("", "|", "<", "="):
            for descr in (order + name, f"f8,{order}{name}", f"(2,){order}{name}", f"{order}{name},i4"):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)  # numpy 2's deprecated aliases
                        dtype = np.lib.format.descr_to_dtype(descr)
                except (TypeError, ValueError):
                    continue
                if dtype.hasobject:
                    out.add(descr)
    return sorted(out)


OBJECT_SPELLINGS = _object_spellings()


def test_object_spellings_cover_more_than_the_letter_o() -> None:
    assert {"object", "f8,O", "(2,)O", "|O"} <= set(OBJECT_SPELLINGS)


@pytest.mark.parametrize("descr", OBJECT_SPELLINGS)
def test_has_object_agrees_with_numpy_on_every_object_spelling(descr: str) -> None:
    assert has_object(descr)


@pytest.mark.parametrize("descr", ["object", "f8,O", "(2,)O", "|O8", "O,i4"])
@pytest.mark.parametrize("version", [1, 3])
def test_bypass_npy_object_descr_spelling(tmp_path: Path, descr: str, version: int) -> None:
    assert np.lib.format.descr_to_dtype(descr).hasobject  # np.load(allow_pickle=True) unpickles the body
    verdict, worst = _verdict(tmp_path, "x.npy", _npy(descr, _payload(3), version))
    assert verdict is Verdict.MALICIOUS and worst is Severity.CRITICAL


@pytest.mark.parametrize("dtype", ["f2", "f4", "f8", "c8", "c16", "i1", "i2", "i4", "i8", "u1", "u8", "?", "U7",
                                   "S3", "V5", "M8[ns]", "m8[s]", "g", "f8,i4", "(2,)f4"])
def test_numeric_npy_of_every_kind_stays_numeric(tmp_path: Path, dtype: str) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(4, dtype=np.dtype(dtype)))
    assert not has_object(np.lib.format.dtype_to_descr(np.dtype(dtype)))
    verdict, worst = _verdict(tmp_path, "x.npy", buffer.getvalue())
    assert verdict is Verdict.SAFE and worst <= Severity.LOW


# --- class: a tar whose header bytes are a pickle (the first member's name is 100 free bytes) -----------

def _tar_named(name: str, compression: str) -> bytes:
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    return buffer.getvalue()


def _payload_names() -> list[str]:
    """Protocol-0 payloads that fit a tar name: each opcode form that can import and call os.system."""
    call = "(S'echo tar'\ntR."
    return ["cos\nsystem\n" + call, "(S'echo tar'\nios\nsystem\n.", "I1\n0cos\nsystem\n" + call,
            "N0cos\nsystem\n" + call]


@pytest.mark.parametrize("name", _payload_names())
@pytest.mark.parametrize("compression", ["", "gz", "bz2", "xz"])
def test_bypass_tar_header_is_a_pickle(tmp_path: Path, name: str, compression: str) -> None:
    import bz2
    import gzip
    import lzma

    data = _tar_named(name, compression)
    plain = {"": lambda b: b, "gz": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}[compression](data)
    assert _asks_os_system(plain)  # pickle.load on the tar (joblib.load after decompressing) imports os.system
    verdict, worst = _verdict(tmp_path, "weights.tar", data)
    assert verdict is Verdict.MALICIOUS and worst is Severity.CRITICAL


@pytest.mark.parametrize("name", ["model.pt", "config.json", "cmodel", "Vx", "a/b/c.bin", "I7"])
def test_benign_tar_whose_first_name_starts_with_an_opcode_is_safe(tmp_path: Path, name: str) -> None:
    verdict, worst = _verdict(tmp_path, "bundle.tar", _tar_named(name, "gz"))
    assert verdict is Verdict.SAFE and worst <= Severity.LOW


# --- class: a valid safetensors file that is also a pickle (header length bytes start a SHORT_BINSTRING
# chain through the JSON header into the tensor bytes, where the payload sits) ------------------------

def _safetensors_polyglot(payload: bytes, pad: int, hop: int) -> bytes:
    """``U`` + length hops (printable, so the JSON stays valid) from the header length into the data."""
    tensor = f'{{"t":{{"dtype":"U8","shape":[{len(payload)}],"data_offsets":[0,{len(payload)}]}}'
    prefix = tensor + f',"__metadata__":{{"pad":"{"p" * pad}","x":"'
    n = 8 + len(prefix) - 2 + 1  # byte 1 of the header length: the first hop lands inside the string
    assert n < 256
    header_len = ord("U") + 256 * n
    data_start, cur, text = 8 + header_len, 2 + n, "a" * (2 + n - 8 - len(prefix))
    while (rest := data_start - (cur + 2)) > 126 or rest < 32:
        step = hop if rest - hop >= 32 else 40
        text += "U" + chr(step) + "b" * step
        cur += 2 + step
    header = (prefix + text + "U" + chr(rest) + '"}}').encode()
    return struct.pack("<Q", header_len) + header.ljust(header_len) + payload


@pytest.mark.parametrize("protocol", [0, 2, 4])
@pytest.mark.parametrize(("pad", "hop"), [(0, 100), (37, 120), (150, 64)])
def test_bypass_safetensors_pickle_polyglot(tmp_path: Path, protocol: int, pad: int, hop: int) -> None:
    from safetensors.numpy import load

    data = _safetensors_polyglot(_payload(protocol), pad, hop)
    assert load(data)["t"].tobytes() == _payload(protocol)  # safetensors reads it as a valid file
    assert _asks_os_system(data)  # and pickle.load (torch.load's legacy path, joblib.load) runs it
    verdict, worst = _verdict(tmp_path, "pytorch_model.bin", data)
    assert verdict is Verdict.MALICIOUS and worst is Severity.CRITICAL


@pytest.mark.slow  # imports torch in a fresh interpreter (about 10 s)
def test_safetensors_polyglot_runs_under_torch_load(tmp_path: Path) -> None:
    """Proof in a throwaway interpreter: torch.load(weights_only=False) takes the legacy path and runs it."""
    pytest.importorskip("torch")
    marker = tmp_path / "ran"
    path = tmp_path / "pytorch_model.bin"
    path.write_bytes(_safetensors_polyglot(_payload(2, str(marker)), 0, 100))
    code = "import sys, torch; torch.load(sys.argv[1], weights_only=False)"
    subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=120, check=False)
    assert marker.exists()


@pytest.mark.parametrize("metadata", [None, {"format": "pt"}, {"U": "U" * 200}, {"note": "cos\\nsystem"}])
def test_real_safetensors_files_stay_safe(tmp_path: Path, metadata: dict[str, str] | None) -> None:
    from safetensors.numpy import save

    data = save({"w": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.zeros(3)}, metadata=metadata)
    verdict, worst = _verdict(tmp_path, "model.safetensors", data)
    assert verdict is Verdict.SAFE and worst <= Severity.LOW
