"""Session 10 red team (round 7): the severity policy for callables nobody listed, and what it led to.
Each sample is built here from bytes; nothing is loaded. Where a loader ran a sample (``pickle.loads`` in a throwaway
Python 3.11 interpreter under /tmp) the test says so.

- The policy: an unlisted pickle global was medium ("unverified import") whatever happened to it, so an attacker who
  picks an importable callable no denylist names passed ``--fail-on high``. Now an unlisted global the loader calls
  is high: REDUCE, INST, OBJ, NEWOBJ/NEWOBJ_EX, the class handed to ``copyreg._reconstructor`` (BUILD then calls its
  ``__setstate__``), to NumPy's ``_reconstruct`` or to torch's rebuild functions, and joblib's array ``subclass``.
  Imported and never called, it stays medium. ``mimetypes.add_type(...)`` **ran** under ``pickle.loads`` (medium
  before).
- SETITEM/SETITEMS/APPEND/APPENDS/ADDITEMS on an imported global change the loading process's state, not a value the
  pickle built: ``mimetypes.types_map[".s10"] = ...`` and ``mimetypes.knownfiles.append(path)`` (the next
  ``mimetypes.init()`` reads that file) **ran** under ``pickle.loads``; they were medium (a global imported, never
  called), now high.
- Scanner tampering (fickling issue #249 "ScannerDeactivation"): a pickle importing fickling, picklescan,
  modelscan, modelaudit or mlsecure itself. ``ALLOWLIST[("os", "system")] = Entry(...)`` on
  ``mlsecure.artifacts.scan.allowlist`` **ran** under ``pickle.loads`` and made ``load_model``'s policy admit
  ``os.system``; medium before, critical now.
"""

from __future__ import annotations

import collections
import io
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from scan_helpers import scan_named

from mlsecure.findings import Severity


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _text(value: str) -> bytes:
    return b"V" + value.encode("raw_unicode_escape") + b"\n"


def _proto2_text(value: str) -> bytes:
    raw = value.encode()
    return b"X" + len(raw).to_bytes(4, "little") + raw


# --- the policy: an unlisted callable the loader calls is high --------------------------------------------------------

UNLISTED = _global("mimetypes", "add_type")  # in no allowlist and no denylist; ran under pickle.loads
UNLISTED_CLASS = _global("mimetypes", "MimeTypes")
CALLED_SHAPES = {
    "REDUCE": b"\x80\x02" + UNLISTED + b"(" + _text("text/x-s10") + _text(".s10") + b"tR.",
    "INST": b"(" + _text("text/x-s10") + _text(".s10") + b"imimetypes\nadd_type\n.",
    "OBJ": b"(" + UNLISTED + _text("text/x-s10") + _text(".s10") + b"o.",
    "NEWOBJ": b"\x80\x02" + UNLISTED_CLASS + b")\x81.",
    "NEWOBJ_EX": b"\x80\x04" + UNLISTED_CLASS + b")}\x92.",
    "copyreg._reconstructor + BUILD": b"\x80\x02"
    + _global("copyreg", "_reconstructor")
    + UNLISTED_CLASS
    + _global("builtins", "object")
    + b"N\x87R}b.",
    "numpy _reconstruct subtype": b"\x80\x02"
    + _global("numpy.core.multiarray", "_reconstruct")
    + UNLISTED_CLASS
    + b"K\x00\x85"
    + _proto2_text("b")
    + b"\x87R.",
    "torch _rebuild_from_type_v2 new_type": b"\x80\x02"
    + _global("torch._tensor", "_rebuild_from_type_v2")
    + b"("
    + _global("builtins", "list")
    + UNLISTED_CLASS
    + b")}tR.",
    "builtin outside the allowlist": b"\x80\x02" + _global("builtins", "sorted") + b"](K\x02K\x01e\x85R.",
}


@pytest.mark.parametrize("shape", list(CALLED_SHAPES))
def test_unlisted_callable_the_loader_calls_is_high(tmp_path: Path, shape: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", CALLED_SHAPES[shape])
    assert worst is Severity.HIGH, titles


def test_joblib_array_subclass_counts_as_called(tmp_path: Path) -> None:
    """joblib (NumPy 1.x) calls ``_reconstruct(wrapper.subclass, ...)``: an unlisted subclass there is called."""
    wrapper = (
        _global("joblib.numpy_pickle", "NumpyArrayWrapper")
        + b")\x81}("
        + _proto2_text("subclass")
        + UNLISTED_CLASS
        + _proto2_text("shape")
        + b"K\x01\x85"
        + _proto2_text("order")
        + _proto2_text("C")
        + _proto2_text("dtype")
        + _global("numpy", "dtype")
        + _proto2_text("u1")
        + b"\x89\x88\x87R"
        + _proto2_text("allow_mmap")
        + b"\x89ub"
    )
    sample = b"\x80\x02" + wrapper + b"\x07."  # the one uint8 element joblib reads after the BUILD, then STOP
    _verdict, worst, titles = scan_named(tmp_path, "model.joblib", sample)
    assert worst is Severity.HIGH, titles


def test_unlisted_global_never_called_stays_medium(tmp_path: Path) -> None:
    """Imported only (a value in a list): the loader imports the module and calls nothing: still "unverified"."""
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", b"\x80\x02]" + UNLISTED_CLASS + b"a.")
    assert worst is Severity.MEDIUM, titles


# --- mutating an imported global --------------------------------------------------------------------------------------

MUTATIONS = {
    "SETITEM": _global("mimetypes", "types_map") + _text(".s10") + _text("text/x-s10") + b"s.",  # ran
    "SETITEMS": _global("mimetypes", "types_map") + b"(" + _text(".s10") + _text("text/x-s10") + b"u.",
    "APPEND": _global("mimetypes", "knownfiles") + _text("/tmp/evil.types") + b"a.",  # ran
    "APPENDS": _global("mimetypes", "knownfiles") + b"(" + _text("/tmp/evil.types") + b"e.",
    "ADDITEMS": b"\x80\x04" + _global("mimetypes", "suffix_map") + b"(" + _text(".s10") + b"\x90.",
}


@pytest.mark.parametrize("opcode", list(MUTATIONS))
def test_mutating_an_imported_global_is_high(tmp_path: Path, opcode: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", MUTATIONS[opcode])
    assert worst is Severity.HIGH, titles
    assert any(f"{opcode} changes the imported global mimetypes." in title for title in titles), titles


def test_mutation_through_the_memo_is_seen(tmp_path: Path) -> None:
    """The global put in the memo and fetched back is the same object: SETITEM on it still changes the global."""
    sample = _global("mimetypes", "types_map") + b"p0\n0g0\n" + _text(".s10") + _text("x") + b"s."
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", sample)
    assert worst is Severity.HIGH, titles


# --- BUILD state that swaps the object's class ---------------------------------------------------------------------
# ``copyreg._reconstructor(scipy.sparse._csr.csr_matrix, object, None)`` (all allowlisted), then BUILD with the state
# ``(None, {"__class__": <unlisted class>})``: pickle applies the second item with setattr, the object becomes an
# instance of the unlisted class and its ``__del__`` runs when the pickle drops it (POP). A ``Gadget`` class with a
# ``__del__`` calling ``os.getcwd`` **ran** under pickle.loads; main called the class an unverified import (medium).
SWAP_BASE = (
    b"\x80\x02"
    + _global("copyreg", "_reconstructor")
    + _global("scipy.sparse._csr", "csr_matrix")
    + _global("builtins", "object")
    + b"N\x87R"
)


@pytest.mark.parametrize(
    "state",
    [
        b"N}" + _text("__class__") + UNLISTED_CLASS + b"s\x86",  # slot state: setattr
        b"}" + _text("__class__") + UNLISTED_CLASS + b"s",  # dict state: a setattr-style __setstate__ applies it
        b"N}" + _text("__dict__") + b"}s\x86",  # another dunder set with setattr
    ],
    ids=["slotstate __class__", "dict state __class__", "slotstate __dict__"],
)
def test_build_state_that_swaps_the_class_is_high(tmp_path: Path, state: bytes) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", SWAP_BASE + state + b"b0N.")
    assert worst is Severity.HIGH, titles
    assert any(title.startswith("BUILD sets __") for title in titles), titles


def test_build_slot_state_with_ordinary_names_stays_clean(tmp_path: Path) -> None:
    """A ``__slots__`` object's state is ``(None, {"name": value})``: ordinary names are not findings."""
    state = b"N}" + _text("_shape") + b"K\x01K\x01\x86s\x86"
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", SWAP_BASE + state + b"b.")
    assert worst < Severity.MEDIUM, titles


@pytest.mark.parametrize(
    "rebuild",
    [
        # _rebuild_from_type_v2(func, new_type, args, state): torch._utils._set_obj_state(ret, state) uses setattr
        _global("torch._tensor", "_rebuild_from_type_v2")
        + b"("
        + _global("builtins", "list")
        + _global("torch", "Tensor")
        + b")",
        # _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state): the same _set_obj_state
        _global("torch._utils", "_rebuild_parameter_with_state") + b"(N\x89N",
    ],
    ids=["_rebuild_from_type_v2", "_rebuild_parameter_with_state"],
)
def test_torch_rebuild_state_that_swaps_the_class_is_high(tmp_path: Path, rebuild: bytes) -> None:
    """Not run (a tensor subclass with a ``__del__`` would be needed); torch's ``_set_obj_state`` is the same
    ``setattr`` loop as BUILD's slot state."""
    sample = b"\x80\x02" + rebuild + b"}" + _text("__class__") + UNLISTED_CLASS + b"stR."
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", sample)
    assert worst is Severity.HIGH, titles
    assert any("sets __class__ with setattr" in title for title in titles), titles


def test_torch_parameter_with_attributes_stays_clean(tmp_path: Path) -> None:
    """A real ``torch.save`` of a Parameter carrying an attribute is rebuilt by ``_rebuild_parameter_with_state``."""
    import torch

    param = torch.nn.Parameter(torch.ones(3))
    param.tag = "encoder"  # type: ignore[attr-defined]  # any attribute makes torch pickle the state
    buffer = io.BytesIO()
    torch.save(param, buffer)
    _verdict, worst, titles = scan_named(tmp_path, "param.pt", buffer.getvalue())
    assert worst < Severity.MEDIUM, titles
    assert b"_rebuild_parameter_with_state" in buffer.getvalue()  # the path this control is about was taken


# --- scanner tampering ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("fickling.hook", "remove_hook"),  # fickling's own corpus: scanner_deactivation / fickling_remove_hook
        ("fickling.hook", "deactivate_safe_ml_environment"),
        ("picklescan.scanner", "scan_pickle_bytes"),
        ("modelscan.settings", "DEFAULT_SETTINGS"),
        ("modelaudit_picklescan", "scan_file"),
        ("mlsecure.artifacts.scan.allowlist", "ALLOWLIST"),
    ],
)
def test_pickle_scanner_modules_are_critical(tmp_path: Path, module: str, name: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", b"\x80\x02" + _global(module, name) + b")R.")
    assert worst is Severity.CRITICAL, titles


def test_rewriting_mlsecure_allowlist_is_critical(tmp_path: Path) -> None:
    """This pickle **ran** under pickle.loads: afterwards ``load_allowed("os", "system")`` was True."""
    sample = (
        _global("mlsecure.artifacts.scan.allowlist", "ALLOWLIST")
        + b"("
        + _text("os")
        + _text("system")
        + b"t"
        + _global("mlsecure.artifacts.scan.allowlist", "Entry")
        + b"("
        + _text("x")
        + b"I01\ntRs."
    )
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", sample)
    assert worst is Severity.CRITICAL, titles


# --- benign controls: real files keep their verdict -------------------------------------------------------------------


def test_numpy_matrix_pickle_stays_clean(tmp_path: Path) -> None:
    """``_reconstruct(numpy.matrix, ...)``: the class handed over is allowlisted, so nothing is raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # NumPy discourages matrix; files still hold it
        data = pickle.dumps(np.matrix([[1, 2], [3, 4]]), protocol=2)
    _verdict, worst, titles = scan_named(tmp_path, "matrix.pkl", data)
    assert worst < Severity.MEDIUM, titles


def test_joblib_own_numpy1_matrix_file_is_clean(tmp_path: Path) -> None:
    """joblib's shipped test file (written by joblib 0.11 with NumPy 1.11) names ``numpy.matrixlib.defmatrix.matrix``:
    medium before session 10 (unlisted), allowlisted now (the same class as ``numpy.matrix``)."""
    import joblib

    path = Path(joblib.__file__).parent / "test" / "data" / "joblib_0.11.0_pickle_py36_np111.pkl"
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", path.read_bytes())
    assert worst < Severity.MEDIUM, titles


@pytest.mark.parametrize(
    "value",
    [
        collections.OrderedDict(a=1),
        collections.Counter("abc"),
        collections.deque([1, 2]),
        {1, 2},
        bytearray(b"ab"),
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array(["a", "b"]),
        np.float64(1.5),
    ],
)
@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_builtin_and_numpy_values_stay_clean(tmp_path: Path, value: object, protocol: int) -> None:
    data = pickle.dumps(value, protocol=protocol)
    _verdict, worst, titles = scan_named(tmp_path, "value.pkl", data)
    assert worst < Severity.MEDIUM, titles


def test_torch_state_dict_and_parameter_stay_clean(tmp_path: Path) -> None:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    buffer = io.BytesIO()
    torch.save({"state": model.state_dict(), "param": torch.nn.Parameter(torch.ones(2))}, buffer)
    _verdict, worst, titles = scan_named(tmp_path, "model.pt", buffer.getvalue())
    assert worst < Severity.MEDIUM, titles


# --- LZ4 checksums: what lz4.frame refuses is not read as if it loaded ---------------------------------------------
# A frame written by lz4 4.4.5 (``lz4.frame.compress(pickle, block_checksum=True, content_checksum=True,
# store_size=True)``) around a clean protocol-4 pickle: header checksum at byte 14, block checksum at 77-80, content
# checksum at 85-88. Against 240 frames of that package (60 random ones, 3 one-bit corruptions each) the reader now
# accepts and refuses exactly what ``lz4.frame.decompress`` does; main read 94 of the refused ones as valid.
LZ4_CLEAN = bytes.fromhex(
    "04224d187c409501000000000000393a000000618004958a01000100f1047d94288c0777656967687473945d9428473fe018001f000900"
    "ff4df003658c046e616d65948c05636c65616e94752e232f7e9100000000e85a29be"
)


def test_lz4_frame_with_all_checksums_is_clean(tmp_path: Path) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.joblib", LZ4_CLEAN)
    assert worst < Severity.MEDIUM, titles


@pytest.mark.parametrize(("where", "byte"), [("header", 14), ("block", 77), ("content", 85)])
def test_lz4_checksum_failure_is_reported_not_read_as_valid(tmp_path: Path, where: str, byte: int) -> None:
    corrupt = bytearray(LZ4_CLEAN)
    corrupt[byte] ^= 0x01
    _verdict, worst, titles = scan_named(tmp_path, "model.joblib", bytes(corrupt))
    # nothing decodes before a bad header or first block: "cannot be decompressed" (medium); after: "the rest" (high)
    assert worst is (Severity.HIGH if where == "content" else Severity.MEDIUM), titles
    assert any(f"{where} checksum fails" in title for title in titles), titles


@pytest.mark.parametrize(
    ("data", "digest"),
    [
        (b"", 0x02CC5D05),  # xxHash's published values
        (b"a", 0x550D7456),
        (b"abc", 0x32D153FF),
        (b"Nobody inspects the spammish repetition", 0xE2293B2F),
    ],
)
def test_xxh32_known_answers(data: bytes, digest: int) -> None:
    from mlsecure.artifacts.scan.xxhash32 import XXH32, xxh32  # new in session 10

    assert xxh32(data) == digest
    pieces = XXH32()
    for i in range(0, len(data), 3):  # streamed in pieces that straddle the 16-byte stripes
        pieces.update(data[i : i + 3])
    assert pieces.digest() == digest
