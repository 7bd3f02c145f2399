"""Property: CLI commands fed generated hostile inputs never print a traceback and never exit 0 on input
they could not have read.

Inputs are generated tables (odd header names: empty, quoted, with separators, newlines, repeats, any
Unicode) in any of eight encodings, optionally compressed (gzip, bzip2, xz, zip, or a truncated gzip),
or raw bytes, or a special file (FIFO, folder, character device). Whether an input is unreadable is
decided independently of mlsecure: by Python's own decoders and by what was generated (a truncated
archive, a special file, a header with a repeated name).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlsecure.cli.main import main

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252")
COMPRESSIONS = ("none", "gzip", "bzip2", "xz", "zip", "gzip-truncated")
NAME = st.text(alphabet=st.sampled_from([*"ab_ ,;\t|\"'\n\r", "é", "名", "\u2028", "\x00", "💥"]), max_size=6)
CELL = st.one_of(st.text(max_size=8), st.sampled_from(["123-45-6789", "a@example.com", "1", "", "NaN", "1e309"]))


@dataclass(frozen=True)
class Hostile:
    data: bytes | None  # None: a special file
    special: str | None
    must_fail: bool  # unreadable by construction: a traceback-free exit 2 (or 1) is required, never 0
    why: str


@st.composite
def hostile_inputs(draw: st.DrawFn) -> Hostile:
    kind = draw(st.sampled_from(["table", "table", "table", "bytes", "special"]))
    if kind == "special":
        special = draw(st.sampled_from(["fifo", "folder", "device"]))
        return Hostile(None, special, True, special)
    if kind == "bytes":
        raw = draw(st.binary(max_size=200))
        return Hostile(raw, None, not _readable_text(raw), "raw bytes")
    header = draw(st.lists(NAME, min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=6))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=draw(st.sampled_from([",", "\t", ";"]))).writerows([header, *rows])
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        encoded = text.encode(encoding)
    except UnicodeEncodeError:
        encoded = text.encode("utf-8", errors="surrogatepass")
    stripped = [h.strip() for h in header]
    repeated = len(set(stripped)) < len(stripped)
    compression = draw(st.sampled_from(COMPRESSIONS))
    data = _compress(encoded, compression)
    must_fail = repeated or compression == "gzip-truncated" or not _readable_text(encoded)
    return Hostile(data, None, must_fail, f"{encoding}/{compression}/repeated={repeated}")


def _readable_text(raw: bytes) -> bool:
    """Python's view: decodable after a BOM, or as UTF-8 (mlsecure also reads BOM-less UTF-16/32)."""
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                       (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            try:
                raw[len(bom):].decode(codec)
            except UnicodeDecodeError:
                return False
            return True
    for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        try:
            raw.decode(codec)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _compress(data: bytes, compression: str) -> bytes:
    match compression:
        case "gzip":
            return gzip.compress(data)
        case "gzip-truncated":
            return gzip.compress(data)[:-9]
        case "bzip2":
            return bz2.compress(data)
        case "xz":
            return lzma.compress(data)
        case "zip":
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                archive.writestr("t.csv", data)
            return out.getvalue()
    return data


def _materialise(case: Hostile, folder: Path) -> Path:
    if case.special == "fifo":
        path = folder / "in.csv"
        os.mkfifo(path)
        return path
    if case.special == "folder":
        (folder / "in.csv").mkdir()
        return folder / "in.csv"
    if case.special == "device":
        return Path("/dev/null")
    path = folder / "in.csv"
    path.write_bytes(case.data or b"")
    return path


COMMANDS = {
    "privacy audit": lambda p, o: ["privacy", "audit", "--data", str(p), "--format", "json"],
    "privacy anonymize": lambda p, o: ["privacy", "anonymize", "--input", str(p), "--output", str(o)],
    "privacy kanon": lambda p, o: ["privacy", "kanon", "--data", str(p), "--quasi-identifiers", "a"],
    "scan --data": lambda p, o: ["scan", "--scan", "poisoning", "--data", str(p), "--format", "json"],
    "scan --model": lambda p, o: ["scan", "--scan", "supply-chain", "--model", str(p), "--format", "json"],
    "artifact scan": lambda p, o: ["artifact", "scan", str(p), "--format", "json"],
    "governance checklist": lambda p, o: ["governance", "checklist", "--report", str(p), "-o", str(o)],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=hostile_inputs())
def test_hostile_inputs_no_traceback_no_false_green(command: str, case: Hostile,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = _materialise(case, folder)
        code = main(COMMANDS[command](source, folder / "out.csv"))
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert code in (0, 1, 2), (code, err)
        if code == 2:
            errors = [line for line in err.splitlines() if line.startswith("mlsecure: error:")]
            assert len(errors) == 1, err
        if case.must_fail and (command != "artifact scan" or case.special in ("fifo", "device")):
            # (an artifact scan walks a folder and judges any bytes by their format, not as text)
            assert code != 0, f"exit 0 on an unreadable input ({case.why}): {err}"
        assert not list(folder.glob(".*.partial")), "a temporary output was left behind"
        if code == 2:
            assert not (folder / "out.csv").exists(), "a failed run left an output"
