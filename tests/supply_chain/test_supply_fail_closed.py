"""Issue 14: vulnerability data that cannot be reached is exit 2, never "vulnerabilities 0"; the offline
database is built from OSV records and refreshed; progress lines reach a non-terminal stderr.

The pillow records are OSV JSON written by hand from the public OSV schema and the PyPA advisory
database (pypa/advisory-database vulns/pillow/PYSEC-2021-35.yaml and PYSEC-2021-36.yaml: CVE-2021-25289
and CVE-2021-25290, TiffDecode overflows, every Pillow release before 8.1.1 affected).
"""

from __future__ import annotations

import http.server
import json
import os
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlsecure.check import ScanContext
from mlsecure.cli.main import main
from mlsecure.supply_chain import engines
from mlsecure.supply_chain.checks import DependencyAuditCheck
from mlsecure.supply_chain.osv import OsvDatabase
from mlsecure.supply_chain.osv_build import build_database


def pillow_record(record_id: str, cve: str, *, modified: str = "2021-03-26T14:06:00Z",
                  fixed: str = "8.1.1") -> dict[str, Any]:
    return {
        "schema_version": "1.6.0", "id": record_id, "modified": modified, "published": "2021-03-19T04:15:00Z",
        "aliases": [cve], "details": "An issue was discovered in Pillow before 8.1.1 (TiffDecode).",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "pillow", "purl": "pkg:pypi/pillow"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
        "references": [{"type": "WEB", "url": "https://pillow.readthedocs.io/en/stable/releasenotes/8.1.1.html"}],
    }


NPM_RECORD = {"id": "GHSA-npm-only-0001", "modified": "2022-01-01T00:00:00Z",
              "affected": [{"package": {"ecosystem": "npm", "name": "pillow"},
                            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}


@pytest.fixture
def osv_source(tmp_path: Path) -> Path:
    root = tmp_path / "osv-src"
    root.mkdir()
    for record in (pillow_record("PYSEC-2021-35", "CVE-2021-25289"), pillow_record("PYSEC-2021-36", "CVE-2021-25290"),
                   NPM_RECORD):
        (root / f"{record['id']}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return root


@pytest.fixture
def requirements(tmp_path: Path) -> Path:
    path = tmp_path / "r.txt"
    path.write_text("pillow==8.0.0\n", encoding="utf-8")
    return path


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 404
    body = b"not found"

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_pypi(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Answer]]:
    """A local server standing in for PyPI's JSON API: 404 by default, as a package-only proxy answers."""
    handler = type("Handler", (_Answer,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(engines, "PROBE_URL", f"http://127.0.0.1:{server.server_address[1]}/pypi/pip/24.0/json")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    yield handler
    server.shutdown()
    server.server_close()


def _fake_pip_audit(monkeypatch: pytest.MonkeyPatch, report: dict[str, Any]) -> None:
    """pip-audit's own JSON for a run whose lookups all came back 404 (what it printed in the report)."""
    def run(cmd: list[str], *, timeout: float, progress: Any) -> tuple[int, str, str]:
        assert "pip_audit" in cmd
        return 0, json.dumps(report), "No known vulnerabilities found"

    monkeypatch.setattr(engines, "_run_with_heartbeat", run)


SKIPPED_REPORT = {"dependencies": [{"name": "pillow", "skip_reason":
                                    "Dependency not found on PyPI and could not be audited: pillow (8.0.0)"}],
                  "fixes": []}


def test_unreachable_pypi_is_exit_2_not_vulnerabilities_0(requirements: Path, local_pypi: type[_Answer],
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _fake_pip_audit(monkeypatch, SKIPPED_REPORT)
    assert main(["deps", "audit", "-r", str(requirements), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no report claiming "vulnerabilities 0"
    error = [line for line in captured.err.splitlines() if line.startswith("mlsecure: error:")]
    assert len(error) == 1 and "not checked for 1 dependencies (pillow)" in error[0]
    assert "HTTP 404" in error[0] and "--offline-db" in error[0]
    assert "not found on PyPI" not in captured.err


def test_reachable_pypi_makes_unknown_packages_a_failing_finding(requirements: Path, local_pypi: type[_Answer],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    local_pypi.status, local_pypi.body = 200, json.dumps({"info": {}, "vulnerabilities": []}).encode()
    _fake_pip_audit(monkeypatch, SKIPPED_REPORT)
    assert main(["deps", "audit", "-r", str(requirements), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    (sup108,) = [f for f in report["findings"] if f["id"] == "SUP-108"]
    assert sup108["severity"] == "high"


def test_real_pip_audit_without_a_route_is_exit_2(requirements: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pip_audit")
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # nothing listens on the discard port: no route
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert main(["deps", "audit", "-r", str(requirements)]) == 2
    err = capsys.readouterr().err
    assert "mlsecure: error:" in err and "--offline-db" in err and "Traceback" not in err
    assert "not found on PyPI" not in err


def test_scan_check_turns_unreachable_data_into_a_high_finding(requirements: Path, local_pypi: type[_Answer],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pip_audit(monkeypatch, SKIPPED_REPORT)
    result = DependencyAuditCheck().execute(ScanContext(options={"requirements": str(requirements)}))
    (sup109,) = [f for f in result.findings if f.id == "SUP-109"]
    assert sup109.severity.value == "high" and "HTTP 404" in sup109.title


def test_no_online_is_a_visible_finding(requirements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deps", "audit", "-r", str(requirements), "--no-online", "--format", "json"]) == 0
    ids = {f["id"]: f["severity"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert ids["SUP-109"] == "medium"
    assert main(["deps", "audit", "-r", str(requirements), "--no-online", "--fail-on", "medium"]) == 1


def test_db_build_then_offline_audit_finds_pillow(osv_source: Path, requirements: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "osv-db.zip"
    assert main(["deps", "db", "build", "--from", str(osv_source), "--output", str(db)]) == 0
    assert "2 PyPI OSV records (2 new, 0 updated, 0 kept from before; 1 of other ecosystems" in capsys.readouterr().err
    with zipfile.ZipFile(db) as archive:
        assert sorted(archive.namelist()) == ["PYSEC-2021-35.json", "PYSEC-2021-36.json", "mlsecure-osv-db.json"]
    assert main(["deps", "audit", "-r", str(requirements), "--offline-db", str(db), "--format", "json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    found = sorted(f["evidence"]["advisory"] for f in report["findings"] if f["id"] == "SUP-101")
    assert found == ["PYSEC-2021-35", "PYSEC-2021-36"]
    assert report["metrics"]["dependency-audit"]["vulnerabilities"] == 2
    assert "2 records, built" in captured.err
    fixed = tmp_path / "fixed.txt"
    fixed.write_text("pillow==8.1.1\n", encoding="utf-8")
    assert main(["deps", "audit", "-r", str(fixed), "--offline-db", str(db), "--format", "json"]) == 0
    assert not [f for f in json.loads(capsys.readouterr().out)["findings"] if f["id"] == "SUP-101"]


def test_db_refresh_keeps_the_newest_record(osv_source: Path, tmp_path: Path) -> None:
    db = tmp_path / "osv-db.zip"
    build_database([osv_source], db)
    with pytest.raises(Exception, match="exists; pass --update"):
        build_database([osv_source], db)
    newer = tmp_path / "PYSEC-2021-35.json"  # the advisory corrected: the fix is in 8.1.2
    newer.write_text(json.dumps(pillow_record("PYSEC-2021-35", "CVE-2021-25289", modified="2022-01-01T00:00:00Z",
                                              fixed="8.1.2")), encoding="utf-8")
    older = tmp_path / "old" / "PYSEC-2021-36.json"
    older.parent.mkdir()
    older.write_text(json.dumps(pillow_record("PYSEC-2021-36", "CVE-2021-25290", modified="2020-01-01T00:00:00Z",
                                              fixed="1.0")), encoding="utf-8")
    result = build_database([newer, older.parent], db, update=True)
    assert (result.records, result.kept, result.added, result.replaced) == (2, 2, 0, 1)
    vulns = OsvDatabase(db).query([("Pillow", "8.1.1")])
    assert [v.id for v in vulns] == ["PYSEC-2021-35"]  # only the corrected record covers 8.1.1


@pytest.mark.parametrize(("content", "message"), [
    (None, "holds no records"),
    (b'{"id": "PYSEC-1", "affected": [{"package": {"name": "pillow"}}], "id": "x"}', "duplicate key"),
    (b'{"id": "PYSEC-1", "pillow": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested too deeply"),
])
def test_broken_offline_db_is_exit_2(content: bytes | None, message: str, requirements: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db"
    db.mkdir()
    if content is not None:
        (db / "PYSEC-1.json").write_bytes(content)
    assert main(["deps", "audit", "-r", str(requirements), "--offline-db", str(db)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_db_build_refuses_a_malformed_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "PYSEC-X", "modified": "yesterday", "affected": []}), encoding="utf-8")
    assert main(["deps", "db", "build", "--from", str(bad), "--output", str(tmp_path / "db.zip")]) == 2
    assert "'modified' 'yesterday' is not RFC 3339" in capsys.readouterr().err
    assert not (tmp_path / "db.zip").exists()


def test_progress_lines_when_stderr_is_not_a_terminal(requirements: Path, tmp_path: Path, osv_source: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert not sys.stderr.isatty()
    db = tmp_path / "db.zip"
    build_database([osv_source], db)
    main(["deps", "audit", "-r", str(requirements), "--offline-db", str(db), "--format", "json"])
    err = capsys.readouterr().err
    assert "mlsecure: deps audit [" in err and "matching 1 pinned requirements" in err


def test_heartbeat_lines_while_pip_audit_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "HEARTBEAT_S", 0.1)
    lines: list[str] = []
    code, out, _ = engines._run_with_heartbeat([sys.executable, "-c", "import time; time.sleep(0.35); print('x')"],
                                               timeout=10, progress=lines.append)
    assert (code, out.strip()) == (0, "x")
    assert len(lines) >= 2 and lines[0].startswith("waiting for pip-audit")
    assert os.environ.get("MLSECURE_NEVER_SET") is None
