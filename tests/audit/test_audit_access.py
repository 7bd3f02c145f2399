"""The guide's data-access decorator (section 16.2) writing to the chained store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from audit_fixtures import HMAC_KEY

from mlsecure.audit import log_data_access, open_store


def test_decorator_logs_success_and_failure(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db", hmac_key=HMAC_KEY) as store:

        @log_data_access(store)
        def load_training_data(data_uri: str, *, user_id: str = "system") -> list[int]:
            if "missing" in data_uri:
                raise FileNotFoundError(f"no such table with SSN 123-45-6789: {data_uri}")
            return [1, 2, 3]

        @log_data_access(store, actor="etl-bot")
        def fit(table: np.ndarray) -> float:
            return float(table.sum())

        assert load_training_data("s3://bucket/train.parquet", user_id="alice") == [1, 2, 3]
        with pytest.raises(FileNotFoundError):
            load_training_data(data_uri="s3://bucket/missing.parquet")
        assert fit(np.full((2, 2), 7.0)) == 28.0
        records = list(store.query(event_type="data_access"))
        assert store.verify().ok
    ok, failed, arr = (r.event for r in records)
    assert (ok.actor, ok.action, ok.resource, ok.outcome) == ("alice", "load_training_data",
                                                               "s3://bucket/train.parquet", "allowed")
    assert ok.latency_ms is not None and ok.latency_ms >= 0
    assert (failed.actor, failed.outcome, failed.details["error"]) == ("system", "error", "FileNotFoundError")
    assert "123-45-6789" not in failed.canonical_json().decode()  # exception messages may quote data
    assert (arr.actor, arr.resource) == ("etl-bot", "<ndarray>")  # never str(DataFrame / array)
    assert load_training_data.__name__ == "load_training_data"
