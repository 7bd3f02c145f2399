"""Fault injection: each hostile input or failing output of issue 14, as a table of input -> outcome.

Every row runs the real CLI in-process (``main(argv)``) and asserts the exit code, a phrase of the
one-line reason, and that no traceback was printed. Outputs that must be refused also assert that the
input is byte-for-byte unchanged and that no output file appeared. Faults the test machine cannot
produce for real (a full disk, a read-only folder, a permission refusal as root) are injected by
replacing the one OS call that would fail.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import json
import lzma
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mlsecure.cli.main import main

ROWS = "".join(f"Ann Lee {i},123-45-{6000 + i:04d},ann{i}@example.com,{30 + i % 40}\n" for i in range(60))
TABLE = "name,ssn,email,age\n" + ROWS


@dataclass(frozen=True)
class Case:
    """``build(tmp) -> argv``; the command must exit ``code`` with ``phrase`` on stderr (and no traceback)."""

    name: str
    build: Callable[[Path], list[str]]
    code: int
    phrase: str
    inject: Callable[[pytest.MonkeyPatch], None] | None = None
    unchanged: tuple[str, ...] = field(default=())  # files (relative to tmp) that must keep their bytes
    absent: tuple[str, ...] = field(default=())  # files that must not exist afterwards


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _csv(tmp: Path, name: str = "t.csv", text: str = TABLE, encoding: str = "utf-8") -> Path:
    return _write(tmp, name, text.encode(encoding))


def _audit(path: Path | str) -> list[str]:
    return ["privacy", "audit", "--data", str(path), "--format", "json"]


def _fifo(tmp: Path) -> Path:
    path = tmp / "pipe.csv"
    os.mkfifo(path)
    return path


def _loop(tmp: Path) -> Path:
    (tmp / "a.csv").symlink_to(tmp / "b.csv")
    (tmp / "b.csv").symlink_to(tmp / "a.csv")
    return tmp / "a.csv"


def _zip(tmp: Path, members: dict[str, str]) -> Path:
    path = tmp / "t.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def _hardlink(tmp: Path) -> list[str]:
    source = _csv(tmp)
    (tmp / "out.csv").hardlink_to(source)
    return ["privacy", "anonymize", "--input", str(source), "--output", str(tmp / "out.csv")]


def _symlink(tmp: Path) -> list[str]:
    source = _csv(tmp)
    (tmp / "out.csv").symlink_to(source)
    return ["privacy", "anonymize", "--input", str(source), "--output", str(tmp / "out.csv"), "--force"]


def _existing(tmp: Path) -> list[str]:
    source = _csv(tmp)
    _write(tmp, "out.csv", b"precious\n")
    return ["privacy", "anonymize", "--input", str(source), "--output", str(tmp / "out.csv")]


def _fail_call(target: str, err: int) -> Callable[[pytest.MonkeyPatch], None]:
    def inject(monkeypatch: pytest.MonkeyPatch) -> None:
        def fail(*args: object, **kwargs: object) -> None:
            raise OSError(err, os.strerror(err))

        monkeypatch.setattr(target, fail)

    return inject


def _deny_open(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.open

    def guarded(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "t.csv":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", guarded)


def _anonymize(tmp: Path) -> list[str]:
    return ["privacy", "anonymize", "--input", str(_csv(tmp)), "--output", str(tmp / "out.csv")]


CASES = [
    # --- special files: refused by stat, never opened (opening a FIFO would block forever)
    Case("fifo-audit", lambda t: _audit(_fifo(t)), 2, "FIFO"),
    Case("fifo-scan-data", lambda t: ["scan", "--data", str(_fifo(t))], 2, "FIFO"),
    Case("fifo-anonymize", lambda t: ["privacy", "anonymize", "--input", str(_fifo(t))], 2, "FIFO"),
    Case("fifo-model", lambda t: ["scan", "--model", str(_fifo(t))], 2, "model file is a FIFO"),
    Case("device-model", lambda t: ["scan", "--model", "/dev/zero"], 2, "model file is a character device"),
    Case("fifo-artifact-scan", lambda t: ["artifact", "scan", str(_fifo(t))], 2, "FIFO"),
    Case("fifo-checklist-report", lambda t: ["governance", "checklist", "--report", str(_fifo(t))], 2, "FIFO"),
    Case("deep-json-report", lambda t: ["governance", "checklist", "--report",
                                        str(_write(t, "r.json", b"[" * 100_000 + b"]" * 100_000))],
         2, "nested too deeply"),
    Case("char-device", lambda t: _audit("/dev/null"), 2, "character device"),
    Case("folder", lambda t: _audit(t), 2, "the folder holds no table files"),
    Case("symlink-loop", lambda t: _audit(_loop(t)), 2, "symbolic link loop"),
    Case("missing", lambda t: _audit(t / "absent.csv"), 2, "no such file"),
    Case("unreadable", lambda t: _audit(_csv(t)), 2, "Permission denied", inject=_deny_open),
    # --- encodings: undecodable is exit 2 naming the byte offset
    Case("latin-1", lambda t: _audit(_write(t, "t.csv", "name\nJos\xe9\n".encode("latin-1"))), 2, "byte offset 8"),
    Case("utf-16-odd-bytes", lambda t: _audit(_write(t, "t.csv", TABLE.encode("utf-16")[:-1] + b"\x00\xd8")),
         2, "UTF-16-LE"),
    Case("empty", lambda t: _audit(_write(t, "t.csv", b"")), 2, "empty"),
    Case("ragged", lambda t: ["scan", "--data", str(_write(t, "t.csv", b"a,b,label\n1,2,0\n3,1\n"))], 2, "line 3"),
    # --- compression
    Case("gzip-truncated", lambda t: _audit(_write(t, "t.csv.gz", gzip.compress(TABLE.encode())[:-20])),
         2, "damaged gzip"),
    Case("zip-two-members", lambda t: _audit(_zip(t, {"a.csv": TABLE, "b.csv": TABLE})), 2, "2 files"),
    Case("bomb", lambda t: _audit(_write(t, "t.csv.gz", gzip.compress(b"a,b\n" + b"0,0\n" * 500_000))),
         2, "decompression bomb",
         inject=lambda m: m.setenv("MLSECURE_MAX_DECOMPRESSED_BYTES", "1000000")),
    # --- repeated and too many column names
    Case("duplicate-names", lambda t: _audit(_write(t, "t.csv", (",".join(["x"] * 20_000) + "\n"
                                                                 + ",".join(["1"] * 20_000) + "\n").encode())),
         2, "appears 20000 times"),
    Case("wide-20000-columns", lambda t: _audit(_write(t, "t.csv", (",".join(f"c{i}" for i in range(20_000)) + "\n"
                                                                    + ",".join(["1"] * 20_000) + "\n").encode())),
         2, "20000 columns; at most 5000"),
    Case("duplicate-names-scan", lambda t: ["scan", "--data", str(_write(t, "t.csv", b"a,a,label\n1,2,0\n"))],
         2, "column name 'a' appears 2 times"),
    # --- outputs: never through an input, never over a file without --force, never half-written
    Case("output-hardlink", _hardlink, 2, "refusing to overwrite the input", unchanged=("t.csv",)),
    Case("output-symlink-forced", _symlink, 2, "refusing to overwrite the input", unchanged=("t.csv",)),
    Case("summary-json-is-input", lambda t: [*_anonymize(t), "--summary-json", str(t / "t.csv")], 2,
         "refusing to overwrite the input", unchanged=("t.csv",), absent=("out.csv",)),
    Case("summary-json-is-output", lambda t: [*_anonymize(t), "--summary-json", str(t / "out.csv")], 2,
         "also named as another output", absent=("out.csv",)),
    Case("output-exists", _existing, 2, "already exists; pass --force", unchanged=("out.csv",)),
    Case("output-folder-missing", lambda t: [*_anonymize(t)[:-1], str(t / "no" / "out.csv")], 2, "does not exist"),
    Case("report-is-data", lambda t: ["scan", "--data", str(_csv(t)), "--output", str(t / "t.csv")], 2,
         "refusing to overwrite the input", unchanged=("t.csv",)),
    Case("read-only-folder", _anonymize, 2, "read-only", inject=_fail_call("tempfile.mkstemp", errno.EROFS),
         absent=("out.csv",)),
    Case("disk-full", _anonymize, 2, "no space left", inject=_fail_call("os.fsync", errno.ENOSPC),
         absent=("out.csv",)),
    Case("report-disk-full", lambda t: [*_audit(_csv(t)), "--output", str(t / "r.json")], 2, "no space left",
         inject=_fail_call("os.fsync", errno.ENOSPC), absent=("r.json",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_table(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    argv = case.build(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in case.unchanged}
    if case.inject is not None:
        case.inject(monkeypatch)
    code = main(argv)
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == case.code, err
    assert case.phrase in err, err
    if case.code == 2:
        assert len([line for line in err.splitlines() if line.startswith("mlsecure: error:")]) == 1, err
    for name, data in before.items():
        assert (tmp_path / name).read_bytes() == data, f"{name} was modified"
    for name in case.absent:
        assert not (tmp_path / name).exists()
    assert not list(tmp_path.glob(".*.partial")), "a temporary file was left behind"


# --- inputs that must be READ correctly (today's silent failures: every row in one column, nothing found)
READABLE = {
    "utf-16 (Excel 'Unicode Text')": lambda t: _csv(t, text=TABLE.replace(",", "\t"), encoding="utf-16"),
    "utf-16-be without BOM": lambda t: _csv(t, encoding="utf-16-be"),
    "utf-32": lambda t: _csv(t, encoding="utf-32"),
    "utf-8 with BOM": lambda t: _csv(t, encoding="utf-8-sig"),
    "gzip": lambda t: _write(t, "t.csv.gz", gzip.compress(TABLE.encode())),
    "gzip, no suffix, ';'": lambda t: _write(t, "t", gzip.compress(TABLE.replace(",", ";").encode())),
    "bzip2": lambda t: _write(t, "t.csv.bz2", bz2.compress(TABLE.encode("utf-16"))),
    "xz": lambda t: _write(t, "t.csv.xz", lzma.compress(TABLE.encode())),
    "zip": lambda t: _zip(t, {"inner.csv": TABLE}),
    "parquet named .bin": lambda t: _binary_table(t, "t.bin", "parquet"),
    "arrow (feather v2)": lambda t: _binary_table(t, "t.arrow", "arrow"),
    "gzip of parquet": lambda t: _write(t, "t.parquet.gz", gzip.compress(_binary_table(t, "p.parquet",
                                                                                       "parquet").read_bytes())),
}


def _binary_table(tmp: Path, name: str, kind: str) -> Path:
    import pandas as pd
    import pyarrow.feather as feather

    frame = pd.read_csv(io.StringIO(TABLE), dtype=str)
    path = tmp / name
    if kind == "parquet":
        frame.to_parquet(path)
    else:
        feather.write_feather(frame, str(path))
    return path


@pytest.mark.parametrize("make", READABLE.values(), ids=list(READABLE))
def test_encodings_and_compression_are_read(make: Callable[[Path], Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = make(tmp_path)
    assert main(_audit(path)) == 1  # the SSN column is a critical finding
    report = json.loads(capsys.readouterr().out)
    types = {f["location"]["column"]: f["evidence"].get("pii_type") for f in report["findings"]
             if f["location"].get("column")}
    # every column parsed under its own name (a wrong separator or encoding gives one unnamed column)
    assert {"ssn": "ssn", "email": "email", "age": "age"}.items() <= types.items(), report["findings"]


def test_anonymize_utf16_and_gzip_remove_identifiers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, source in (("u16", _csv(tmp_path, "u16.csv", encoding="utf-16")),
                         ("gz", _write(tmp_path, "g.csv.gz", gzip.compress(TABLE.encode())))):
        out = tmp_path / f"{name}.out.csv"
        assert main(["privacy", "anonymize", "--input", str(source), "--output", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert text.splitlines()[0] == "name,ssn,email,age"
        assert "123-45-" not in text and "@example.com" not in text and "Ann Lee" not in text
        assert "3 column(s) with no PII detected any more, 0 with PII still detected" in capsys.readouterr().err


def test_zstd_read_or_named_extra(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import zstandard
    except ImportError:
        # the zstd magic bytes are recognised; without the extra the error names it
        path = _write(tmp_path, "t.csv.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 16)
        assert main(_audit(path)) == 2
        assert 'pip install "mlsecure[zstd]"' in capsys.readouterr().err
        return
    path = _write(tmp_path, "t.csv.zst", zstandard.ZstdCompressor().compress(TABLE.encode()))
    assert main(_audit(path)) == 1
    assert '"column": "ssn"' in capsys.readouterr().out


def test_decompression_bound_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """70 MB of CSV in ~70 kB of gzip (1000:1): above max(64 MiB, 100 x compressed size)."""
    bomb = _write(tmp_path, "bomb.csv.gz", gzip.compress(b"a,b\n" + b"0,0\n" * 17_500_000, compresslevel=9))
    assert bomb.stat().st_size < 200_000
    assert main(["privacy", "anonymize", "--input", str(bomb), "--output", str(tmp_path / "o.csv")]) == 2
    assert "decompression bomb" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_existing_output_replaced_only_with_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = _existing(tmp_path)
    assert main([*argv, "--force"]) == 0
    assert (tmp_path / "out.csv").read_text().startswith("name,ssn,email,age")
    capsys.readouterr()


def test_anonymize_summary_never_overclaims(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = _csv(tmp_path, "plain.csv", "a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(50)))
    assert main(["privacy", "anonymize", "--input", str(plain), "--output", str(tmp_path / "o.csv")]) == 0
    err = capsys.readouterr().err
    assert "no PII was detected in the input sample; nothing was anonymized" in err
    assert "redacted" not in err
    # a PII column the user chose to keep is reported as still there, not as anonymized
    source = _csv(tmp_path)
    out = tmp_path / "kept.csv"
    assert main(["privacy", "anonymize", "--input", str(source), "--output", str(out),
                 "--column-method", "email=keep", "--summary-json", str(tmp_path / "s.json")]) == 0
    err = capsys.readouterr().err
    assert "kept     email: email left as it is" in err
    summary = json.loads((tmp_path / "s.json").read_text())
    status = {c["column"]: c["status"] for c in summary["verification"]["columns"]}
    assert status["email"] == "kept" and status["ssn"] == "removed"


def test_scan_refused_pickle_is_reported_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A pickle that calls os.system: the gate's findings and every model check 'not evaluated', exit 1."""
    # a protocol-2 pickle of os.system('true'), written by hand: GLOBAL posix system, a 1-tuple, REDUCE
    evil = _write(tmp_path, "evil.pkl", b"\x80\x02cposix\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.")
    data = _csv(tmp_path, "d.csv", "a,b,label\n" + "".join(f"0.{i},0.{9 - i},{i % 2}\n" for i in range(10)))
    assert main(["scan", "--scan", "robustness", "--model", str(evil), "--data", str(data), "--format", "json"]) == 1
    out = capsys.readouterr()
    report = json.loads(out.out)
    found = {(f["id"], f["severity"], f["owasp"]) for f in report["findings"]}
    assert ("SCAN-003", "high", "ML06") in found
    assert any(i.startswith("ART-") and s == "critical" and o == "ML06" for i, s, o in found), found
    assert ("SCAN-001", "high", "ML06") in found
    reasons = [s["reason"] for s in report["skipped"]]
    assert reasons and all("refused by the artifact gate" in r for r in reasons)
    assert "not given" not in json.dumps(report)


def test_plain_progress_lines_off_a_terminal() -> None:
    import io

    from mlsecure.cli.common import PlainProgress

    stream = io.StringIO()
    with PlainProgress(stream, interval=0.05) as progress:
        progress("robustness", 0.4)
        time.sleep(0.3)
        progress("anonymize: 10 rows written", -1.0)
        time.sleep(0.2)
    lines = stream.getvalue().splitlines()
    assert 3 <= len(lines) <= 12  # a modest rate, not one line per update
    assert lines[0].endswith("robustness 40%") and lines[-1].endswith("anonymize: 10 rows written")


@pytest.mark.slow
def test_kill_9_during_anonymize_leaves_no_complete_looking_output(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    with source.open("w") as handle:
        handle.write("name,ssn,email\n")
        for i in range(400_000):
            handle.write(f"P{i},123-45-{i % 10000:04d},p{i}@example.com\n")
    out = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "mlsecure", "privacy", "anonymize", "--input", str(source),
                             "--output", str(out), "--batch-rows", "2000"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    partial: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in tmp_path.glob(".out.csv.*.partial") if p.stat().st_size > 100_000]
        if partial:
            break
        time.sleep(0.05)
    assert partial and proc.poll() is None, "the run ended before it could be killed mid-write"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()  # nothing at the output path: no truncated table that reads as complete
    assert all(p.name.endswith(".partial") for p in tmp_path.glob(".out.csv.*"))


def test_verify_anonymized_statuses() -> None:
    """Each outcome from audits built by hand: what the plan did and what the output audit still finds."""
    from mlsecure.privacy.pii.anonymize import ColumnPlan, Method, Plan, verify_anonymized
    from mlsecure.privacy.pii.audit import AuditResult
    from mlsecure.privacy.pii.classify import ColumnVerdict
    from mlsecure.privacy.pii.spans import SpanScan
    from mlsecure.privacy.pii.types import PiiType

    def audit(**types: PiiType | None) -> AuditResult:
        spans = SpanScan(10, 3, {"person_name": 3}) if types.get("notes") is PiiType.FREE_TEXT else None
        return AuditResult("t", 10, tuple(ColumnVerdict(c, t, 1.0, 1.0, spans=spans if c == "notes" else None)
                                          for c, t in types.items()), 0.0)

    plan = Plan((ColumnPlan("ssn", Method.REDACT, PiiType.SSN), ColumnPlan("email", Method.PSEUDONYMIZE),
                 ColumnPlan("phone", Method.MASK, PiiType.PHONE), ColumnPlan("notes", Method.REDACT),
                 ColumnPlan("mrn", Method.DROP), ColumnPlan("age", Method.GENERALIZE)))
    before = audit(ssn=PiiType.SSN, email=PiiType.EMAIL, phone=PiiType.PHONE, notes=PiiType.FREE_TEXT,
                   mrn=PiiType.MRN, age=PiiType.AGE, zip=PiiType.ZIP_CODE, id=None)
    after = audit(ssn=None, email=PiiType.EMAIL, phone=PiiType.PHONE, notes=PiiType.FREE_TEXT,
                  age=PiiType.AGE, zip=PiiType.ZIP_CODE, id=None)
    changed = {"ssn": 10, "email": 10, "phone": 10, "notes": 4, "age": 0}
    outcomes = {o.column: (o.status, o.spans_after) for o in verify_anonymized(plan, before, after, changed)}
    assert outcomes == {
        "ssn": ("removed", {}), "email": ("replaced", {}), "phone": ("survived", {}),
        "notes": ("survived", {"person_name": 3}), "mrn": ("dropped", {}), "age": ("unchanged", {}),
        "zip": ("kept", {}),
    }


def test_every_command_help_lists_exit_codes() -> None:
    import argparse

    from mlsecure.cli.main import build_parser

    parser, _ = build_parser()
    seen = 0
    stack = [parser]
    while stack:
        current = stack.pop()
        text = " ".join(current.format_help().split())  # argparse re-wraps the epilog with the parser's own
        assert "exit codes: 0 " in text and "2 " in text.split("exit codes: 0 ", 1)[1], current.prog
        seen += 1
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(dict.fromkeys(action.choices.values()))
    assert seen > 40  # every group and every verb


@pytest.mark.slow  # importing torch and loading a scan takes ~10 s on a cold interpreter
def test_scan_untrusted_torch_save_is_not_evaluated(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``torch.save(module)`` of a class from the user's own module pickles a reference to that code: without
    ``--trust-module`` the gate refuses it, so exit 1 and only the artifact scan ran, never 'No findings'."""
    torch = pytest.importorskip("torch")
    (tmp_path / "mls_untrusted_nets.py").write_text(
        "import torch\n\n\nclass Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = torch.nn.Linear(2, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    nets = importlib.import_module("mls_untrusted_nets")
    model = tmp_path / "full.pt"
    torch.save(nets.Net(), model)
    data = _csv(tmp_path, "d.csv", "a,b,label\n" + "".join(f"0.{i},0.{9 - i},{i % 2}\n" for i in range(10)))
    assert main(["scan", "--scan", "robustness", "--model", str(model), "--data", str(data), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {f["id"] for f in report["findings"]} >= {"SCAN-001", "SCAN-003"}
    assert "--trust-module mls_untrusted_nets" in json.dumps(report)
    assert report["checks_run"] == ["artifact-scan"]
