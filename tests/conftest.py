"""Shared fixtures: the built-in digits data and tiny models trained once per test session."""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Generator, Iterator
from typing import Any

# One thread per native pool (OpenMP, OpenBLAS, MKL, torch's intra-op pool), set before numpy, scipy, scikit-learn or
# torch is first imported; subprocesses the tests start inherit it. The suite's arrays are small, so extra threads
# only wait for each other, and on a loaded 2-core machine they spin while their partner is descheduled. Measured
# there in one process (load average 12-18): a 64-128-10 MLP's 300 Adam steps 95 s wall / 19.7 s CPU with torch's 2
# threads, 6 s / 0.9 s with 1; two drift C2ST + MMD tests (scikit-learn's OpenMP, OpenBLAS) 122-190 s / 22-29 s CPU
# with 2 threads, 3-4 s / 0.5 s with 1. An explicit setting in the environment wins. The Ray workers the engine
# tests start already run with OMP_NUM_THREADS=1 (Ray's default).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from mlsecure.data import Dataset, load_builtin  # noqa: E402

if os.environ["OMP_NUM_THREADS"] == "1":
    threadpool_limits(1)  # for a pool a plugin loaded before this file (the variables are read at load)

# CI replays the same property-test examples every run (a failure there is reproducible and never a fluke
# of the draw); a local run keeps exploring new ones. `.ci/run` sets MLSECURE_HYPOTHESIS_PROFILE=ci.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("MLSECURE_HYPOTHESIS_PROFILE", "default"))

# CI installs every peer that an oracle test compares against (ART, torchattacks, statsmodels, Flower...), so
# under CI=true a test skipped because an import failed is a defect of `.ci/run`, not a skip: it fails, and
# the oracle's agreement is never reported as tested while it silently did not run. Local runs keep skipping.
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_MISSING_IMPORT = "could not import"


def _fail_missing_import(report: pytest.CollectReport | pytest.TestReport) -> None:
    if _IN_CI and report.skipped and _MISSING_IMPORT in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"CI must install this test's dependency (see .ci/run): {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, None, None]:
    outcome = yield
    _fail_missing_import(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    _fail_missing_import(outcome.get_result())


_LAST_RAY_USER: dict[str, str] = {}


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """One local Ray cluster of 2 CPUs for the engine tests and Flower's simulation tests (Ray takes 5-15 s to start on
    2 shared cores): both use a Ray already initialised as it is. Shut down after the last test that asked for it."""
    ray = pytest.importorskip("ray")
    _SIGTERM_BEFORE_RAY["handler"] = signal.getsignal(signal.SIGTERM)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    _shutdown_ray()


_SIGTERM_BEFORE_RAY: dict[str, Any] = {}


def _shutdown_ray() -> None:
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        ray.shutdown()
        gc.collect()  # ray.shutdown() leaves its node processes' Popen objects to the collector (users ignore that)
    if "handler" in _SIGTERM_BEFORE_RAY:
        # ray.init installs a SIGTERM handler (sys.exit) that ray.shutdown leaves behind; the later tests' processes
        # forked from pytest would inherit it instead of the default action
        signal.signal(signal.SIGTERM, _SIGTERM_BEFORE_RAY.pop("handler"))


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    users = [item.nodeid for item in items if "ray_cluster" in getattr(item, "fixturenames", ())]
    if users:
        _LAST_RAY_USER["nodeid"] = users[-1]


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    if item.nodeid == _LAST_RAY_USER.get("nodeid"):
        _shutdown_ray()


@pytest.fixture(scope="session")
def digits() -> Dataset:
    return load_builtin("digits")


@pytest.fixture(scope="session")
def digits_split(digits: Dataset) -> tuple[Dataset, Dataset]:
    """A fixed 70/30 train/test split of digits."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(digits))
    cut = int(0.7 * len(digits))
    return digits.subset(order[:cut]), digits.subset(order[cut:])


@pytest.fixture(scope="session")
def digits_logreg(digits_split: tuple[Dataset, Dataset]):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    train, _ = digits_split
    return LogisticRegression(max_iter=1000).fit(train.x, train.y)


@pytest.fixture(scope="session")
def digits_mlp(digits_split: tuple[Dataset, Dataset]):  # type: ignore[no-untyped-def]
    """A 64-64-10 torch MLP trained to ~95% test accuracy in about a second."""
    torch = pytest.importorskip("torch")
    train, _ = digits_split
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    x = torch.from_numpy(train.x)
    y = torch.from_numpy(train.y)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only add contention on a shared machine
    try:
        for _ in range(150):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    return net.eval()
