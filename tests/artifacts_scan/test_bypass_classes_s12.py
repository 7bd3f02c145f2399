"""Session 12 red team (round 9): names a loader looks up without regard to case.

Each attack was built and loaded in a throwaway interpreter (``/tmp/s12/m4.py`` writes the samples,
``/tmp/s12/run_ts.py`` loads them; torch 2.13.0+cpu): the comment above each test says what ran. Nothing is loaded
here; the samples are written by hand in memory.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import pytest
from scan_helpers import scan_named

from mlsecure.artifacts.scan.interface import Blob, Budget, Limits, Session
from mlsecure.artifacts.scan.torch_scan import flatbuffer_operator_issues, is_torchscript_code
from mlsecure.findings import Severity

# --- TorchScript code under a name in another case -------------------------------------------------------------------
# **Ran**: torch.jit.load finds ``<archive>/code/__torch__.py`` through miniz's ``mz_zip_reader_locate_file`` with
# flags 0, which compares names ignoring ASCII case. A ``torch.jit.save`` file whose code member was renamed
# ``archive/CODE/__torch__.PY`` (or ``Code/``, or ``.Py``) loaded, and calling the module ran
# ``torch.from_file("/tmp/s12/victim.bin", True, 4)`` + ``fill_``: the file's bytes became ``AAAA``. Main matched
# ``code/`` and ``.py`` case-sensitively and read the member as a plain text file (info, or medium "Python source").

_FROM_FILE = '    t = torch.from_file("/tmp/victim.bin", True, 4, dtype=0)\n    _0 = torch.fill_(t, 65)\n'


def _torchscript_zip(code_name: str, body: str) -> bytes:
    code = (
        "class M(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
        f"  def forward(self: __torch__.M,\n    x: Tensor) -> Tensor:\n{body}    return torch.add(x, 1)\n"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr(code_name, code)
        archive.writestr("archive/constants.pkl", b"\x80\x02)\x85.")
        archive.writestr("archive/version", "3\n")
    return buf.getvalue()


_CASES = [
    "archive/CODE/__torch__.PY",
    "archive/Code/__torch__.py",
    "archive/code/__torch__.Py",
    "archive/code/__TORCH__.pY",
]


@pytest.mark.parametrize("code_name", ["archive/code/__torch__.py", *_CASES])
def test_torchscript_code_in_any_case_is_read_as_torchscript(tmp_path: Path, code_name: str) -> None:
    _, top, titles = scan_named(tmp_path, "m.pt", _torchscript_zip(code_name, _FROM_FILE))
    assert top is Severity.HIGH, titles
    assert any("aten::from_file" in t for t in titles), titles


@pytest.mark.parametrize("code_name", _CASES)
def test_benign_torchscript_code_in_any_case_stays_clean(tmp_path: Path, code_name: str) -> None:
    _, top, titles = scan_named(tmp_path, "m.pt", _torchscript_zip(code_name, "    y = torch.relu(x)\n"))
    assert top < Severity.MEDIUM, titles


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("archive/code/__torch__.py", True),
        ("archive/CODE/__torch__.PY", True),
        ("archive\\Code\\m.Py", True),
        ("code/__torch__/m.py", True),
        ("archive/data.pkl", False),
        ("archive/code/__torch__.py.debug_pkl", False),
        ("archive/src/m.py", False),
        ("archive/barcode/m.py", False),
        ("MyCode/modeling.py", False),
    ],
)
def test_is_torchscript_code(name: str, expected: bool) -> None:
    assert is_torchscript_code(name) is expected


# --- a zip member whose name ends in "/" but holds bytes --------------------------------------------------------------
# **Ran** (``/tmp/s12/m7.py``; numpy 2.4.6, pandas 3.1.1): Python's zipfile reads such a member like any other.
# ``dict(np.load("x.npz", allow_pickle=True))`` listed the key ``evil/`` and unpickled its object array;
# ``pandas.read_pickle("x.pkl.zip")`` opened the only member ``evil/`` and unpickled it. Main skipped every name
# ending in "/" as a directory: "safe", info.

_GADGET = b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R."  # os.system("true"), as pickle.dumps writes it


def _object_npy(payload: bytes) -> bytes:
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b" " * (63 - len(header) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize(
    ("file_name", "members"),
    [
        ("x.npz", {"a.npy": _object_npy(b"\x80\x02K\x01."), "evil/": _object_npy(_GADGET)}),
        ("x.pkl.zip", {"evil/": _GADGET}),
        ("x.pkl.zip", {"a/b/": _GADGET}),
    ],
)
def test_zip_member_named_like_a_directory_is_scanned(
    tmp_path: Path, file_name: str, members: dict[str, bytes], compression: int
) -> None:
    _, top, titles = scan_named(tmp_path, file_name, _zip(members, compression))
    assert top is Severity.CRITICAL, titles
    assert any("system" in t for t in titles), titles


def test_real_directory_entries_stay_clean(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.mkdir("weights")
        archive.writestr("extra/", b"")  # an explicit empty directory entry written as a file
        archive.writestr("weights/a.npy", _object_npy(b"\x80\x02K\x01."))
    _, top, titles = scan_named(tmp_path, "x.npz", buf.getvalue())
    assert top < Severity.MEDIUM, titles


# --- torchvision's file operators -------------------------------------------------------------------------------------
# torchvision registers ``image::write_file(str filename, Tensor data)`` (``fopen(filename, "wb")`` + ``fwrite``,
# torchvision/csrc/io/image/cpu/read_write_file.cpp) and ``image::read_file`` when imported. A scripted module calling
# ``torch.ops.image.write_file(path, torch.tensor([35, 33, 10], dtype=torch.uint8))`` serialises as
# ``ops.image.write_file(...)``; **ran**: torch.jit.load + a call wrote ``#!\n`` to the path (``/tmp/s12/m9.py``; the
# op was registered by a stand-in with torchvision's schema and CONSERVATIVE alias analysis, as torchvision's
# CUDA-built image.so does not load against torch 2.13.0+cpu). Main listed ``image`` among PyTorch's own namespaces:
# "safe", info.


@pytest.mark.parametrize(
    "body",
    [
        '    ops.image.write_file("/home/u/.bashrc", torch.tensor([35, 33, 10], dtype=0))\n',
        '    _0 = ops.image.read_file("/home/u/.ssh/id_rsa")\n',
        '    _0 = torch . ops . image .\\\n      write_file("/tmp/x", x)\n',
    ],
)
def test_torchvision_file_operators_are_high(tmp_path: Path, body: str) -> None:
    _, top, titles = scan_named(tmp_path, "m.pt", _torchscript_zip("archive/code/__torch__.py", body))
    assert top is Severity.HIGH, titles
    assert any("image::" in t for t in titles), titles


# torchvision's decoders and torch's own TorchBind classes (a scripted quantised Linear) are what real models call
OWN_NAMESPACE_BODIES = [
    "    _0 = ops.image.decode_png(x, 0, False)\n    _1 = ops.torchvision.nms(x, x, 0.5)\n",
    "    _0 = self._packed_params\n    _1 = torch.classes.quantized.LinearPackedParamsBase\n",
]


@pytest.mark.parametrize("body", OWN_NAMESPACE_BODIES, ids=["torchvision-decoders", "torch-own-classes"])
def test_torch_and_torchvision_own_namespaces_stay_clean(tmp_path: Path, body: str) -> None:
    _, top, titles = scan_named(tmp_path, "m.pt", _torchscript_zip("archive/code/__torch__.py", body))
    assert top < Severity.MEDIUM, titles


def test_exported_program_targeting_image_write_file_is_high(tmp_path: Path) -> None:
    graph = '{"graph_module": {"graph": {"nodes": [{"target": "torch.ops.image.write_file.default"}]}}}'
    _, top, titles = scan_named(tmp_path, "model.json", graph)
    assert top is Severity.HIGH, titles


# --- TorchBind classes from a namespace torch does not register ------------------------------------------------------
# A scripted dynamic-quantised Linear serialises ``_packed_params : __torch__.torch.classes.quantized.
# LinearPackedParamsBase`` (torch 2.13.0+cpu, ``/tmp/s12/tv/qlinear.pt``); a class from another namespace needs a
# native library the host loaded, like a custom operator (medium), and was not reported at all.


def test_custom_class_namespace_is_reported_like_a_custom_operator(tmp_path: Path) -> None:
    body = "    _0 = __torch__.torch.classes.evil_ns.Runner.__new__(__torch__.torch.classes.evil_ns.Runner)\n"
    _, top, titles = scan_named(tmp_path, "m.pt", _torchscript_zip("archive/code/__torch__.py", body))
    assert top is Severity.MEDIUM, titles
    assert any("torch.classes.evil_ns" in t for t in titles), titles


# --- lite-interpreter (mobile) models: the operators bytecode names -------------------------------------------------
# **Ran** (``/tmp/s12/m11.py``, ``/tmp/s12/m12.py``, ``/tmp/s12/run_lite.py``; torch 2.13.0+cpu):
# ``_save_for_lite_interpreter`` of a module calling ``torch.from_file(path, True, 4)`` + ``fill_``, with its ``code/``
# members removed from the zip, and the same model saved as a flatbuffer (``_use_flatbuffer=True``, ``PTMF``): under
# ``torch.jit.mobile._load_for_lite_interpreter`` + a call both overwrote the file. Main: "safe" (the zip's
# ``bytecode.pkl`` is a pickle of plain tuples) and "unrecognised binary data" (low) for the flatbuffer.


def _bytecode(operators: tuple[tuple[str, str], ...]) -> bytes:
    method = ("__torch__.M.forward", (("instructions", (("OP", 0, 0), ("RET", 0, 0))), ("operators", operators)))
    return pickle.dumps((8, method), protocol=2)


def _lite_zip(bytecode: bytes, bytecode_name: str = "m/bytecode.pkl") -> bytes:
    return _zip(
        {
            "m/data.pkl": b"\x80\x02}q\x00.",
            bytecode_name: bytecode,
            "m/constants.pkl": b"\x80\x02)\x85.",
            "m/version": b"8\n",
        }
    )


@pytest.mark.parametrize("bytecode_name", ["m/bytecode.pkl", "m/BYTECODE.PKL"])
def test_mobile_bytecode_operators_are_judged(tmp_path: Path, bytecode_name: str) -> None:
    bytecode = _bytecode((("aten::from_file", ""), ("aten::fill_", "Scalar")))
    _, top, titles = scan_named(tmp_path, "m.ptl", _lite_zip(bytecode, bytecode_name))
    assert top is Severity.HIGH, titles
    assert any("aten::from_file" in t for t in titles), titles


def test_mobile_bytecode_escaped_operator_name_is_read_as_the_loader_reads_it(tmp_path: Path) -> None:
    # protocol 0 UNICODE is raw-unicode-escape: "\\u0061ten::save" is "aten::save" once decoded (names are judged
    # decoded, not as raw bytes; whether torch's C++ unpickler takes this opcode was not checked)
    bytecode = b"(I8\n(V__torch__.M.forward\n(Voperators\n((V\\u0061ten::save\nV\ntttt."
    _, top, titles = scan_named(tmp_path, "m.ptl", _lite_zip(bytecode))
    assert top is Severity.HIGH, titles


def test_mobile_bytecode_custom_namespace_is_medium_and_plain_ops_clean(tmp_path: Path) -> None:
    _, top, titles = scan_named(tmp_path, "a.ptl", _lite_zip(_bytecode((("evil_ns::run", ""),))))
    assert top is Severity.MEDIUM, titles
    _, top, titles = scan_named(tmp_path, "b.ptl", _lite_zip(_bytecode((("aten::add", "Tensor"), ("aten::relu", "")))))
    assert top < Severity.MEDIUM, titles


def test_mobile_bytecode_long_custom_namespace_is_still_read(tmp_path: Path) -> None:
    # names of 512 characters and more were skipped unread: a custom namespace that long was "safe"
    namespace = "evil_" + "n" * 600
    _, top, titles = scan_named(tmp_path, "a.ptl", _lite_zip(_bytecode(((f"{namespace}::run", ""),))))
    assert top is Severity.MEDIUM, titles
    assert f"TorchScript code calls custom operator namespace torch.ops.{namespace}" in titles


def _flatbuffer(*strings: bytes) -> bytes:
    body = b"".join(len(s).to_bytes(4, "little") + s + b"\x00" for s in strings)
    return b"\x24\x00\x00\x00PTMF" + b"\x00" * 28 + body


def test_mobile_flatbuffer_operators_are_judged(tmp_path: Path) -> None:
    data = _flatbuffer(b"__torch__.M.forward", b"aten::from_file", b"/home/u/.bashrc", b"aten::fill_")
    _, top, titles = scan_named(tmp_path, "m.ptl", data)
    assert top is Severity.HIGH, titles
    assert any("aten::from_file" in t for t in titles), titles


def test_mobile_flatbuffer_with_plain_operators_stays_below_medium(tmp_path: Path) -> None:
    _, top, titles = scan_named(tmp_path, "m.ptl", _flatbuffer(b"__torch__.M.forward", b"aten::add", b"aten::relu"))
    assert top < Severity.MEDIUM, titles


def test_mobile_flatbuffer_search_stops_at_the_deadline(tmp_path: Path) -> None:
    limits = Limits()
    budget = Budget(limits)
    budget.deadline = 0.0  # already past: the first chunk is not read
    session = Session(limits=limits, depth=0, nested=lambda child, depth: [], budget=budget)
    blob = Blob(name="m.ptl", data=_flatbuffer(b"aten::from_file"))
    titles = [i.title for i in flatbuffer_operator_issues(blob, session)]
    assert titles == ["cannot verify: the time limit was reached 0 MiB into the mobile flatbuffer"], titles
