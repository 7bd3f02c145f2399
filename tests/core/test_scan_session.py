"""The scan session: inputs parsed once, typed options validated, in-memory objects accepted."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mlsecure
from mlsecure.check import ScanContext
from mlsecure.data import tables
from mlsecure.errors import ConfigError
from mlsecure.scan import options as typed
from mlsecure.scan.registry import BUILTIN_CHECK_MODULES, all_checks
from mlsecure.scan.session import Session

SRC = Path(__file__).resolve().parents[2] / "src"


def _tables(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame, Any]:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["group"] = np.where(rng.random(300) < 0.5, "f", "m")
    frame["label"] = y
    train = tmp_path / "train.csv"
    frame.to_csv(train, index=False)
    serving = frame.copy()
    serving["a"] = serving["a"] + 1.5  # a shifted serving feed: drift in one column
    current = tmp_path / "serving.csv"
    serving.to_csv(current, index=False)
    model = LogisticRegression().fit(x, y)
    return train, current, frame, model


def _spy(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the parses of each file by the one table reader every loader goes through."""
    calls: Counter[str] = Counter()
    real = tables._read

    def counting(pd_module: Any, table: Any) -> Any:
        calls[str(Path(table.source).name)] += 1
        return real(pd_module, table)

    monkeypatch.setattr(tables, "_read", counting)
    return calls


FAST = {"multivariate": "mmd", "n_perm": 20, "mmd_samples": 100}  # drift, quickly
FAIR = {"sensitive": "group", "n_boot": 20}


def test_each_input_file_is_parsed_once_per_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    train, current, _, model = _tables(tmp_path)
    calls = _spy(monkeypatch)
    report = Session(model, train, checks="drift,fairness",
                     options={**FAST, **FAIR, "current": str(current)}).run()
    assert sorted(report.checks_run) == ["drift", "fairness"]
    assert any(f.check == "drift" for f in report.findings)  # the shifted column was seen
    # drift reads --data again as its reference and fairness reads it for the sensitive column:
    # both get the session's parsed table
    assert calls == Counter({"train.csv": 1, "serving.csv": 1})


def test_without_the_session_reader_the_data_file_is_parsed_again(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The spy can fail: checks given the default reader (no session) re-parse the data file."""
    from dataclasses import replace

    train, current, _, model = _tables(tmp_path)
    session = Session(model, train, checks="drift", options={**FAST, "current": str(current)},
                      exclude_columns=["group"])
    calls = _spy(monkeypatch)
    session.context = replace(session.context, read_table=ScanContext().read_table)
    session.run()
    assert calls == Counter({"train.csv": 1, "serving.csv": 1})  # counted from here: the re-parse


def test_python_api_is_the_package_and_is_callable(tmp_path: Path) -> None:
    train, current, frame, _ = _tables(tmp_path)
    assert mlsecure.Session is Session
    assert mlsecure.scan.Session is Session
    report = mlsecure.scan(data=train, checks="drift", options={**FAST, "current": str(current)},
                           exclude_columns=["group"])
    from_frame = mlsecure.scan(data=frame, checks="drift", options={**FAST, "current": str(current)},
                               exclude_columns=["group"])
    assert report.checks_run == from_frame.checks_run == ["drift"]
    columns = {f.location.column for f in report.findings if f.location.column}
    assert "a" in columns
    assert columns == {f.location.column for f in from_frame.findings if f.location.column}


def test_import_mlsecure_is_cheap() -> None:
    code = ("import sys, mlsecure; heavy = [m for m in ('torch', 'sklearn', 'pandas', 'numpy', 'mlsecure.scan') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SRC)})
    assert out.stdout.strip() == "[]"


def test_unknown_option_names_the_check_and_offers_the_closest() -> None:
    with pytest.raises(ConfigError, match=r"check 'drift' declares no option 'min_pis'.*did you mean 'min_psi'"):
        Session(data=np.zeros((4, 2)), checks="drift", options={"min_pis": 0.2})
    with pytest.raises(ConfigError, match="an option of 'fairness', which this scan does not run"):
        Session(data=np.zeros((4, 2)), checks="drift", options={"sensitive": "sex"})


def test_shared_name_with_two_meanings_needs_the_check_prefix() -> None:
    checks = [all_checks()["drift"], all_checks()["poisoning"]]
    with pytest.raises(ConfigError, match="means different things"):
        typed.resolve(checks, {"alpha": "0.1"})
    resolved = typed.resolve(checks, {"drift.alpha": "0.1", "seed": "3"})
    assert resolved["drift"].alpha == 0.1
    assert resolved["poisoning"].alpha == 0.01  # the declared default, untouched
    assert resolved["drift"].seed == resolved["poisoning"].seed == 3  # same meaning: one name sets both


def test_strings_are_converted_by_the_declared_type() -> None:
    drift = [all_checks()["drift"]]
    resolved = typed.resolve(drift, {"multivariate": "c2st, mmd", "n_perm": "50", "reference": "ref.csv"})
    assert resolved["drift"].multivariate == ("c2st", "mmd")
    assert resolved["drift"].n_perm == 50
    assert resolved["drift"].reference == Path("ref.csv")
    with pytest.raises(ConfigError, match=r"drift\.n_perm must be an integer, got 'many'"):
        typed.resolve(drift, {"n_perm": "many"})
    with pytest.raises(ConfigError, match="must be an integer"):
        typed.resolve(drift, {"n_perm": 2.5})
    robustness = [all_checks()["adversarial-robustness"]]
    assert typed.resolve(robustness, {"epsilon": "0.03,0.1"})["adversarial-robustness"].epsilon == (0.03, 0.1)


def test_every_option_a_check_reads_is_declared() -> None:
    """A check reading an option its ``Options`` lacks would silently never see the user's value."""
    pattern = re.compile(r"option\(\s*\"([a-z_0-9]+)\"")
    for module_name in BUILTIN_CHECK_MODULES:
        module = importlib.import_module(module_name)
        read = set(pattern.findall(Path(module.__file__ or "").read_text(encoding="utf-8")))
        declared = {s.name for cls in module.CHECKS for s in typed.specs(cls)}
        assert read <= declared, (module_name, sorted(read - declared))


def test_in_memory_torch_module_takes_its_input_shape_from_the_data() -> None:
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(5, 3))
    x, y = np.random.default_rng(0).random((20, 5)), np.arange(20) % 3
    session = Session(net, (x, y), checks="adversarial-robustness")
    assert session.context.model is not None
    assert session.context.model.input_shape == (5,)
    assert session.context.data is not None and session.context.data.x.shape == (20, 5)


def test_report_renders_in_jupyter_with_the_html_template() -> None:
    import html

    from mlsecure.findings import Finding, Report, Severity
    from mlsecure.report import render

    report = Report(target="<script>x</script>", tool_version="t")
    report.findings.append(Finding(id="T-1", title="a <b>bold</b> title", severity=Severity.HIGH, owasp="ML06"))
    shown = report._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" title="[^"]*" sandbox="allow-scripts" style="[^"]*"></iframe>',
                         shown)
    assert match is not None
    assert html.unescape(match.group(1)) == render(report, "html")
    assert "<script>x</script>" not in shown  # escaped twice over: attribute and document


def test_docs_options_table_is_generated_from_the_dataclasses() -> None:
    docs = (SRC.parent / "docs" / "scan.md").read_text(encoding="utf-8")
    table = docs.split("<!-- options-table:start -->\n", 1)[1].split("<!-- options-table:end -->", 1)[0]
    assert table == typed.markdown_table(list(all_checks().values()))


def test_html_report_has_contents_and_a_details_table_per_event() -> None:
    from mlsecure.findings import Finding, Report, Severity, Skipped
    from mlsecure.report import render

    report = Report(target="t", tool_version="t")
    details = [{"column": "pixel_0", "psi": 0.5}, {"column": "pixel_8", "psi": 0.25}]
    report.findings.append(Finding(id="SKEW-010", title="Feature distributions drifted in 2 columns",
                                   severity=Severity.HIGH, owasp="ML08", check="drift",
                                   evidence={"columns": ["pixel_0", "pixel_8"], "details": details}))
    report.checks_run.append("drift")
    report.metrics["drift"] = {"features_tested": 64}
    report.skipped.append(Skipped("fairness", "needs --option sensitive"))
    page = render(report, "html")
    toc = page.split('<nav id="toc"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="#([^"]+)"', toc) == ["summary", "findings-heading", "check-drift", "skipped-heading"]
    for anchor in ("summary", "findings-heading", "check-drift", "skipped-heading"):
        assert f'id="{anchor}"' in page
    table = page.split('class="metrics records evidence-details"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<td>([^<]*)</td>", table) == ["pixel_0", "0.5", "pixel_8", "0.25"]


def test_cli_option_typo_exits_2_with_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.cli.main import main

    train, current, _, _ = _tables(tmp_path)
    assert main(["scan", "--scan", "drift", "--data", str(train), "--exclude-column", "group",
                 "--option", f"current={current}", "--option", "min_pis=0.3"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "did you mean 'min_psi' (drift)?" in err


def test_cli_list_options_prints_the_declared_fields(capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.cli.main import main

    assert main(["scan", "--list-options", "--scan", "drift"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "drift:"
    assert "  min_psi=a number (default 0.1): smallest PSI reported as drift" in out
