"""Limits everywhere (issue 13): sizes counted while inflating, members, depth and time bounded, special
files refused without opening them; a limit is a 'cannot verify' finding, never a hang."""

from __future__ import annotations

import io
import os
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from mlsecure.artifacts.scan import IssueKind, Limits, Verdict, scan_file, scan_path
from mlsecure.findings import Severity


def _deflate_zeros(total: int, block: int = 1 << 20) -> bytes:
    """A raw DEFLATE stream of ``total`` zero bytes built from one flushed block repeated, so tests
    need not compress gigabytes (each full-flushed block stands alone)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = comp.compress(b"\x00" * block) + comp.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    return one * (total // block) + end.compress(b"") + end.flush()


def _lying_zip(claimed: int, real: int) -> bytes:
    """One deflated member whose headers claim ``claimed`` bytes but which inflates to ``real``."""
    data = _deflate_zeros(real)
    name = b"data.bin"
    crc = zlib.crc32(b"\x00" * claimed) if claimed < 1 << 20 else 0  # bombs are refused before any CRC check
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), claimed, len(name), 0) + name
    central = struct.pack("<4s2B5H3L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 8, 0, 0, crc, len(data), claimed,
                          len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


def test_deflate_helper_really_inflates_to_the_size() -> None:
    stream = _deflate_zeros(8 << 20)
    assert len(zlib.decompress(stream, -15)) == 8 << 20


def test_lying_zip_is_decided_in_seconds_with_little_memory(tmp_path: Path) -> None:
    # Issue 13: headers claim 1,000 bytes, the member inflates to 1.9 GiB.
    path = tmp_path / "liar.zip"
    path.write_bytes(_lying_zip(1_000, int(1.9 * 1024**3)))
    tracemalloc.start()
    start = time.perf_counter()
    result = scan_file(path)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 5
    assert peak < 64 * 1024**2
    assert any(i.kind is IssueKind.ZIP_TAMPERING and "declared 1000" in i.title for i in result.issues)
    assert result.verdict is Verdict.SUSPICIOUS


def test_honest_bomb_is_not_inflated(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(_lying_zip(512 * 1024**2, 512 * 1024**2))
    start = time.perf_counter()
    result = scan_file(path)
    assert time.perf_counter() - start < 2
    bomb = [i for i in result.issues if i.kind is IssueKind.ARCHIVE_BOMB]
    assert bomb and bomb[0].severity is Severity.MEDIUM


def _nested_zip(levels: int, fan_out: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(fan_out):
            z.writestr(f"leaf{i}.txt", b"hello")
    data = buf.getvalue()
    for _ in range(levels):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for i in range(fan_out):
                z.writestr(f"n{i}.zip", data)
        data = buf.getvalue()
    return data


def test_nested_zip_with_many_leaves_stops_at_the_member_budget(tmp_path: Path) -> None:
    # 10^4 leaves in a few kB; the budget (1,000 here, 10,000 by default) stops it, reported once.
    path = tmp_path / "nested.zip"
    path.write_bytes(_nested_zip(3, 10))
    assert path.stat().st_size < 20_000
    start = time.perf_counter()
    result = scan_file(path, limits=Limits(max_members=1_000))
    assert time.perf_counter() - start < 3
    limits = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert len(limits) == 1 and limits[0].severity is Severity.MEDIUM
    assert "1000 archive members" in limits[0].title


@pytest.mark.slow
def test_nested_zip_with_1e5_leaves_finishes_fast_with_default_limits(tmp_path: Path) -> None:
    path = tmp_path / "nested.zip"
    path.write_bytes(_nested_zip(4, 10))  # 10^5 leaves in about 10 kB
    start = time.perf_counter()
    result = scan_file(path)
    assert time.perf_counter() - start < 30
    assert result.verdict is Verdict.SUSPICIOUS


def test_time_limit_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "nested.zip"
    path.write_bytes(_nested_zip(1, 10))
    result = scan_file(path, limits=Limits(max_seconds=0.0))
    assert any(i.kind is IssueKind.RESOURCE_LIMIT and "time limit" in i.title for i in result.issues)


def test_depth_limit_is_medium(tmp_path: Path) -> None:
    path = tmp_path / "deep.zip"
    path.write_bytes(_nested_zip(4, 1))
    result = scan_file(path, limits=Limits(max_depth=2))
    hits = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert hits and all(i.severity is Severity.MEDIUM for i in hits)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "model.pkl"
    os.mkfifo(fifo)  # opening it for reading would block forever: nobody writes
    start = time.perf_counter()
    result = scan_file(fifo)
    assert time.perf_counter() - start < 1
    assert result.verdict is Verdict.SUSPICIOUS
    assert result.issues[0].evidence["file_type"] == "FIFO"
    (tmp_path / "ok.txt").write_text("hello")
    by_name = {Path(r.path).name: r for r in scan_path(tmp_path)}  # a folder walk reports it too
    assert by_name["model.pkl"].verdict is Verdict.SUSPICIOUS
    assert by_name["ok.txt"].verdict is Verdict.SAFE


def test_device_is_refused(tmp_path: Path) -> None:
    null = Path("/dev/null")
    if not null.exists():
        pytest.skip("no /dev/null")
    result = scan_file(null)
    assert result.issues[0].evidence["file_type"] == "device"


def test_7z_bomb_is_not_decompressed(tmp_path: Path) -> None:
    py7zr = pytest.importorskip("py7zr")
    path = tmp_path / "bomb.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writef(io.BytesIO(b"\x00" * (8 * 1024**2)), "zeros.bin")
    start = time.perf_counter()
    result = scan_file(path, limits=Limits(bomb_min_bytes=1024**2))
    assert time.perf_counter() - start < 2
    assert any(i.kind is IssueKind.ARCHIVE_BOMB and i.severity is Severity.MEDIUM for i in result.issues)
