"""Session 13 red team (round 10): torch's legacy tar format read the way ``torch.load`` reads it.

``torch.load(weights_only=False)`` of a file that is not a zip first tries ``tarfile.open(mode="r:")`` and, when
that works, ``legacy_load``: it extracts ``storages`` and ``tensors`` by those exact names and reads each as a count
pickle followed by record pickles with raw bytes between them. Each attack below was built and loaded in a throwaway
interpreter (``/tmp/s13/t/mk.py`` writes the samples, torch 2.13.0+cpu, Python 3.11.7): a record after the first
storage's bytes ran ``os.system("touch /tmp/s13/RAN_<case>")``. Nothing is loaded here; samples are written in memory.
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest
from scan_helpers import scan_named

from mlsecure.findings import Severity

_SYSTEM = b"cposix\nsystem\n(Vtouch /tmp/s13/RAN\ntR."  # protocol 0: the record pickle calls os.system


def _storage_record(key: str) -> bytes:
    """``(key, "cpu", torch.FloatStorage)``, the record ``legacy_load`` unpacks before the storage's bytes."""
    return b"(V" + key.encode() + b"\nVcpu\nctorch\nFloatStorage\nt."


def _tensor_record(key: str, storage: str) -> bytes:
    return b"(V" + key.encode() + b"\nV" + storage.encode() + b"\nctorch\nFloatTensor\nt."


def _storages(*records: bytes) -> bytes:
    """Count, then each record followed by its storage bytes (int64 size 2, two float32 zeros), then the views."""
    out = pickle.dumps(len(records), protocol=2)
    for record in records:
        out += record + (struct.pack("<q", 2) + b"\x00" * 8 if b"FloatStorage" in record else b"")
    return out + pickle.dumps([], protocol=2)


def _tensors(*records: bytes, ndim: int = 1) -> bytes:
    """Count, then each record followed by ndim (int32), 4 pad bytes, sizes, strides and the storage offset."""
    out = pickle.dumps(len(records), protocol=2)
    for record in records:
        out += record + struct.pack("<ii", ndim, 0) + struct.pack("<qqq", 2, 1, 0)
    return out


def _tar(*members: tuple[str, bytes | str, str]) -> bytes:
    """``(name, bytes, "file")`` or ``(name, target, "hard" | "sym")``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                assert isinstance(data, bytes)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            else:
                assert isinstance(data, str)
                info.type = tarfile.LNKTYPE if kind == "hard" else tarfile.SYMTYPE
                info.linkname = data
                archive.addfile(info)
    return buf.getvalue()


_OBJECT = ("pickle", pickle.dumps({"a": 1}, protocol=2), "file")

# --- records after raw bytes, in a tar without ``sys_info`` -----------------------------------------------------------
# **Ran** (RAN_st2, RAN_tens2): ``legacy_load`` never reads ``sys_info``; main parsed ``storages``/``tensors`` as
# records only when all four members were present, and otherwise scanned them as one pickle followed by "non-pickle
# bytes (never unpickled)": low, the second record unseen.


@pytest.mark.parametrize(
    "members",
    [
        [("storages", _storages(_storage_record("0"), _SYSTEM), "file"), ("tensors", _tensors(), "file"), _OBJECT],
        [
            ("storages", _storages(_storage_record("0")), "file"),
            ("tensors", _tensors(_tensor_record("t0", "0"), _SYSTEM), "file"),
            _OBJECT,
        ],
        [("storages", _storages(_storage_record("0"), _SYSTEM), "file")],  # torch runs it, then misses `tensors`
    ],
    ids=["storages", "tensors", "storages-alone"],
)
def test_legacy_records_are_read_without_sys_info(tmp_path: Path, members: list[tuple[str, bytes, str]]) -> None:
    _, top, titles = scan_named(tmp_path, "m.pt", _tar(*members))
    assert top is Severity.CRITICAL, titles
    assert "imports posix.system" in titles


# --- ``storages`` as a link to another member -------------------------------------------------------------------------
# **Ran** (RAN_tar_link, RAN_chain): ``tar.extract("storages")`` of a hard link whose target was not extracted writes
# the target member's bytes under the link's name (``TarFile.makelink`` falls back to ``_extract_member``), through a
# chain of links too. Main reported the link (medium) and scanned ``x`` as one pickle plus ignored bytes. A symlink
# did not run under ``extract`` (it points into the empty temporary folder) but ``extractfile`` follows it: covered too.


@pytest.mark.parametrize(
    "links",
    [[("storages", "./x", "hard")], [("y", "x", "hard"), ("storages", "y", "hard")], [("storages", "x", "sym")]],
    ids=["hard-link", "chain", "symlink"],
)
def test_a_link_named_storages_reads_its_target_as_records(tmp_path: Path, links: list[tuple[str, str, str]]) -> None:
    records = ("x", _storages(_storage_record("0"), _SYSTEM), "file")
    _, top, titles = scan_named(tmp_path, "m.pt", _tar(records, *links, ("tensors", _tensors(), "file"), _OBJECT))
    assert top is Severity.CRITICAL, titles
    assert "imports posix.system" in titles


def test_negative_tensor_ndim_stops_the_record_reader(tmp_path: Path) -> None:
    """A negative ndim moved the reader backwards (it re-read earlier bytes as records); torch fails there."""
    tensors = _tensors(_tensor_record("t0", "0"), ndim=-3)
    _, top, titles = scan_named(
        tmp_path,
        "m.pt",
        _tar(("storages", _storages(_storage_record("0")), "file"), ("tensors", tensors, "file"), _OBJECT),
    )
    assert top is Severity.HIGH, titles
    assert "legacy torch tensors member: negative tensor ndim -3" in titles


# --- benign controls (each loaded by torch.load: ``{"a": 1}``) ------------------------------------------------------


def test_benign_legacy_tar_without_sys_info_is_below_medium(tmp_path: Path) -> None:
    data = _tar(
        ("storages", _storages(_storage_record("0")), "file"),
        ("tensors", _tensors(_tensor_record("t0", "0")), "file"),
        _OBJECT,
    )
    _, top, titles = scan_named(tmp_path, "m.pt", data)
    assert top < Severity.MEDIUM, titles


def test_benign_storages_link_is_only_the_link_finding(tmp_path: Path) -> None:
    data = _tar(
        ("x", _storages(_storage_record("0")), "file"),
        ("storages", "x", "hard"),
        ("tensors", _tensors(_tensor_record("t0", "0")), "file"),
        _OBJECT,
    )
    _, top, titles = scan_named(tmp_path, "m.pt", data)
    assert top is Severity.MEDIUM, titles
    assert "member is a hard link to 'x'" in titles
    assert not any("legacy torch" in t for t in titles), titles  # x holds valid records


def test_member_named_like_a_link_target_elsewhere_is_a_plain_member(tmp_path: Path) -> None:
    """Only links named ``storages``/``tensors`` make their targets records; another link changes nothing."""
    data = _tar(("x", pickle.dumps({"a": 1}, protocol=2), "file"), ("other", "x", "hard"))
    _, top, titles = scan_named(tmp_path, "data.tar", data)
    assert top is Severity.MEDIUM, titles
    assert not any("legacy torch" in t for t in titles), titles


# --- tar archives without the ``ustar`` magic ---------------------------------------------------------------------
# **Ran** (RAN_v7, RAN_v7pickle, RAN_v7pd, RAN_v7gz; ``/tmp/s13/t/v7.py``): ``tarfile`` accepts a pre-POSIX (V7) header,
# which has no magic, by its checksum alone. ``torch.load`` of such a legacy tar unpickled its ``storages`` and
# ``pickle`` members; ``pandas.read_pickle("x.pkl.tar")`` and ``("x.pkl.tar.gz")`` unpickled the only member. Main told
# tars by ``ustar`` at byte 257 and called these "unrecognised binary data" (low).


def _v7(data: bytes) -> bytes:
    """Every header of a ustar archive rewritten as a V7 header (magic, version, owner names cleared)."""
    out = bytearray(data)
    pos = 0
    while pos + 512 <= len(out) and any(out[pos : pos + 512]):
        size = int(bytes(out[pos + 124 : pos + 136]).rstrip(b"\0 ") or b"0", 8)
        out[pos + 257 : pos + 345] = bytes(88)
        out[pos + 148 : pos + 156] = b" " * 8
        out[pos + 148 : pos + 156] = b"%06o\0 " % sum(out[pos : pos + 512])
        pos += 512 + (size + 511) // 512 * 512
    return bytes(out)


def test_v7_header_is_a_tar_to_tarfile_and_to_the_scanner() -> None:
    from mlsecure.artifacts.formats import ArtifactFormat, detect_bytes, is_tar_header

    data = _v7(_tar(("x.pkl", b"N.", "file")))
    assert b"ustar" not in data
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:  # the oracle: tarfile reads it
        assert archive.getnames() == ["x.pkl"]
    assert is_tar_header(data)
    assert detect_bytes(data) is ArtifactFormat.TAR
    broken = bytearray(data)
    broken[0] ^= 1  # the checksum no longer matches: tarfile refuses it, and so does the detector
    assert not is_tar_header(bytes(broken))
    assert not is_tar_header(pickle.dumps(list(range(300)), protocol=0))


@pytest.mark.parametrize(
    ("name", "members", "compress"),
    [
        ("m.pt", [("storages", _storages(_storage_record("0"), _SYSTEM), "file"), _OBJECT], False),
        (
            "m.pt",
            [("storages", _storages(), "file"), ("tensors", _tensors(), "file"), ("pickle", _SYSTEM, "file")],
            False,
        ),
        ("x.pkl.tar", [("x.pkl", _SYSTEM, "file")], False),
        ("x.pkl.tar.gz", [("x.pkl", _SYSTEM, "file")], True),
    ],
    ids=["torch-storages", "torch-pickle", "pandas-tar", "pandas-tar-gz"],
)
def test_v7_tar_members_are_scanned(
    tmp_path: Path, name: str, members: list[tuple[str, bytes, str]], compress: bool
) -> None:
    data = _v7(_tar(*members))
    _, top, titles = scan_named(tmp_path, name, gzip.compress(data) if compress else data)
    assert top is Severity.CRITICAL, titles
    assert "imports posix.system" in titles


def test_benign_v7_tar_is_below_medium(tmp_path: Path) -> None:
    _, top, titles = scan_named(tmp_path, "x.tar", _v7(_tar(("x.pkl", pickle.dumps({"a": [1, 2]}), "file"))))
    assert top < Severity.MEDIUM, titles
    assert "pickle stream: 0 distinct globals" in titles  # the member was read, not skipped


# --- a tar whose first member name makes it look like another format ----------------------------------------------
# **Ran** (RAN_pktar, ``/tmp/s13/t/pktar.py``): a tar's first bytes are its first member's name; named
# ``"PK\x03\x04x.pkl"``, ``pandas.read_pickle("x.pkl.tar")`` unpickled it, while main took the file for a zip and
# reported "unreadable zip archive (not verified)" (medium) without reading the tar. The same with a ``\x93NUMPY``
# name: a tar to tarfile, an .npy header to main.


@pytest.mark.parametrize(
    "first_name", ["PK\x03\x04x.pkl", "PK\x05\x06", "\x93NUMPY\x01\x00v\x00{", "GGUF", "\x89HDF\r\n\x1a\n"]
)
def test_tar_is_read_as_a_tar_whatever_its_first_name_looks_like(tmp_path: Path, first_name: str) -> None:
    data = _tar((first_name, _SYSTEM, "file"))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:  # the oracle: tarfile reads it
        assert archive.getnames() == [first_name]
    _, top, titles = scan_named(tmp_path, "x.pkl.tar", data)
    assert top is Severity.CRITICAL, titles
    assert "imports posix.system" in titles


def test_zip_that_is_not_a_tar_is_scanned_once(tmp_path: Path) -> None:
    """A plain zip's first block fails tarfile's checksum: no second (tar) reading of it."""
    from mlsecure.artifacts.scan import scan_file

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("x.pkl", pickle.dumps({"a": 1}))
    (tmp_path / "x.zip").write_bytes(buf.getvalue())
    result = scan_file(tmp_path / "x.zip")
    assert result.max_severity < Severity.MEDIUM
    assert not any((i.member or "").startswith("<the file's own bytes, read by tarfile>") for i in result.issues)


# --- one file, two tar archives: plain to torch, gzip to ``r:*`` -----------------------------------------------------
# **Ran** (RAN_gztar, ``/tmp/s13/t/gztar.py``): ``tarfile.open(mode="r:*")`` tries gzip before the plain format;
# ``torch.load``'s legacy loader opens ``mode="r:"``. A plain tar whose first header starts with a gzip header (the tar
# fields sit in the gzip FEXTRA bytes, the deflate stream of another tar follows) is two archives; main scanned only
# the gzip's (a benign pickle: "safe", info) while torch unpickled the plain one's ``storages``.


def _gzip_tar_polyglot(plain: list[tuple[str, bytes | str, str]], inner: list[tuple[str, bytes | str, str]]) -> bytes:
    gzip_head = b"\x1f\x8b\x08\x04" + b"\x01\x01\x01\x01" + b"\x00\x03"  # FEXTRA set; mtime, XFL, OS
    archive = bytearray(_tar(("G" * 12, b"", "file"), *plain))
    end = (len(archive.rstrip(b"\0")) + 511) // 512 * 512 + 1024  # the members and two zero blocks
    archive = archive[:end]
    archive[0:12] = gzip_head + struct.pack("<H", len(archive) - 12)  # the whole plain tar is FEXTRA bytes
    archive[148:156] = b" " * 8
    archive[148:156] = b"%06o\0 " % sum(archive[0:512])
    content = _tar(*inner)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflate.compress(content) + deflate.flush()
    return bytes(archive) + body + struct.pack("<II", zlib.crc32(content), len(content))


_EVIL_RECORDS = [
    ("storages", _storages(_storage_record("0"), _SYSTEM), "file"),
    ("tensors", _tensors(), "file"),
    _OBJECT,
]


@pytest.mark.parametrize(
    ("plain", "inner"),
    [(_EVIL_RECORDS, [("x.pkl", b"N.", "file")]), ([("x.pkl", b"N.", "file")], [("x.pkl", _SYSTEM, "file")])],
    ids=["plain-reading-runs", "gzip-reading-runs"],
)
def test_both_readings_of_a_gzip_tar_polyglot_are_scanned(
    tmp_path: Path, plain: list[tuple[str, bytes, str]], inner: list[tuple[str, bytes, str]]
) -> None:
    data = _gzip_tar_polyglot(plain, inner)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:  # the oracles: two different archives
        plain_names = archive.getnames()[1:]
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        assert archive.getnames() == [m[0] for m in inner]
    assert plain_names == [m[0] for m in plain]
    _, top, titles = scan_named(tmp_path, "m.pt", data)
    assert top is Severity.CRITICAL, titles
    assert "imports posix.system" in titles


def test_plain_and_compressed_tars_are_read_once(tmp_path: Path) -> None:
    """Only a polyglot is read twice: a plain tar's and a .tar.gz's pickle is scanned once."""
    from mlsecure.artifacts.scan import scan_file

    for name, data in [
        ("a.tar", _tar(("x.pkl", b"N.", "file"))),
        ("a.tar.gz", gzip.compress(_tar(("x.pkl", b"N.", "file")))),
    ]:
        (tmp_path / name).write_bytes(data)
        result = scan_file(tmp_path / name)
        assert result.max_severity < Severity.MEDIUM, name
        assert [i.member for i in result.issues if "distinct globals" in i.title] == ["x.pkl"], name


# --- joblib: a wrapper attribute set under a computed key -----------------------------------------------------------
# **Ran** (RAN_jldesync, ``/tmp/s13/t/jl2.py``, joblib 1.6.0): ``load_build`` stores any dict key as it is, so a key
# built by ``builtins.str("numpy_array_alignment_bytes")`` sets the attribute and ``NumpyArrayWrapper.read`` reads a
# padding-length byte and the padding first. Main read the key as unknown, skipped the array without the padding and
# resumed inside it, on a STOP and a BINBYTES that swallowed the payload joblib ran after the real array: "safe".


def _joblib_array_with_computed_key(payload: bytes) -> bytes:
    import joblib
    import numpy as np

    buf = io.BytesIO()
    joblib.dump(np.arange(4, dtype=np.float64), buf)
    body = buf.getvalue()[11:]  # PROTO 4 and the FRAME header dropped: joblib reads arrays outside frames
    build = body.index(b"K\x10ub") + 3  # alignment 16, SETITEMS, BUILD: the array's bytes follow
    literal = b"\x8c\x1bnumpy_array_alignment_bytes\x94"
    computed = b"\x8c\x08builtins\x8c\x03str\x93\x8c\x1bnumpy_array_alignment_bytes\x85R"
    prefix = b"\x80\x04" + body[: build + 1].replace(literal, computed)
    padding = 0xFE  # an invalid opcode: a plain pickle.load of the same bytes stops there
    region = bytearray(1 + padding + 32)
    region[0] = padding
    swallowed = len(region) + len(payload) - (32 + 1 + 5)
    region[32 : 32 + 6] = b".B" + struct.pack("<I", swallowed)  # where the array ends for a reader without padding
    return prefix + bytes(region) + payload + b"."


def test_joblib_wrapper_with_a_computed_key_is_not_skipped_as_plain(tmp_path: Path) -> None:
    data = _joblib_array_with_computed_key(_SYSTEM[:-1] + b"0")  # call os.system, POP, then joblib's STOP
    _, top, titles = scan_named(tmp_path, "m.joblib", data)
    assert top >= Severity.HIGH, titles
    assert any("computed key" in t for t in titles), titles


# **Ran** (RAN_jldtype, ``/tmp/s13/t/jl4.py``): the same with the dtype pickled as ``numpy.dtype(numpy.float64)``
# (joblib reads it like ``numpy.dtype("f8")``). Main stopped there, "cannot verify" (medium), and never read the
# payload joblib ran after the array: every wrapper state the scanner cannot evaluate is now high for that reason.


def test_joblib_wrapper_the_scanner_cannot_evaluate_is_high(tmp_path: Path) -> None:
    import joblib
    import numpy as np

    buf = io.BytesIO()
    joblib.dump(np.arange(4, dtype=np.float64), buf)
    body = buf.getvalue()[11:]
    plain_dtype = body[body.index(b"\x8c\x02f8") : body.index(b"t\x94b") + 3]  # numpy.dtype("f8") and its state
    core = b"\x80\x04" + body.replace(plain_dtype, b"\x8c\x05numpy\x8c\x07float64\x93\x85R")[:-1]  # no STOP
    data = core + _SYSTEM[:-1] + b"0."  # after the array: call os.system, POP, STOP
    _, top, titles = scan_named(tmp_path, "m.joblib", data)
    assert top is Severity.HIGH, titles
    assert any(t.startswith("cannot verify the rest of the stream: joblib array dtype is not a plain") for t in titles)


def test_joblib_dump_of_an_array_stays_safe(tmp_path: Path) -> None:
    import joblib
    import numpy as np

    buf = io.BytesIO()
    joblib.dump({"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(3)}, buf)
    _, top, titles = scan_named(tmp_path, "m.joblib", buf.getvalue())
    assert top < Severity.MEDIUM, titles


# --- a tar in a compression tarfile cannot open here -----------------------------------------------------------------
# Not run: Python 3.14's ``tarfile`` opens ``r:zst`` (and tries it under ``r:*``); no 3.14 interpreter was at hand.
# Main sent the file to the zip reader ("unreadable zip archive (not verified)", medium) and never read the member.


def test_zstd_tar_is_decompressed_and_read(tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    data = zstandard.ZstdCompressor().compress(_tar(("x.pkl", _SYSTEM, "file")))
    _, top, titles = scan_named(tmp_path, "x.tar.zst", data)
    assert top is Severity.CRITICAL, titles
    assert "imports posix.system" in titles
