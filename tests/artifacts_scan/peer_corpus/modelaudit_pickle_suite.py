"""modelaudit (MIT, github.com/promptfoo/modelaudit): tests/scanners/test_pickle_scanner.py - the
hand-assembled pickles of TestPickleScannerAdvanced, TestPickleScannerBlocklistHardening and
TestCVE20251716PipMainBlocklist, rebuilt byte for byte by our own code (payload strings made harmless).

Labels: each of these tests asserts a CRITICAL finding, so each sample is malicious. Left out: the
"malformed tail after builtins.len" case, whose test asserts only "no CRITICAL" (a weaker claim than
clean), and the EXT tests that register codes in ``copyreg`` first (the codes are process state,
not file content; the unregistered-code variant is kept).
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Callable

from peer_corpus import Payload, PeerSample
from peer_corpus._files import blob

T = "tests/scanners/test_pickle_scanner.py"
HARD = f"{T}::TestPickleScannerBlocklistHardening"
PIP = f"{T}::TestCVE20251716PipMainBlocklist"


def _s(sid: str, source: str, description: str, make: Callable[[Payload], bytes]) -> PeerSample:
    return PeerSample(f"modelaudit/{sid}", source, description, blob(f"{sid}.pkl", make))


def _global_reduce(module: str, func: str) -> bytes:
    """PROTO 2 | GLOBAL module func | MARK | TUPLE | REDUCE | STOP (modelaudit's _craft_global_reduce_pickle)."""
    return b"\x80\x02c" + f"{module}\n{func}\n".encode() + b"(tR."


def _memoized_callable(p: Payload) -> bytes:
    out = bytearray(b"\x80\x02cposix\nsystem\nq\x010")
    for i in range(12):
        filler = f"f{i}".encode()
        out += b"X" + struct.pack("<I", len(filler)) + filler + b"0"
    arg = p.cmd.encode()
    out += b"h\x01X" + struct.pack("<I", len(arg)) + arg + b"\x85R."
    return bytes(out)


def _popped_decoys(p: Payload) -> bytes:
    def sbu(value: bytes) -> bytes:
        return b"\x8c" + bytes([len(value)]) + value
    out = bytearray(b"\x80\x04") + sbu(b"os") + sbu(b"system")
    for i in range(6):
        out += sbu(f"junk{i}".encode()) + b"0"
    out += sbu(b"torch._utils") + b"0" + sbu(b"_rebuild_tensor_v2") + b"0" + b"\x93"
    return bytes(out + sbu(p.cmd.encode()) + b"\x85R.")


def _ext(opcode: bytes, code: bytes) -> Callable[[Payload], bytes]:
    return lambda p: b"\x80\x02" + opcode + code + b'(S"' + p.cmd.encode() + b'"\ntR.'


BLOCKED = [("pkgutil", "resolve_name", "test_pkgutil_resolve_name_critical"),
           ("uuid", "_get_command_stdout", "test_uuid_get_command_stdout_critical"),
           ("smtplib", "SMTP", "test_smtplib_blocked"), ("sqlite3", "connect", "test_sqlite3_blocked"),
           ("tarfile", "open", "test_tarfile_blocked"), ("marshal", "loads", "test_marshal_blocked"),
           ("cloudpickle", "loads", "test_cloudpickle_blocked"), ("webbrowser", "open", "test_webbrowser_blocked")]


def samples() -> list[PeerSample]:
    benign_head = pickle.dumps({"safe": True}, protocol=2)
    comment = b"# this is a comment"
    return [
        *(_s(f"pickle_blocked_{m}.{f}", f"{HARD}::{test}", f"GLOBAL {m}.{f} + REDUCE, protocol 2",
             lambda _, m=m, f=f: _global_reduce(m, f)) for m, f, test in BLOCKED),
        _s("pickle_multi_stream", f"{HARD}::test_multi_stream_benign_then_malicious",
           "benign protocol-2 dict stream, then GLOBAL os.system + REDUCE", lambda _: benign_head
           + _global_reduce("os", "system")),
        _s("pickle_multi_stream_separator", f"{HARD}::test_multi_stream_separator_byte_resync",
           "benign stream, a NUL byte, then os.system + REDUCE", lambda _: benign_head + b"\x00"
           + _global_reduce("os", "system")),
        _s("pickle_malformed_first_stream", f"{HARD}::test_multi_stream_malformed_first_stream_still_detects_second",
           "truncated first stream (GLOBAL with a 0xff name), then os.system + REDUCE",
           lambda _: b"\x80\x02cbuiltins\nlen\nq\x00c\xff\n" + _global_reduce("os", "system")),
        *(_s(f"pickle_{name.lower()}_unregistered", f"{HARD}::test_ext_unresolved_code_still_flagged",
             f"{name} with a code absent from copyreg, then REDUCE", _ext(op, code))
          for name, op, code in (("EXT1", b"\x82", bytes([0xF0])), ("EXT2", b"\x83", struct.pack("<H", 0xF000)),
                                 ("EXT4", b"\x84", struct.pack("<I", 0x1F000)))),
        _s("pickle_malformed_tail_import", f"{HARD}::test_malformed_unicode_tail_still_flags_dangerous_global",
           "GLOBAL builtins.__import__ then a truncated GLOBAL",
           lambda _: b"\x80\x02cbuiltins\n__import__\nq\x00c\xff\n"),
        _s("pickle_joblib_load", f"{HARD}::test_joblib_load_reduce_is_critical",
           "joblib.load('payload.pkl') via REDUCE", lambda _: b"\x80\x04cjoblib\nload\n\x8c\x0bpayload.pkl\x85R."),
        _s("pickle_newobj_ex_wrap_close", f"{HARD}::test_newobj_ex_dangerous_class", "NEWOBJ_EX of os._wrap_close",
           lambda _: b"\x80\x04cos\n_wrap_close\n)}\x92."),
        _s("pickle_pip_main", f"{PIP}::test_pip_main_detected_as_critical", "GLOBAL pip.main + EMPTY_TUPLE REDUCE",
           lambda _: b"\x80\x02cpip\nmain\n)R."),
        _s("pickle_pip_internal_main", f"{PIP}::test_pip_internal_main_detected", "GLOBAL pip._internal.main",
           lambda _: b"\x80\x02cpip._internal\nmain\n)R."),
        _s("pickle_pip_comment_token", f"{PIP}::test_comment_token_does_not_bypass_pip_detection",
           "a '# comment' string popped, then pip.main()", lambda _: b"\x80\x02\x8c" + bytes([len(comment)]) + comment
           + b"0cpip\nmain\n)R."),
        _s("pickle_memoized_callable", f"{T}::TestPickleScannerAdvanced::test_reduce_pattern_detects_memoized_callable",
           "posix.system memoised, popped, 12 fillers, BINGET then REDUCE", _memoized_callable),
        _s("pickle_popped_decoys", f"{T}::TestPickleScannerAdvanced::test_stack_global_uses_actual_stack_not_popped_"
           "decoys", "os/system left on the stack under popped torch decoy strings, then STACK_GLOBAL",
           _popped_decoys),
    ]
