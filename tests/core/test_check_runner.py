"""The check contract, the registry and the runner: selection, skip-with-reason, merging, options."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from mlsecure.check import Check, CheckResult, Requirement, ScanContext
from mlsecure.data import Dataset
from mlsecure.errors import CheckError, ConfigError, InputError
from mlsecure.findings import Figure, Finding, Series, Severity
from mlsecure.scan import registry
from mlsecure.scan.runner import ScanNotAvailableError, run_scan, select_checks


class _NeedsData(Check):
    name = "needs-data"
    title = "Needs data"
    group = "testing"
    owasp = ("ML02",)
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.DATA})

    def run(self, ctx: ScanContext) -> CheckResult:
        data = ctx.need_data()
        share = float(np.mean(data.x))
        finding = Finding("TST-001", "mean pixel", Severity.LOW, "ML02", evidence={"mean": share})
        fig = Figure("f", "x", "y", (Series("s", (0.0, 1.0), (share, share)),))
        return CheckResult((finding,), {"mean": share}, {"curve": fig})


class _Broken(Check):
    name = "broken"
    title = "Fails on valid input"
    group = "testing"
    owasp = ("ML01",)

    def run(self, ctx: ScanContext) -> CheckResult:
        raise CheckError("ran out of budget")


def _data() -> Dataset:
    return Dataset(np.array([[0.0, 1.0], [1.0, 1.0]], dtype=np.float32), np.array([0, 1]))


def test_runner_merges_results_and_tags_findings() -> None:
    report = run_scan([_NeedsData], ScanContext(data=_data()), target="t")
    assert report.checks_run == ["needs-data"]
    assert report.findings[0].check == "needs-data"  # tagged by Check.execute
    assert report.metrics["needs-data"]["mean"] == pytest.approx(0.75)
    assert set(report.figures) == {"needs-data.curve"}


def test_runner_skips_with_reasons() -> None:
    report = run_scan([_NeedsData, _Broken], ScanContext(), target="t")
    reasons = {s.check: s.reason for s in report.skipped}
    assert reasons["needs-data"] == "needs data, which this scan was not given"
    assert reasons["broken"] == "could not complete: ran out of budget"
    # fail closed: a check that could not complete is a failing finding, never silence
    assert [(f.id, f.severity.value, f.check) for f in report.findings] == [("SCAN-002", "high", "broken")]
    assert report.findings[0].evidence["error"] == "ran out of budget" and report.checks_run == []


def test_execute_refuses_missing_requirements() -> None:
    with pytest.raises(CheckError, match="needs data"):
        _NeedsData().execute(ScanContext())


def test_registry_refuses_silent_replacement() -> None:
    registry.register("needs-data-test", _NeedsData)
    try:
        registry.register("needs-data-test", _NeedsData)  # same class: idempotent
        with pytest.raises(ConfigError, match="already registered"):
            registry.register("needs-data-test", _Broken)
        registry.register("needs-data-test", _Broken, force=True)
        assert registry.all_checks()["needs-data-test"] is _Broken
    finally:
        registry.unregister("needs-data-test")
    assert "needs-data-test" not in registry.all_checks()


def test_selection_by_group_name_and_unknown() -> None:
    names = {c.name for c in select_checks(["supply-chain"])}
    assert {"serialization", "artifact-scan"} <= names
    assert [c.name for c in select_checks(["serialization,artifact-scan"])] == ["serialization", "artifact-scan"]
    with pytest.raises(InputError, match="unknown scan 'nope'"):
        select_checks(["nope"])
    assert issubclass(ScanNotAvailableError, InputError)


def test_typed_options() -> None:
    ctx = ScanContext(options={"steps": "20", "eps": "0.5", "attacks": "pgd, square", "bad": "x"})
    assert ctx.int_option("steps", 1) == 20 and ctx.int_option("absent", 7) == 7
    assert ctx.float_option("eps", 0.1) == 0.5
    assert ctx.list_option("attacks", []) == ["pgd", "square"]
    assert ctx.list_option("absent", ("a", "b")) == ["a", "b"]
    with pytest.raises(ConfigError, match="option bad must be an integer, got 'x'"):
        ctx.int_option("bad", 0)


def test_evaluation_data_prefers_a_labelled_holdout() -> None:
    train = Dataset(np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1]))
    held = Dataset(np.ones((2, 2), np.float32), np.array([1, 0]))
    unlabelled = Dataset(np.ones((2, 2), np.float32), None)
    assert ScanContext(data=train, holdout=held).evaluation_data() is held
    assert ScanContext(data=train, holdout=unlabelled).evaluation_data() is train
    assert ScanContext(data=train).evaluation_data() is train
