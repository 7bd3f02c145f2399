"""The HTML report in a real headless Chromium (Debian's package, driven by Playwright): it loads
without console errors or network requests, the findings table filters and sorts, figures are visible."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlsecure.findings import Figure, Finding, Location, Report, Series, Severity
from mlsecure.report import render

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _report() -> Report:
    report = Report(target="model.pt + train.csv", tool_version="0.1.0")
    report.extend([
        Finding("ROB-001", "Robust accuracy 12% at eps=0.1", Severity.HIGH, "ML01", ("AML.T0043",),
                Location(path="model.pt"), {"robust_accuracy": 0.12}, "adversarial training", "robustness"),
        Finding("SUP-001", "Pickle-based format", Severity.LOW, "ML06", ("AML.T0010.003",),
                Location(path="model.pt"), {"format": "torchscript"}, "convert", "serialization"),
        Finding("POI-001", "Class 7 has abnormal flagged share", Severity.MEDIUM, "ML02", ("AML.T0020",),
                Location(path="train.csv", rows=(1, 2, 3)), {"share": 0.3}, "review rows", "poisoning"),
    ])
    report.checks_run = ["robustness", "serialization", "poisoning"]
    report.metrics["robustness"] = {"clean_accuracy": 0.97, "per_attack": {"pgd": 0.12}}
    report.figures["robustness.curve"] = Figure(
        "Accuracy vs epsilon", "epsilon", "accuracy",
        (Series("pgd", (0.0, 0.05, 0.1), (0.97, 0.5, 0.12)), Series("fgsm", (0.0, 0.05, 0.1), (0.97, 0.7, 0.4))))
    return report


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_report_in_headless_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "report.html"
    page_file.write_text(render(_report(), "html"), encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            page.goto(page_file.as_uri())
            rows = page.locator("#findings tbody tr")
            assert rows.count() == 3
            assert page.locator("#shown-count").inner_text() == "3 shown"
            # severity filter: high and above leaves only ROB-001
            page.select_option("#filter-severity", "3")
            visible = [r for r in rows.all() if r.is_visible()]
            assert [r.locator("td").nth(1).inner_text() for r in visible] == ["ROB-001"]
            page.select_option("#filter-severity", "0")
            page.fill("#filter-text", "class 7")
            assert [r.locator("td").nth(1).inner_text() for r in rows.all() if r.is_visible()] == ["POI-001"]
            page.fill("#filter-text", "")
            # sorting by id ascending
            page.locator("#findings th", has_text="id").click()
            ids = [r.locator("td").nth(1).inner_text() for r in rows.all()]
            assert ids == sorted(ids)
            # the figure is an inline SVG with real size on screen
            svg = page.locator("[data-figure='robustness.curve'] svg")
            box = svg.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100
            assert "Accuracy vs epsilon" in (svg.text_content() or "")
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests
