"""One local[2] SparkSession for every Spark test of this folder: the JVM takes 7-30 s to start, once, and stops
after the last test that asked for it (not at the end of the whole run)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_LAST_USER: dict[str, str] = {}
_SESSION: dict[str, Any] = {}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        reason = "Spark needs a Java 17 runtime (apt-get install openjdk-17-jre-headless)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI must install Java (see .ci/run): {reason}")  # as tests/conftest.py does for imports
        pytest.skip(reason)
    from mlsecure.engines.tables.spark import spark_session

    _SESSION["spark"] = spark_session("local[2]")  # the CLI's `--engine spark` gets this session (getOrCreate)
    yield _SESSION["spark"]
    _stop()


def _stop() -> None:
    session = _SESSION.pop("spark", None)
    if session is not None:
        session.stop()


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    users = [item.nodeid for item in items
             if item.path.is_relative_to(here) and "spark" in getattr(item, "fixturenames", ())]
    if users:
        _LAST_USER["nodeid"] = users[-1]


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    if item.nodeid == _LAST_USER.get("nodeid"):
        _stop()
