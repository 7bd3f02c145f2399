"""Audit events: validation, canonical JSON, hashing of inputs."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlsecure.audit import AuditEvent, hash_input
from mlsecure.errors import InputError


def _event(**kw: object) -> AuditEvent:
    base: dict[str, object] = {"event_type": "prediction", "actor": "alice", "action": "predict",
                               "resource": "m:1"}
    base.update(kw)
    return AuditEvent(**base)  # type: ignore[arg-type]


def test_defaults_are_utc_now_and_a_fresh_id() -> None:
    a, b = _event(), _event()
    assert a.timestamp.tzinfo == UTC and abs(datetime.now(UTC) - a.timestamp) < timedelta(seconds=5)
    assert a.event_id != b.event_id and len(a.event_id) == 32
    assert a.outcome == "allowed" and a.details == {}


def test_canonical_json_is_sorted_compact_and_stable() -> None:
    plus_one = timezone(timedelta(hours=1))
    event = _event(details={"b": 1, "a": (1, 2)}, timestamp=datetime(2026, 1, 1, 1, 0, tzinfo=plus_one),
                   event_id="e1")
    text = event.canonical_json().decode()
    assert text.startswith('{"action":"predict","actor":"alice","details":{"a":[1,2],"b":1},"event_id":"e1"')
    assert '"timestamp":"2026-01-01T00:00:00.000000Z"' in text
    assert AuditEvent.from_json(text) == event
    assert AuditEvent.from_json(text).canonical_json() == event.canonical_json()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("outcome", "success", "outcome"),
    ("actor", "", "actor"),
    ("input_hash", "abc", "SHA-256"),
    ("input_hash", "A" * 64, "SHA-256"),
    ("details", {"x": float("nan")}, "JSON"),
    ("details", {1: "x"}, "string keys"),
    ("details", {"x": object()}, "JSON"),
    ("latency_ms", float("inf"), "finite"),
    ("timestamp", datetime(2026, 1, 1), "timezone"),
])
def test_invalid_fields_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _event(**{field: value})


def test_from_dict_names_unknown_and_missing_fields() -> None:
    data = _event().to_dict()
    with pytest.raises(InputError, match="unknown audit event field"):
        AuditEvent.from_dict({**data, "raw_input": [1, 2]})
    del data["actor"]
    with pytest.raises(InputError, match="lacks field"):
        AuditEvent.from_dict(data)


def test_hash_input_known_answers() -> None:
    # FIPS 180-2 appendix B.1: SHA-256("abc")
    assert hash_input("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_input(b"abc") == hash_input("abc")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    expected = hashlib.sha256(b"ndarray:<f4:(2, 3):" + x.tobytes()).hexdigest()
    assert hash_input(x) == expected == hash_input(np.asfortranarray(x))
    assert hash_input(x) != hash_input(x.reshape(3, 2))
    assert hash_input({"b": [1], "a": 2}) == hashlib.sha256(b'{"a":2,"b":[1]}').hexdigest()


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                           | st.text(max_size=10), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=10)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=4), st.text(min_size=1, max_size=20))
def test_round_trip_through_json(details: dict[str, object], actor: str) -> None:
    event = _event(details=details, actor=actor)
    again = AuditEvent.from_json(json.dumps(event.to_dict()))
    assert again == event and again.canonical_json() == event.canonical_json()
