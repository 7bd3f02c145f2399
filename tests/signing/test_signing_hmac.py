"""The guide's HMAC manifest, done right: constant-time comparison, no mutation, clear failures."""

from __future__ import annotations

import copy
import hmac
from pathlib import Path

import pytest

from mlsecure.artifacts.signing import hmac_sign_model, hmac_verify_model
from mlsecure.errors import ConfigError

KEY = b"0123456789abcdef0123456789abcdef"


def test_round_trip_and_tamper(model_dir: Path) -> None:
    document = hmac_sign_model(model_dir, KEY)
    assert hmac_verify_model(model_dir, document, KEY).valid
    (model_dir / "config.json").write_text("{}")
    result = hmac_verify_model(model_dir, document, KEY)
    assert [(p.kind, p.path) for p in result.problems] == [("modified", "config.json")]


def test_verification_never_mutates_the_manifest(model_dir: Path) -> None:
    document = hmac_sign_model(model_dir, KEY)
    snapshot = copy.deepcopy(document)
    hmac_verify_model(model_dir, document, KEY)
    hmac_verify_model(model_dir, document, b"another key of 32 bytes........")
    assert document == snapshot  # the guide's version pops and re-inserts "signature"


def test_missing_signature_is_a_clear_failure(model_dir: Path) -> None:
    document = hmac_sign_model(model_dir, KEY)
    del document["signature"]
    result = hmac_verify_model(model_dir, document, KEY)
    assert not result.valid
    assert result.problems[0].message == "the manifest has no signature"


def test_wrong_key_and_edited_manifest_fail(model_dir: Path) -> None:
    document = hmac_sign_model(model_dir, KEY)
    assert not hmac_verify_model(model_dir, document, b"Z" * 32).valid
    edited = copy.deepcopy(document)
    edited["resources"][0]["digest"] = "0" * 64
    assert [p.kind for p in hmac_verify_model(model_dir, edited, KEY).problems] == ["bad-signature"]


def test_tag_is_compared_in_constant_time(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    document = hmac_sign_model(model_dir, KEY)
    assert hmac_verify_model(model_dir, document, KEY).valid
    assert len(calls) == 1 and all(isinstance(x, bytes) for x in calls[0])


def test_short_keys_are_refused(model_dir: Path) -> None:
    with pytest.raises(ConfigError, match="at least 16"):
        hmac_sign_model(model_dir, b"secret")
