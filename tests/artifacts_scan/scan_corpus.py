"""Builds the scanner test corpus in a folder: benign real model files and malicious variants.

Every malicious payload is harmless (``os.system("touch MARKER")``, ``os.getcwd``...) and built the
way published attacks build them; ``MARKER`` lets tests prove no payload ever ran. Used by the tests
and by ``benchmarks/bench_artifact_scan.py``. No binary blobs live in git: everything is generated.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER_NAME = "PAYLOAD_RAN"


@dataclass(frozen=True)
class Sample:
    path: Path
    malicious: bool
    technique: str


# -- pickle building blocks --------------------------------------------------------------------------
def _s(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw if len(raw) < 256 else b"X" + struct.pack("<I", len(raw)) + raw


def _global0(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _call1(module: str, name: str, arg: str, proto: int = 4) -> bytes:
    return b"\x80" + bytes([proto]) + _s(module) + _s(name) + b"\x93" + _s(arg) + b"\x85R."


class _Reduce:
    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.func, self.args


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- zip surgery (the published torch-zip tricks) -----------------------------------------------------
def _torch_zip(obj: Any) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _patch_member(data: bytes, member_suffix: str, patch: Callable[[bytearray, int, int], None]) -> bytes:
    """Apply ``patch(buf, local_header_offset, central_header_offset)`` to the member ending with suffix."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = next(i for i in z.infolist() if i.filename.endswith(member_suffix))
    local = info.header_offset
    central = buf.find(b"PK\x01\x02" + bytes(buf[local + 4 : local + 6]))
    while central >= 0:
        nlen = struct.unpack_from("<H", buf, central + 28)[0]
        if buf[central + 46 : central + 46 + nlen].decode() == info.filename:
            break
        central = buf.find(b"PK\x01\x02", central + 4)
    patch(buf, local, central)
    return bytes(buf)


def _rename_local(buf: bytearray, local: int, central: int) -> None:
    nlen = struct.unpack_from("<H", buf, local + 26)[0]
    name = bytes(buf[local + 30 : local + 30 + nlen])
    buf[local + 30 : local + 30 + nlen] = name.replace(b"data.pkl", b"dxta.pkl")


def _set_flags(buf: bytearray, local: int, central: int) -> None:
    struct.pack_into("<H", buf, local + 6, struct.unpack_from("<H", buf, local + 6)[0] | 0x1)
    struct.pack_into("<H", buf, central + 8, struct.unpack_from("<H", buf, central + 8)[0] | 0x1)


def _bad_crc(buf: bytearray, local: int, central: int) -> None:
    struct.pack_into("<L", buf, local + 14, 0xDEADBEEF)
    struct.pack_into("<L", buf, central + 16, 0xDEADBEEF)


# -- the corpus ---------------------------------------------------------------------------------------
def build_corpus(folder: Path) -> list[Sample]:
    folder.mkdir(parents=True, exist_ok=True)
    return [*build_benign(folder / "benign"), *build_malicious(folder / "malicious")]


def build_benign(folder: Path) -> list[Sample]:
    import joblib
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp
    import torch
    from safetensors.torch import save_file
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    x, y = load_digits(return_X_y=True)
    x, y = x[:400], y[:400]
    mlp = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 6 * 6, 10))
    logreg = LogisticRegression(max_iter=300).fit(x, y)
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=4, random_state=0)).fit(x, y)
    svc = SVC().fit(x, y)
    kmeans = KMeans(n_clusters=4, n_init=1, random_state=0).fit(x)
    out: list[Sample] = []

    def add(name: str, technique: str) -> None:
        out.append(Sample(folder / name, False, technique))

    torch.save(mlp.state_dict(), folder / "mlp_state_dict.pt")
    add("mlp_state_dict.pt", "torch zip state_dict")
    torch.save(cnn.state_dict(), folder / "cnn_state_dict.pth")
    add("cnn_state_dict.pth", "torch zip state_dict")
    torch.save(mlp.state_dict(), folder / "mlp_legacy.pt", _use_new_zipfile_serialization=False)
    add("mlp_legacy.pt", "torch legacy state_dict")
    torch.save(cnn.state_dict(), folder / "cnn_legacy.bin", _use_new_zipfile_serialization=False)
    add("cnn_legacy.bin", "torch legacy state_dict")
    optim = torch.optim.SGD(mlp.parameters(), lr=0.1, momentum=0.9)
    mlp(torch.zeros(2, 64)).sum().backward()
    optim.step()
    torch.save({"model": mlp.state_dict(), "optimizer": optim.state_dict(), "epoch": 3, "loss": 0.25},
               folder / "training_checkpoint.pt")
    add("training_checkpoint.pt", "torch zip checkpoint")
    torch.save(mlp, folder / "mlp_full_module.pt")
    add("mlp_full_module.pt", "torch zip full module")
    torch.jit.save(torch.jit.trace(mlp.eval(), torch.zeros(1, 64)), str(folder / "mlp_torchscript.pt"))
    add("mlp_torchscript.pt", "torchscript")
    (folder / "tensor_pickle.pkl").write_bytes(pickle.dumps(torch.arange(6.0)))
    add("tensor_pickle.pkl", "pickle of a tensor")
    (folder / "logreg.pkl").write_bytes(pickle.dumps(logreg))
    add("logreg.pkl", "sklearn pickle")
    (folder / "pipeline_proto2.pkl").write_bytes(pickle.dumps(pipe, protocol=2))
    add("pipeline_proto2.pkl", "sklearn pickle")
    (folder / "scaler_proto0.pkl").write_bytes(pickle.dumps(StandardScaler().fit(x), protocol=0))
    add("scaler_proto0.pkl", "sklearn pickle")
    (folder / "svc_proto5.pkl").write_bytes(pickle.dumps(svc, protocol=5))
    add("svc_proto5.pkl", "sklearn pickle")
    joblib.dump(pipe, folder / "pipeline.joblib")
    add("pipeline.joblib", "joblib")
    joblib.dump(logreg, folder / "logreg_zlib.joblib", compress=3)
    add("logreg_zlib.joblib", "joblib compressed")
    joblib.dump(kmeans, folder / "kmeans_gzip.joblib", compress=("gzip", 3))
    add("kmeans_gzip.joblib", "joblib compressed")
    joblib.dump(svc, folder / "svc_xz.joblib", compress=("xz", 3))
    add("svc_xz.joblib", "joblib compressed")
    joblib.dump(pipe, folder / "pipeline_bz2.joblib", compress=("bz2", 3))
    add("pipeline_bz2.joblib", "joblib compressed")
    np.save(folder / "weights.npy", np.random.default_rng(0).normal(size=(32, 16)).astype(np.float32))
    add("weights.npy", "numpy")
    np.savez_compressed(folder / "arrays.npz", a=np.arange(100), b=np.eye(4))
    add("arrays.npz", "npz")
    save_file({k: v.contiguous() for k, v in mlp.state_dict().items()}, str(folder / "mlp.safetensors"))
    add("mlp.safetensors", "safetensors")
    from skl2onnx import to_onnx

    (folder / "logreg.onnx").write_bytes(to_onnx(logreg, x[:1].astype(np.float32)).SerializeToString())
    add("logreg.onnx", "onnx")
    frame = pd.DataFrame({"a": np.arange(5), "b": list("abcde"), "t": pd.date_range("2024-01-01", periods=5)})
    (folder / "frame.pkl").write_bytes(pickle.dumps(frame))
    add("frame.pkl", "pandas pickle")
    (folder / "sparse.pkl").write_bytes(pickle.dumps(sp.random(20, 20, density=0.1, format="csr", random_state=0)))
    add("sparse.pkl", "scipy pickle")
    from collections import Counter, OrderedDict

    (folder / "vocab.pkl").write_bytes(pickle.dumps({"counts": Counter("hello"), "order": OrderedDict(a=1)}))
    add("vocab.pkl", "collections pickle")
    (folder / "rng.pkl").write_bytes(pickle.dumps(np.random.RandomState(0)))
    add("rng.pkl", "numpy rng pickle")
    (folder / "template.gguf").write_bytes(gguf_bytes({"general.name": "tiny", "tokenizer.chat_template":
                                                  "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n"
                                                  "{% endfor %}"}))
    add("template.gguf", "gguf")
    record = pickle.dumps(("0", "cpu", torch.FloatStorage), protocol=2)
    (folder / "legacy_tar.pt").write_bytes(legacy_tar([record, record]))
    add("legacy_tar.pt", "torch legacy tar")
    (folder / "config.json").write_text(json.dumps({"hidden_size": 64, "labels": list(range(10))}))
    add("config.json", "text config")
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"chat_template": "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"}))
    add("tokenizer_config.json", "chat template")
    return out


def build_malicious(folder: Path) -> list[Sample]:
    import joblib
    import numpy as np
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    marker = str(folder.parent / MARKER_NAME)
    touch = f"touch {marker}"
    out: list[Sample] = []

    def add(name: str, data: bytes, technique: str) -> None:
        out.append(Sample(_write(folder, name, data), True, technique))

    # direct REDUCE of os.system, every protocol
    for proto in range(6):
        add(f"os_system_proto{proto}.pkl", pickle.dumps(_Reduce(os.system, touch), protocol=proto),
            f"REDUCE os.system protocol {proto}")
    add("inst_opcode.pkl", b"(S'" + touch.encode() + b"'\nios\nsystem\n.", "INST os.system")
    add("obj_opcode.pkl", b"(" + _global0("os", "system") + b"S'" + touch.encode() + b"'\no.", "OBJ os.system")
    add("newobj_ex.pkl", b"\x80\x04" + _s("subprocess") + _s("Popen") + b"\x93" + _s("true") + b"\x85}\x92.",
        "NEWOBJ_EX subprocess.Popen")
    add("builtins_eval.pkl", _call1("builtins", "eval", "__import__('os').getcwd()"), "builtins.eval")
    add("builtins_exec.pkl", _call1("builtins", "exec", "import os"), "builtins.exec")
    getattr_chain = (b"\x80\x04" + _s("builtins") + _s("getattr") + b"\x93" + _s("builtins") + _s("__import__")
                     + b"\x93" + _s("os") + b"\x85R" + _s("system") + b"\x86R" + _s("true") + b"\x85R.")
    add("getattr_gadget.pkl", getattr_chain, "getattr(__import__('os'), 'system')")
    add("subprocess_check_output.pkl", _call1("subprocess", "check_output", "true"), "subprocess.check_output")
    add("runpy.pkl", _call1("runpy", "run_path", "/dev/null"), "runpy.run_path")
    add("GHSA-655q-fx9r-782v_pip_main.pkl",
        b"\x80\x04" + _s("pip") + _s("main") + b"\x93" + b"(" + _s("--version") + b"l\x85R.", "pip.main")
    add("GHSA-xp4f-hrf8-rxw7_ensurepip.pkl", _call1("ensurepip", "_run_pip", "--version"), "ensurepip._run_pip")
    add("GHSA-v7x6-rv5q-mhwc_timeit.pkl", _call1("timeit", "timeit", "import os"), "timeit.timeit")
    attrgetter = (b"\x80\x04" + _s("_operator") + _s("attrgetter") + b"\x93" + _s("system") + b"\x85R"
                  + _s("os") + _s("getcwd") + b"\x93\x85R.")
    add("GHSA-955r-x9j8-7rhh_operator.pkl", attrgetter, "_operator.attrgetter")
    add("pkgutil_resolve_name.pkl", _call1("pkgutil", "resolve_name", "os:getcwd"), "pkgutil.resolve_name")
    add("importlib_import_module.pkl", _call1("importlib", "import_module", "os"), "importlib.import_module")
    add("cprofile_run.pkl", _call1("cProfile", "run", "import os"), "cProfile.run")
    add("CVE-2025-10157_asyncio.pkl", _call1("asyncio.unix_events", "_UnixSubprocessTransport", "x"),
        "asyncio subprocess transport")
    add("uuid_command.pkl", _call1("uuid", "_get_command_stdout", "true"), "uuid._get_command_stdout")
    add("numpy_runstring.pkl", _call1("numpy.testing._private.utils", "runstring", "import os"),
        "numpy runstring")
    add("torch_fx_forward_from_src.pkl", _call1("torch.fx.graph_module", "_forward_from_src", "import os"),
        "torch.fx exec")
    add("webbrowser.pkl", _call1("webbrowser", "open", "http://127.0.0.1:1/"), "webbrowser.open")
    add("socket.pkl", _call1("socket", "create_connection", "x"), "socket")
    add("marshal_loads.pkl", b"\x80\x04" + _s("marshal") + _s("loads") + b"\x93C\x01\x00\x85R.", "marshal.loads")
    add("types_functiontype.pkl", _call1("types", "FunctionType", "x"), "types.FunctionType")
    add("partial_wrapper.pkl", pickle.dumps(_Reduce(__import__("functools").partial(os.system, touch))),
        "functools.partial(os.system)")
    # memo and dotted-name tricks
    memo_trick = (b"\x80\x04" + _s("os") + b"\x94" + _s("system") + b"\x94" + _s("collections") + _s("OrderedDict")
                  + b"00" + b"h\x00h\x01\x93" + _s(touch) + b"\x85R.")
    add("memo_stack_global.pkl", memo_trick, "STACK_GLOBAL operands from the memo")
    add("dotted_proto4.pkl", _call1("logging", "os.system", touch), "dotted proto-4 name logging+os.system")
    add("dotted_torch.pkl", _call1("torch", "os.system", touch), "dotted name through an allowlisted module")
    numpy_builtins = bytes.fromhex(
        "80049566000000000000008c056e756d70798c0473697a659394948c056e756d70798c0c5f5f6275696c74696e735f5f93949468"
        "017d7d8c0573686170656803738662680168018c046576616c86528c1d5f5f696d706f72745f5f28226f7322292e7379737465"
        "6d28226964222985522e")
    add("modelscan-330_numpy_builtins.pkl", numpy_builtins, "numpy.__builtins__ + BUILD on a global")
    add("ext_opcode.pkl", b"\x80\x02\x82\x01" + _s("true") + b"\x85R.", "EXT1 extension code")
    add("build_on_global.pkl", b"\x80\x04" + _s("numpy") + _s("size") + b"\x93}" + _s("x") + b"K\x01sb.",
        "BUILD mutates an imported global")
    nested = pickle.dumps(_Reduce(os.system, touch))
    add("GHSA-84r2-jw7c-4r5q_nested.pkl", pickle.dumps(_Reduce(pickle.loads, nested)), "nested pickle.loads")
    add("concatenated.pkl", pickle.dumps({"w": [1.0, 2.0]}) + pickle.dumps(_Reduce(os.system, touch)),
        "second pickle in the stream")
    add("truncated.pkl", pickle.dumps(_Reduce(os.system, touch))[:-6], "malformed (truncated) stream")
    # joblib: payload after the inline array buffers, compressed variants
    buf = io.BytesIO()
    joblib.dump({"weights": np.ones((64, 64)), "hook": _Reduce(os.system, touch)}, buf)
    add("joblib_after_array.joblib", buf.getvalue(), "joblib payload after an inline array")
    for comp in ("zlib", "gzip", "xz"):
        path = folder / f"joblib_{comp}.joblib"
        joblib.dump({"weights": np.arange(1000.0), "hook": _Reduce(os.system, touch)}, path, compress=(comp, 3))
        out.append(Sample(path, True, f"joblib {comp}-compressed payload"))
    # numpy
    arr = io.BytesIO()
    np.save(arr, np.array([_Reduce(os.system, touch)], dtype=object), allow_pickle=True)
    add("object_array.npy", arr.getvalue(), "npy object array with payload")
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as z:
        z.writestr("w.npy", arr.getvalue())
    add("object_array.npz", npz.getvalue(), "npz with an object-array payload")
    # torch
    payload_ckpt = {"state": torch.nn.Linear(2, 2).state_dict(), "hook": _Reduce(os.system, touch)}
    add("torch_zip_payload.pt", _torch_zip(payload_ckpt), "torch zip data.pkl payload")
    add("GHSA-769v-p64c-89pr_ext.bin", _torch_zip(payload_ckpt), "torch zip with a non-standard extension")
    add("GHSA-7q5r-7gvp-wc82_name.pt", _patch_member(_torch_zip(payload_ckpt), "data.pkl", _rename_local),
        "local name differs from the central directory")
    add("GHSA-w8jq-xcqf-f792_flags.pt", _patch_member(_torch_zip(payload_ckpt), "data.pkl", _set_flags),
        "zip flag bits")
    add("CVE-2025-10156_crc.pt", _patch_member(_torch_zip(payload_ckpt), "data.pkl", _bad_crc), "bad CRC")
    deflated = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_torch_zip(payload_ckpt))) as src, \
            zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename.replace("archive/", "weird_folder/"), src.read(info))
    add("torch_zip_deflate.pt", deflated.getvalue(), "DEFLATE members, data.pkl under another folder")
    legacy = io.BytesIO()
    torch.save(payload_ckpt, legacy, _use_new_zipfile_serialization=False)
    add("torch_legacy_payload.pt", legacy.getvalue(), "legacy torch format, payload in the 4th pickle")
    legacy_sysinfo = (pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(_Reduce(os.system, touch))
                      + legacy.getvalue()[len(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)) + 0:])
    add("torch_legacy_second_pickle.pt", legacy_sysinfo, "legacy torch format, payload in a stacked pickle")
    record = pickle.dumps(("0", "cpu", torch.FloatStorage), protocol=2)
    add("torch_legacy_tar.pt", legacy_tar([record, pickle.dumps(_Reduce(os.system, touch), protocol=2)]),
        "legacy tar format, payload in a storage record after raw bytes")
    # archives
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("models/readme.txt", "weights inside")
        z.writestr("models/model.pkl", pickle.dumps(_Reduce(os.system, touch)))
    add("bundle.zip", zbuf.getvalue(), "pickle inside a zip")
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w:gz") as t:
        data = pickle.dumps(_Reduce(os.system, touch))
        info = tarfile.TarInfo("model/model.bin")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    add("bundle.tar.gz", tbuf.getvalue(), "pickle inside a tar.gz")
    trav = io.BytesIO()
    with zipfile.ZipFile(trav, "w") as z:
        z.writestr("../../.bashrc", "echo owned")
    add("traversal.zip", trav.getvalue(), "zip path traversal")
    link = io.BytesIO()
    with tarfile.open(fileobj=link, mode="w") as t:
        info = tarfile.TarInfo("weights.bin")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        t.addfile(info)
    add("symlink.tar", link.getvalue(), "tar symlink out of the archive")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", b"\x00" * (80 * 1024**2))
    add("bomb.zip", bomb.getvalue(), "zip bomb")
    # other formats
    add("onnx_external_abs.onnx", _onnx_external("/etc/passwd"), "onnx external data absolute path")
    add("onnx_external_escape.onnx", _onnx_external("../../../etc/passwd"), "onnx external data ../ escape")
    add("onnx_custom_domain.onnx", _onnx_custom_domain(), "onnx custom op domain")
    add("keras_lambda.keras", _keras_lambda(), "keras Lambda layer")
    add("keras_lambda.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 200 + json.dumps(_keras_config()).encode() + b"\x00",
        "keras h5 Lambda layer")
    add("gguf_template.gguf", gguf_bytes({"tokenizer.chat_template":
                                     "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('true') }}"}),
        "gguf chat template injection")
    add("tokenizer_config.json", json.dumps({"chat_template": "{{ cycler.__init__.__globals__.os.popen('true') }}"})
        .encode(), "tokenizer_config.json chat template injection")
    add("savedmodel_pyfunc.pb", b"\x08\x01\x12\x40\n\x05serve\x12\x08tensorflow" + b"\x12\x06PyFunc" +
        b"\x12\x08ReadFile", "savedmodel PyFunc/ReadFile ops")
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                         "v": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}).encode()
    add("overlap.safetensors", struct.pack("<Q", len(header)) + header + b"\x00" * 24, "safetensors overlap")
    return out


def legacy_tar(storage_records: list[bytes]) -> bytes:
    """PyTorch's pre-0.4 tar checkpoint: sys_info, pickle, storages (record pickles + raw bytes), tensors."""
    import torch

    storages = pickle.dumps(len(storage_records), protocol=2)
    for record in storage_records:
        storages += record + struct.pack("<q", 4) + b"\x00" * 16  # 4 float32 elements
    storages += pickle.dumps([], protocol=2)  # storage views
    members = {"sys_info": pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2),
               "pickle": pickle.dumps({"w": 1}, protocol=2), "storages": storages,
               "tensors": pickle.dumps(0, protocol=2)}
    del torch
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gguf_bytes(metadata: dict[str, str]) -> bytes:
    """A GGUF v3 header with string metadata only (type 8), no tensors."""

    def string(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    body = b"GGUF" + struct.pack("<IQQ", 3, 0, len(metadata))
    for key, value in metadata.items():
        body += string(key) + struct.pack("<I", 8) + string(value)
    return body


def _onnx_external(location: str) -> bytes:
    from onnx import TensorProto, helper

    tensor = helper.make_tensor("w", TensorProto.FLOAT, [1], [0.0])
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", location
    node = helper.make_node("Identity", ["w"], ["y"])
    graph = helper.make_graph([node], "g", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], [tensor])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return bytes(model.SerializeToString())


def _onnx_custom_domain() -> bytes:
    from onnx import TensorProto, helper

    node = helper.make_node("RunShell", ["x"], ["y"], domain="evil.ops")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("evil.ops", 1)])
    return bytes(model.SerializeToString())


def _keras_config() -> dict[str, Any]:
    code = zlib.compress(b"import os")  # stands in for marshalled bytecode; never run
    return {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
        {"class_name": "Lambda", "config": {"name": "lambda", "function": [code.hex(), None, None]}}]}}


def _keras_lambda() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
        z.writestr("config.json", json.dumps(_keras_config()))
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    return buf.getvalue()


def keras_archive(folder: Path, layers: list[dict[str, Any]]) -> Path:
    """A Keras 3 ``.keras`` zip in ``folder`` holding a Sequential of ``layers`` (config only, no weights)."""
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": layers}}
    path = folder / "model.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.9.0"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    return path
