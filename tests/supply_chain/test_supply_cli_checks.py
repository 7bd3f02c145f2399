"""``mlsecure deps audit``, the supply-chain checks, pip-audit's JSON and external tools' SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlsecure.check import ScanContext
from mlsecure.cli.main import main
from mlsecure.findings import Severity
from mlsecure.supply_chain import checks as supply_checks
from mlsecure.supply_chain.checks import DependencyAuditCheck, ExternalScannersCheck
from mlsecure.supply_chain.engines import parse_pip_audit, skipped_by_pip_audit
from mlsecure.supply_chain.external import sarif_findings


def test_deps_audit_cli_offline(osv_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("torch==2.5.1\n")
    code = main(["deps", "audit", "-r", str(req), "--offline-db", str(osv_dir), "--format", "json"])
    assert code == 1  # a critical finding is at or above the default --fail-on high
    report = json.loads(capsys.readouterr().out)
    assert {f["id"] for f in report["findings"]} == {"SUP-101", "SUP-103"}
    assert report["metrics"]["dependency-audit"]["engine"].startswith("osv-offline:")
    req.write_text("torch==2.6.0 --hash=sha256:" + "a" * 64 + "\n")
    assert main(["deps", "audit", "-r", str(req), "--offline-db", str(osv_dir), "--format", "json"]) == 0


def test_deps_audit_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deps", "audit", "-r", str(tmp_path / "missing.txt"), "--no-online"]) == 2
    assert "cannot read the requirements file" in capsys.readouterr().err
    req = tmp_path / "r.txt"
    req.write_text("numpy==1.0\n")
    assert main(["deps", "audit", "-r", str(req), "--offline-db", str(tmp_path / "nodb")]) == 2


def test_env_audit_is_fast_and_offline(osv_dir: Path) -> None:
    result = DependencyAuditCheck().execute(ScanContext(options={"offline_db": str(osv_dir)}))
    assert result.metrics["target"] == "python environment"
    assert result.metrics["packages"] > 50
    assert result.metrics["seconds"] < 5


def test_check_with_requirements(osv_dir: Path, tmp_path: Path) -> None:
    req = tmp_path / "r.txt"
    req.write_text("pyyaml==5.3.1\nnumpi==1.0\n")
    ctx = ScanContext(options={"requirements": str(req), "offline_db": str(osv_dir)})
    result = DependencyAuditCheck().execute(ctx)
    ids = sorted(f.id for f in result.findings)
    assert ids == ["SUP-101", "SUP-103", "SUP-104"]
    assert all(f.check == "dependency-audit" for f in result.findings)


def test_online_failure_keeps_our_own_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.errors import SourceUnavailableError

    def offline(**kw: object) -> list[object]:
        raise SourceUnavailableError("pip-audit failed (network unreachable)")

    monkeypatch.setattr("mlsecure.supply_chain.audit.pip_audit", offline)
    req = tmp_path / "r.txt"
    req.write_text("numpi==1.0\n")
    result = DependencyAuditCheck().execute(ScanContext(options={"requirements": str(req)}))
    assert [f.id for f in result.findings] == ["SUP-104", "SUP-103", "SUP-109"]  # not checked fails by default
    assert result.findings[-1].severity is Severity.HIGH
    assert result.metrics["engine"] == "none" and "network unreachable" in result.metrics["notes"][0]


def test_external_scanners_say_when_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supply_checks, "available_tools", lambda: dict.fromkeys(("trivy", "gitleaks", "checkov")))
    assert ExternalScannersCheck().applicable(ScanContext()) == "none of trivy, gitleaks, checkov is on PATH"


def test_pip_audit_json() -> None:
    """The shape pip-audit 2.x prints with --format json."""
    report = {"dependencies": [
        {"name": "Jinja2", "version": "2.4.1", "vulns": [
            {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": ["CVE-2019-10906"],
             "description": "sandbox escape"}]},
        {"name": "mlsecure", "skip_reason": "Dependency not found on PyPI"},
    ], "fixes": []}
    (vuln,) = parse_pip_audit(report)
    assert (vuln.package, vuln.version, vuln.id, vuln.fix_versions) == ("jinja2", "2.4.1", "PYSEC-2019-217",
                                                                        ("2.10.1",))
    # pip-audit prints "No known vulnerabilities found" for skipped packages: we keep them visible
    assert skipped_by_pip_audit(report) == ["mlsecure: Dependency not found on PyPI"]


def test_sarif_results_become_findings() -> None:
    sarif = {"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "gitleaks", "rules": [
            {"id": "aws-access-token", "shortDescription": {"text": "AWS access key"},
             "properties": {"security-severity": "8.0"}}]}},
        "results": [
            {"ruleId": "aws-access-token", "level": "error", "message": {"text": "AWS key found"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "train.py"},
                                                 "region": {"startLine": 12}}}]},
            {"ruleId": "generic", "level": "note", "message": {"text": "maybe a key"}}]}]}
    first, second = sarif_findings(sarif, "gitleaks")
    assert (first.id, first.severity, first.location.path, first.evidence["line"]) == (
        "SUP-121", Severity.HIGH, "train.py", 12)
    assert first.atlas == ("AML.T0055",)
    assert second.severity is Severity.LOW and second.location.path is None


def test_signature_check_in_scan(tmp_path: Path) -> None:
    import json as _json

    from mlsecure.artifacts.signing import generate_keypair, load_private_key, sign_model
    from mlsecure.supply_chain.checks import SignatureCheck

    model = tmp_path / "model.bin"
    model.write_bytes(b"weights" * 100)
    pair = generate_keypair()
    (tmp_path / "k").write_bytes(pair.private_pem)
    (tmp_path / "k.pub").write_bytes(pair.public_pem)
    sig = tmp_path / "model.sig.json"
    sig.write_text(_json.dumps(sign_model(model, load_private_key(tmp_path / "k")).bundle))
    check = SignatureCheck()
    assert check.applicable(ScanContext(model_path=model)) is not None  # no signature given: skipped with a reason
    ctx = ScanContext(model_path=model, options={"signature": str(sig), "pub": str(tmp_path / "k.pub")})
    assert check.execute(ctx).findings == ()
    model.write_bytes(b"weights" * 100 + b"!")
    (finding,) = check.execute(ctx).findings
    assert (finding.id, finding.severity) == ("SIG-001", Severity.CRITICAL)
    assert finding.evidence["problems"][0]["kind"] == "modified"


def test_environment_findings_from_pep610_records() -> None:
    from mlsecure.supply_chain.audit import environment_findings
    from mlsecure.supply_chain.engines import InstalledPackage, _with_origin

    vcs = _with_origin("acme", "0.1", '{"url": "https://github.com/acme/acme.git", "vcs_info": {"vcs": "git", '
                                      '"commit_id": "' + "a" * 40 + '"}}')
    archive = _with_origin("blob", "1.0", '{"url": "https://files.example/blob-1.0.tar.gz", "archive_info": {}}')
    local = _with_origin("mine", "0.0", '{"url": "file:///work/mine", "dir_info": {"editable": true}}')
    findings = environment_findings([vcs, archive, local, InstalledPackage("numpy", "2.0"),
                                     InstalledPackage("tourch", "1.0")])
    got = sorted((f.id, f.location.member, f.severity.value) for f in findings)
    assert got == [("SUP-104", "tourch 1.0", "high"), ("SUP-105", "acme 0.1", "low"),
                   ("SUP-105", "blob 1.0", "medium")]


def test_environment_audit_in_a_scan_without_a_vulnerability_source_fails_unless_declined() -> None:
    """Session-5 audit: `mlsecure scan --scan all` audited the environment with no vulnerability source and said
    so as a *medium* SUP-109, so the scan could exit 0 with vulnerabilities never looked up. Not checked by
    default is high (fails); `--option online=false` is the user's choice and stays medium."""
    by_default = DependencyAuditCheck().execute(ScanContext(options={}))
    (sup109,) = [f for f in by_default.findings if f.id == "SUP-109"]
    assert sup109.severity is Severity.HIGH and "--option online=false to accept it" in sup109.title
    declined = DependencyAuditCheck().execute(ScanContext(options={"online": False}))
    (sup109,) = [f for f in declined.findings if f.id == "SUP-109"]
    assert sup109.severity is Severity.MEDIUM


@pytest.mark.parametrize("text", ["", "# pinned elsewhere\n\n", "--index-url https://pypi.org/simple\n"])
def test_a_requirements_file_with_no_requirement_is_exit_2_not_a_clean_audit(
        text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Session-5 audit: `deps audit -r empty.txt` audited 0 requirements and exited 0."""
    req = tmp_path / "r.txt"
    req.write_text(text)
    assert main(["deps", "audit", "-r", str(req), "--no-online"]) == 2
    assert "no requirement in the file" in capsys.readouterr().err


def test_an_invalid_requirement_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "r.txt"
    req.write_text("numpy==1.26.0\nthis is not a requirement!!\n")
    assert main(["deps", "audit", "-r", str(req), "--no-online"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "r.txt:2: not a valid requirement" in err
