"""Differential parsing (session 7, red-team round 4): bytes the real loader reads that the scanner did not.

- A ``torch.save`` zip is also an ``.npz``: ``np.load(path, allow_pickle=True)`` parses every member that starts
  with the ``.npy`` magic, whatever its name, and unpickles an object array (checked with numpy here: a member
  ``archive/data/evil.npy`` holding an object array whose element reduces to ``os.getcwd`` ran). The scanner
  skipped ``<archive>/data/<key>`` and ``<archive>/constants/<key>`` as raw tensor storages (torch never unpickles
  them) and called the file safe. Storage members are now skipped only when they do not start with the magic.
Samples are built here in memory; nothing is loaded.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from scan_helpers import scan_named

from mlsecure.artifacts.scan import Verdict
from mlsecure.findings import Severity

PAYLOAD = b"\x80\x02cos\ngetcwd\nq\x00)Rq\x01."  # os.getcwd(): harmless, but any callable fits here


def _npy(body: bytes, descr: str = "'|O'") -> bytes:
    """A version-1.0 ``.npy`` of one element: the header as ``numpy.lib.format`` writes it, then ``body``."""
    header = f"{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}".encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def _torch_zip(extra: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """The members ``torch.save`` writes for ``{"w": tensor([0., 0.])}`` (torch 2.x layout), plus ``extra``."""
    state = (b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02((X\x07\x00\x00\x00"
             b"storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06K\x02tq\x07"
             b"QK\x00K\x02\x85q\x08K\x01\x85q\t\x89ccollections\nOrderedDict\nq\n)Rq\x0btq\x0cRq\rs.")
    members = {"archive/data.pkl": state, "archive/byteorder": b"little", "archive/data/0": b"\x00" * 8,
               "archive/version": b"3\n", **extra}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


NPY_IN_STORAGE = {
    "data-npy-name": ("model.npz", {"archive/data/evil.npy": _npy(PAYLOAD)}),
    "data-bare-key": ("model.npz", {"archive/data/1": _npy(PAYLOAD)}),
    "constants-key": ("model.npz", {"archive/constants/1": _npy(PAYLOAD)}),
    "pt-name": ("model.pt", {"archive/data/evil.npy": _npy(PAYLOAD)}),
    "structured-object-field": ("model.npz", {"archive/data/2": _npy(PAYLOAD, "[('a', '|O')]")}),
}


@pytest.mark.parametrize("case", sorted(NPY_IN_STORAGE))
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_npy_member_under_a_storage_folder_is_scanned(tmp_path: Path, case: str, compression: int) -> None:
    name, extra = NPY_IN_STORAGE[case]
    verdict, severity, titles = scan_named(tmp_path, name, _torch_zip(extra, compression))
    assert verdict is Verdict.MALICIOUS, titles
    assert severity is Severity.CRITICAL
    assert any("getcwd" in t for t in titles), titles


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_control_plain_storages_and_numeric_npy_stay_safe(tmp_path: Path, compression: int) -> None:
    """Raw storages are still skipped; a numeric ``.npy`` under ``data/`` is read and is harmless."""
    extra = {"archive/data/1": struct.pack("<4f", 1, 2, 3, 4),
             "archive/data/2": _npy(struct.pack("<f", 1.5), "'<f4'")}
    verdict, severity, titles = scan_named(tmp_path, "model.pt", _torch_zip(extra, compression))
    assert verdict is Verdict.SAFE, titles
    assert severity < Severity.MEDIUM


def test_control_pickle_bytes_in_a_storage_member_are_not_a_finding(tmp_path: Path) -> None:
    """Tried, not a bypass: no loader unpickles a storage member that is not an ``.npy`` (torch reads raw bytes,
    ``np.load`` returns them as bytes), so the skip stays for them."""
    extra = {"archive/data/1": pickle.dumps(["x"], protocol=2)}
    verdict, _severity, titles = scan_named(tmp_path, "model.pt", _torch_zip(extra))
    assert verdict is Verdict.SAFE, titles


# --- two central directories: torch's view skips a member Python's zipfile hands to pandas ---------------------

def _local(name: str, data: bytes) -> bytes:
    raw = name.encode()
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data),
                       len(raw), 0) + raw + data


def _central(name: str, data: bytes, offset: int, comment: bytes = b"") -> bytes:
    raw = name.encode()
    return struct.pack("<4s2B5H3L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data),
                       len(raw), 0, len(comment), 0, 0, 0o100644 << 16, offset) + raw + comment


def _two_directories(victim: str) -> bytes:
    """miniz reads the directory at the end record's offset (a torch checkpoint: ``data.pkl``, ``version``);
    Python's zipfile, seeing the bytes between, reads the one just before the end record (one member, ``victim``,
    its offset shifted by those bytes). Both directories have the same size, as the end record says."""
    state = pickle.dumps({"w": 1}, protocol=2) + b"\x00" * 200  # torch stops at STOP; the padding makes room
    first, second = _local("archive/data.pkl", state), _local("archive/version", b"3\n")
    torch_dir = _central("archive/data.pkl", state, 0) + _central("archive/version", b"3\n", len(first))
    size, start = len(torch_dir), len(first) + len(second)
    member = _local(victim, PAYLOAD)
    shift = len(member) + size  # where zipfile believes the archive starts
    entry = _central(victim, PAYLOAD, start + size - shift)
    python_dir = _central(victim, PAYLOAD, start + size - shift, b"c" * (size - len(entry)))
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, size, start, 0)
    return first + second + torch_dir + member + python_dir + end


@pytest.mark.parametrize("victim", ["archive/data/0", "archive/constants/0", "model.pkl"])
def test_member_only_pythons_zipfile_lists_is_scanned(tmp_path: Path, victim: str) -> None:
    """``pandas.read_pickle("model.pkl.zip")`` unpickles the only member zipfile lists (checked with pandas here:
    ``os.getcwd`` ran for each victim name); the storage names were skipped (suspicious, medium) before."""
    verdict, severity, titles = scan_named(tmp_path, "model.pkl.zip", _two_directories(victim))
    assert (verdict, severity) == (Verdict.MALICIOUS, Severity.CRITICAL), titles
    assert any("getcwd" in t for t in titles), titles
